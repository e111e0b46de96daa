package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

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
	// Imported is the page of a name no account has, which imported feeds
	// credited entries to: those entries, and no account.
	Imported bool
	// Collections are the user's collections: public ones, and private
	// ones too on the owner's own profile.
	Collections []store.Collection
	// Authored are the papers the account's approved claims name, but
	// those it hid (which its owner sees, to show them again); Pending
	// its claims awaiting a moderator, for its owner.
	Authored, Pending []store.Claim
	Follow            followButton
}

func (s *Server) profileShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.store.UserByName(ctx, r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		return s.importedProfile(w, r)
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
	claims, err := s.store.UserClaims(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, c := range claims {
		switch {
		case c.Status == store.ClaimApproved && (!c.Hidden || page.Self):
			page.Authored = append(page.Authored, c)
		case c.Status == store.ClaimPending && page.Self:
			page.Pending = append(page.Pending, c)
		}
	}
	if page.Follow, err = s.followButton(r, store.FollowUser, strconv.FormatInt(u.ID, 10), strconv.FormatInt(u.ID, 10), u.Username); err != nil {
		return err
	}
	page.Follow.Hidden = page.Self
	if page.Submissions, err = s.store.UserSubmissions(ctx, u.ID, profileLimit); err != nil {
		return err
	}
	if page.Upvoted, err = s.store.UserUpvotes(ctx, u.ID, profileLimit); err != nil {
		return err
	}
	if page.Collections, err = s.store.Collections(ctx, store.CollectionQuery{OwnerID: u.ID, Private: page.Self}); err != nil {
		return err
	}
	if err := s.markVotes(r, &page.layout, feedIDs(page.Submissions)); err != nil {
		return err
	}
	page.Canonical = "/users/" + u.Username
	page.Feeds = s.userFeeds(u.Username)
	return s.render(w, http.StatusOK, "profile", &page)
}

// importedSubmitter finds the entries imported feeds credited to name when
// no account has it, and the submitter as the newest of them spells it;
// ErrNotFound when there are none.
func (s *Server) importedSubmitter(ctx context.Context, name string, limit int) (store.User, []store.FeedItem, error) {
	items, err := s.store.ImportedSubmissions(ctx, name, limit)
	if err != nil {
		return store.User{}, nil, err
	}
	if len(items) == 0 || items[0].Submitter == nil {
		return store.User{}, nil, store.ErrNotFound
	}
	return *items[0].Submitter, items, nil
}

// importedProfile shows the entries imported feeds credited to a name that
// no account has: such a submitter is not an account, and an account that
// takes the name later takes over the page, not the entries.
func (s *Server) importedProfile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	u, items, err := s.importedSubmitter(r.Context(), name, profileLimit)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no user by that name.")
	}
	if err != nil {
		return err
	}
	if u.Username != name {
		http.Redirect(w, r, "/users/"+u.Username, http.StatusMovedPermanently)
		return nil
	}
	page := profilePage{layout: s.layout(r, u.Username, ""), User: store.Account{User: u}, Submissions: items, Imported: true,
		Follow: followButton{Hidden: true}}
	if err := s.markVotes(r, &page.layout, feedIDs(page.Submissions)); err != nil {
		return err
	}
	page.Canonical = "/users/" + u.Username
	page.Feeds = s.userFeeds(u.Username)
	return s.render(w, http.StatusOK, "profile", &page)
}
