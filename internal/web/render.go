package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// templates maps a page name to its template set (the layout plus the page).
type templates struct {
	pages map[string]*template.Template
	// partials is the layout with the partials alone, for executing one
	// of them on its own: the paper card (card_cache.go).
	partials *template.Template
}

var funcs = template.FuncMap{
	"authorsShort": authorsShort,
	"excerpt":      paper.Excerpt,
	"count":        humanCount,
	"date":         func(t time.Time) string { return t.UTC().Format("Jan 2, 2006") },
	"datetime":     func(t time.Time) string { return t.UTC().Format("Jan 2, 2006, 15:04 UTC") },
	"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"repoName":     repoName,
	"initial":      initial,
	"shownName":    shownName,
	"userPath":     userPath,
	"authorPath":   authorPath,
	"authorsFirst": authorsFirst,
	"add":          func(a, b int) int { return a + b },
	"categoryName": categoryName,
	"card":         card,
	"signalKind":   func(k store.SignalKind) string { return kindLabels[k] },
	"removeWord":   removeWord,
	"reasonCard": func(page interface {
		cardPage
		viewerOf() *store.Account
	}, it store.FeedItem, reason string) cardData {
		c := card(page, it)
		c.Reason = reason
		return c
	},
	"paperCard": func(page cardPage, p paper.Paper) cardData {
		return card(page, store.FeedItem{Paper: p})
	},
	"markdown": markdown.Render,
	"digestButton": func(email, label string) struct{ Email, Label string } {
		return struct{ Email, Label string }{email, label}
	},
	// phrase is a search for a key phrase as written: quoted, without the
	// quotes a phrase may hold, which would end it early.
	"phrase":         func(s string) string { return `"` + strings.ReplaceAll(s, `"`, "") + `"` },
	"formKey":        formKey,
	"since":          func(a, b time.Time) string { return b.Sub(a).Round(time.Millisecond).String() },
	"collectionPath": collectionPath,
	"collectionFormOf": func(p *collectionPage) *collectionFormPage {
		f := &collectionFormPage{Themes: p.Themes, Form: collectionForm{Title: p.Collection.Title, Description: p.Collection.Description,
			Theme: p.Collection.Theme, Private: p.Collection.Private}}
		f.Max.Title, f.Max.Description = library.MaxTitle, library.MaxDescription
		return f
	},
	"commentIn": func(page interface{ viewerOf() *store.Account }, c commentView) commentData {
		return commentData{C: c, Viewer: page.viewerOf()}
	},
}

// parseTemplates parses every page with funcs and the server's own
// functions, extra (renderCard, which draws through the server's cache).
func parseTemplates(extra template.FuncMap) (*templates, error) {
	layout, err := template.New("layout.html").Funcs(funcs).Funcs(extra).ParseFS(assets, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	if t.partials, err = layout.Clone(); err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" {
			continue
		}
		clone, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if t.pages[base], err = clone.ParseFS(assets, name); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
	}
	return t, nil
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, data any) error {
	t, ok := s.templates.pages[page]
	if !ok {
		return fmt.Errorf("web: no template %q", page)
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	// Once the status is sent there is nothing left to report: a failed
	// write means the client went away.
	_, _ = w.Write(buf.Bytes())
	return nil
}

// renderBuffers keeps the buffers pages are rendered into. A list page of
// 50 cards is about 150 kB, and a fresh buffer grew to it by doubling, a
// dozen allocations and 300 kB of garbage a request, which the garbage
// collector then charged to some later request. ResponseWriters copy what
// they are given, so a buffer is free again once Write returns.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putRenderBuffer returns a buffer to the pool, unless one odd page made
// it much bigger than pages are.
func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// layout is what every page's frame needs.
type layout struct {
	SiteName  string
	Title     string            // the page's own title; "" on the home page
	Canonical string            // path of the canonical URL
	Nav       string            // the active navigation entry
	Query     string            // the search box's text
	Viewer    *store.Account    // the signed-in account, nil for visitors
	Here      string            // this page's path and query, to come back to after signing in
	Voted     map[paper.ID]bool // the papers on the page the viewer upvoted
	Saved     map[paper.ID]bool // the papers on the page in the viewer's Saved list
	Feeds     []feedLink        // the page's list as feeds, for autodiscovery (feeds.go)
	Image     string            // the page's preview image for link previews (og:image), "" for none
	// Meta are the page's <meta name content> tags, such as the citation_*
	// tags that reference managers read from a paper's page.
	Meta []metaTag
	// Digest is the viewer's digest subscription, nil for none: the footer
	// shows its state rather than offering it again.
	Digest *store.Subscription
	// DigestSent is the address a confirmation mail just went to, on the
	// page that says so.
	DigestSent string
}

// metaTag is one <meta name content> tag.
type metaTag struct{ Name, Content string }

func (s *Server) layout(r *http.Request, title, nav string) layout {
	return layout{SiteName: s.siteName, Title: title, Nav: nav, Viewer: viewer(r), Here: localPath(r.URL.RequestURI()), Digest: viewerDigest(r)}
}

// markVotes notes which of the page's papers the viewer upvoted and which
// they saved. Only signed-in pages carry either, and those are never kept
// in the shared page cache (cached).
func (s *Server) markVotes(r *http.Request, l *layout, ids []paper.ID) error {
	if l.Viewer == nil || len(ids) == 0 {
		return nil
	}
	var err error
	if l.Voted, err = s.store.Voted(r.Context(), l.Viewer.ID, ids); err != nil {
		return err
	}
	l.Saved, err = s.store.Saved(r.Context(), l.Viewer.ID, ids)
	return err
}

// cardData is a feed entry with what its card shows about the viewer.
type cardData struct {
	store.FeedItem
	Voted bool
	Saved bool
	// Signed is set for a signed-in viewer, who gets the card's "Not
	// interested" and "More like this" buttons.
	Signed bool
	// Reason says why the paper is in the viewer's For-you ranking.
	Reason string
}

// cardPage is a page whose cards show the viewer's votes and saves.
type cardPage interface {
	votedOn(paper.ID) bool
	savedOn(paper.ID) bool
}

// card pairs a feed entry with the page's votes and saves, for the card
// template: {{template "card" (card $ .)}}.
func card(page cardPage, it store.FeedItem) cardData {
	c := cardData{FeedItem: it, Voted: page.votedOn(it.Paper.ID), Saved: page.savedOn(it.Paper.ID)}
	if v, ok := page.(interface{ viewerOf() *store.Account }); ok {
		c.Signed = v.viewerOf() != nil
	}
	return c
}

func (l *layout) votedOn(id paper.ID) bool { return l.Voted[id] }

func (l *layout) savedOn(id paper.ID) bool { return l.Saved[id] }

func (l *layout) viewerOf() *store.Account { return l.Viewer }

// commentData is a comment with the viewer, for the comment template.
type commentData struct {
	C      commentView
	Viewer *store.Account
}

// authorsShort lists the first three authors and "et al." for the rest.
func authorsShort(authors []paper.Author) string {
	names := make([]string, 0, shortAuthorCount)
	for _, a := range authors[:min(len(authors), shortAuthorCount)] {
		names = append(names, a.Name)
	}
	s := strings.Join(names, ", ")
	if len(authors) > shortAuthorCount {
		s += fmt.Sprintf(" et al. (%d authors)", len(authors))
	}
	return s
}

// humanCount writes 1234 as 1.2k, as the hosted site does for stars.
func humanCount(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	}
	return fmt.Sprint(n)
}

// repoName turns https://github.com/owner/repo into owner/repo.
func repoName(url string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimPrefix(s, "github.com/")
	return strings.TrimSuffix(s, "/")
}

// shownName is the name a page shows for a user: the full name when there
// is one. The avatar letter is taken from it too, so that "Yudong Jin"
// does not wear the K of a username.
func shownName(u store.User) string {
	if n := strings.TrimSpace(u.Fullname); n != "" {
		return n
	}
	return u.Username
}

// userPath is the address of a user's page. Imported submitters' names
// were never checked by auth.CheckUsername, so the name is escaped.
func userPath(username string) string { return "/users/" + url.PathEscape(username) }

// authorPath is where an author's name leads: the author's page, which
// matches every spelling with the same author key (library.AuthorKey).
// Every author link is built here.
func authorPath(name string) string { return library.AuthorPath(name) }

// shortAuthors is the head of an author list, for cards: the first few
// names, each a link to the author's papers, and how many there are.
type shortAuthors struct {
	Shown []authorName
	Total int // all the authors; more than len(Shown) means "et al."
}

// authorName is one author on a card: the name, and the same name as
// segments to show (a search result marks the words that matched).
type authorName struct {
	Name     string
	Text     []search.Segment
	AfterGap bool // authors were left out before this one
}

// authorsFirst is the first three authors of a list, for cards
// (authorsShort is the same list as plain text).
func authorsFirst(authors []paper.Author) shortAuthors {
	return authorsMarked(authors, func(name string) []search.Segment { return []search.Segment{{Text: name}} })
}

// authorsMarked is authorsFirst with each name split into segments by mark.
func authorsMarked(authors []paper.Author, mark func(string) []search.Segment) shortAuthors {
	head := authors[:min(len(authors), shortAuthorCount)]
	sa := shortAuthors{Shown: make([]authorName, len(head)), Total: len(authors)}
	for i, a := range head {
		sa.Shown[i] = authorName{Name: a.Name, Text: mark(a.Name)}
	}
	return sa
}

// shortAuthorCount is how many authors a card names before "et al.".
const shortAuthorCount = 3

// initial is the letter shown in a user's avatar circle.
func initial(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// formKey is a random key for a form that must not act twice when it is
// sent twice (store.Comment.Key).
func formKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
