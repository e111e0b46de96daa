package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/store"
)

var (
	confirmLink = regexp.MustCompile(`https://papers\.example\.org(/subscription/confirm/[A-Za-z0-9_.-]+)`)
	manageLink  = regexp.MustCompile(`https://papers\.example\.org(/subscription/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)
)

// subscribed walks the double opt-in and returns the manage page's path.
func subscribed(t *testing.T, c *community, b *browser, email string) string {
	t.Helper()
	n := len(c.outbox.Messages())
	b.post("/subscribe", form("email", email)).want(t, "subscribe", http.StatusOK)
	msgs := c.outbox.Messages()
	if len(msgs) != n+1 || msgs[n].To != email {
		t.Fatalf("after subscribing, mails: %+v", msgs[n:])
	}
	m := confirmLink.FindStringSubmatch(msgs[n].Text)
	if m == nil {
		t.Fatalf("no confirmation link in %q", msgs[n].Text)
	}
	a := b.get(m[1]).want(t, "confirm", http.StatusSeeOther)
	if !strings.HasPrefix(a.location, "/subscription/") {
		t.Fatalf("confirmation sends to %q", a.location)
	}
	return a.location
}

func TestSubscribeDoubleOptIn(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	// The form is on every page.
	if b.get("/").doc.Find("footer form.subscribe input[name=email]").Length() != 1 {
		t.Fatal("no subscribe form in the footer")
	}
	b.post("/subscribe", form("email", "reader@example.org", "frequency", "weekly")).want(t, "subscribe", http.StatusOK)
	sub, err := c.st.SubscriptionByEmail(t.Context(), "reader@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Active() || sub.Frequency != store.Weekly {
		t.Fatalf("before confirming: %+v", sub)
	}
	// Asking again sends the confirmation again; nothing else goes out.
	b.post("/subscribe", form("email", "READER@example.org")).want(t, "subscribe again", http.StatusOK)
	if n := len(c.outbox.Messages()); n != 2 {
		t.Fatalf("%d mails, want two confirmations", n)
	}
	manage := subscribed(t, c, b, "reader@example.org")
	if sub, _ = c.st.SubscriptionByEmail(t.Context(), "reader@example.org"); !sub.Active() {
		t.Fatalf("after confirming: %+v", sub)
	}
	page := b.get(manage).want(t, "manage", http.StatusOK)
	if got := page.text(".notice"); got != "You are subscribed. Your first digest will arrive next Monday, with the papers of the week before." {
		t.Errorf("manage page after confirming says %q", got)
	}
	// A confirmed address that subscribes again gets its manage link, and
	// the page says the same as for a new address.
	again := c.browser().post("/subscribe", form("email", "reader@example.org")).want(t, "subscribe a confirmed address", http.StatusOK)
	fresh := c.browser().post("/subscribe", form("email", "new@example.org")).want(t, "subscribe a new address", http.StatusOK)
	if strings.ReplaceAll(again.text(".notice"), "reader", "new") != fresh.text(".notice") {
		t.Errorf("the pages tell subscribed addresses apart: %q / %q", again.text(".notice"), fresh.text(".notice"))
	}
	msgs := c.outbox.Messages()
	if !manageLink.MatchString(msgs[len(msgs)-2].Text) {
		t.Errorf("a confirmed address got %q", msgs[len(msgs)-2].Text)
	}
}

// TestFooterShowsTheDigest: once a signed-in reader subscribes, the
// footer says where their digest stands instead of offering it again.
func TestFooterShowsTheDigest(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("ada")
	footer := func(a answer) (state, button string) {
		return a.text("footer .digest-state"), a.text("footer .subscribe-box button")
	}
	if state, button := footer(b.get("/")); state != "" || button != "Subscribe as ada@example.org" {
		t.Fatalf("before: %q, %q", state, button)
	}
	sent := b.post("/subscribe", form("email", "ada@example.org")).want(t, "subscribe", http.StatusOK)
	if state, button := footer(sent); state != "Check your inbox. Open the link we sent to ada@example.org to start your digest." || button != "" {
		t.Errorf("just subscribed: %q, %q", state, button)
	}
	if state, button := footer(b.get("/papers/trending")); state != "Your digest is one click away. Open the link we sent to ada@example.org to start it." || button != "Send the link again" {
		t.Errorf("unconfirmed: %q, %q", state, button)
	}
	manage := subscribed(t, c, b, "ada@example.org")
	if got := b.get(manage).text(".notice"); got != "You are subscribed. Your first digest will arrive on the next weekday, with the papers of the day before." {
		t.Errorf("confirmed: %q", got)
	}
	if state, button := footer(b.get("/")); state != "✓ You get the digest each weekday at ada@example.org." || button != "Email me a link to change it" {
		t.Errorf("confirmed: %q, %q", state, button)
	}
	// The button mails the link to the settings.
	n := len(c.outbox.Messages())
	b.post("/subscribe", form("email", "ada@example.org")).want(t, "ask for the link", http.StatusOK)
	if msgs := c.outbox.Messages(); len(msgs) != n+1 || !manageLink.MatchString(msgs[n].Text) {
		t.Errorf("asking for the link mailed %+v", msgs[n:])
	}
	b.post(manage, form("frequency", "weekly", "paused", "1")).want(t, "pause", http.StatusOK)
	if state, button := footer(b.get("/")); state != "Your digest is paused. Nothing is sent to ada@example.org until you resume it." || button != "Email me a link to resume it" {
		t.Errorf("paused: %q, %q", state, button)
	}
	b.post(manage, form("frequency", "weekly")).want(t, "resume", http.StatusOK)
	if state, _ := footer(b.get("/")); state != "✓ You get the digest each Monday at ada@example.org." {
		t.Errorf("weekly: %q", state)
	}
	sub, _ := c.st.SubscriptionByEmail(t.Context(), "ada@example.org")
	if err := c.st.Unsubscribe(t.Context(), sub.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if state, button := footer(b.get("/")); state != "" || button != "Subscribe as ada@example.org" {
		t.Errorf("unsubscribed: %q, %q", state, button)
	}

	// An account whose address was subscribed by someone else (accounts'
	// addresses are not confirmed) is not told about that subscription.
	subscribed(t, c, c.browser(), "bob@example.org")
	bob := c.browser()
	bob.signUp("bob")
	if state, button := footer(bob.get("/")); state != "" || button != "Subscribe as bob@example.org" {
		t.Errorf("someone else's subscription: %q, %q", state, button)
	}
}

func TestManageSubscription(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	manage := subscribed(t, c, b, "filters@example.org")
	b.post(manage, form("frequency", "weekly", "categories", "cs.CL, cs", "keywords", "world model,  speech recognition ,",
		"query", `"agents" -survey`)).want(t, "save", http.StatusOK)
	sub, _ := c.st.SubscriptionByEmail(t.Context(), "filters@example.org")
	if sub.Frequency != store.Weekly || strings.Join(sub.Categories, "|") != "cs.CL|cs" ||
		strings.Join(sub.Keywords, "|") != "world model|speech recognition" || sub.Query != `"agents" -survey` || !sub.PausedAt.IsZero() {
		t.Errorf("saved %+v", sub)
	}
	b.post(manage, form("frequency", "daily", "paused", "1")).want(t, "pause", http.StatusOK)
	if sub, _ = c.st.SubscriptionByEmail(t.Context(), "filters@example.org"); sub.PausedAt.IsZero() || sub.Active() || len(sub.Categories) != 0 {
		t.Errorf("paused: %+v", sub)
	}
	for _, bad := range []url.Values{
		form("categories", "<script>"),
		form("keywords", strings.Repeat("x", 101)),
		form("query", `"unclosed`+strings.Repeat(" x", 500)), // over search.MaxQueryLen
		form("query", prefixQuery(300)),                      // over the budget of one search
	} {
		a := b.post(manage, bad).want(t, "bad filter", http.StatusBadRequest)
		if a.text(".form-error") == "" {
			t.Errorf("%v: no message", bad)
		}
	}
	if got, _ := c.st.SubscriptionByEmail(t.Context(), "filters@example.org"); got.PausedAt.IsZero() {
		t.Error("a refused form changed the subscription")
	}
}

func TestTamperedLinksChangeNothing(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	manage := subscribed(t, c, b, "tamper@example.org")
	token := strings.TrimPrefix(manage, "/subscription/")
	token, _, _ = strings.Cut(token, "?")
	forged := []byte(token)
	forged[3] ^= 1
	for _, path := range []string{
		"/subscription/" + string(forged),
		"/subscription/confirm/" + token, // a manage token is not a confirmation
		"/unsubscribe/" + token,          // nor an unsubscribe one
		"/unsubscribe/nonsense",
	} {
		a := b.get(path).want(t, "GET "+path, http.StatusBadRequest)
		if !strings.Contains(a.text(".form-error"), "not valid") {
			t.Errorf("%s says %q", path, a.text(".form-error"))
		}
		if !strings.HasPrefix(path, "/subscription/confirm/") { // confirming is a GET
			b.post(path, form("frequency", "weekly", "paused", "1")).want(t, "POST "+path, http.StatusBadRequest)
		}
	}
	sub, _ := c.st.SubscriptionByEmail(t.Context(), "tamper@example.org")
	if !sub.Active() || sub.Frequency != store.Daily {
		t.Errorf("forged links changed the subscription: %+v", sub)
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	manage := subscribed(t, c, b, "leaver@example.org")
	page := b.get(manage)
	action, _ := page.doc.Find(`form[action^="/unsubscribe/"]`).Attr("action")
	if action == "" {
		t.Fatal("no unsubscribe form on the manage page")
	}
	// Opening the link (as mail scanners do) changes nothing.
	b.get(action).want(t, "unsubscribe page", http.StatusOK)
	if sub, _ := c.st.SubscriptionByEmail(t.Context(), "leaver@example.org"); !sub.Active() {
		t.Fatal("opening the unsubscribe link unsubscribed")
	}
	// RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, from no page.
	req, _ := http.NewRequest("POST", c.srv.URL+action, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req).want(t, "one-click", http.StatusOK)
	sub, _ := c.st.SubscriptionByEmail(t.Context(), "leaver@example.org")
	if sub.UnsubscribedAt.IsZero() || sub.Active() {
		t.Fatalf("after one-click: %+v", sub)
	}
	// Twice is fine; the manage page says so.
	b.do(req).want(t, "one-click again", http.StatusOK)
	if got := b.get(manage).text(".notice"); !strings.Contains(got, "unsubscribed") {
		t.Errorf("manage page of an unsubscribed address says %q", got)
	}
}

func TestSubscribeBadInput(t *testing.T) {
	few := ratelimit.Limit{Events: 20, Per: time.Hour}
	many := ratelimit.Limit{Events: 100000, Per: time.Minute}
	limits := limitsOf(many)
	limits.SubscribeAddress = few
	c := newCommunity(t, communityOptions{limits: limits})
	b := c.browser()
	for _, bad := range []string{"a@b.c\r\nBcc: x@y.z", "not an address", "Ada <ada@example.org>", "", strings.Repeat("a", 250) + "@example.org"} {
		a := b.post("/subscribe", form("email", bad)).want(t, "subscribe "+bad, http.StatusBadRequest)
		if a.text(".form-error") == "" {
			t.Errorf("%q: no message", bad)
		}
	}
	if n := len(c.outbox.Messages()); n != 0 {
		t.Fatalf("bad addresses got %d mails", n)
	}
	// 10,000 requests from one address: the first 20 (the limit, less the
	// five above) go through, every other one is refused with a 429.
	refused := 0
	for i := range 10000 {
		req, _ := http.NewRequest("POST", c.srv.URL+"/subscribe", strings.NewReader(form("email", "spam"+strconv.Itoa(i)+"@example.org").Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			refused++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if refused != 10000-15 || len(c.outbox.Messages()) != 15 {
		t.Errorf("%d refused, %d mails sent; want %d and 15", refused, len(c.outbox.Messages()), 10000-15)
	}
}

// TestManageForYouSection: a subscriber with an account may ask for a
// For-you section on the manage page; one without an account is told
// why not, and a forged ask is refused with the form kept.
func TestManageForYouSection(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("ada")
	manage := subscribed(t, c, b, "ada@example.org")
	page := b.get(manage)
	if page.doc.Find(`input[name=for_you]`).Length() != 1 {
		t.Fatal("no For-you choice for a subscriber with an account")
	}
	b.post(manage, form("frequency", "weekly", "for_you", "1")).want(t, "ask for For you", http.StatusOK)
	sub, _ := c.st.SubscriptionByEmail(t.Context(), "ada@example.org")
	if !sub.ForYou || sub.Frequency != store.Weekly {
		t.Errorf("after asking: %+v", sub)
	}
	if _, ok := b.get(manage).doc.Find(`input[name=for_you]`).Attr("checked"); !ok {
		t.Error("the choice is not shown as made")
	}
	b.post(manage, form("frequency", "weekly")).want(t, "turn it off", http.StatusOK)
	if sub, _ = c.st.SubscriptionByEmail(t.Context(), "ada@example.org"); sub.ForYou {
		t.Error("still For you after unticking it")
	}

	// Without an account.
	visitor := c.browser()
	vm := subscribed(t, c, visitor, "visitor@example.org")
	vp := visitor.get(vm)
	if vp.doc.Find(`input[name=for_you]`).Length() != 0 || !strings.Contains(vp.text(".note"), "needs an account") {
		t.Errorf("a subscriber without an account: choice shown, or no note (%q)", vp.text(".note"))
	}
	a := visitor.post(vm, form("frequency", "weekly", "keywords", "agents", "for_you", "1")).want(t, "forged ask", http.StatusBadRequest)
	if !strings.Contains(a.text(".form-error"), "signed in") || a.doc.Find(`input[name=keywords]`).AttrOr("value", "") != "agents" {
		t.Errorf("refused ask: message %q, keywords kept %q", a.text(".form-error"), a.doc.Find(`input[name=keywords]`).AttrOr("value", ""))
	}
	if got, _ := c.st.SubscriptionByEmail(t.Context(), "visitor@example.org"); got.ForYou || len(got.Keywords) != 0 {
		t.Errorf("a refused form changed the subscription: %+v", got)
	}
}
