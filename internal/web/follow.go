package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
)

// followButton is the follow form of a page for the viewer: target is
// what the form posts, key what the store keeps (see
// library.FollowTarget). Pages stay shareable: a visitor's copy (the one
// the page cache keeps) shows a plain "Follow" that asks to sign in.
func (s *Server) followButton(r *http.Request, kind store.FollowKind, target, key, label string) (followButton, error) {
	b := followButton{Kind: kind, Target: target, Label: label, Here: localPath(r.URL.RequestURI())}
	a := viewer(r)
	if a == nil {
		return b, nil
	}
	follows, err := s.store.FollowsOf(r.Context(), a.ID)
	if err != nil {
		return b, err
	}
	for _, f := range follows {
		if f.Kind == kind && f.Target == key {
			b.Following = true
		}
	}
	return b, nil
}

// followPost serves POST /follow: kind and target, unfollow=1 to stop.
// It answers JSON to scripts and otherwise goes back to the page.
func (s *Server) followPost(w http.ResponseWriter, r *http.Request) error {
	kind := store.FollowKind(r.PostFormValue("kind"))
	a := viewer(r)
	if a == nil {
		if wantsJSON(r) {
			return &httpError{status: http.StatusUnauthorized, msg: "Sign in to follow authors, categories and people."}
		}
		signInFirst(w, r, backTo(r, "/following"), "follow")
		return nil
	}
	following := r.PostFormValue("unfollow") != "1"
	target, err := s.setFollow(r.Context(), a, kind, r.PostFormValue("target"), following)
	if err != nil {
		return err
	}
	if kind == store.FollowAuthor || kind == store.FollowCategory {
		s.recs.Changed(a.ID) // a For-you signal
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"kind": kind, "target": target, "following": following})
		return nil
	}
	http.Redirect(w, r, backTo(r, "/following"), http.StatusSeeOther)
	return nil
}

// setFollow makes a follow raw of kind (as the Follow buttons post it:
// an author's name, a category, an account's or a collection's id), or
// ends it when following is false, and returns the target as the store
// keeps it. One may not follow oneself, an unknown account, a private
// collection or one's own; follows are bounded by library.MaxFollows.
// Ending a follow asks none of that: a collection turned private, or an
// account gone, can still be unfollowed.
func (s *Server) setFollow(ctx context.Context, a *store.Account, kind store.FollowKind, raw string, following bool) (string, error) {
	target, err := library.FollowTarget(kind, raw)
	if err != nil {
		return "", badRequest(upperFirst(err.Error()) + ".")
	}
	if !following {
		return target, s.store.Unfollow(ctx, a.ID, kind, target)
	}
	var collection store.Collection // the collection followed, for its title
	switch kind {
	case store.FollowUser:
		id, _ := strconv.ParseInt(target, 10, 64)
		if id == a.ID {
			return "", badRequest(upperFirst(library.ErrFollowSelf.Error()) + ".")
		}
		if _, err := s.store.Account(ctx, id); errors.Is(err, store.ErrNotFound) {
			return "", notFound("There is no such person here.")
		} else if err != nil {
			return "", err
		}
	case store.FollowCollection:
		id, _ := strconv.ParseInt(target, 10, 64)
		c, err := s.store.Collection(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if err := library.CheckCollectionFollow(err == nil, err == nil && !c.Private); err != nil {
			return "", notFound(upperFirst(err.Error()) + ".")
		}
		collection = c
		if c.Owner.ID == a.ID {
			return "", badRequest("That collection is yours: it is on your profile already.")
		}
	}
	label := ""
	switch kind {
	case store.FollowAuthor:
		label = strings.TrimSpace(raw)
	case store.FollowCollection:
		label = collection.Title
	}
	err = s.store.Follow(ctx, store.Follow{UserID: a.ID, Kind: kind, Target: target, Label: label, CreatedAt: s.now()}, library.MaxFollows)
	if errors.Is(err, store.ErrLimit) {
		return "", &httpError{status: http.StatusTooManyRequests,
			msg: "You follow " + strconv.Itoa(library.MaxFollows) + " things already, as many as one may. Unfollow some first (see /following)."}
	}
	return target, err
}
