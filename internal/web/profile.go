package web

import (
	"errors"
	"net/http"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// profileLimit is how many submissions and upvotes a profile lists.
const profileLimit = 100

// profilePage is a user's page: what they submitted and upvoted.
type profilePage struct {
	layout
	User        store.Account // Email is left empty: profiles are public
	Submissions []store.FeedItem
	Upvoted     []paper.Paper
	Self        bool
}

func (s *Server) profileShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.store.UserByName(ctx, r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no user by that name.")
	}
	if err != nil {
		return err
	}
	if u.Username != r.PathValue("name") {
		http.Redirect(w, r, "/users/"+u.Username, http.StatusMovedPermanently)
		return nil
	}
	a, err := s.store.Account(ctx, u.ID)
	if err != nil {
		return err
	}
	a.Email, a.PasswordHash = "", ""
	page := profilePage{layout: s.layout(r, u.Username, ""), User: a}
	if v := viewer(r); v != nil && v.ID == u.ID {
		page.Self = true
	}
	if page.Submissions, err = s.store.UserSubmissions(ctx, u.ID, profileLimit); err != nil {
		return err
	}
	if page.Upvoted, err = s.store.UserUpvotes(ctx, u.ID, profileLimit); err != nil {
		return err
	}
	if err := s.markVotes(r, &page.layout, feedIDs(page.Submissions)); err != nil {
		return err
	}
	page.Canonical = "/users/" + u.Username
	page.Feeds = s.userFeeds(u.Username)
	return s.render(w, http.StatusOK, "profile", &page)
}
