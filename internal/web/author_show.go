package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

// listPageSize is how many papers an author, category or Following page lists at once.
const listPageSize = 30

// authorTop is how many co-authors and categories an author page names.
const authorTop = 10

// authorPage is an author's papers, newest first, and who and what they
// write with most.
type authorPage struct {
	layout
	Name    string
	Key     string
	Items   []store.FeedItem
	Next    string // the next page's address, "" on the last
	Summary store.AuthorSummary
	// Claimants are the accounts whose approved claims name this author;
	// their other names' papers are listed too (Keys).
	Claimants []store.User
	Keys      []string
	Follow    followButton
}

// followButton is a follow or unfollow form, for the "follow" template.
type followButton struct {
	Kind      store.FollowKind
	Target    string // what the form posts: a name, a category, an id
	Label     string // what is followed, for the button's title
	Following bool
	Here      string // where the form comes back to
	Hidden    bool   // no button (one's own profile)
}

// authorShow serves /authors/{name}: the papers of every name with the
// same author key, and of the names an approved claim joins to it.
func (s *Server) authorShow(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PathValue("name"))
	key := library.AuthorKey(name)
	if key == "" {
		return notFound("An author page needs a name: /authors/Yann%20LeCun.")
	}
	after, err := pageCursor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	page := authorPage{layout: s.layout(r, name, ""), Name: name, Key: key}
	if page.Claimants, page.Keys, err = s.store.ClaimedKeys(ctx, key); err != nil {
		return err
	}
	items, next, err := s.store.AuthorPapers(ctx, page.Keys, after, listPageSize)
	if err != nil {
		return err
	}
	if len(items) == 0 && after == (store.PaperCursor{}) {
		return notFound("No paper here has an author named “" + name + "”.")
	}
	page.Items = items
	if next != (store.PaperCursor{}) {
		page.Next = library.AuthorPath(name) + "?after=" + formatPaperCursor(next)
	}
	if page.Summary, err = s.authorSummary(ctx, page.Keys); err != nil {
		return err
	}
	if err := s.markVotes(r, &page.layout, feedIDs(items)); err != nil {
		return err
	}
	if page.Follow, err = s.followButton(r, store.FollowAuthor, name, key, name); err != nil {
		return err
	}
	page.Canonical = library.AuthorPath(name)
	page.Feeds = feedLinks(s.authorFeedTitle(name), "/feeds/author/"+url.PathEscape(name), "")
	return s.render(w, http.StatusOK, "author", &page)
}

// pageCursor reads ?after=, a cursor this site gave out.
func pageCursor(r *http.Request) (store.PaperCursor, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return store.PaperCursor{}, nil
	}
	c, err := parsePaperCursor(v)
	if err != nil {
		return c, badRequest("That page address is not one this site made; start again from the first page.")
	}
	return c, nil
}

func (s *Server) authorFeedTitle(name string) string {
	return s.siteName + ": papers by " + name
}

// feedAuthor serves /feeds/author/{name}.*: an author's newest papers.
func (s *Server) feedAuthor(w http.ResponseWriter, r *http.Request) error {
	name, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok {
		return notFound(noFeedHere)
	}
	key := library.AuthorKey(name)
	if key == "" {
		return notFound(noFeedHere)
	}
	ctx := r.Context()
	_, keys, err := s.store.ClaimedKeys(ctx, key)
	if err != nil {
		return err
	}
	items, _, err := s.store.AuthorPapers(ctx, keys, store.PaperCursor{}, synListLimit)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return notFound("No paper here has an author named “" + name + "”, so there is no feed of their papers.")
	}
	feed := &syndication.Feed{
		Title:       s.authorFeedTitle(name),
		Description: "Papers by " + name + " on " + s.siteName + ", newest first.",
		Path:        "/feeds/author/" + url.PathEscape(name), Home: library.AuthorPath(name),
		Chronological: true,
	}
	for _, it := range items {
		at := it.SubmittedAt
		if at.IsZero() {
			at = it.Paper.Published
		}
		feed.Entries = append(feed.Entries, s.synEntryOf(&it.Paper, at, at))
	}
	if err := s.finishSyn(ctx, feed); err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}

// summaryCache keeps author pages' summaries (their co-authors and
// categories) for one version of the store. A summary is the same on
// every page of an author's list and for every viewer, and it cost more
// than the rest of the page: about 5 of the 7 ms of CPU the most prolific
// author's page took (BENCHMARKS.md, "Authors and the Following page").
// Anything that changes a summary (an import, a hidden paper, an approved
// claim) takes a new store version, which empties the cache.
type summaryCache struct {
	mu      sync.Mutex
	version int64
	entries map[string]store.AuthorSummary // by the author keys, joined
}

// summaryCacheSize bounds the cache: it starts again when full, since a
// summary is a few queries to make again.
const summaryCacheSize = 1024

// authorSummary is the summary of an author's keys, from the cache while
// the store is at the version it was made in.
func (s *Server) authorSummary(ctx context.Context, keys []string) (store.AuthorSummary, error) {
	version, err := s.store.Version(ctx)
	if err != nil {
		return store.AuthorSummary{}, err
	}
	k := strings.Join(keys, "\x00")
	c := &s.summaries
	c.mu.Lock()
	if sum, ok := c.entries[k]; ok && c.version == version {
		c.mu.Unlock()
		return sum, nil
	}
	c.mu.Unlock()
	sum, err := s.store.AuthorSummary(ctx, keys, authorTop)
	if err != nil {
		return sum, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || len(c.entries) >= summaryCacheSize {
		if version < c.version {
			return sum, nil // made from an older store than the cache's
		}
		c.version, c.entries = version, map[string]store.AuthorSummary{}
	}
	c.entries[k] = sum
	return sum, nil
}
