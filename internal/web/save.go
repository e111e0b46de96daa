package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// savePost answers POST /saved, the Save button: save (save=1) or take
// out (save=0) a paper, then back to the page it was on. app.js asks for
// JSON and changes the button in place.
func (s *Server) savePost(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	a := viewer(r)
	if a == nil {
		if wantsJSON(r) {
			return &httpError{status: http.StatusUnauthorized, msg: "Sign in to save papers."}
		}
		signInFirst(w, r, backTo(r, id.Path()), "save")
		return nil
	}
	save := r.PostFormValue("save") != "0"
	if err := s.savePaper(r.Context(), a, id, save); err != nil {
		return err
	}
	// A save is a For-you signal: the paper leaves the ranking now and
	// the model learns from it in the background.
	s.recs.Signalled(a.ID, store.Signal{Kind: store.SignalSaved, Paper: id}, save)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"paper": id, "saved": save})
		return nil
	}
	http.Redirect(w, r, backTo(r, id.Path()), http.StatusSeeOther)
	return nil
}

// savePaper puts a paper in a's Saved list, or takes it out (save
// false), within the library's rate limit and bound: the Save button's
// work, and the MCP tools'.
func (s *Server) savePaper(ctx context.Context, a *store.Account, id paper.ID, save bool) error {
	if err := s.libraryAllowed(ctx, a); err != nil {
		return err
	}
	var err error
	if save {
		err = s.store.SavePaper(ctx, a.ID, id, s.now(), library.MaxSaved)
	} else {
		err = s.store.UnsavePaper(ctx, a.ID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Paper " + string(id) + " is not in this catalogue.")
	}
	return libraryError(err, "save")
}
