package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// PaperFetcher gets a paper's metadata from arXiv (arxiv.Client).
type PaperFetcher interface {
	Fetch(ctx context.Context, id paper.ID) (paper.Paper, error)
}

// submission is what a person asks to put on the feed.
type submission struct {
	Ref         string // an arXiv id or URL, as typed
	GitHub      string
	ProjectPage string
	Override    bool // an admin's "ignore the rules"
}

// onFeedError is a submission of a paper that is on the feed already.
type onFeedError struct{ item store.FeedItem }

func (e *onFeedError) Error() string {
	return fmt.Sprintf("%s is already on the feed of %s", e.item.Paper.ID, e.item.Day)
}

// submit applies the rules of submission and puts the paper on today's
// feed. Errors are httpErrors that say what rule was broken, or an
// onFeedError.
func (s *Server) submit(ctx context.Context, a *store.Account, ip string, in submission) (store.FeedItem, error) {
	var zero store.FeedItem
	override := in.Override && a.Admin
	id, _, err := paper.ParseID(in.Ref)
	if err != nil {
		return zero, badRequest("“" + strings.TrimSpace(in.Ref) + "” is not an arXiv id or link. Give one like 2509.02547 or https://arxiv.org/abs/2509.02547.")
	}
	gh, err := normalizeGitHub(in.GitHub)
	if err != nil {
		return zero, badRequest(err.Error())
	}
	page, err := normalizeWebPage(in.ProjectPage)
	if err != nil {
		return zero, badRequest(err.Error())
	}
	if !override {
		if err := s.allow(ctx, "submissions", limitKey{"submit/account", s.limits.SubmitAccount, fmt.Sprint(a.ID)}, limitKey{"submit/address", s.limits.SubmitAddress, ip}); err != nil {
			return zero, err
		}
	}
	now := s.now()
	day := now.UTC().Format(time.DateOnly)
	// Look for the cheap refusals before asking arXiv anything.
	if !override {
		if subs, err := s.store.Submissions(ctx, id); err != nil {
			return zero, err
		} else if len(subs) > 0 {
			return zero, &onFeedError{item: subs[0]}
		}
		if s.dailyCap > 0 {
			n, err := s.store.SubmittedOn(ctx, a.ID, day)
			if err != nil {
				return zero, err
			}
			if n >= s.dailyCap {
				return zero, s.capError()
			}
		}
	}
	p, err := s.store.Paper(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		p, err = s.fetchPaper(ctx, id)
	}
	if err != nil {
		return zero, err
	}
	if !override {
		if p.Withdrawn {
			return zero, &httpError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf("%s has been withdrawn by its authors, so it cannot go on the feed.", id)}
		}
		if first := firstPublished(&p); !first.IsZero() && s.submitWindow > 0 && now.Sub(first) > s.submitWindow {
			return zero, &httpError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf(
				"%s was first published on %s. Only papers from the last %d days can be submitted.",
				id, first.Format("Jan 2, 2006"), int(s.submitWindow.Hours()/24))}
		}
	}
	item, err := s.store.Submit(ctx, store.NewSubmission{Paper: p, UserID: a.ID, Day: day, At: now,
		GitHubRepo: gh, ProjectPage: page, DailyCap: s.capFor(override), AllowDuplicate: override})
	switch {
	case errors.Is(err, store.ErrConflict):
		return zero, &onFeedError{item: item}
	case errors.Is(err, store.ErrLimit):
		return zero, s.capError()
	case err != nil:
		return zero, err
	}
	s.log.Info("paper submitted", "paper", id, "user", a.Username, "override", override)
	return item, nil
}

func (s *Server) capFor(override bool) int {
	if override {
		return 0
	}
	return s.dailyCap
}

// capError refuses a submission over the daily cap until the next UTC day.
func (s *Server) capError() error {
	now := s.now().UTC()
	return &httpError{status: http.StatusTooManyRequests, retryAfter: now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now),
		msg: fmt.Sprintf("You have submitted %d papers today, the most one person may. Please come back tomorrow.", s.dailyCap)}
}

// fetchPaper asks arXiv for a paper the catalogue does not have.
func (s *Server) fetchPaper(ctx context.Context, id paper.ID) (paper.Paper, error) {
	if s.arxiv == nil {
		return paper.Paper{}, &httpError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf("%s is not in this catalogue, and this site does not ask arXiv for papers.", id)}
	}
	p, err := s.arxiv.Fetch(ctx, id)
	switch {
	case errors.Is(err, arxiv.ErrNotFound), errors.Is(err, paper.ErrBadID):
		return p, &httpError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf("arXiv has no paper %s. Please check the id.", id), err: err}
	case errors.Is(err, arxiv.ErrUnreachable):
		return p, &httpError{status: http.StatusBadGateway, msg: "This site could not reach arXiv to fetch the paper. Please try again in a few minutes.", err: err, retryAfter: time.Minute}
	case errors.Is(err, context.DeadlineExceeded):
		return p, &httpError{status: http.StatusBadGateway, msg: "arXiv did not answer in time. Please try again in a minute.", err: err, retryAfter: time.Minute}
	case err != nil:
		return p, &httpError{status: http.StatusBadGateway, msg: "arXiv could not answer just now. Please try again in a minute.", err: err, retryAfter: time.Minute}
	}
	return p, nil
}

// firstPublished is when version 1 appeared (paper.Paper.FirstPublished).
func firstPublished(p *paper.Paper) time.Time { return p.FirstPublished() }

// submitPage is the submission form.
type submitPage struct {
	layout
	Form     submission
	Error    string
	OnFeed   *store.FeedItem // the entry a duplicate points to
	Window   int             // days
	DailyCap int
}

func (s *Server) submitForm(w http.ResponseWriter, r *http.Request) error {
	if viewer(r) == nil {
		// Back to the form as it was asked for (?paper= fills it in).
		signInFirst(w, r, localPath(r.URL.RequestURI()), "submit")
		return nil
	}
	return s.render(w, http.StatusOK, "submit", s.newSubmitPage(r))
}

func (s *Server) newSubmitPage(r *http.Request) *submitPage {
	return &submitPage{layout: s.layout(r, "Submit a paper", "Submit"), Form: submission{Ref: r.FormValue("paper")},
		Window: int(s.submitWindow.Hours() / 24), DailyCap: s.dailyCap}
}

func (s *Server) submitPost(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		// A session that ended while the form was open: the paper typed
		// into it comes back with the form.
		next := "/submit"
		if ref := strings.TrimSpace(r.PostFormValue("paper")); ref != "" {
			next += "?paper=" + url.QueryEscape(ref)
		}
		signInFirst(w, r, next, "submit")
		return nil
	}
	p := s.newSubmitPage(r)
	p.Form = submission{Ref: r.PostFormValue("paper"), GitHub: r.PostFormValue("github"),
		ProjectPage: r.PostFormValue("project"), Override: r.PostFormValue("override") != ""}
	item, err := s.submit(r.Context(), a, s.clientIP(r), p.Form)
	if err == nil {
		http.Redirect(w, r, item.Paper.ID.Path(), http.StatusSeeOther)
		return nil
	}
	status := http.StatusBadRequest
	var (
		dup *onFeedError
		he  *httpError
	)
	switch {
	case errors.As(err, &dup):
		status, p.OnFeed = http.StatusConflict, &dup.item
	case errors.As(err, &he) && he.status < 500 || errors.As(err, &he) && he.status == http.StatusBadGateway:
		status, p.Error = he.status, he.msg
		if he.retryAfter > 0 {
			setRetryAfter(w, he.retryAfter)
		}
	default:
		return err
	}
	s.log.Info("submission refused", "user", a.Username, "paper", p.Form.Ref, "err", err)
	return s.render(w, status, "submit", p)
}
