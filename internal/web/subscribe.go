package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// confirmLife is how long a confirmation link works.
const confirmLife = 7 * 24 * time.Hour

// subscribePage answers the subscription forms and links.
type subscribePage struct {
	layout
	Email    string
	Sent     bool   // the confirmation (or manage) mail is on its way
	Done     string // what just happened, for the confirmation and unsubscribe pages
	Error    string
	Token    string // the manage or unsubscribe token of the page
	Sub      *store.Subscription
	Cats     string // categories as typed
	Keywords string // keywords as typed, comma-separated
	Saved    bool
	// UnsubToken is the manage page's unsubscribe link's token.
	UnsubToken string
}

func (s *Server) subscribePage(r *http.Request, title string) *subscribePage {
	return &subscribePage{layout: s.layout(r, title, "")}
}

// subscribePost answers the form on every page: an address (or, signed
// in, the account's) gets a confirmation mail. The answer is the same
// whether the address was subscribed already, so the form tells nobody
// who reads the digest.
func (s *Server) subscribePost(w http.ResponseWriter, r *http.Request) error {
	p := s.subscribePage(r, "Subscribe")
	p.Email = strings.TrimSpace(r.PostFormValue("email"))
	if p.Email == "" && p.Viewer != nil {
		p.Email = p.Viewer.Email
	}
	if err := s.allow(r.Context(), "subscriptions", limitKey{"subscribe/address", s.limits.SubscribeAddress, s.clientIP(r)}, limitKey{"subscribe/account", s.limits.SubscribeAccount, p.Email}); err != nil {
		var he *httpError
		errors.As(err, &he)
		setRetryAfter(w, he.retryAfter)
		p.Error = he.msg
		return s.render(w, he.status, "subscribe", p)
	}
	email, err := mail.CheckAddress(p.Email)
	if err != nil {
		p.Error = err.Error()
		return s.render(w, http.StatusBadRequest, "subscribe", p)
	}
	freq := store.Frequency(r.PostFormValue("frequency"))
	if freq != store.Weekly {
		freq = store.Daily
	}
	sub := store.Subscription{Email: email, Frequency: freq, CreatedAt: s.now()}
	if p.Viewer != nil && strings.EqualFold(p.Viewer.Email, email) {
		sub.UserID = p.Viewer.ID
	}
	got, _, err := s.store.Subscribe(r.Context(), sub)
	if err != nil {
		return err
	}
	if err := s.sendSubscriptionMail(r, &got); err != nil {
		return err
	}
	p.Sent = true
	p.DigestSent = email
	if p.Viewer != nil && got.UserID == p.Viewer.ID && got.UnsubscribedAt.IsZero() {
		p.Digest = &got
	}
	return s.render(w, http.StatusOK, "subscribe", p)
}

// sendSubscriptionMail sends the confirmation link, or, to an address
// that confirmed already, the link to its settings.
func (s *Server) sendSubscriptionMail(r *http.Request, sub *store.Subscription) error {
	now := s.now()
	var msg mail.Message
	switch {
	case !sub.BlockedAt.IsZero():
		s.log.Info("subscription request for a blocked address", "subscription", sub.ID)
		return nil
	case sub.ConfirmedAt.IsZero():
		link := s.baseURL + "/subscription/confirm/" + s.signer.Sign(digest.PurposeConfirm, sub.ID, now.Add(confirmLife))
		msg = mail.Message{To: sub.Email, Subject: "Confirm your " + s.siteName + " digest", Text: fmt.Sprintf(`Hello,

someone (we hope you) asked for the %s digest of trending papers at
this address. Confirm within a week by opening this link:

%s

Nothing more is sent to this address unless you do. If you did not ask
for it, ignore this mail.
`, s.siteName, link)}
	default:
		link := s.baseURL + "/subscription/" + s.signer.Sign(digest.PurposeManage, sub.ID, now.Add(digest.ManageLife))
		msg = mail.Message{To: sub.Email, Subject: "Your " + s.siteName + " digest", Text: fmt.Sprintf(`Hello,

this address already gets the %s digest. To change what you get,
pause it or unsubscribe, open:

%s
`, s.siteName, link)}
	}
	if err := s.mail.Send(r.Context(), msg); err != nil {
		return fmt.Errorf("sending the subscription mail: %w", err)
	}
	return nil
}

// badLink is the page of a link that is not valid: it changes nothing.
func (s *Server) badLink(w http.ResponseWriter, r *http.Request) error {
	p := s.subscribePage(r, "Link not valid")
	p.Error = "This link is not valid: it has expired, was cut short when copied, or was never sent by this site. Nothing was changed. Subscribe again from the form below to get a fresh link."
	return s.render(w, http.StatusBadRequest, "subscribe", p)
}

// withSubscription resolves the {token} of a signed link for purpose to
// its subscription; a token that is not valid, or of a subscription that
// is gone, gets the "link not valid" page and changes nothing.
func (s *Server) withSubscription(purpose string, h func(w http.ResponseWriter, r *http.Request, sub store.Subscription) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.signer.Verify(r.PathValue("token"), purpose, s.now())
		if err != nil {
			return s.badLink(w, r)
		}
		sub, err := s.store.SubscriptionByID(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return s.badLink(w, r)
		}
		if err != nil {
			return err
		}
		return h(w, r, sub)
	}
}

func (s *Server) subscriptionConfirm(w http.ResponseWriter, r *http.Request, sub store.Subscription) error {
	if !sub.UnsubscribedAt.IsZero() {
		return s.badLink(w, r)
	}
	if err := s.store.ConfirmSubscription(r.Context(), sub.ID, s.now()); err != nil {
		return err
	}
	s.log.Info("subscription confirmed", "subscription", sub.ID)
	http.Redirect(w, r, "/subscription/"+s.signer.Sign(digest.PurposeManage, sub.ID, s.now().Add(digest.ManageLife))+"?confirmed=1", http.StatusSeeOther)
	return nil
}

func (s *Server) subscriptionManage(w http.ResponseWriter, r *http.Request, sub store.Subscription) error {
	p := s.managePage(r, &sub)
	if r.URL.Query().Get("confirmed") != "" {
		p.Done = confirmedNote(sub.Frequency)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, http.StatusOK, "subscription", p)
}

// confirmedNote tells a new subscriber when the first digest comes
// (digest.Due: daily ones each weekday, weekly ones each Monday).
func confirmedNote(f store.Frequency) string {
	if f == store.Weekly {
		return "You are subscribed. Your first digest will arrive next Monday, with the papers of the week before."
	}
	return "You are subscribed. Your first digest will arrive on the next weekday, with the papers of the day before."
}

func (s *Server) managePage(r *http.Request, sub *store.Subscription) *subscribePage {
	p := s.subscribePage(r, "Your digest")
	p.Sub, p.Token = sub, r.PathValue("token")
	p.UnsubToken = s.signer.Sign(digest.PurposeUnsubscribe, sub.ID, time.Time{})
	p.Cats = strings.Join(sub.Categories, " ")
	p.Keywords = strings.Join(sub.Keywords, ", ")
	return p
}

var categoryPattern = regexp.MustCompile(`^[a-z][a-z-]*(\.[A-Za-z-]+)?$`)

func (s *Server) subscriptionSave(w http.ResponseWriter, r *http.Request, sub store.Subscription) error {
	if !sub.UnsubscribedAt.IsZero() {
		return s.badLink(w, r)
	}
	p := s.managePage(r, &sub)
	p.Cats, p.Keywords = r.PostFormValue("categories"), r.PostFormValue("keywords")
	sub.Frequency = store.Daily
	if r.PostFormValue("frequency") == string(store.Weekly) {
		sub.Frequency = store.Weekly
	}
	sub.Categories, sub.Keywords = nil, nil
	for _, c := range strings.FieldsFunc(p.Cats, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !categoryPattern.MatchString(c) || len(sub.Categories) == 20 {
			p.Error = fmt.Sprintf("“%s” is not an arXiv category. Write them like cs.CL or cs (a whole archive), at most 20.", c)
			return s.render(w, http.StatusBadRequest, "subscription", p)
		}
		sub.Categories = append(sub.Categories, c)
	}
	for _, k := range strings.Split(p.Keywords, ",") {
		if k = strings.Join(strings.Fields(k), " "); k == "" {
			continue
		}
		if len(k) > 100 || checkText(k) != nil || len(sub.Keywords) == 20 {
			p.Error = "Keywords are words or phrases of up to 100 characters, separated by commas, at most 20."
			return s.render(w, http.StatusBadRequest, "subscription", p)
		}
		sub.Keywords = append(sub.Keywords, k)
	}
	sub.Query = strings.TrimSpace(r.PostFormValue("query"))
	if sub.Query != "" {
		// The search page's rules: its length, and within the budget of
		// one search (a digest would run a cut query in part, unsaid).
		q, err := search.ParseQuery(sub.Query)
		switch {
		case errors.Is(err, search.ErrQueryTooLong):
			p.Error = fmt.Sprintf("The saved search is too long: keep it under %d characters.", search.MaxQueryLen)
		case err != nil || checkText(sub.Query) != nil:
			p.Error = "The saved search is not a search this site understands; try it on the search page first."
		case q.Cut:
			p.Error = "The saved search asks for more than one search does at once; try it on the search page first."
		}
		if p.Error != "" {
			return s.render(w, http.StatusBadRequest, "subscription", p)
		}
	}
	// For you ranks by an account's signals: a subscription made
	// without one has none to rank by.
	sub.ForYou = formBool(r, "for_you")
	if sub.ForYou && sub.UserID == 0 {
		p.Error = "A For-you section ranks papers by what your account upvotes, saves and follows: subscribe again while signed in to have one."
		return s.render(w, http.StatusBadRequest, "subscription", p)
	}
	switch paused := formBool(r, "paused"); {
	case paused && sub.PausedAt.IsZero():
		sub.PausedAt = s.now()
	case !paused:
		sub.PausedAt = time.Time{}
	}
	if err := s.store.UpdateSubscription(r.Context(), sub); err != nil {
		return err
	}
	p.Sub, p.Saved = &sub, true
	p.Done = "Saved."
	return s.render(w, http.StatusOK, "subscription", p)
}

// unsubscribeShow is the page of the mail's visible link: one button,
// since link checkers in mail systems open links and must not unsubscribe
// anyone.
func (s *Server) unsubscribeShow(w http.ResponseWriter, r *http.Request, sub store.Subscription) error {
	p := s.subscribePage(r, "Unsubscribe")
	p.Sub, p.Token = &sub, r.PathValue("token")
	if !sub.UnsubscribedAt.IsZero() {
		p.Done = "This address is unsubscribed: it gets no more digests."
	}
	return s.render(w, http.StatusOK, "unsubscribe", p)
}

// unsubscribePost unsubscribes at once: the page's button and the mail
// client's one-click POST (RFC 8058, body List-Unsubscribe=One-Click).
func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request, sub store.Subscription) error {
	if err := s.store.Unsubscribe(r.Context(), sub.ID, s.now()); err != nil {
		return err
	}
	s.log.Info("unsubscribed", "subscription", sub.ID, "one-click", r.PostFormValue("List-Unsubscribe") == "One-Click")
	p := s.subscribePage(r, "Unsubscribed")
	p.Sub, p.Token = &sub, r.PathValue("token")
	p.Done = "You are unsubscribed: this address gets no more digests."
	return s.render(w, http.StatusOK, "unsubscribe", p)
}

// digestsAdmin lists the latest digest runs.
type digestsAdminPage struct {
	layout
	Runs []digestRunView
}

// digestRunView is a run and where its period's jobs stand now: Unknown
// are those a process stopped while sending (delivered or lost, never
// sent again); Waiting those not sent yet (queued for a retry, or held by
// a process).
type digestRunView struct {
	store.DigestRun
	Unknown, Waiting int
}

func (s *Server) adminDigests(w http.ResponseWriter, r *http.Request) error {
	runs, err := s.store.DigestRuns(r.Context(), 50)
	if err != nil {
		return err
	}
	var periods []string
	for _, run := range runs {
		periods = append(periods, run.Period)
	}
	states, err := s.store.MailJobStates(r.Context(), periods)
	if err != nil {
		return err
	}
	page := digestsAdminPage{layout: s.layout(r, "Digest runs", "Admin")}
	for _, run := range runs {
		st := states[run.Period]
		page.Runs = append(page.Runs, digestRunView{DigestRun: run, Unknown: st[store.JobUnknown],
			Waiting: st[store.JobQueued] + st[store.JobClaimed] + st[store.JobSending]})
	}
	return s.render(w, http.StatusOK, "admin_digests", &page)
}
