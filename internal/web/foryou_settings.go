package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// forYouSettingsPage shows what the reader's model learnt and from what,
// with every signal removable, the pause switch and the private feed.
type forYouSettingsPage struct {
	layout
	recommend.Insight
	// FeedURL is the private feed's address, shown once after it is made.
	FeedURL   string
	HasFeed   bool
	Message   string
	Error     string
	Onboard   onboarding
	Suggested []string // categories to pick from
}

// signalView is a signal as the settings page lists it.
type signalView struct {
	store.Signal
	Title string
}

// Signals lists the reader's signals with their papers' titles.
func (p *forYouSettingsPage) SignalViews() []signalView {
	out := make([]signalView, len(p.Signals))
	for i, s := range p.Signals {
		out[i] = signalView{Signal: s, Title: p.Titles[s.Paper]}
	}
	return out
}

// kindLabels name the kinds of signal for people.
var kindLabels = map[store.SignalKind]string{
	store.SignalUpvote:         "Upvoted",
	store.SignalNotInterested:  "Not interested",
	store.SignalMoreLikeThis:   "More like this",
	store.SignalSeedPaper:      "Picked paper",
	store.SignalSeedCategory:   "Picked category",
	store.SignalSeedAuthor:     "Picked author",
	store.SignalSaved:          "Saved",
	store.SignalCollected:      "In a collection",
	store.SignalRead:           "Marked read",
	store.SignalFollowAuthor:   "Followed author",
	store.SignalFollowCategory: "Followed category",
}

// removeWord is the settings page's button for removing a signal of the
// kind: what it does, for the library's.
func removeWord(k store.SignalKind) string {
	switch k {
	case store.SignalSaved:
		return "Unsave"
	case store.SignalRead:
		return "Mark unread"
	case store.SignalFollowAuthor, store.SignalFollowCategory:
		return "Unfollow"
	}
	return "Remove"
}

// removeSignal undoes a signal where it is kept: an upvote is withdrawn,
// a save unsaved, a read mark taken off, a follow unfollowed, each as
// its own button would; the rest are forgotten. A paper in a collection
// is not taken out from here (the page says so and links to the
// collections): a collection is a list the reader curates, and one
// click on a settings page should not edit it.
func (s *Server) removeSignal(ctx context.Context, a *store.Account, sig store.Signal) error {
	switch sig.Kind {
	case store.SignalUpvote:
		_, err := s.store.Vote(ctx, a.ID, sig.Paper, false)
		return err
	case store.SignalSaved:
		return s.store.UnsavePaper(ctx, a.ID, sig.Paper)
	case store.SignalRead:
		return s.store.MarkRead(ctx, a.ID, sig.Paper, false, s.now())
	case store.SignalCollected:
		return badRequest("A paper in a collection stays a signal while it is there: take it out of the collection to remove it.")
	case store.SignalFollowCategory:
		return s.store.Unfollow(ctx, a.ID, store.FollowCategory, sig.Subject)
	case store.SignalFollowAuthor:
		// The signal names the author as followed (the follow's label);
		// the follow is kept under the author's key.
		follows, err := s.store.FollowsOf(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, f := range follows {
			if f.Kind == store.FollowAuthor && (f.Label == sig.Subject || f.Target == sig.Subject) {
				return s.store.Unfollow(ctx, a.ID, f.Kind, f.Target)
			}
		}
		return nil
	}
	return s.store.RemoveSignal(ctx, a.ID, sig)
}

func (s *Server) forYouSettings(w http.ResponseWriter, r *http.Request) error {
	return s.showForYouSettings(w, r, http.StatusOK, &forYouSettingsPage{Message: settingsMessages[r.URL.Query().Get("done")]})
}

// settingsMessages say what a settings form did, after its redirect.
var settingsMessages = map[string]string{
	"removed": "The signal is gone; your ranking no longer learns from it.",
	"paused":  "Personalisation is paused: For you shows trending until you resume it.",
	"resumed": "Personalisation is on again.",
	"added":   "Added. Your ranking learns from it at once.",
}

func (s *Server) showForYouSettings(w http.ResponseWriter, r *http.Request, status int, page *forYouSettingsPage) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/for-you/settings", "foryou")
		return nil
	}
	if s.recs == nil {
		return notFound("For you needs the search index, which this site runs without.")
	}
	in, err := s.recs.Insight(r.Context(), *a)
	if errors.Is(err, recommend.ErrNotReady) {
		return &httpError{status: http.StatusServiceUnavailable, msg: "The search index is still loading; try again in a moment.", err: err}
	}
	if err != nil {
		return err
	}
	st, err := s.store.ReaderState(r.Context(), a.ID)
	if err != nil {
		return err
	}
	page.layout = s.layout(r, "For you: your interests", "For you")
	page.Insight, page.HasFeed, page.Suggested = in, st.FeedToken, suggestedCategories
	w.Header().Set("Cache-Control", "private, no-store") // may show the feed's secret
	return s.render(w, status, "foryou_settings", page)
}

// forYouSettingsPost acts on the settings page's forms: action=remove
// (kind, paper or subject), pause, resume, feed (make or reset the
// private feed's secret).
func (s *Server) forYouSettingsPost(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/for-you/settings", "foryou")
		return nil
	}
	ctx := r.Context()
	done := ""
	switch r.PostFormValue("action") {
	case "remove":
		kind := store.SignalKind(r.PostFormValue("kind"))
		if _, ok := kindLabels[kind]; !ok {
			return badRequest("That is not a kind of signal.")
		}
		sig := store.Signal{Kind: kind, Subject: r.PostFormValue("subject")}
		var err error
		if kind.OnPaper() {
			if sig.Paper, _, err = paper.ParseID(r.PostFormValue("paper")); err != nil {
				return badRequest("That is not an arXiv id.")
			}
		}
		if err := s.removeSignal(ctx, a, sig); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.recs.Changed(a.ID)
		done = "removed"
	case "pause", "resume":
		if err := s.store.SetReaderPaused(ctx, a.ID, r.PostFormValue("action") == "pause"); err != nil {
			return err
		}
		s.recs.Changed(a.ID)
		done = r.PostFormValue("action") + "d"
	case "feed":
		secret := newFeedSecret()
		if err := s.store.SetReaderFeedToken(ctx, a.ID, auth.HashToken(secret)); err != nil {
			return err
		}
		return s.showForYouSettings(w, r, http.StatusOK, &forYouSettingsPage{FeedURL: s.baseURL + "/feeds/for-you/" + secret + ".atom",
			Message: "Your private feed has a new address; the old one, if any, no longer works. Copy it now: it is not shown again."})
	default:
		return badRequest("Unknown action.")
	}
	http.Redirect(w, r, "/for-you/settings?done="+done, http.StatusSeeOther)
	return nil
}

// suggestedCategories are offered at onboarding: the arXiv categories
// the site's papers are mostly in.
var suggestedCategories = []string{"cs.CL", "cs.CV", "cs.LG", "cs.AI", "cs.RO", "cs.IR", "cs.SD", "eess.AS", "eess.IV",
	"stat.ML", "cs.CR", "cs.HC", "cs.NE", "cs.MA", "cs.SE", "cs.DC", "cs.GR", "q-bio.QM", "physics.comp-ph", "math.OC"}

// onboarding is the start form's state.
type onboarding struct {
	Cats    map[string]bool
	Authors string
	Papers  string
	Query   string
	Results []paper.Paper // search results to pick seed papers from
}

// forYouStartPost keeps what a reader picked to start from: categories,
// authors (one a line) and seed papers (arXiv ids, one a line or space
// apart, and the search results they ticked). Bad input re-renders the
// form with everything kept and says what is wrong.
func (s *Server) forYouStartPost(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/for-you/settings", "foryou")
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	ob := onboarding{Cats: map[string]bool{}, Authors: r.PostFormValue("authors"), Papers: r.PostFormValue("papers")}
	var sigs []store.Signal
	for _, c := range r.PostForm["cat"] {
		c = strings.TrimSpace(c)
		ob.Cats[c] = true
		sigs = append(sigs, store.Signal{Kind: store.SignalSeedCategory, Subject: c})
	}
	for _, name := range strings.Split(ob.Authors, "\n") {
		if name = strings.Join(strings.Fields(name), " "); name != "" {
			sigs = append(sigs, store.Signal{Kind: store.SignalSeedAuthor, Subject: name})
		}
	}
	fail := func(msg string) error {
		return s.showForYouSettings(w, r, http.StatusBadRequest, &forYouSettingsPage{Error: msg, Onboard: ob})
	}
	ids := append(strings.Fields(strings.ReplaceAll(ob.Papers, ",", " ")), r.PostForm["pick"]...)
	for _, raw := range ids {
		id, _, err := paper.ParseID(raw)
		if err != nil {
			return fail("“" + raw + "” is not an arXiv id (such as 2501.01234).")
		}
		sigs = append(sigs, store.Signal{Kind: store.SignalSeedPaper, Paper: id})
	}
	if len(sigs) == 0 {
		return fail("Pick a category, name an author or give a paper to start from.")
	}
	if len(sigs) > 200 {
		return fail("That is more than 200 at once; start with fewer.")
	}
	err := s.store.AddSignal(r.Context(), a.ID, sigs...)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail("One of the papers is not in this catalogue: " + err.Error())
	case errors.Is(err, store.ErrInvalid):
		return fail("A category or author name is empty or longer than 200 characters.")
	case err != nil:
		return err
	}
	s.recs.Changed(a.ID)
	http.Redirect(w, r, "/for-you?days=7", http.StatusSeeOther)
	return nil
}

// forYouStartSearch lists papers to pick as seeds (GET
// /for-you/settings?q=...), on the settings page.
func (s *Server) forYouStartSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return s.forYouSettings(w, r)
	}
	if len(q) > 300 || checkText(q) != nil {
		return s.showForYouSettings(w, r, http.StatusBadRequest, &forYouSettingsPage{Error: "Search for at most 300 characters of text."})
	}
	page := &forYouSettingsPage{Onboard: onboarding{Query: q}}
	if s.search != nil {
		_, res, err := s.search.Search(r.Context(), q, search.Lexical, 10, 0)
		if err != nil {
			page.Error = "That search could not run: " + err.Error()
		}
		for _, h := range res.Hits {
			if p, err := s.store.Paper(r.Context(), h.ID); err == nil {
				page.Onboard.Results = append(page.Onboard.Results, p)
			}
		}
	}
	return s.showForYouSettings(w, r, http.StatusOK, page)
}
