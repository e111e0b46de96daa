// Package arxiv fetches paper metadata from arXiv and maps it to
// paper.Paper: single papers from the arXiv API
// (https://info.arxiv.org/help/api/), an Atom 1.0 feed extended with the
// arxiv: and opensearch: namespaces, and lists of records over OAI-PMH
// (oai.go).
package arxiv

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// XML namespaces of the API's feed.
const (
	nsAtom       = "http://www.w3.org/2005/Atom"
	nsArxiv      = "http://arxiv.org/schemas/atom"
	nsOpenSearch = "http://a9.com/-/spec/opensearch/1.1/"
)

// Feed is one parsed API response.
type Feed struct {
	// Papers holds the feed's entries in order.
	Papers []paper.Paper
	// TotalResults is opensearch:totalResults, the number of matches of
	// the query (not only those on this page).
	TotalResults int
	// Updated is when arXiv produced the feed.
	Updated time.Time
}

// APIError is an error the API reported inside the feed: a single entry
// whose id is under https://arxiv.org/api/errors, with the message as its
// summary (arXiv answers a malformed id so, with HTTP 400).
type APIError struct {
	Message string
}

func (e *APIError) Error() string { return "arXiv API: " + e.Message }

type xmlFeed struct {
	XMLName      xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	Updated      string     `xml:"http://www.w3.org/2005/Atom updated"`
	TotalResults string     `xml:"http://a9.com/-/spec/opensearch/1.1/ totalResults"`
	Entries      []xmlEntry `xml:"http://www.w3.org/2005/Atom entry"`
}

type xmlEntry struct {
	ID         string        `xml:"http://www.w3.org/2005/Atom id"`
	Title      string        `xml:"http://www.w3.org/2005/Atom title"`
	Summary    string        `xml:"http://www.w3.org/2005/Atom summary"`
	Published  string        `xml:"http://www.w3.org/2005/Atom published"`
	Updated    string        `xml:"http://www.w3.org/2005/Atom updated"`
	Authors    []xmlAuthor   `xml:"http://www.w3.org/2005/Atom author"`
	Categories []xmlCategory `xml:"http://www.w3.org/2005/Atom category"`
	Primary    xmlCategory   `xml:"http://arxiv.org/schemas/atom primary_category"`
	Comment    string        `xml:"http://arxiv.org/schemas/atom comment"`
	JournalRef string        `xml:"http://arxiv.org/schemas/atom journal_ref"`
	DOI        string        `xml:"http://arxiv.org/schemas/atom doi"`
}

type xmlAuthor struct {
	Name string `xml:"http://www.w3.org/2005/Atom name"`
}

type xmlCategory struct {
	Term string `xml:"term,attr"`
}

// ParseFeed reads an API response body. Each entry becomes a paper.Paper:
// the canonical id without version, the latest version (the entry id's vN
// suffix) dated Updated and version 1 dated Published, the primary category
// first, titles, abstracts and comments with their line wrapping folded.
// AsOf is the feed's own date. If the feed is an API error report, ParseFeed
// returns the feed and an *APIError.
func ParseFeed(r io.Reader) (Feed, error) {
	var xf xmlFeed
	dec := xml.NewDecoder(r)
	if err := dec.Decode(&xf); err != nil {
		if err == io.EOF {
			return Feed{}, errors.New("arxiv: parsing feed: no XML element in the response")
		}
		return Feed{}, fmt.Errorf("arxiv: parsing feed: %w", err)
	}
	var f Feed
	var err error
	if f.Updated, err = parseTime(xf.Updated); err != nil {
		return Feed{}, fmt.Errorf("arxiv: feed updated: %w", err)
	}
	if s := strings.TrimSpace(xf.TotalResults); s != "" {
		if f.TotalResults, err = strconv.Atoi(s); err != nil || f.TotalResults < 0 {
			return Feed{}, fmt.Errorf("arxiv: feed totalResults %q is not a count", s)
		}
	}
	for _, e := range xf.Entries {
		if strings.Contains(e.ID, "/api/errors") {
			msg := paper.CleanText(e.Summary)
			if msg == "" {
				msg = strings.TrimSpace(e.ID)
			}
			return f, &APIError{Message: msg}
		}
	}
	f.Papers = make([]paper.Paper, 0, len(xf.Entries))
	for i, e := range xf.Entries {
		p, err := e.paper()
		if err != nil {
			return Feed{}, fmt.Errorf("arxiv: feed entry %d (%q): %w", i+1, strings.TrimSpace(e.ID), err)
		}
		p.AsOf = f.Updated
		f.Papers = append(f.Papers, p)
	}
	return f, nil
}

func (e *xmlEntry) paper() (paper.Paper, error) {
	id, v, err := paper.ParseID(e.ID)
	if err != nil {
		return paper.Paper{}, err
	}
	p := paper.Paper{
		ID:         id,
		Title:      paper.CleanText(e.Title),
		Abstract:   paper.CleanText(e.Summary),
		Comments:   paper.CleanText(e.Comment),
		JournalRef: paper.CleanText(e.JournalRef),
		DOI:        strings.TrimSpace(e.DOI),
	}
	if p.Published, err = parseTime(e.Published); err != nil {
		return paper.Paper{}, fmt.Errorf("published: %w", err)
	}
	if p.Updated, err = parseTime(e.Updated); err != nil {
		return paper.Paper{}, fmt.Errorf("updated: %w", err)
	}
	for _, a := range e.Authors {
		if name := paper.CleanText(a.Name); name != "" {
			p.Authors = append(p.Authors, paper.Author{Name: name})
		}
	}
	terms := []string{e.Primary.Term}
	for _, c := range e.Categories {
		terms = append(terms, c.Term)
	}
	p.Categories = categories(terms...)
	// The entry id names the version the feed describes, which is the
	// latest one unless a version was asked for. Intermediate versions'
	// dates are not in the feed.
	if v == 0 {
		v = 1
	}
	if !p.Published.IsZero() {
		p.Versions = append(p.Versions, paper.Version{N: 1, Date: p.Published})
	}
	if v > 1 || p.Published.IsZero() {
		p.Versions = append(p.Versions, paper.Version{N: v, Date: p.Updated})
	}
	p.Withdrawn = paper.IsWithdrawn(p.Comments)
	return p, nil
}

// categories lists the terms, the primary category first, in order and
// without duplicates or blanks.
func categories(terms ...string) []string {
	var out []string
	seen := make(map[string]bool, len(terms))
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return t.UTC(), nil
}
