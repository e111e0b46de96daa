package syndication

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// The arXiv category scheme, as arXiv's own Atom API names it.
const arxivCategoryScheme = "http://arxiv.org/schemas/atom"

// Atom writes the feed as an Atom 1.0 document.
func Atom(feed *Feed, site Site) []byte {
	var x xmlWriter
	x.b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	x.open("feed", "xmlns", "http://www.w3.org/2005/Atom")
	x.leaf("title", feed.Title, "type", "text")
	x.leaf("subtitle", feed.Description, "type", "text")
	x.leaf("id", site.selfURL(feed, "atom"))
	x.leaf("updated", feed.Updated.Format(time.RFC3339))
	x.empty("link", "rel", "self", "type", "application/atom+xml", "href", site.selfURL(feed, "atom"))
	x.empty("link", "rel", "alternate", "type", "text/html", "href", site.abs(feed.Home))
	x.open("author")
	x.leaf("name", site.Name)
	x.leaf("uri", site.abs("/"))
	x.close("author")
	x.leaf("generator", site.Name, "uri", site.abs("/"))
	for _, e := range feed.Entries {
		x.open("entry")
		x.leaf("id", e.ID.AbsURL())
		x.leaf("title", e.Title, "type", "text")
		x.empty("link", "rel", "alternate", "type", "text/html", "href", site.abs(e.ID.Path()))
		x.empty("link", "rel", "related", "type", "text/html", "title", "arXiv", "href", e.ID.AbsURL())
		x.leaf("published", e.Published.Format(time.RFC3339))
		x.leaf("updated", e.Updated.Format(time.RFC3339))
		for _, a := range e.Authors {
			x.open("author")
			x.leaf("name", a)
			x.close("author")
		}
		for _, c := range e.Categories {
			attrs := []string{"term", c, "scheme", arxivCategoryScheme}
			if n, ok := site.CategoryLabels[c]; ok {
				attrs = append(attrs, "label", n)
			}
			x.empty("category", attrs...)
		}
		if e.Abstract != "" {
			x.leaf("summary", e.Abstract, "type", "text")
		}
		x.close("entry")
	}
	x.close("feed")
	return x.b.Bytes()
}

// RSS writes the feed as an RSS 2.0 document.
func RSS(feed *Feed, site Site) []byte {
	var x xmlWriter
	x.b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	x.open("rss", "version", "2.0", "xmlns:atom", "http://www.w3.org/2005/Atom", "xmlns:dc", "http://purl.org/dc/elements/1.1/")
	x.open("channel")
	x.leaf("title", feed.Title)
	x.leaf("link", site.abs(feed.Home))
	x.leaf("description", feed.Description)
	x.leaf("lastBuildDate", feed.Updated.Format(http.TimeFormat))
	x.leaf("generator", site.Name)
	x.empty("atom:link", "rel", "self", "type", "application/rss+xml", "href", site.selfURL(feed, "rss"))
	for _, e := range feed.Entries {
		x.open("item")
		x.leaf("title", e.Title)
		x.leaf("link", site.abs(e.ID.Path()))
		// Not a permalink: the link, not the guid, is where readers go.
		x.leaf("guid", e.ID.AbsURL(), "isPermaLink", "false")
		x.leaf("pubDate", e.Published.Format(http.TimeFormat))
		for _, a := range e.Authors {
			x.leaf("dc:creator", a)
		}
		for _, c := range e.Categories {
			x.leaf("category", c)
		}
		if e.Abstract != "" {
			// RSS descriptions are HTML: the plain abstract is escaped as
			// HTML first, then as XML.
			x.leaf("description", htmlText.Replace(e.Abstract))
		}
		x.close("item")
	}
	x.close("channel")
	x.close("rss")
	return x.b.Bytes()
}

// htmlText escapes plain text for HTML element content.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// xmlWriter writes indented XML. Text and attribute values go through
// xmlEscape; names are the program's own.
type xmlWriter struct {
	b     bytes.Buffer
	depth int
}

func (x *xmlWriter) start(name string, attrs []string) {
	x.b.WriteString(strings.Repeat("  ", x.depth))
	x.b.WriteByte('<')
	x.b.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		x.b.WriteByte(' ')
		x.b.WriteString(attrs[i])
		x.b.WriteString(`="`)
		xmlEscape(&x.b, attrs[i+1], true)
		x.b.WriteByte('"')
	}
}

// open starts an element that holds elements.
func (x *xmlWriter) open(name string, attrs ...string) {
	x.start(name, attrs)
	x.b.WriteString(">\n")
	x.depth++
}

func (x *xmlWriter) close(name string) {
	x.depth--
	x.b.WriteString(strings.Repeat("  ", x.depth))
	x.b.WriteString("</" + name + ">\n")
}

// leaf writes an element that holds text.
func (x *xmlWriter) leaf(name, text string, attrs ...string) {
	x.start(name, attrs)
	x.b.WriteByte('>')
	xmlEscape(&x.b, text, false)
	x.b.WriteString("</" + name + ">\n")
}

// empty writes an element without content.
func (x *xmlWriter) empty(name string, attrs ...string) {
	x.start(name, attrs)
	x.b.WriteString("/>\n")
}

// xmlEscape writes s as XML character data or, with attr, as an attribute
// value (in double quotes). &, < and > are always written as hexadecimal
// character references, which every XML parser reads and which RSS
// aggregators that take plain text for HTML do not mistake for markup;
// "]]>" thus never appears. Characters XML cannot carry become U+FFFD.
func xmlEscape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&#x26;")
		case r == '<':
			b.WriteString("&#x3C;")
		case r == '>':
			b.WriteString("&#x3E;")
		case r == '"' && attr:
			b.WriteString("&#x22;")
		case r == '\r' || (attr && (r == '\n' || r == '\t')):
			fmt.Fprintf(b, "&#x%X;", r) // kept as it is, not normalised away
		case !xmlChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
}
