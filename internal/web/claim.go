package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// claimPost serves POST /claims: the viewer says they are author
// position of paper ("this is me"). An admin approves the claim.
func (s *Server) claimPost(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, id.Path(), "claim")
		return nil
	}
	pos, err := strconv.Atoi(r.PostFormValue("position"))
	if err != nil {
		return badRequest("Say which author you are: the form names a position in the paper's author list.")
	}
	_, err = s.store.ClaimAuthor(r.Context(), store.Claim{UserID: a.ID, PaperID: id, Position: pos, CreatedAt: s.now()})
	switch {
	case errors.Is(err, store.ErrClaimedTwice):
		return &httpError{status: http.StatusConflict, msg: "You have claimed an author of " + string(id) + " already: one claim a paper. Your claim waits for a moderator, or was approved."}
	case errors.Is(err, store.ErrClaimTaken):
		return &httpError{status: http.StatusConflict, msg: "Someone else has claimed that author of " + string(id) + ". If it is you, write to the site's moderators."}
	case errors.Is(err, store.ErrInvalid):
		return badRequest("Paper " + string(id) + " has no author at that position.")
	case errors.Is(err, store.ErrNotFound):
		return notFound("Paper " + string(id) + " is not in this catalogue.")
	case err != nil:
		return err
	}
	s.log.Info("authorship claimed", "paper", id, "position", pos, "by", a.Username)
	http.Redirect(w, r, id.Path()+"?claimed=1#authors", http.StatusSeeOther)
	return nil
}

// claimHidePost serves POST /claims/{id}/hide: hidden=1 takes a claimed
// paper off the claimant's profile, hidden=0 shows it again.
func (s *Server) claimHidePost(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/", "")
		return nil
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such claim.")
	}
	err = s.store.HideClaim(r.Context(), a.ID, id, formBool(r, "hidden"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no such claim of yours.")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, userPath(a.Username)), http.StatusSeeOther)
	return nil
}

// adminDecideClaim serves POST /admin/claims/{id}: approve=1 or 0.
func (s *Server) adminDecideClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such claim.")
	}
	approve := formBool(r, "approve")
	c, err := s.store.DecideClaim(r.Context(), id, approve, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no pending claim with that number: it may have been decided already.")
	}
	if err != nil {
		return err
	}
	s.log.Info("claim decided", "claim", id, "paper", c.PaperID, "user", c.User.Username, "approved", approve, "by", viewer(r).Username)
	http.Redirect(w, r, backTo(r, "/admin"), http.StatusSeeOther)
	return nil
}

// claimsByPosition arranges the live claims of a paper's authors by position,
// for its page: the names that link to a profile, with a verified mark.
func claimsByPosition(cs []store.Claim) map[int]store.Claim {
	out := make(map[int]store.Claim, len(cs))
	for _, c := range cs {
		out[c.Position] = c
	}
	return out
}
