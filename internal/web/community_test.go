package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The community's tests run the site over real HTTP (cookies, redirects,
// the cross-origin check) on a fresh SQLite file, with submitted papers
// fetched from a server that replays arXiv's recorded answers.

// submitClock is within two weeks of 2104.12255's first version
// (2021-04-25), the recorded arXiv paper that tests submit.
var submitClock = time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC)

// community is a site with its store, outbox and arXiv replay.
type community struct {
	t      *testing.T
	srv    *httptest.Server
	site   *Server
	st     store.Store
	outbox *mail.Outbox
	arxiv  *arxivReplay
}

type communityOptions struct {
	limits   *Limits
	dailyCap int
	now      time.Time
	search   bool // build a search index of the demo papers
}

func newCommunity(t *testing.T, o communityOptions) *community {
	t.Helper()
	st := newStore(t, true)
	replay := newArxivReplay(t)
	c := &community{t: t, st: st, outbox: &mail.Outbox{}, arxiv: replay}
	limits := o.limits
	if limits == nil {
		limits = limitsOf(ratelimit.Limit{Events: 10000, Per: time.Minute})
	}
	now := o.now
	if now.IsZero() {
		now = submitClock
	}
	var svc *search.Service
	if o.search {
		svc = search.NewService(st, nil)
		if err := svc.Build(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	site, err := New(st, Options{Now: func() time.Time { return now }, Mail: c.outbox, BaseURL: "https://papers.example.org",
		ArXiv: &arxiv.Client{BaseURL: replay.srv.URL, MinInterval: -1, Attempts: 1}, Limits: limits, DailyCap: o.dailyCap, Search: svc,
		// Tests speak for other client addresses with X-Forwarded-For.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	if err != nil {
		t.Fatal(err)
	}
	c.site = site
	c.srv = httptest.NewServer(site.Handler())
	t.Cleanup(c.srv.Close)
	t.Cleanup(site.Close)
	return c
}

// arxivReplay answers id_list queries with recorded arXiv responses.
type arxivReplay struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []string
}

func newArxivReplay(t *testing.T) *arxivReplay {
	a := &arxivReplay{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id_list")
		a.mu.Lock()
		a.requests = append(a.requests, id)
		a.mu.Unlock()
		file := "id_0000.0000.xml" // arXiv's answer for an id it does not know
		switch strings.TrimSuffix(id, "v1") {
		case "2104.12255":
			file = "id_2104.12255v1.xml"
		case "down":
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		body, err := os.ReadFile("../arxiv/testdata/" + file)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=UTF-8")
		w.Write(body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *arxivReplay) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// browser is one visitor with a cookie jar that does not follow redirects,
// so tests see where each answer sends them.
type browser struct {
	c      *community
	client *http.Client
}

func (c *community) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: c, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// answer is a response with its body read and, for HTML, parsed.
type answer struct {
	status   int
	header   http.Header
	body     string
	doc      *goquery.Document
	location string
}

func (b *browser) do(req *http.Request) answer {
	b.c.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(body), location: resp.Header.Get("Location")}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		a.doc, _ = goquery.NewDocumentFromReader(strings.NewReader(a.body))
	}
	return a
}

func (b *browser) get(path string) answer {
	b.c.t.Helper()
	req, _ := http.NewRequest("GET", b.c.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values, header ...string) answer {
	b.c.t.Helper()
	req, _ := http.NewRequest("POST", b.c.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func (a answer) want(t *testing.T, what string, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, a.status, status, a.body)
	}
	return a
}

func (a answer) text(sel string) string {
	if a.doc == nil {
		return ""
	}
	return strings.Join(strings.Fields(a.doc.Find(sel).Text()), " ")
}

// signUp makes an account through the form and leaves the browser signed in.
func (b *browser) signUp(name string) {
	b.c.t.Helper()
	b.post("/signup", form("email", name+"@example.org", "username", name, "password", "correct horse "+name)).
		want(b.c.t, "sign up "+name, http.StatusSeeOther)
}

// makeAdmin creates an admin account as `dailypapers user create --admin` does.
func (c *community) makeAdmin(name string) *browser {
	c.t.Helper()
	hash, err := auth.HashPassword("correct horse " + name)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.st.CreateAccount(context.Background(), store.Account{User: store.User{Username: name}, Email: name + "@example.org", PasswordHash: hash, Admin: true}); err != nil {
		c.t.Fatal(err)
	}
	b := c.browser()
	b.post("/signin", form("email", name+"@example.org", "password", "correct horse "+name)).want(c.t, "admin signs in", http.StatusSeeOther)
	return b
}

func (b *browser) sessionCookie() *http.Cookie {
	u, _ := url.Parse(b.c.srv.URL)
	for _, ck := range b.client.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck
		}
	}
	return nil
}

func TestSignUpSignInSignOut(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()

	a := b.post("/signup", form("email", "ada@example.org", "username", "ada", "name", "Ada Lovelace",
		"password", "correct horse battery", "next", "/papers/trending")).want(t, "sign up", http.StatusSeeOther)
	if a.location != "/papers/trending" {
		t.Errorf("sign-up sends to %q, want the next page", a.location)
	}
	set := a.header.Get("Set-Cookie")
	for _, attr := range []string{"dp_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	home := b.get("/").want(t, "home", http.StatusOK)
	if got := home.text("header .me"); !strings.Contains(got, "ada") {
		t.Errorf("signed-in header shows %q", got)
	}
	first := b.sessionCookie().Value

	// Signing in again replaces the session: the old token stops working.
	b.post("/signin", form("email", "ADA@example.org", "password", "correct horse battery")).want(t, "sign in", http.StatusSeeOther)
	second := b.sessionCookie().Value
	if second == first {
		t.Fatal("the session id did not change at sign-in")
	}
	if _, _, err := c.st.SessionAccount(t.Context(), auth.HashToken(first), submitClock); err == nil {
		t.Error("the session before sign-in still works")
	}

	b.post("/signout", nil).want(t, "sign out", http.StatusSeeOther)
	if ck := b.sessionCookie(); ck != nil {
		t.Errorf("the cookie survived signing out: %v", ck)
	}
	if _, _, err := c.st.SessionAccount(t.Context(), auth.HashToken(second), submitClock); err == nil {
		t.Error("the session survived signing out")
	}
	if got := b.get("/").text("header .account-nav"); !strings.Contains(got, "Sign in") {
		t.Errorf("signed-out header shows %q", got)
	}
}

// A secure site's cookie is Secure; only plain HTTP to loopback goes without.
func TestSessionCookieIsSecureOffLoopback(t *testing.T) {
	s, err := New(newStore(t, false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for host, secure := range map[string]bool{"papers.example.org": true, "127.0.0.1:8080": false, "localhost:8080": false, "[::1]:80": false, "10.0.0.5": true} {
		r := httptest.NewRequest("POST", "/signin", nil)
		r.Host = host
		if got := s.cookie(r, "x", time.Hour).Secure; got != secure {
			t.Errorf("host %s: Secure %v, want %v", host, got, secure)
		}
	}
}

func TestSignUpSaysWhatIsWrong(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	c.browser().signUp("taken")
	good := map[string]string{"email": "new@example.org", "username": "newbie", "password": "long enough password"}
	for _, tc := range []struct {
		field, value, problem string
	}{
		{"email", "not an address", "email"},
		{"email", "Ada <ada@example.org>", "email"},
		{"email", "TAKEN@example.org", "email"},
		{"username", "x", "username"},
		{"username", "<script>", "username"},
		{"username", "Taken", "username"},
		{"password", "short", "password"},
		{"password", strings.Repeat("p", 2000), "password"},
		{"name", "Ada\x00Lovelace", "name"},
		{"name", "\xff\xfe", "name"},
	} {
		f := url.Values{}
		for k, v := range good {
			f.Set(k, v)
		}
		f.Set(tc.field, tc.value)
		a := c.browser().post("/signup", f).want(t, tc.field+"="+tc.value, http.StatusBadRequest)
		if a.text(".problem") == "" || a.text(".form-error") == "" {
			t.Errorf("%s=%q: no message on the form", tc.field, tc.value)
		}
		if tc.field == "email" {
			continue
		}
		if got, _ := a.doc.Find("input[name=email]").Attr("value"); got != good["email"] {
			t.Errorf("%s=%q: the form forgot the address (%q)", tc.field, tc.value, got)
		}
	}
	if _, err := c.st.AccountByEmail(t.Context(), "new@example.org"); err == nil {
		t.Error("a refused sign-up created an account")
	}
}

func TestSignInRefusals(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	c.browser().signUp("bob")
	wrong := c.browser().post("/signin", form("email", "bob@example.org", "password", "not his password")).want(t, "wrong password", http.StatusBadRequest)
	unknown := c.browser().post("/signin", form("email", "nobody@example.org", "password", "whatever it is")).want(t, "unknown address", http.StatusBadRequest)
	if wrong.text(".form-error") != unknown.text(".form-error") || !strings.Contains(wrong.text(".form-error"), "do not match") {
		t.Errorf("messages differ or are unclear: %q / %q", wrong.text(".form-error"), unknown.text(".form-error"))
	}
	bob, err := c.st.AccountByEmail(t.Context(), "bob@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.st.SetDisabled(t.Context(), bob.ID, submitClock); err != nil {
		t.Fatal(err)
	}
	a := c.browser().post("/signin", form("email", "bob@example.org", "password", "correct horse bob")).want(t, "disabled", http.StatusForbidden)
	if !strings.Contains(a.text(".form-error"), "disabled") {
		t.Errorf("disabled account told %q", a.text(".form-error"))
	}
}

func TestRateLimitedSignIn(t *testing.T) {
	few := ratelimit.Limit{Events: 3, Per: time.Hour}
	many := ratelimit.Limit{Events: 1000, Per: time.Minute}
	limits := limitsOf(many)
	limits.SignInAccount = few
	c := newCommunity(t, communityOptions{limits: limits})
	c.browser().signUp("carol")
	b := c.browser()
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }
	for i := range 3 {
		b.post("/signin", form("email", "carol@example.org", "password", fmt.Sprint("guess ", i)), from("198.51.100.7")...).want(t, "guess", http.StatusBadRequest)
	}
	// The fourth try from that address is refused before the password is
	// even checked: the right password does not get through either.
	a := b.post("/signin", form("email", "Carol@example.org", "password", "correct horse carol"), from("198.51.100.7")...).want(t, "fourth try", http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" || !strings.Contains(a.text(".form-error"), "try again") {
		t.Errorf("429 without Retry-After or message: %q %q", a.header.Get("Retry-After"), a.text(".form-error"))
	}
	// The owner, from another address, is not locked out by the guesses.
	owner := c.browser()
	owner.post("/signin", form("email", "carol@example.org", "password", "correct horse carol"), from("203.0.113.5")...).want(t, "the owner elsewhere", http.StatusSeeOther)
	// Right passwords count nothing: the owner signs in again and again.
	for i := range 5 {
		c.browser().post("/signin", form("email", "carol@example.org", "password", "correct horse carol"), from("203.0.113.5")...).want(t, fmt.Sprint("sign-in ", i), http.StatusSeeOther)
	}
	// Another account's limit is its own.
	c.browser().signUp("dave")
	c.browser().post("/signin", form("email", "dave@example.org", "password", "correct horse dave"), from("198.51.100.7")...).want(t, "dave", http.StatusSeeOther)
}

// Ten wrong passwords from one address, then one every 90 s (the
// review's attack), leave the owner free to sign in from another address,
// with the limits as they are by default.
func TestSignInGuessesDoNotLockOutTheOwner(t *testing.T) {
	limits := DefaultLimits
	c := newCommunity(t, communityOptions{limits: &limits})
	c.browser().signUp("carol")
	stranger := c.browser()
	for i := range 12 {
		want := http.StatusBadRequest
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		stranger.post("/signin", form("email", "carol@example.org", "password", fmt.Sprint("guess ", i)), "X-Forwarded-For", "198.51.100.7").
			want(t, fmt.Sprint("guess ", i), want)
	}
	c.browser().post("/signin", form("email", "carol@example.org", "password", "correct horse carol"), "X-Forwarded-For", "203.0.113.5").
		want(t, "the owner from another address", http.StatusSeeOther)
}

// A limit that refuses does not use up the others: comments refused for
// their address do not count against the account.
func TestRefusedLimitChargesNoOther(t *testing.T) {
	limits := limitsOf(ratelimit.Limit{Events: 1000, Per: time.Minute})
	limits.CommentAddress = ratelimit.Limit{Events: 2, Per: time.Hour}
	limits.CommentAccount = ratelimit.Limit{Events: 3, Per: time.Hour}
	c := newCommunity(t, communityOptions{limits: limits})
	b := c.browser()
	b.signUp("rita")
	id, _ := latestCard(t, b)
	comment := func(ip string, i int) answer {
		return b.post("/comments", form("paper", string(id), "body", fmt.Sprint("comment ", i), "key", fmt.Sprint("k", i)), "X-Forwarded-For", ip)
	}
	comment("198.51.100.7", 0).want(t, "first", http.StatusSeeOther)
	comment("198.51.100.7", 1).want(t, "second", http.StatusSeeOther)
	for i := 2; i < 6; i++ {
		comment("198.51.100.7", i).want(t, "over the address's limit", http.StatusTooManyRequests)
	}
	// The account has one comment left, whatever the address refused.
	comment("203.0.113.5", 6).want(t, "the account's third", http.StatusSeeOther)
	comment("203.0.113.5", 7).want(t, "the account's fourth", http.StatusTooManyRequests)
}

var resetLink = regexp.MustCompile(`https://papers\.example\.org/reset/([A-Za-z0-9_-]+)`)

func TestPasswordResetByMail(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	elsewhere := c.browser()
	elsewhere.signUp("erin")
	token := elsewhere.post("/settings/tokens", form("name", "bot")).want(t, "token", http.StatusOK).text(".notice code.token")
	apiVote := func() answer {
		id, _ := latestCard(t, elsewhere)
		req, _ := http.NewRequest("POST", c.srv.URL+"/api/papers/"+string(id)+"/upvote", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return c.browser().do(req)
	}
	apiVote().want(t, "the token before the reset", http.StatusOK)

	// An unknown address gets the same page and no mail.
	b := c.browser()
	unknown := b.post("/forgot", form("email", "nobody@example.org")).want(t, "forgot unknown", http.StatusOK)
	known := b.post("/forgot", form("email", "erin@example.org")).want(t, "forgot", http.StatusOK)
	if unknown.text(".notice") == "" || strings.ReplaceAll(unknown.text(".notice"), "nobody", "erin") != known.text(".notice") {
		t.Errorf("the pages tell addresses apart: %q / %q", unknown.text(".notice"), known.text(".notice"))
	}
	msgs := c.outbox.Messages()
	if len(msgs) != 1 || msgs[0].To != "erin@example.org" {
		t.Fatalf("mails sent: %+v", msgs)
	}
	m := resetLink.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no reset link in %q", msgs[0].Text)
	}
	path := "/reset/" + m[1]
	b.get(path).want(t, "reset form", http.StatusOK)
	b.post(path, form("password", "short")).want(t, "short password", http.StatusBadRequest)
	b.post(path, form("password", "a brand new password")).want(t, "reset", http.StatusSeeOther)
	if got := b.get("/").text("header .me"); !strings.Contains(got, "erin") {
		t.Errorf("not signed in after the reset: %q", got)
	}
	// The link works once; the old password and the other sessions are gone.
	again := b.post(path, form("password", "yet another password")).want(t, "second use", http.StatusBadRequest)
	if !strings.Contains(again.text(".form-error"), "not valid") {
		t.Errorf("second use says %q", again.text(".form-error"))
	}
	c.browser().post("/signin", form("email", "erin@example.org", "password", "correct horse erin")).want(t, "old password", http.StatusBadRequest)
	c.browser().post("/signin", form("email", "erin@example.org", "password", "a brand new password")).want(t, "new password", http.StatusSeeOther)
	if got := elsewhere.get("/").text("header .me"); got != "" {
		t.Errorf("another browser's session survived the reset: %q", got)
	}
	apiVote().want(t, "the API token after the reset", http.StatusUnauthorized)
	c.browser().post("/reset/forged-token", form("password", "a brand new password")).want(t, "forged token", http.StatusBadRequest)
}

func TestSubmitRules(t *testing.T) {
	c := newCommunity(t, communityOptions{dailyCap: 2})
	b := c.browser()
	b.signUp("frank")

	// Every spelling people paste is the same paper.
	a := b.post("/submit", form("paper", "https://arxiv.org/pdf/2104.12255v1", "github", "github.com/example-org/repo.git/",
		"project", "https://example.org/project")).want(t, "submit", http.StatusSeeOther)
	if a.location != "/papers/2104.12255" {
		t.Errorf("submission sends to %q", a.location)
	}
	if c.arxiv.count() != 1 {
		t.Errorf("arXiv was asked %d times", c.arxiv.count())
	}
	p, err := c.st.Paper(t.Context(), "2104.12255")
	if err != nil {
		t.Fatal(err)
	}
	if p.GitHubRepo != "https://github.com/example-org/repo" || p.ProjectPage != "https://example.org/project" || len(p.Authors) == 0 {
		t.Errorf("stored %+v", p)
	}
	page := b.get("/papers/2104.12255").want(t, "paper page", http.StatusOK)
	if !strings.Contains(page.text(".kicker.submitted"), "frank") {
		t.Errorf("paper page does not name the submitter: %q", page.text(".kicker"))
	}
	day := b.get("/papers/date/2021-05-03").want(t, "today's feed", http.StatusOK)
	if !strings.Contains(day.text(".card"), p.Title) {
		t.Error("the paper is not on today's feed")
	}

	mustPaper(t, c.st, paper.Paper{ID: "2101.00001", Title: "An old paper", Published: time.Date(2021, 1, 5, 0, 0, 0, 0, time.UTC)})
	for _, tc := range []struct {
		name, ref string
		status    int
		says      string
	}{
		{"duplicate", "arXiv:2104.12255v2", http.StatusConflict, "already on the feed"},
		{"not an id", "<script>alert(1)</script>", http.StatusBadRequest, "not an arXiv id"},
		{"unknown at arXiv", "2105.99999", http.StatusUnprocessableEntity, "arXiv has no paper"},
		{"too old", "2101.00001", http.StatusUnprocessableEntity, "Only papers from the last 14 days"},
	} {
		a := b.post("/submit", form("paper", tc.ref)).want(t, tc.name, tc.status)
		if got := a.text(".form-error"); !strings.Contains(got, tc.says) {
			t.Errorf("%s: the form says %q, want %q", tc.name, got, tc.says)
		}
	}
	dup := b.post("/submit", form("paper", "2104.12255"))
	if href, _ := dup.doc.Find(".form-error a[href^='/papers/date/']").Attr("href"); href != "/papers/date/2021-05-03" {
		t.Errorf("the duplicate message links to %q", href)
	}
	for _, bad := range []url.Values{
		form("paper", "2105.00001", "github", "https://gitlab.com/a/b"),
		form("paper", "2105.00001", "project", "javascript:alert(1)"),
	} {
		a := b.post("/submit", bad).want(t, "bad link", http.StatusBadRequest)
		if a.text(".form-error") == "" {
			t.Errorf("%v: no message", bad)
		}
	}
	// The daily cap (2 here) counts what the account put on today's feed.
	if _, err := c.st.Vote(t.Context(), 1, "2104.12255", true); err != nil {
		t.Fatal(err)
	}
	mustPaper(t, c.st, paper.Paper{ID: "2105.00002", Title: "A fresh paper", Published: submitClock.Add(-48 * time.Hour)})
	mustPaper(t, c.st, paper.Paper{ID: "2105.00003", Title: "Another fresh paper", Published: submitClock.Add(-48 * time.Hour)})
	b.post("/submit", form("paper", "2105.00002")).want(t, "second of the day", http.StatusSeeOther)
	capped := b.post("/submit", form("paper", "2105.00003")).want(t, "over the cap", http.StatusTooManyRequests)
	if !strings.Contains(capped.text(".form-error"), "come back tomorrow") {
		t.Errorf("cap says %q", capped.text(".form-error"))
	}

	// Admins may override every rule.
	admin := c.makeAdmin("root")
	admin.post("/submit", form("paper", "2101.00001", "override", "1")).want(t, "admin override", http.StatusSeeOther)
	// The override box means nothing from anyone else.
	b.post("/submit", form("paper", "2101.00001", "override", "1")).want(t, "override by a user", http.StatusConflict)
}

func TestSubmitWithdrawnAndArxivDown(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("gina")
	mustPaper(t, c.st, paper.Paper{ID: "2105.00004", Title: "Withdrawn", Withdrawn: true, Published: submitClock.Add(-time.Hour)})
	a := b.post("/submit", form("paper", "2105.00004")).want(t, "withdrawn", http.StatusUnprocessableEntity)
	if !strings.Contains(a.text(".form-error"), "withdrawn") {
		t.Errorf("withdrawn says %q", a.text(".form-error"))
	}
	// An anonymous visitor is sent to sign in, coming back to the form.
	anon := c.browser().post("/submit", form("paper", "2104.12255")).want(t, "anonymous", http.StatusSeeOther)
	if anon.location != "/signin?next=%2Fsubmit%3Fpaper%3D2104.12255&why=submit" {
		t.Errorf("anonymous submit sends to %q", anon.location)
	}
}

// TestSubmitSignedOut: a visitor who opens the form is told why they must
// sign in, and comes back to the form afterwards.
func TestSubmitSignedOut(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("ada")
	b.post("/signout", nil).want(t, "sign out", http.StatusSeeOther)

	a := b.get("/submit?paper=2104.12255").want(t, "form, signed out", http.StatusSeeOther)
	if a.location != "/signin?next=%2Fsubmit%3Fpaper%3D2104.12255&why=submit" {
		t.Fatalf("sent to %q", a.location)
	}
	page := b.get(a.location).want(t, "sign-in page", http.StatusOK)
	if got := page.text(".form-page .why"); got != "Sign in to submit a paper." {
		t.Errorf("the sign-in page says %q", got)
	}
	if next, _ := page.doc.Find(`form[action="/signin"] input[name=next]`).Attr("value"); next != "/submit?paper=2104.12255" {
		t.Errorf("the form's next is %q", next)
	}
	if href, _ := page.doc.Find(`.alt a[href^="/signup"]`).Attr("href"); href != "/signup?next=%2fsubmit%3fpaper%3d2104.12255&why=submit" {
		t.Errorf("the sign-up link is %q", href)
	}
	// A wrong password keeps the way back.
	bad := b.post("/signin", form("email", "ada@example.org", "password", "wrong", "next", "/submit?paper=2104.12255", "why", "submit")).want(t, "wrong password", http.StatusBadRequest)
	if next, _ := bad.doc.Find(`input[name=next]`).Attr("value"); next != "/submit?paper=2104.12255" || bad.text(".form-error") == "" {
		t.Errorf("after a wrong password: next %q, error %q", next, bad.text(".form-error"))
	}
	in := b.post("/signin", form("email", "ada@example.org", "password", "correct horse ada", "next", "/submit?paper=2104.12255", "why", "submit")).
		want(t, "sign in", http.StatusSeeOther)
	if in.location != "/submit?paper=2104.12255" {
		t.Fatalf("signed in, sent to %q", in.location)
	}
	if v, _ := b.get(in.location).want(t, "the form", http.StatusOK).doc.Find(`input[name=paper]`).Attr("value"); v != "2104.12255" {
		t.Errorf("the form is back with %q", v)
	}

	// A reason that is not one of the site's shows nothing.
	if got := b.get("/signin?why=%3Cb%3Ehi").text(".why"); got != "" {
		t.Errorf("an unknown reason shows %q", got)
	}
}

// TestSignInNextStaysOnSite: where sign-in and sign-up send a visitor
// afterwards is a path on this site, whatever the link said.
func TestSignInNextStaysOnSite(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	c.browser().signUp("ada")
	for _, tc := range []struct{ next, want string }{
		{"/submit", "/submit"},
		{"/papers/2509.02547#comments", "/papers/2509.02547#comments"},
		{"/search?q=a&mode=lexical", "/search?q=a&mode=lexical"},
		{"", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{`/\evil.example/`, "/"},
		{`\\evil.example/`, "/"},
		{"https://evil.example/", "/"},
		{"http:evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example/submit", "/"},
		{"/\t/evil.example", "/"},
		{"/\r\nLocation: https://evil.example", "/"},
	} {
		b := c.browser()
		a := b.post("/signin", form("email", "ada@example.org", "password", "correct horse ada", "next", tc.next)).want(t, "sign in", http.StatusSeeOther)
		if a.location != tc.want {
			t.Errorf("next %q: sign-in sends to %q, want %q", tc.next, a.location, tc.want)
		}
		// The page itself, asked with the same next, offers only the safe one.
		if v, _ := c.browser().get("/signin?next=" + url.QueryEscape(tc.next)).doc.Find(`input[name=next]`).Attr("value"); v != tc.want {
			t.Errorf("next %q: the form keeps %q", tc.next, v)
		}
		// Signed in already, the sign-in page sends on at once.
		if got := b.get("/signin?next=" + url.QueryEscape(tc.next)).location; got != tc.want {
			t.Errorf("next %q: signed in, /signin sends to %q", tc.next, got)
		}
	}
	a := c.browser().post("/signup", form("email", "bob@example.org", "username", "bob", "password", "correct horse bob", "next", "//evil.example/")).
		want(t, "sign up", http.StatusSeeOther)
	if a.location != "/" {
		t.Errorf("sign-up with an off-site next sends to %q", a.location)
	}
}

func TestSubmitWhenArxivIsDown(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	c.arxiv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	})
	b := c.browser()
	b.signUp("hal")
	a := b.post("/submit", form("paper", "2104.12255")).want(t, "arXiv down", http.StatusBadGateway)
	if !strings.Contains(a.text(".form-error"), "try again") || a.header.Get("Retry-After") == "" {
		t.Errorf("arXiv down says %q (Retry-After %q)", a.text(".form-error"), a.header.Get("Retry-After"))
	}
	if _, err := c.st.Paper(t.Context(), "2104.12255"); err == nil {
		t.Error("a failed fetch stored the paper")
	}
}

func mustPaper(t *testing.T, st store.Store, p paper.Paper) {
	t.Helper()
	im, err := st.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(t.Context(), []store.Record{{Paper: p}}); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
}

// latestCard is the first card of the demo's latest day.
func latestCard(t *testing.T, b *browser) (paper.ID, int) {
	t.Helper()
	home := b.get("/").want(t, "home", http.StatusOK)
	id, _ := home.doc.Find("form.vote input[name=paper]").First().Attr("value")
	var n int
	fmt.Sscan(home.doc.Find("form.vote .n").First().Text(), &n)
	if id == "" {
		t.Fatal("no vote form on the feed")
	}
	return paper.ID(id), n
}

func TestVoting(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	anon := c.browser()
	id, before := latestCard(t, anon)

	// Visitors are sent to sign in (or told so, from a script).
	a := anon.post("/vote", form("paper", string(id), "up", "1"), "Referer", c.srv.URL+"/").want(t, "anonymous vote", http.StatusSeeOther)
	if !strings.HasPrefix(a.location, "/signin?next=") {
		t.Errorf("anonymous vote sends to %q", a.location)
	}
	js := anon.post("/vote", form("paper", string(id), "up", "1"), "Accept", "application/json").want(t, "anonymous script vote", http.StatusUnauthorized)
	if !strings.Contains(js.body, `"error"`) {
		t.Errorf("401 body %q", js.body)
	}

	b := c.browser()
	b.signUp("ivy")
	// The plain form comes back to the page; the card shows the vote.
	a = b.post("/vote", form("paper", string(id), "up", "1"), "Referer", c.srv.URL+"/?x=1").want(t, "vote", http.StatusSeeOther)
	if a.location != "/?x=1" {
		t.Errorf("vote returns to %q", a.location)
	}
	home := b.get("/")
	card := home.doc.Find(fmt.Sprintf("form.vote:has(input[value='%s'])", id))
	if !card.HasClass("voted") || strings.TrimSpace(card.Find(".n").Text()) != fmt.Sprint(before+1) {
		t.Errorf("after voting the card shows %q, voted=%v", card.Find(".n").Text(), card.HasClass("voted"))
	}
	// Twice is once; a script gets the count.
	var got struct {
		Upvotes int  `json:"upvotes"`
		Upvoted bool `json:"upvoted"`
	}
	js = b.post("/vote", form("paper", string(id), "up", "1"), "Accept", "application/json").want(t, "vote twice", http.StatusOK)
	if err := json.Unmarshal([]byte(js.body), &got); err != nil || got.Upvotes != before+1 || !got.Upvoted {
		t.Errorf("second vote: %s (%v)", js.body, err)
	}
	js = b.post("/vote", form("paper", string(id), "up", "0"), "Accept", "application/json").want(t, "unvote", http.StatusOK)
	if err := json.Unmarshal([]byte(js.body), &got); err != nil || got.Upvotes != before || got.Upvoted {
		t.Errorf("withdrawn vote: %s (%v)", js.body, err)
	}
	// Anonymous pages, served from the cache, show the new count too.
	if _, n := latestCard(t, anon); n != before {
		t.Errorf("visitors see %d upvotes, want %d", n, before)
	}
	b.post("/vote", form("paper", "2601.99999", "up", "1")).want(t, "unknown paper", http.StatusNotFound)
	b.post("/vote", form("paper", "javascript:alert(1)", "up", "1")).want(t, "bad id", http.StatusBadRequest)
}

// Fifty people voting and withdrawing at once, over HTTP, end with the
// exact count.
func TestConcurrentVotesOverHTTP(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	id, before := latestCard(t, c.browser())
	people := make([]*browser, 50)
	for i := range people {
		people[i] = c.browser()
		people[i].signUp(fmt.Sprintf("voter%02d", i))
	}
	var wg sync.WaitGroup
	for i, b := range people {
		wg.Go(func() {
			// Everyone votes twice; the odd ones then withdraw twice.
			for range 2 {
				b.post("/vote", form("paper", string(id), "up", "1"), "Accept", "application/json").want(t, "vote", http.StatusOK)
			}
			if i%2 == 1 {
				for range 2 {
					b.post("/vote", form("paper", string(id), "up", "0"), "Accept", "application/json").want(t, "unvote", http.StatusOK)
				}
			}
		})
	}
	wg.Wait()
	p, err := c.st.Paper(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Upvotes != before+25 {
		t.Errorf("upvotes %d, want %d", p.Upvotes, before+25)
	}
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("jo")
	id, before := latestCard(t, b)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", c.srv.URL+"/vote", strings.NewReader("up=1&paper="+string(id)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(h[0], h[1])
		b.do(req).want(t, h[0]+": "+h[1], http.StatusForbidden)
	}
	if _, n := latestCard(t, b); n != before {
		t.Errorf("a cross-site request voted: %d, want %d", n, before)
	}
}

func TestComments(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	kim, lee := c.browser(), c.browser()
	kim.signUp("kim")
	lee.signUp("lee")
	id, _ := latestCard(t, kim)
	path := id.Path()
	// The demo papers come with the hosted site's comment counts.
	base, err := c.st.Paper(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	count := func(n int) string { return fmt.Sprint(base.NumComments + n) }

	// The form's key makes a second post of it (a double click) the same comment.
	key, _ := kim.get(path).doc.Find(`form.comment-form:not(:has(input[name=parent])) input[name=key]`).Attr("value")
	if len(key) < 16 {
		t.Fatalf("the comment form's key is %q", key)
	}
	body := "Great **results**, see [the code](https://github.com/example/x)."
	a := kim.post("/comments", form("paper", string(id), "body", body, "key", key)).want(t, "comment", http.StatusSeeOther)
	top := commentID(t, a.location)
	if again := kim.post("/comments", form("paper", string(id), "body", body, "key", key)).want(t, "same form again", http.StatusSeeOther); commentID(t, again.location) != top {
		t.Errorf("the form sent twice made comments %s and %s", top, commentID(t, again.location))
	}
	page := lee.get(path)
	if got, _ := page.doc.Find("#c" + top + " .body strong").Html(); got != "results" {
		t.Errorf("Markdown not rendered: %q", got)
	}
	if rel, _ := page.doc.Find("#c" + top + " .body a").Attr("rel"); !strings.Contains(rel, "nofollow") {
		t.Errorf("a comment's link has rel %q", rel)
	}
	a = lee.post("/comments", form("paper", string(id), "parent", top, "body", "Agreed.")).want(t, "reply", http.StatusSeeOther)
	reply := commentID(t, a.location)
	lee.post("/comments", form("paper", string(id), "parent", reply, "body", "Deeper.")).want(t, "reply to a reply", http.StatusBadRequest)
	page = lee.get(path)
	if page.doc.Find("#c"+top).Length() != 1 || page.doc.Find(".replies #c"+reply).Length() != 1 {
		t.Error("the thread is not shown as comment and reply")
	}
	if got := page.text(".comments h2 .count"); got != count(2) {
		t.Errorf("comment count %q, want %s", got, count(2))
	}
	card := lee.get("/").doc.Find(fmt.Sprintf(".card:has(input[value='%s']) a.comments", id))
	if strings.TrimSpace(card.Text()) != count(2) {
		t.Errorf("the card counts %q comments", card.Text())
	}

	// Only the author edits; the author or an admin deletes.
	lee.get("/comments/"+top+"/edit").want(t, "edit another's (form)", http.StatusForbidden)
	lee.post("/comments/"+top+"/edit", form("body", "hijacked")).want(t, "edit another's", http.StatusForbidden)
	lee.post("/comments/"+top+"/delete", nil).want(t, "delete another's", http.StatusForbidden)
	c.browser().post("/comments/"+top+"/edit", form("body", "anonymous")).want(t, "anonymous edit", http.StatusUnauthorized)
	kim.get("/comments/"+top+"/edit").want(t, "edit form", http.StatusOK)
	kim.post("/comments/"+top+"/edit", form("body", "   ")).want(t, "empty edit", http.StatusBadRequest)
	kim.post("/comments/"+top+"/edit", form("body", "Edited *text*.")).want(t, "edit", http.StatusSeeOther)
	page = lee.get(path)
	if got := page.text("#c" + top + " .body"); got != "Edited text." || page.text("#c"+top+" .edited") != "edited" {
		t.Errorf("edited comment shows %q", got)
	}
	kim.post("/comments/"+top+"/delete", nil).want(t, "delete", http.StatusSeeOther)
	page = lee.get(path)
	if got := page.text("#c" + top); !strings.Contains(got, "deleted") || strings.Contains(got, "Edited") {
		t.Errorf("deleted comment shows %q", got)
	}
	if page.doc.Find(".replies #c"+reply).Length() != 1 || page.text(".comments h2 .count") != count(1) {
		t.Errorf("after deleting: reply shown %d, count %q", page.doc.Find(".replies #c"+reply).Length(), page.text(".comments h2 .count"))
	}
	kim.post("/comments/"+top+"/edit", form("body", "back from the dead")).want(t, "edit a deleted comment", http.StatusNotFound)
}

func commentID(t *testing.T, location string) string {
	t.Helper()
	_, frag, ok := strings.Cut(location, "#c")
	if !ok {
		t.Fatalf("comment redirect %q has no #c anchor", location)
	}
	return frag
}

// Hostile input is refused with a message or rendered inert.
func TestHostileComments(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("mal")
	id, _ := latestCard(t, b)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"script tag", "hello <script>alert(1)</script>", http.StatusSeeOther},
		{"javascript link", "[click](javascript:alert(document.cookie))", http.StatusSeeOther},
		{"javascript autolink", "<javascript:alert(1)>", http.StatusSeeOther},
		{"event handler", `look <img src=x onerror="alert(1)">`, http.StatusSeeOther},
		{"markup that shows nothing", `<img src=x onerror="alert(1)">`, http.StatusBadRequest},
		{"zero-width only", "\u200b\u200d\u2060", http.StatusBadRequest},
		{"data URL", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", http.StatusSeeOther},
		{"iframe", `see <iframe src="https://evil.example"></iframe>`, http.StatusSeeOther},
		{"invalid UTF-8", "bad \xff\xfe bytes", http.StatusBadRequest},
		{"NUL", "nul \x00 byte", http.StatusBadRequest},
		{"empty", "  \n ", http.StatusBadRequest},
		{"too long", strings.Repeat("a", 10001), http.StatusBadRequest},
		{"oversized body", strings.Repeat("a", 70<<10), http.StatusRequestEntityTooLarge},
	} {
		a := b.post("/comments", form("paper", string(id), "body", tc.body)).want(t, tc.name, tc.status)
		switch tc.status {
		case http.StatusBadRequest: // the page again, the text in its form
			if a.text(".comments .form-error") == "" {
				t.Errorf("%s: refused without a message", tc.name)
			}
			if got := a.doc.Find("#comment-body").Text(); got != tc.body && utf8.ValidString(tc.body) && !strings.Contains(tc.body, "\x00") { // HTML has no NUL
				t.Errorf("%s: the form holds %q, want the text sent", tc.name, got)
			}
		case http.StatusRequestEntityTooLarge:
			if a.text(".error-page") == "" {
				t.Errorf("%s: refused without a message", tc.name)
			}
		}
	}
	page := b.get(id.Path())
	page.doc.Find(".comments .body *").Each(func(_ int, s *goquery.Selection) {
		tag := goquery.NodeName(s)
		if tag == "script" || tag == "iframe" || tag == "img" || tag == "object" {
			t.Errorf("a comment renders <%s>", tag)
		}
		for _, at := range s.Nodes[0].Attr {
			if strings.HasPrefix(at.Key, "on") {
				t.Errorf("a comment renders the attribute %s", at.Key)
			}
			if at.Key == "href" && !strings.HasPrefix(at.Val, "https://") && !strings.HasPrefix(at.Val, "http://") && !strings.HasPrefix(at.Val, "mailto:") && !strings.HasPrefix(at.Val, "#") {
				t.Errorf("a comment links to %q", at.Val)
			}
		}
	})
	if got := page.text(".comments"); !strings.Contains(got, "hello") {
		t.Errorf("the harmless text of a hostile comment is lost: %q", got)
	}
}

func TestModeration(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	admin := c.makeAdmin("mod")
	nat, oli := c.browser(), c.browser()
	nat.signUp("nat")
	oli.signUp("oli")
	id, _ := latestCard(t, nat)

	// Nobody but an admin hides papers, hides comments, disables accounts
	// or sees the reports.
	nat.post("/admin/papers/hide", form("paper", string(id), "hidden", "1")).want(t, "user hides a paper", http.StatusForbidden)
	nat.get("/admin").want(t, "user opens /admin", http.StatusForbidden)
	nat.post("/admin/users/oli/disable", form("disabled", "1")).want(t, "user disables", http.StatusForbidden)
	c.browser().get("/admin").want(t, "visitor opens /admin", http.StatusSeeOther)

	a := oli.post("/comments", form("paper", string(id), "body", "Buy cheap pills at spam.example")).want(t, "spam", http.StatusSeeOther)
	spam := commentID(t, a.location)
	nat.post("/admin/comments/"+spam+"/hide", form("hidden", "1")).want(t, "user hides a comment", http.StatusForbidden)
	nat.post("/comments/"+spam+"/report", form("reason", "spam")).want(t, "report", http.StatusSeeOther)
	nat.post("/comments/"+spam+"/report", form("reason", "spam again")).want(t, "report twice", http.StatusSeeOther)
	reports := admin.get("/admin").want(t, "admin page", http.StatusOK)
	if n := reports.doc.Find(".report-item").Length(); n != 1 || !strings.Contains(reports.text(".report-item"), "cheap pills") || !strings.Contains(reports.text(".report-item"), "nat") {
		t.Errorf("admin page lists %d reports: %q", n, reports.text(".report-item"))
	}
	admin.post("/admin/comments/"+spam+"/hide", form("hidden", "1")).want(t, "admin hides", http.StatusSeeOther)
	if got := nat.get(id.Path()).text(".comments"); strings.Contains(got, "cheap pills") {
		t.Error("a hidden comment is still shown")
	}
	if admin.get("/admin").doc.Find(".report-item").Length() != 0 {
		t.Error("hiding the comment left its report open")
	}

	// The admin page says which process holds each job's lease.
	if _, err := c.st.Lead(t.Context(), "digests", "host-a/41/beef", time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := admin.get("/admin").text(".lease"); !strings.Contains(got, "digests") || !strings.Contains(got, "host-a/41/beef") || strings.Contains(got, "ran out") {
		t.Errorf("admin page's leases: %q, want digests held by host-a/41/beef", got)
	}

	// /admin/digests says, for each run, how many of its period's digests
	// ended unknown and how many wait.
	ctx := t.Context()
	const period = "daily:2025-09-03"
	if _, err := c.st.StartDigestRun(ctx, store.DigestRun{Period: period, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, addr := range []string{"a@example.org", "b@example.org"} {
		sub, _, err := c.st.Subscribe(ctx, store.Subscription{Email: addr, Frequency: store.Daily})
		if err == nil {
			err = c.st.ConfirmSubscription(ctx, sub.ID, time.Now())
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.ID)
	}
	if _, err := c.st.EnqueueDigests(ctx, period, ids, time.Now()); err != nil {
		t.Fatal(err)
	}
	job, err := c.st.ClaimMailJob(ctx, "x", time.Now(), time.Minute)
	if err == nil {
		err = c.st.MarkSending(ctx, job.ID, "x", "<m@x>")
	}
	if err == nil {
		_, err = c.st.ExpireSending(ctx, time.Now().Add(2*time.Minute))
	}
	if err != nil {
		t.Fatal(err)
	}
	runs := admin.get("/admin/digests").want(t, "digest runs", http.StatusOK)
	if u, w := runs.text("td.unknown"), runs.text("td.waiting"); u != "1" || w != "1" {
		t.Errorf("/admin/digests: unknown %q, waiting %q; want 1 and 1", u, w)
	}

	// Hiding a paper takes it off the feed, not out of the catalogue.
	admin.post("/admin/papers/hide", form("paper", string(id), "hidden", "1")).want(t, "admin hides a paper", http.StatusSeeOther)
	if strings.Contains(nat.get("/").body, `value="`+string(id)+`"`) {
		t.Error("a hidden paper is still on the feed")
	}
	nat.get(id.Path()).want(t, "hidden paper's page", http.StatusOK)

	// A disabled account is signed out everywhere and cannot sign in.
	admin.post("/admin/users/oli/disable", form("disabled", "1")).want(t, "disable", http.StatusSeeOther)
	if oli.get("/").text("header .me") != "" {
		t.Error("a disabled account is still signed in")
	}
	oli.post("/signin", form("email", "oli@example.org", "password", "correct horse oli")).want(t, "disabled sign-in", http.StatusForbidden)
	admin.post("/admin/users/mod/disable", form("disabled", "1")).want(t, "admin disables self", http.StatusBadRequest)
}

func TestAPITokens(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	pat, quinn := c.browser(), c.browser()
	pat.signUp("pat")
	quinn.signUp("quinn")
	id, before := latestCard(t, pat)

	page := pat.post("/settings/tokens", form("name", "my bot")).want(t, "create token", http.StatusOK)
	token := page.text(".notice code.token")
	if !strings.HasPrefix(token, auth.APITokenPrefix) || len(token) < 40 {
		t.Fatalf("new token %q", token)
	}
	if strings.Contains(pat.get("/settings/tokens").body, token) {
		t.Error("the token is shown again after it was made")
	}
	api := func(method, path, token, body string) answer {
		req, _ := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return c.browser().do(req)
	}
	up := api("POST", "/api/papers/"+string(id)+"/upvote", token, "").want(t, "API upvote", http.StatusOK)
	if !strings.Contains(up.body, fmt.Sprintf(`"upvotes":%d`, before+1)) {
		t.Errorf("API upvote answered %s", up.body)
	}
	cm := api("POST", "/api/papers/"+string(id)+"/comment", token, `{"comment":"From my **bot**"}`).want(t, "API comment", http.StatusCreated)
	if !strings.Contains(cm.body, `"author":"pat"`) {
		t.Errorf("API comment answered %s", cm.body)
	}
	api("POST", "/api/papers/"+string(id)+"/comment", token, `{"comment":"x","evil":1}`).want(t, "unknown field", http.StatusBadRequest)
	api("POST", "/api/papers/"+string(id)+"/comment", token, `{"comment":`).want(t, "broken JSON", http.StatusBadRequest)
	api("POST", "/api/papers/submit", token, `{"paper_id":"2104.12255"}`).want(t, "API submit", http.StatusCreated)
	api("POST", "/api/papers/submit", token, `{"paper_id":"2104.12255"}`).want(t, "API duplicate", http.StatusConflict)
	api("POST", "/api/papers/"+string(id)+"/upvote", "", "").want(t, "no token", http.StatusUnauthorized)
	api("POST", "/api/papers/"+string(id)+"/upvote", "dp_forged", "").want(t, "forged token", http.StatusUnauthorized)

	// Revoking: nobody else can revoke it; once revoked it opens nothing.
	tokens, err := c.st.APITokens(t.Context(), 0)
	if err != nil || len(tokens) != 0 {
		t.Fatalf("tokens of nobody: %v %v", tokens, err)
	}
	list := pat.get("/settings/tokens")
	action, _ := list.doc.Find("form[action$='/revoke']").Attr("action")
	quinn.post(action, nil).want(t, "revoke another's token", http.StatusNotFound)
	api("DELETE", "/api/papers/"+string(id)+"/upvote", token, "").want(t, "still works", http.StatusOK)
	pat.post(action, nil).want(t, "revoke", http.StatusSeeOther)
	down := api("POST", "/api/papers/"+string(id)+"/upvote", token, "").want(t, "revoked token", http.StatusUnauthorized)
	if !strings.Contains(down.body, `"error"`) || down.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without JSON error or WWW-Authenticate: %s", down.body)
	}
}

// The API's writes keep the pages' rate limits: a 429 with Retry-After and
// a JSON reason.
func TestAPIRateLimit(t *testing.T) {
	many := ratelimit.Limit{Events: 1000, Per: time.Minute}
	two := ratelimit.Limit{Events: 2, Per: time.Hour}
	limits := limitsOf(many)
	limits.CommentAccount = two
	c := newCommunity(t, communityOptions{limits: limits})
	b := c.browser()
	b.signUp("rita")
	token := b.post("/settings/tokens", form("name", "bot")).want(t, "token", http.StatusOK).text(".notice code.token")
	id, _ := latestCard(t, b)
	post := func() answer {
		req, _ := http.NewRequest("POST", c.srv.URL+"/api/papers/"+string(id)+"/comment", strings.NewReader(`{"comment":"hello"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		return c.browser().do(req)
	}
	post().want(t, "first", http.StatusCreated)
	post().want(t, "second", http.StatusCreated)
	a := post().want(t, "third", http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" || !strings.Contains(a.body, `"error"`) || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Errorf("429: Retry-After %q, %s %s", a.header.Get("Retry-After"), a.header.Get("Content-Type"), a.body)
	}
}

// Votes have limits a person never meets and a script does: the form and
// the API count against the same ones, and beyond them answer 429 with
// Retry-After.
func TestVoteRateLimit(t *testing.T) {
	limits := limitsOf(ratelimit.Limit{Events: 1000, Per: time.Minute})
	limits.VoteAccount = ratelimit.Limit{Events: 6, Per: time.Hour}
	limits.VoteAddress = ratelimit.Limit{Events: 9, Per: time.Hour}
	c := newCommunity(t, communityOptions{limits: limits})
	b := c.browser()
	b.signUp("vic")
	token := b.post("/settings/tokens", form("name", "bot")).want(t, "token", http.StatusOK).text(".notice code.token")
	id, _ := latestCard(t, b)
	api := func(method string) answer {
		req, _ := http.NewRequest(method, c.srv.URL+"/api/papers/"+string(id)+"/upvote", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return c.browser().do(req)
	}
	for i := range 3 {
		b.post("/vote", form("paper", string(id), "up", fmt.Sprint(i%2))).want(t, fmt.Sprint("form vote ", i), http.StatusSeeOther)
		api([]string{"POST", "DELETE"}[i%2]).want(t, fmt.Sprint("API vote ", i), http.StatusOK)
	}
	a := b.post("/vote", form("paper", string(id))).want(t, "the form's seventh vote", http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	a = api("POST").want(t, "the API's seventh vote", http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" || !strings.Contains(a.body, `"error"`) {
		t.Errorf("API 429: Retry-After %q, %s", a.header.Get("Retry-After"), a.body)
	}
	// The address's own limit, shared by another account on it.
	w := c.browser()
	w.signUp("wes")
	for i := range 3 {
		w.post("/vote", form("paper", string(id))).want(t, fmt.Sprint("wes's vote ", i), http.StatusSeeOther)
	}
	w.post("/vote", form("paper", string(id))).want(t, "the address's tenth vote", http.StatusTooManyRequests)
}

// limitsOf is every rate limit set to l; tests then tighten the one they test.
func limitsOf(l ratelimit.Limit) *Limits {
	return &Limits{SignInAccount: l, SignInAddress: l, SignUpAddress: l, ResetAccount: l, ResetAddress: l,
		SubmitAccount: l, SubmitAddress: l, CommentAccount: l, CommentAddress: l, SubscribeAccount: l, SubscribeAddress: l,
		VoteAccount: l, VoteAddress: l}
}
