package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

// collectionPage is one collection: its papers in their owner's order,
// with notes, and for the owner the forms that change it.
type collectionPage struct {
	layout
	Collection store.Collection
	Path       string // the collection's address
	Slug       string // owner/title-slug-id, as the hosted API names it
	Items      []collectionItemView
	Offset     int
	Newer      *navLink
	Older      *navLink
	Exports    []navLink
	Mine       bool          // the viewer owns it: the page shows its forms
	Follow     *followButton // for others, of a public collection
	Themes     []string
	NoteMax    int
	MaxItems   int
	// Error is a refused change, shown at the top with Draft, the text
	// that was refused, in the form of the item it was for (DraftItem).
	Error     string
	Draft     string
	DraftItem int64
}

// collectionItemView is an item with its card's viewer state.
type collectionItemView struct {
	store.CollectionItem
	Card cardData
}

// collectionShow serves /collections/{owner}/{slug}, and its citations as
// /collections/{owner}/{slug}.bib, .ris and .json.
func (s *Server) collectionShow(w http.ResponseWriter, r *http.Request) error {
	slug, f := citeSuffix(r.PathValue("slug"))
	c, current, err := s.findCollection(r.Context(), r.PathValue("owner"), slug, viewer(r))
	if err != nil {
		return err
	}
	if f != nil {
		return s.collectionExport(w, r, c, f)
	}
	if !current {
		u := collectionPath(c)
		if q := r.URL.RawQuery; q != "" {
			u += "?" + q
		}
		http.Redirect(w, r, u, http.StatusMovedPermanently)
		return nil
	}
	return s.showCollection(w, r, c, http.StatusOK, nil)
}

// showCollection renders a collection's page with status, after adjust
// (when not nil) has changed it; a refused change is shown so.
func (s *Server) showCollection(w http.ResponseWriter, r *http.Request, c store.Collection, status int, adjust func(*collectionPage)) error {
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	page := collectionPage{layout: s.layout(r, c.Title, ""), Collection: c, Path: collectionPath(c), Slug: collectionSlug(c),
		Offset: (n - 1) * libraryPageSize, Themes: library.Themes, NoteMax: markdown.MaxBytes, MaxItems: library.MaxItems}
	page.Mine = page.Viewer != nil && page.Viewer.ID == c.Owner.ID
	items, err := s.store.CollectionItems(r.Context(), c.ID, store.ItemQuery{Limit: libraryPageSize, Offset: page.Offset})
	if err != nil {
		return err
	}
	ids := make([]paper.ID, len(items))
	for i := range items {
		ids[i] = items[i].Paper.ID
	}
	if err := s.markVotes(r, &page.layout, ids); err != nil {
		return err
	}
	page.Items = make([]collectionItemView, len(items))
	for i := range items {
		page.Items[i] = collectionItemView{CollectionItem: items[i], Card: card(&page.layout, store.FeedItem{Paper: items[i].Paper})}
	}
	page.Newer, page.Older = pager(page.Path, n, page.Offset+len(items) < c.Items)
	page.Exports = exportLinks(page.Path)
	page.Canonical = page.Path
	if !c.Private {
		page.Feeds = feedLinks(s.collectionFeedTitle(c), collectionFeedPath(c), "")
		if !page.Mine {
			id := strconv.FormatInt(c.ID, 10)
			b, err := s.followButton(r, store.FollowCollection, id, id, c.Title)
			if err != nil {
				return err
			}
			page.Follow = &b
		}
	}
	if c.Private {
		w.Header().Set("Cache-Control", "private, no-cache")
	}
	if adjust != nil {
		adjust(&page)
	}
	return s.render(w, status, "collection", &page)
}

// collectionExport sends a collection's papers, in its order, as citations.
func (s *Server) collectionExport(w http.ResponseWriter, r *http.Request, c store.Collection, f *citeFormat) error {
	items, err := s.store.CollectionItems(r.Context(), c.ID, store.ItemQuery{Limit: library.MaxItems})
	if err != nil {
		return err
	}
	ps := make([]paper.Paper, len(items))
	for i := range items {
		ps[i] = items[i].Paper
	}
	if c.Private {
		w.Header().Set("Cache-Control", "private, no-cache")
	}
	return sendCitations(w, f, library.Path(c.Title, c.ID), ps)
}

// collectionFeedPath is where a public collection's feeds are, without
// the format's extension.
func collectionFeedPath(c store.Collection) string {
	return "/feeds/collections/" + url.PathEscape(c.Owner.Username) + "/" + library.Path(c.Title, c.ID)
}

func (s *Server) collectionFeedTitle(c store.Collection) string {
	return c.Title + " · a collection by " + c.Owner.Username + " · " + s.siteName
}

// feedCollection serves /feeds/collections/{owner}/{file}: a public
// collection's papers as they were added, newest first. A private
// collection has no feed (404, as its page).
func (s *Server) feedCollection(w http.ResponseWriter, r *http.Request) error {
	slug, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok {
		return notFound(noFeedHere)
	}
	c, current, err := s.findCollection(r.Context(), r.PathValue("owner"), slug, nil)
	if err != nil {
		return err
	}
	if !current {
		http.Redirect(w, r, collectionFeedPath(c)+"."+f.Ext, http.StatusMovedPermanently)
		return nil
	}
	items, err := s.store.CollectionItems(r.Context(), c.ID, store.ItemQuery{Limit: synListLimit, NewestFirst: true})
	if err != nil {
		return err
	}
	feed := &syndication.Feed{
		Title:       syndication.Text(s.collectionFeedTitle(c)),
		Description: syndication.Text(strings.TrimSpace("Papers added to the collection " + c.Title + " by " + c.Owner.Username + ", newest first. " + c.Description)),
		Path:        collectionFeedPath(c), Home: collectionPath(c),
		// Not chronological: taking a paper out changes the feed without a
		// newer item, so the newest item's time cannot be Last-Modified.
	}
	for i := range items {
		feed.Entries = append(feed.Entries, s.synEntryOf(&items[i].Paper, items[i].AddedAt, items[i].AddedAt))
	}
	if err := s.finishSyn(r.Context(), feed); err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}
