// Package syndication writes a list of papers as an Atom 1.0, RSS 2.0 or
// JSON Feed 1.1 document. It knows the formats and nothing of the site's
// store or handlers: internal/web builds a Feed and hands it over with the
// Site it is written for.
//
// The documents are written by hand, not with a feed library, so that
// escaping is exactly what each format needs: Atom text constructs are
// type="text"; RSS titles are plain text with &, < and > as hexadecimal
// character references (the RSS Best Practices Profile's advice, which
// aggregators that treat titles as HTML also read right) and RSS
// descriptions are entity-encoded HTML; nothing uses CDATA, so "]]>" in an
// abstract is just text. JSON Feed is version 1.1 (gorilla/feeds writes 1.0).
// The output is deterministic, so ETags are stable and golden files work.
//
// Every item's id (Atom id, RSS guid, JSON Feed id) is the paper's
// canonical arXiv id as its version-less abstract URL,
// https://arxiv.org/abs/2509.02547: an IRI, as Atom requires, the same in
// every feed and format and across new arXiv versions, so readers never
// show a paper twice. The item's link is the paper's page on the site.
package syndication

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Format is one feed format.
type Format struct {
	Ext  string // in the URL, without the dot
	MIME string // without parameters, for autodiscovery
	Name string // for people
}

// Formats are the formats, Atom first: autodiscovery offers them in this
// order and readers that take one take the first.
var Formats = []Format{
	{"atom", "application/atom+xml", "Atom"},
	{"rss", "application/rss+xml", "RSS"},
	{"json", "application/feed+json", "JSON Feed"},
}

// FormatOf is the format whose extension is ext.
func FormatOf(ext string) (Format, bool) {
	for _, f := range Formats {
		if f.Ext == ext {
			return f, true
		}
	}
	return Format{}, false
}

// Site is what a document says of the site that serves it. It is a
// parameter rather than package state so that one process can serve
// several sites and tests can write any.
type Site struct {
	BaseURL string // no trailing slash; site paths are appended to it
	Name    string
	// CategoryLabels names arXiv categories ("cs.CL": "Computation and
	// Language") for the Atom category labels; a category it lacks has none.
	CategoryLabels map[string]string
}

// abs makes a site path absolute.
func (s Site) abs(path string) string { return s.BaseURL + path }

// selfURL is the feed's own address in the format with extension ext.
func (s Site) selfURL(feed *Feed, ext string) string {
	return s.abs(feed.Path + "." + ext + feed.Query)
}

// Feed is a feed before it is written in a format.
type Feed struct {
	Title, Description string
	Path               string // the canonical address without the extension
	Query              string // "" or "?q=..."
	Home               string // the page the feed follows
	Updated            time.Time
	// Chronological feeds change only when a newer item comes, so the
	// newest item's time can be their Last-Modified.
	Chronological bool
	Entries       []Entry
}

// Entry is one paper of a feed. Its texts are already safe for every
// format (see Text).
type Entry struct {
	ID                 paper.ID
	Title, Abstract    string
	Authors            []string
	Categories         []string
	Published, Updated time.Time
	Image              string // the absolute address of the paper's title card
}

// Marshal writes the feed in format f.
func Marshal(feed *Feed, f Format, site Site) ([]byte, error) {
	switch f.Ext {
	case "atom":
		return Atom(feed, site), nil
	case "rss":
		return RSS(feed, site), nil
	case "json":
		return JSON(feed, site)
	}
	return nil, fmt.Errorf("syndication: no format %q", f.Ext)
}

// Text makes text safe for every format: characters XML 1.0 cannot
// carry (most control characters, invalid UTF-8) become U+FFFD, line ends
// become \n, and the ends are trimmed (feed parsers trim them anyway).
func Text(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	ok := true
	for _, r := range s {
		if !xmlChar(r) || r == '\r' || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case !xmlChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar reports whether XML 1.0 allows r (its production Char).
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
