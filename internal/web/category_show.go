package web

import (
	"net/http"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
)

// categoryPage is a category's or archive's papers, newest first.
type categoryPage struct {
	layout
	Category string
	Name     string
	Items    []store.FeedItem
	Next     string
	Follow   followButton
}

// categoryShow serves /categories/{cat}: "cs.CL", or "cs" for the archive.
func (s *Server) categoryShow(w http.ResponseWriter, r *http.Request) error {
	cat, err := library.FollowTarget(store.FollowCategory, r.PathValue("cat"))
	if err != nil {
		return notFound("There is no category “" + r.PathValue("cat") + "”. Categories look like cs.CL, or cs for a whole archive.")
	}
	after, err := pageCursor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	page := categoryPage{layout: s.layout(r, cat+" · "+categoryName(cat), ""), Category: cat, Name: categoryName(cat)}
	items, next, err := s.store.CategoryPapers(ctx, cat, after, listPageSize)
	if err != nil {
		return err
	}
	if len(items) == 0 && after == (store.PaperCursor{}) {
		return notFound("No paper here is in " + cat + ".")
	}
	page.Items = items
	if next != (store.PaperCursor{}) {
		page.Next = "/categories/" + cat + "?after=" + formatPaperCursor(next)
	}
	if err := s.markVotes(r, &page.layout, feedIDs(items)); err != nil {
		return err
	}
	if page.Follow, err = s.followButton(r, store.FollowCategory, cat, cat, cat); err != nil {
		return err
	}
	page.Canonical = "/categories/" + cat
	page.Feeds = feedLinks(s.categoryFeedTitle(cat), "/feeds/category/"+cat, "")
	return s.render(w, http.StatusOK, "category", &page)
}
