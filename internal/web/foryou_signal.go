package web

import (
	"errors"
	"net/http"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// cardSignals are the signals a card's buttons give.
var cardSignals = map[string]store.SignalKind{
	"not_interested": store.SignalNotInterested,
	"more_like_this": store.SignalMoreLikeThis,
}

// forYouSignal keeps (or, with undo=1, withdraws) a card's "Not
// interested" or "More like this". A plain form comes back to the page;
// app.js asks for JSON and updates the card in place.
func (s *Server) forYouSignal(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	kind, ok := cardSignals[r.PostFormValue("kind")]
	if !ok {
		return badRequest("kind must be not_interested or more_like_this.")
	}
	a := viewer(r)
	if a == nil {
		if wantsJSON(r) {
			return &httpError{status: http.StatusUnauthorized, msg: "Sign in to tell us what you like."}
		}
		signInFirst(w, r, backTo(r, "/for-you"), "foryou")
		return nil
	}
	if err := s.allowVote(r, a); err != nil {
		return err
	}
	undo := r.PostFormValue("undo") == "1"
	sig := store.Signal{Kind: kind, Paper: id}
	if undo {
		err = s.store.RemoveSignal(r.Context(), a.ID, sig)
		if errors.Is(err, store.ErrNotFound) {
			err = nil // undone already: the state asked for holds
		}
	} else {
		err = s.store.AddSignal(r.Context(), a.ID, sig)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Paper " + string(id) + " is not in this catalogue.")
		}
	}
	if err != nil {
		return err
	}
	if s.recs != nil {
		s.recs.Signalled(a.ID, sig, !undo)
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"paper": id, "kind": string(kind), "on": !undo})
		return nil
	}
	http.Redirect(w, r, backTo(r, "/for-you"), http.StatusSeeOther)
	return nil
}
