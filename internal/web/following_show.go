package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// followingPage is the signed-in reader's papers from what they follow.
type followingPage struct {
	layout
	Items   []store.FeedItem
	Read    map[paper.ID]bool
	Next    string
	Follows []followView
	Max     int
}

// followView is one follow as the Following page lists it.
type followView struct {
	store.Follow
	Label, Href string
}

// followingShow serves /following. It is personal, so it is never cached
// (the page cache skips signed-in viewers).
func (s *Server) followingShow(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/following", "following")
		return nil
	}
	after, err := pageCursor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	page := followingPage{layout: s.layout(r, "Following", "following"), Max: library.MaxFollows}
	follows, err := s.store.FollowsOf(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, f := range follows {
		page.Follows = append(page.Follows, s.followViewOf(r, f))
	}
	items, next, err := s.store.FollowingPapers(ctx, a.ID, after, listPageSize)
	if err != nil {
		return err
	}
	page.Items = items
	if next != (store.PaperCursor{}) {
		page.Next = "/following?after=" + formatPaperCursor(next)
	}
	ids := feedIDs(items)
	if page.Read, err = s.store.ReadOf(ctx, a.ID, ids); err != nil {
		return err
	}
	if err := s.markVotes(r, &page.layout, ids); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "following", &page)
}

// followViewOf names a follow and links to its page.
func (s *Server) followViewOf(r *http.Request, f store.Follow) followView {
	v := followView{Follow: f, Label: f.Target}
	switch f.Kind {
	case store.FollowAuthor:
		if f.Label != "" {
			v.Label = f.Label
		}
		v.Href = library.AuthorPath(v.Label)
	case store.FollowCategory:
		v.Href = "/categories/" + f.Target
		v.Label = f.Target + " · " + categoryName(f.Target)
	case store.FollowUser:
		id, _ := strconv.ParseInt(f.Target, 10, 64)
		if acc, err := s.store.Account(r.Context(), id); err == nil {
			v.Label, v.Href = acc.Username, userPath(acc.Username)
		}
	}
	return v
}

// readPost serves POST /read: paper, and read=0 to mark it unread again.
func (s *Server) readPost(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	a := viewer(r)
	if a == nil {
		if wantsJSON(r) {
			return &httpError{status: http.StatusUnauthorized, msg: "Sign in to mark papers read."}
		}
		signInFirst(w, r, backTo(r, "/following"), "following")
		return nil
	}
	read := r.PostFormValue("read") != "0"
	err = s.store.MarkRead(r.Context(), a.ID, id, read, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Paper " + string(id) + " is not in this catalogue.")
	}
	if err != nil {
		return err
	}
	s.recs.Signalled(a.ID, store.Signal{Kind: store.SignalRead, Paper: id}, read) // a For-you signal
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"paper": id, "read": read})
		return nil
	}
	http.Redirect(w, r, backTo(r, "/following"), http.StatusSeeOther)
	return nil
}
