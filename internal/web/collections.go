package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
)

// collectionPath is a collection's page: /collections/{owner}/{slug},
// with the slug the hosted site's title-slug-id.
func collectionPath(c store.Collection) string {
	return "/collections/" + url.PathEscape(c.Owner.Username) + "/" + library.Path(c.Title, c.ID)
}

// collectionSlug is a collection's slug as the hosted API names it:
// owner/title-slug-id.
func collectionSlug(c store.Collection) string {
	return c.Owner.Username + "/" + library.Path(c.Title, c.ID)
}

// canSee reports whether a viewer may see a collection: a private one is
// its owner's only.
func canSee(c *store.Collection, v *store.Account) bool {
	return !c.Private || v != nil && v.ID == c.Owner.ID
}

// findCollection reads the collection of /…/{owner}/{slug} that the viewer
// may see. A private collection of someone else is not found, as an
// unknown one is: its address says nothing of it. It reports, too,
// whether the address is the collection's current one (its owner's name
// as spelled and its title's slug), for a redirect when not.
func (s *Server) findCollection(ctx context.Context, owner, slug string, v *store.Account) (store.Collection, bool, error) {
	missing := notFound("There is no collection at this address.")
	id, ok := library.ParsePath(slug)
	if !ok {
		return store.Collection{}, false, missing
	}
	c, err := s.store.Collection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Collection{}, false, missing
	}
	if err != nil {
		return store.Collection{}, false, err
	}
	if !canSee(&c, v) || !equalFoldASCII(c.Owner.Username, owner) {
		return store.Collection{}, false, missing
	}
	return c, c.Owner.Username == owner && library.Path(c.Title, c.ID) == slug, nil
}

// ownCollection reads the collection of a write to /collections/{owner}/{slug}/…:
// only its owner may change it (403 for a public one of another; 404 for
// a private one, as for reading).
func (s *Server) ownCollection(ctx context.Context, owner, slug string, v *store.Account) (store.Collection, error) {
	c, _, err := s.findCollection(ctx, owner, slug, v)
	if err != nil {
		return c, err
	}
	if v == nil || c.Owner.ID != v.ID {
		return c, forbidden("Only its owner may change a collection.")
	}
	return c, nil
}

// equalFoldASCII compares usernames, which are ASCII, in any case.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// allowLibrary keeps an account's writes to its library within
// Limits.LibraryAccount.
func (s *Server) allowLibrary(r *http.Request, a *store.Account) error {
	return s.libraryAllowed(r.Context(), a)
}

// libraryAllowed is allowLibrary for writes that come with no request of
// their own (the MCP tools over stdio).
func (s *Server) libraryAllowed(ctx context.Context, a *store.Account) error {
	return s.allow(ctx, "changes to your saved papers and collections", limitKey{"library/account", s.limits.LibraryAccount, fmt.Sprint(a.ID)})
}

// libraryError turns the store's refusals of a library write into what
// people read: the limits, duplicates and unknown papers named.
func libraryError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, library.ErrInvalid):
		return badRequest(err.Error())
	case errors.Is(err, store.ErrLimit):
		switch what {
		case "collection":
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("You have %d collections, the most one person may have. Delete one you no longer use first.", library.MaxCollections), err: err}
		case "item":
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("This collection holds %d papers, the most a collection may hold.", library.MaxItems), err: err}
		case "save":
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("Your Saved list holds %d papers, the most it may hold. Remove some first.", library.MaxSaved), err: err}
		}
	case errors.Is(err, store.ErrConflict):
		switch what {
		case "collection":
			return &httpError{status: http.StatusConflict, msg: "You have a collection of that title already.", err: err}
		case "item":
			return &httpError{status: http.StatusConflict, msg: "This paper is in the collection already.", err: err}
		}
	}
	return err
}
