package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// admin wraps handlers that only admins may use.
func (s *Server) admin(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := viewer(r)
		if a == nil {
			signInFirst(w, r, "/admin", "admin")
			return nil
		}
		if !a.Admin {
			return forbidden("Only moderators may do this.")
		}
		return h(w, r)
	}
}

// adminPage lists the open reports, and which process runs each
// scheduled job.
type adminPage struct {
	layout
	Reports []reportView
	Leases  []leaseView
	Claims  []store.Claim // pending claims of authorship
}

// leaseView is a job's lease: Live while its holder keeps renewing it; a
// lease that ran out (its holder stopped without releasing it) is free for
// the next process that looks.
type leaseView struct {
	store.Lease
	Live bool
}

type reportView struct {
	store.OpenReport
	Comment commentView
}

func (s *Server) adminShow(w http.ResponseWriter, r *http.Request) error {
	reports, err := s.store.OpenReports(r.Context(), 200)
	if err != nil {
		return err
	}
	leases, err := s.store.Leases(r.Context())
	if err != nil {
		return err
	}
	page := adminPage{layout: s.layout(r, "Moderation", "Admin")}
	now := s.now()
	for _, l := range leases {
		page.Leases = append(page.Leases, leaseView{Lease: l, Live: l.Until.After(now)})
	}
	if page.Claims, err = s.store.PendingClaims(r.Context(), 200); err != nil {
		return err
	}
	for _, rep := range reports {
		cv := s.commentThreads(r.Context(), []store.Comment{rep.Comment}, viewer(r))
		rv := reportView{OpenReport: rep}
		if len(cv) > 0 {
			rv.Comment = cv[0]
		} else {
			rv.Comment = commentView{Comment: rep.Comment, Gone: true}
		}
		page.Reports = append(page.Reports, rv)
	}
	return s.render(w, http.StatusOK, "admin", &page)
}

func formBool(r *http.Request, name string) bool {
	v := r.PostFormValue(name)
	return v == "1" || v == "true" || v == "on"
}

func (s *Server) adminHidePaper(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	hidden := formBool(r, "hidden")
	if err := s.store.HidePaper(r.Context(), id, hidden); err != nil {
		return err
	}
	s.log.Info("paper hidden from the feed", "paper", id, "hidden", hidden, "by", viewer(r).Username)
	http.Redirect(w, r, backTo(r, id.Path()), http.StatusSeeOther)
	return nil
}

func (s *Server) adminHideComment(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such comment.")
	}
	c, err := s.store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	hidden := formBool(r, "hidden")
	if err := s.store.HideComment(r.Context(), id, hidden); err != nil {
		return err
	}
	if hidden {
		if err := s.store.ResolveReports(r.Context(), id, s.now()); err != nil {
			return err
		}
	}
	s.log.Info("comment hidden", "comment", id, "hidden", hidden, "by", viewer(r).Username)
	http.Redirect(w, r, backTo(r, fmt.Sprintf("%s#c%d", c.PaperID.Path(), id)), http.StatusSeeOther)
	return nil
}

func (s *Server) adminResolve(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such comment.")
	}
	if err := s.store.ResolveReports(r.Context(), id, s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

func (s *Server) adminDisableUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.UserByName(r.Context(), r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no such user.")
	}
	if err != nil {
		return err
	}
	if u.ID == viewer(r).ID {
		return badRequest("Moderators cannot disable their own account.")
	}
	var at time.Time
	if formBool(r, "disabled") {
		at = s.now()
	}
	if err := s.store.SetDisabled(r.Context(), u.ID, at); err != nil {
		return err
	}
	s.log.Info("account disabled", "user", u.Username, "disabled", !at.IsZero(), "by", viewer(r).Username)
	http.Redirect(w, r, backTo(r, "/users/"+u.Username), http.StatusSeeOther)
	return nil
}
