package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/store"
)

// sessionCookie holds the session token of a signed-in browser.
const sessionCookie = "dp_session"

// sessionLife is how long a session lasts without signing in again.
const sessionLife = 30 * 24 * time.Hour

type viewerKey struct{}

type digestKey struct{}

// viewer is the signed-in account of a request, or nil.
func viewer(r *http.Request) *store.Account {
	a, _ := r.Context().Value(viewerKey{}).(*store.Account)
	return a
}

// viewerDigest is the digest subscription the signed-in viewer made, or
// nil: the footer shows its state instead of offering it again.
func viewerDigest(r *http.Request) *store.Subscription {
	sub, _ := r.Context().Value(digestKey{}).(*store.Subscription)
	return sub
}

// digestOf finds the subscription an account made. Only one made while
// signed in to the account counts (UserID): account addresses are not
// confirmed, and the footer must not tell whoever typed an address
// whether it gets the digest.
func (s *Server) digestOf(ctx context.Context, a *store.Account) *store.Subscription {
	sub, err := s.store.SubscriptionByEmail(ctx, a.Email)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("reading the viewer's subscription", "user", a.ID, "err", err)
		}
		return nil
	}
	if sub.UserID != a.ID || !sub.UnsubscribedAt.IsZero() {
		return nil
	}
	return &sub
}

// withViewer finds the account of the session cookie, if any, and puts it
// in the request's context. A cookie of an ended or unknown session is
// cleared, so the browser stops sending it.
func (s *Server) withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		a, _, err := s.store.SessionAccount(r.Context(), auth.HashToken(c.Value), s.now())
		switch {
		case err == nil:
			ctx := context.WithValue(r.Context(), viewerKey{}, &a)
			if sub := s.digestOf(ctx, &a); sub != nil {
				ctx = context.WithValue(ctx, digestKey{}, sub)
			}
			r = r.WithContext(ctx)
		case errors.Is(err, store.ErrNotFound):
			s.clearSessionCookie(w, r)
		case errors.Is(err, store.ErrUnavailable):
			// Going on signed out would answer a vote with "sign in" and
			// drop a signed-in form: say the database is away instead.
			s.handle(func(http.ResponseWriter, *http.Request) error { return err }).ServeHTTP(w, r)
			return
		default:
			s.log.Error("reading a session", "err", err)
		}
		next.ServeHTTP(w, r)
	})
}

// signIn starts a new session for the account. Any session the browser
// had is ended first: the session id changes at every sign-in, so a token
// planted in the browser before (session fixation) never becomes a
// signed-in one.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	token, hash := auth.NewSessionToken()
	now := s.now()
	if err := s.store.CreateSession(r.Context(), store.Session{TokenHash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(sessionLife)}); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, token, sessionLife))
	return nil
}

// signOut ends the request's session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	return nil
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, "", -1))
}

// cookie is the session cookie: HttpOnly (scripts cannot read it),
// SameSite=Lax (other sites' forms and fetches do not carry it; following
// a link to the site does) and Secure, except on plain HTTP to a loopback
// address, where browsers and test clients could not store it otherwise.
func (s *Server) cookie(r *http.Request, value string, life time.Duration) *http.Cookie {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || !isLoopback(r.Host)}
	if life < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(life / time.Second)
	}
	return c
}

// isLoopback reports whether a Host header names this machine.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// signInFirst sends a visitor who is not signed in to the sign-in page,
// which says why (one of signInReasons), to come back to next afterwards.
func signInFirst(w http.ResponseWriter, r *http.Request, next, why string) {
	u := "/signin?next=" + url.QueryEscape(next)
	if why != "" {
		u += "&why=" + url.QueryEscape(why)
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// signInReasons are what the sign-in and sign-up pages say a visitor was
// sent there for, by the why parameter. Only these are ever shown, so a
// link cannot put words of its own on the page.
var signInReasons = map[string]string{
	"submit":  "Sign in to submit a paper.",
	"vote":    "Sign in to upvote papers.",
	"comment": "Sign in to join the discussion.",
	"report":  "Sign in to report a comment.",
	"admin":   "Sign in with a moderator's account to moderate.",
	"tokens":  "Sign in to manage your API tokens.",
	"save":    "Sign in to save papers to your list.",
	"library": "Sign in to see your Saved list and collections.",
	"foryou":  "Sign in to see the papers ranked for you.",
}

// localPath returns p when it is a path on this site, and "/" otherwise,
// so that ?next= cannot send anyone to another site.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) || strings.ContainsAny(p, "\r\n\t") {
		return "/"
	}
	return p
}

// backTo is where a form posted from a page returns: its "next" field when
// it is local, else the page it came from (Referer, when it is this site),
// else fallback.
func backTo(r *http.Request, fallback string) string {
	if n := r.PostFormValue("next"); n != "" {
		return localPath(n)
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		return localPath(ref.RequestURI())
	}
	return fallback
}
