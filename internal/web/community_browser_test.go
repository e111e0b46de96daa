package web_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/web"
)

// TestBrowserCommunity walks what a member of the community does, in a real
// headless Chromium against the demo data: sign up, submit a paper that
// arXiv has (a replayed recording) and the demo data has not, upvote it in
// place and take the vote back, write a Markdown comment with hostile bits
// in it and answer it, find the paper on the day's feed, and sign out. Any
// console error, uncaught exception or Content-Security-Policy violation
// fails it, and so does any JavaScript dialog (an alert that ran).
//
// It takes the environment variables of TestBrowser.
func TestBrowserCommunity(t *testing.T) {
	onceOnSQLite(t)
	execPath := findBrowser(t)
	start := time.Now()

	// The paper to submit: 2104.12255, as arXiv answered for it. The site's
	// clock stands five days after its version 1, inside the 14 days in
	// which papers may be submitted.
	const paperID = "2104.12255"
	recording := readTestdata(t, "id_2104.12255v1.xml")
	notFound := readTestdata(t, "id_0000.0000.xml")
	var feed struct {
		Entries []struct {
			Published time.Time `xml:"published"`
			Title     string    `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(recording, &feed); err != nil || len(feed.Entries) != 1 {
		t.Fatalf("reading the recording of %s: %v (%d entries)", paperID, err, len(feed.Entries))
	}
	published, title := feed.Entries[0].Published, feed.Entries[0].Title
	now := published.Add(5 * 24 * time.Hour)
	today := now.UTC().Format(time.DateOnly)

	// arXiv, replayed: the recording for the paper, the recorded "no such
	// paper" answer for any other id.
	var (
		asked   []string
		askedMu sync.Mutex
	)
	version := regexp.MustCompile(`v[0-9]+$`)
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id_list")
		askedMu.Lock()
		asked = append(asked, id)
		askedMu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml; charset=UTF-8")
		if r.Method == http.MethodGet && version.ReplaceAllString(id, "") == paperID {
			w.Write(recording)
			return
		}
		w.Write(notFound)
	}))
	t.Cleanup(replay.Close)
	arxivAsked := func() []string {
		askedMu.Lock()
		defer askedMu.Unlock()
		return append([]string(nil), asked...)
	}

	// The site, on the demo data, at that time.
	srv := demoSite(t, web.Options{
		Now:   func() time.Time { return now },
		ArXiv: &arxiv.Client{BaseURL: replay.URL, MinInterval: -1, Timeout: 5 * time.Second},
	})
	t.Logf("demo site ready in %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	defer func() { t.Logf("browser walk took %v", time.Since(start).Round(time.Millisecond)) }()
	done := func(step string) { t.Logf("%5.2fs %s", time.Since(start).Seconds(), step) }

	shots := os.Getenv("DAILYPAPERS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// The browser. Dialogs are noted and dismissed at once: an alert that
	// opened would otherwise block the page, and the test with it.
	var (
		dialogs   []string
		dialogsMu sync.Mutex
		bctx      context.Context
	)
	onDialog := func(ev any) {
		d, ok := ev.(*page.EventJavascriptDialogOpening)
		if !ok {
			return
		}
		dialogsMu.Lock()
		dialogs = append(dialogs, fmt.Sprintf("%s dialog %q on %s", d.Type, d.Message, d.URL))
		dialogsMu.Unlock()
		go chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	}
	console := &consoleLog{}
	bctx = startBrowser(t, execPath, chromedp.WithListener(console.record), chromedp.WithListener(onDialog))

	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		done(step)
	}
	// load runs the action (a click, a submit), waits for the page it
	// opens, and then for the element wait on it.
	load := func(step string, action chromedp.Action[chromedp.Void], wait string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, action)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		run(step, chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	screenshot := func(name string) {
		t.Helper()
		// From the top: a full-page shot of a scrolled page paints the
		// sticky header where the window was.
		evaluate[int](t, bctx, "scroll up", `window.scrollTo(0, 0), 0`)
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(shots, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		done("screenshot: " + path)
	}
	// noErrors fails the test for the console errors and dialogs since the
	// last call, except those that contain one of the expected strings.
	noErrors := func(step string, expected ...string) {
		t.Helper()
		evaluate[int](t, bctx, step, "1") // a round trip, so that earlier events are in
	errors:
		for _, e := range console.take() {
			for _, x := range expected {
				if strings.Contains(e, x) {
					continue errors
				}
			}
			t.Errorf("%s: %s", step, e)
		}
		dialogsMu.Lock()
		defer dialogsMu.Unlock()
		for _, d := range dialogs {
			t.Errorf("%s: a script ran: %s", step, d)
		}
		dialogs = nil
	}
	header := func(step string) headerState {
		t.Helper()
		return evaluate[headerState](t, bctx, step, headerJS)
	}

	const (
		email    = "ada@example.org"
		username = "ada_l"
		password = "correct horse battery"
		repo     = "https://github.com/example-lab/splitting-zero"
	)

	// 1. Sign up, by typing into the form.
	run("open /signup",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("form[action='/signup'] #email")),
	)
	if h := header("read /signup"); h.User != "" || h.SignIn != "Sign in" {
		t.Errorf("/signup before signing up: header shows user %q and sign-in link %q; want none and \"Sign in\"", h.User, h.SignIn)
	}
	screenshot("community-signup.png")
	noErrors("/signup")
	run("fill in /signup",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	load("sign up", click("form[action='/signup'] button[type=submit]"), "header.site .account-nav a.me")
	if h := header("read the page after signing up"); h.Path != "/" || h.User != username || h.SignIn != "" || !h.SignOut {
		t.Errorf("after signing up: path %q, header shows user %q, sign-in link %q, sign-out button %v; want /, %q, none and a button",
			h.Path, h.User, h.SignIn, h.SignOut, username)
	}
	noErrors("after signing up")

	// 2. Submit: first something that is not an arXiv id, then the paper
	// by its arXiv link, with a GitHub repository.
	load("open /submit", click("header.site .account-nav a[href='/submit']"), "form[action='/submit'] #paper")
	run("submit not-an-id", chromedp.SendKeys(chromedp.CSS("#paper"), "not-an-id"))
	load("submit not-an-id", click("form[action='/submit'] button[type=submit]"), "p.form-error")
	sub := evaluate[submitState](t, bctx, "read the refused submission", submitJS)
	if sub.Path != "/submit" || !strings.Contains(sub.Error, "“not-an-id” is not an arXiv id or link") || sub.Paper != "not-an-id" {
		t.Errorf("submitting not-an-id: path %q, error %q, field %q; want /submit, an error that says it is not an arXiv id, and the field kept",
			sub.Path, sub.Error, sub.Paper)
	}
	if got := arxivAsked(); len(got) != 0 {
		t.Errorf("submitting not-an-id asked arXiv for %q; want no request", got)
	}
	screenshot("community-submit-error.png")
	// The refusal comes with status 400, which the browser reports.
	noErrors("/submit with an error", "the server responded with a status of 400 (Bad Request) ("+srv.URL+"/submit)")

	link := "https://arxiv.org/abs/" + paperID + "v1"
	evaluate[string](t, bctx, "clear the field", `document.getElementById("paper").value = ""`)
	run("fill in /submit",
		chromedp.SendKeys(chromedp.CSS("#paper"), link),
		chromedp.SendKeys(chromedp.CSS("#github"), repo),
	)
	load("submit "+link, click("form[action='/submit'] button[type=submit]"), "article.paper h1")
	pp := evaluate[paperState](t, bctx, "read the submitted paper's page", paperJS)
	if want := "/papers/" + paperID; pp.Path != want {
		t.Fatalf("after submitting %s: path %q, want %q (the page says %q)", link, pp.Path, want, pp.H1)
	}
	if pp.H1 != title {
		t.Errorf("paper page: h1 %q, want the title arXiv gave, %q", pp.H1, title)
	}
	if !strings.Contains(pp.Kicker, "submitted by "+username) {
		t.Errorf("paper page: the line above the title says %q; want it to say \"submitted by %s\"", pp.Kicker, username)
	}
	if pp.GitHub != repo {
		t.Errorf("paper page: the GitHub button links to %q, want %q", pp.GitHub, repo)
	}
	if got := arxivAsked(); len(got) != 1 || version.ReplaceAllString(got[0], "") != paperID {
		t.Errorf("arXiv was asked for %q; want %s once", got, paperID)
	}
	noErrors(pp.Path)

	// 3. Upvote in place, check the count after a reload, take the vote
	// back, and upvote again. A mark on window shows that the page stayed:
	// a navigation would drop it.
	const voteForm = "article.paper .actions form.vote"
	n := pp.Vote.N
	if pp.Vote.Voted || pp.Vote.Pressed != "false" {
		t.Errorf("paper page before voting: voted %v, aria-pressed %q; want false, false", pp.Vote.Voted, pp.Vote.Pressed)
	}
	vote := func(step string, want bool, wantN int) {
		t.Helper()
		evaluate[int](t, bctx, step, `window.dpStay = 1`)
		wait := voteForm + ":not(.voted)"
		if want {
			wait = voteForm + ".voted"
		}
		run(step,
			click(voteForm+" button"),
			chromedp.WaitVisible(chromedp.CSS(wait)),
			chromedp.WaitEnabled(chromedp.CSS(voteForm+" button")),
		)
		v := evaluate[voteState](t, bctx, step, voteJS)
		if !v.Stayed || v.Path != pp.Path {
			t.Errorf("%s: the page was left (now at %q)", step, v.Path)
		}
		if v.Voted != want || v.Pressed != fmt.Sprint(want) || v.N != wantN {
			t.Errorf("%s: voted %v, aria-pressed %q, count %d; want %v, %v, %d", step, v.Voted, v.Pressed, v.N, want, want, wantN)
		}
		noErrors(step)
	}
	vote("upvote", true, n+1)
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(voteForm)))
	if v := evaluate[voteState](t, bctx, "read the vote after a reload", voteJS); !v.Voted || v.Pressed != "true" || v.N != n+1 {
		t.Errorf("after a reload: voted %v, aria-pressed %q, count %d; want true, true, %d", v.Voted, v.Pressed, v.N, n+1)
	}
	vote("withdraw the upvote", false, n)
	vote("upvote again", true, n+1)

	// 4. A comment in Markdown, with hostile bits, and a reply to it.
	comment := "This is **really neat**: see [the code](https://example.org/zero).\n\n" +
		"<script>alert(1)</script>\n\n" +
		"Also [x](javascript:alert(1)) and <script>window.dpXSS = true</script> inline."
	run("write a comment", chromedp.SendKeys(chromedp.CSS("#comment-body"), comment))
	load("post the comment", click("section.comments > form.comment-form button[type=submit]"), "section.comments article.comment .body")
	cs := evaluate[commentsState](t, bctx, "read the comment", commentsJS)
	if cs.Comments != 1 || cs.Count != "1" {
		t.Errorf("after commenting: %d comments shown, heading count %q; want 1 and \"1\"", cs.Comments, cs.Count)
	}
	if cs.Strong != "really neat" || cs.Link != "https://example.org/zero" {
		t.Errorf("the comment shows bold %q and link %q; want \"really neat\" and https://example.org/zero (Markdown rendered)", cs.Strong, cs.Link)
	}
	if cs.Scripts != 0 || cs.XSS {
		t.Errorf("the comment put %d script elements in the page (a script ran: %v); want none", cs.Scripts, cs.XSS)
	}
	if len(cs.JSLinks) > 0 {
		t.Errorf("links with a javascript: address on the page: %q", cs.JSLinks)
	}
	if !strings.Contains(cs.Text, "Also x and") {
		t.Errorf("the comment reads %q; want the refused link's text x kept", cs.Text)
	}
	if !strings.HasPrefix(cs.Hash, "#c") {
		t.Errorf("after commenting: the address ends in %q, want #c<comment id>", cs.Hash)
	}
	noErrors("after commenting")

	run("open the reply form",
		click("section.comments details.reply summary"),
		chromedp.WaitVisible(chromedp.CSS("section.comments details.reply textarea")),
		chromedp.SendKeys(chromedp.CSS("section.comments details.reply textarea"), "Thanks, *agreed*."),
	)
	load("post the reply", click("section.comments details.reply button[type=submit]"), "section.comments .replies article.comment")
	cs = evaluate[commentsState](t, bctx, "read the comments", commentsJS)
	if cs.Comments != 2 || cs.Replies != 1 || cs.Count != "2" || cs.Strong != "really neat" || cs.ReplyEm != "agreed" {
		t.Errorf("after replying: %d comments (%d replies), heading count %q, bold %q, reply's emphasis %q; want 2 (1), \"2\", \"really neat\", \"agreed\"",
			cs.Comments, cs.Replies, cs.Count, cs.Strong, cs.ReplyEm)
	}
	if cs.Scripts != 0 || cs.XSS || len(cs.JSLinks) > 0 {
		t.Errorf("after replying: %d scripts in comments, script ran %v, javascript: links %q; want none", cs.Scripts, cs.XSS, cs.JSLinks)
	}
	if v := evaluate[voteState](t, bctx, "read the vote", voteJS); !v.Voted || v.N != n+1 {
		t.Errorf("after commenting: voted %v, count %d; want true, %d", v.Voted, v.N, n+1)
	}
	screenshot("community-paper.png")
	noErrors("after replying")

	// The same page at a phone's width.
	run("phone viewport",
		chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("article.paper h1")),
	)
	if o := evaluate[overflow](t, bctx, "measure the paper page", fmt.Sprintf(overflowJS, phoneWidth)); o.ScrollWidth > o.InnerWidth || o.ScrollWidth > phoneWidth {
		t.Errorf("%s on a %dpx wide phone: the page is %dpx wide (window %dpx); elements past the edge: %s",
			pp.Path, phoneWidth, o.ScrollWidth, o.InnerWidth, strings.Join(o.Wide, ", "))
	}
	screenshot("community-paper-phone.png")
	noErrors(pp.Path + " (phone)")

	// 5. The day's feed, through the link above the title.
	run("desktop viewport", chromedp.EmulateViewport(1280, 900))
	load("open the day's feed", click("article.paper .kicker.submitted a[href^='/papers/date/']"), "article.card")
	c := evaluate[feedCard](t, bctx, "read the feed", fmt.Sprintf(feedCardJS, paperID))
	if want := "/papers/date/" + today; c.Path != want {
		t.Errorf("the feed link went to %q, want %q", c.Path, want)
	}
	if !c.Found {
		t.Fatalf("the feed of %s has no card of %s", today, paperID)
	}
	if !c.Voted || c.Pressed != "true" || c.N != n+1 || c.Comments != "2" || !strings.Contains(c.Submitter, username) {
		t.Errorf("the card of %s: voted %v, aria-pressed %q, %d upvotes, comments %q, submitter %q; want true, true, %d, \"2\", %q",
			paperID, c.Voted, c.Pressed, c.N, c.Comments, c.Submitter, n+1, username)
	}
	if c.Title != title {
		t.Errorf("the card of %s: title %q, want %q", paperID, c.Title, title)
	}
	screenshot("community-feed.png")
	noErrors(c.Path)

	// 6. Follow the paper's first author from their page, in place; find
	// the paper on the Following page; mark it read, in place, and see it
	// greyed out after a reload.
	load("open the author's page", click("article.card a[href='/papers/"+paperID+"']"), "article.paper h1")
	load("open the first author's page", click("article.paper .authors-full a.author"), "form.follow button")
	evaluate[int](t, bctx, "mark the author page", `window.dpStay = 1`)
	run("follow the author",
		click("form.follow button"),
		chromedp.WaitVisible(chromedp.CSS("form.follow.following")),
		chromedp.WaitEnabled(chromedp.CSS("form.follow button")),
	)
	if f := evaluate[followState](t, bctx, "read the follow button", followJS); !f.Stayed || f.Pressed != "true" || f.Label != "Following" {
		t.Errorf("after following: stayed %v, aria-pressed %q, label %q; want true, true, Following", f.Stayed, f.Pressed, f.Label)
	}
	screenshot("community-author.png")
	noErrors("after following")
	load("open /following", click("header.site a[href='/following']"), ".followed article.card")
	readForm := fmt.Sprintf(".followed:has(a[href='/papers/%s']) form.read-mark", paperID)
	if evaluate[int](t, bctx, "find the paper on /following", fmt.Sprintf(`document.querySelectorAll(%q).length`, readForm)) != 1 {
		t.Fatalf("/following has no card of %s, by the author followed", paperID)
	}
	evaluate[int](t, bctx, "mark /following", `window.dpStay = 1`)
	run("mark as read",
		click(readForm+" button"),
		chromedp.WaitVisible(chromedp.CSS(".followed.read "+"form.read-mark")),
		chromedp.WaitEnabled(chromedp.CSS(readForm+" button")),
	)
	if evaluate[bool](t, bctx, "the page stayed", `window.dpStay === 1`) != true {
		t.Error("marking as read left the page")
	}
	run("reload /following", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".followed")))
	if got := evaluate[string](t, bctx, "read the read mark", fmt.Sprintf(`(() => { const f = document.querySelector(%q); return f.closest(".followed").classList.contains("read") + " " + getComputedStyle(f.closest(".followed").querySelector(".card")).opacity + " " + f.querySelector("button").textContent })()`, readForm)); got != "true 0.55 Mark unread" {
		t.Errorf("after marking read and reloading: read, opacity, button = %q; want \"true 0.55 Mark unread\"", got)
	}
	screenshot("community-following.png")
	run("phone viewport for /following", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".followed")))
	if o := evaluate[overflow](t, bctx, "measure /following", fmt.Sprintf(overflowJS, phoneWidth)); o.ScrollWidth > o.InnerWidth || o.ScrollWidth > phoneWidth {
		t.Errorf("/following on a %dpx wide phone: the page is %dpx wide; elements past the edge: %s", phoneWidth, o.ScrollWidth, strings.Join(o.Wide, ", "))
	}
	screenshot("community-following-phone.png")
	run("desktop viewport again", chromedp.EmulateViewport(1280, 900))
	noErrors("/following")

	// 7. Sign out.
	load("sign out", click("header.site form[action='/signout'] button"), "header.site .account-nav a[href^='/signin']")
	if h := header("read the page after signing out"); h.User != "" || h.SignIn != "Sign in" || h.SignOut {
		t.Errorf("after signing out: header shows user %q, sign-in link %q, sign-out button %v; want none, \"Sign in\", none", h.User, h.SignIn, h.SignOut)
	}
	noErrors("after signing out")
}

// followState is a follow button after a click.
type followState struct {
	Stayed  bool   `json:"stayed"`
	Pressed string `json:"pressed"`
	Label   string `json:"label"`
}

const followJS = `(() => {
  const b = document.querySelector("form.follow button");
  return { stayed: window.dpStay === 1, pressed: b.getAttribute("aria-pressed"), label: b.textContent.trim() };
})()`

// readTestdata reads a recorded arXiv answer.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "arxiv", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// headerState is who the page header says is signed in.
type headerState struct {
	Path    string `json:"path"`
	User    string `json:"user"`
	SignIn  string `json:"signIn"`
	SignOut bool   `json:"signOut"`
}

const headerJS = `(() => {
  const nav = document.querySelector("header.site .account-nav");
  const me = nav.querySelector("a.me");
  const signIn = nav.querySelector("a[href^='/signin']");
  return {
    path: location.pathname,
    user: me ? me.lastChild.textContent.trim() : "",
    signIn: signIn ? signIn.textContent.trim() : "",
    signOut: !!nav.querySelector("form[action='/signout'] button"),
  };
})()`

// submitState is the submission form after a refusal.
type submitState struct {
	Path  string `json:"path"`
	Error string `json:"error"`
	Paper string `json:"paper"`
}

const submitJS = `(() => ({
  path: location.pathname,
  error: document.querySelector("p.form-error").textContent.replace(/\s+/g, " ").trim(),
  paper: document.getElementById("paper").value,
}))()`

// voteState is the upvote button of a paper page.
type voteState struct {
	Path    string `json:"path"`
	Stayed  bool   `json:"stayed"`
	Voted   bool   `json:"voted"`
	Pressed string `json:"pressed"`
	N       int    `json:"n"`
}

const voteJS = `(() => {
  const f = document.querySelector("article.paper .actions form.vote");
  return {
    path: location.pathname,
    stayed: window.dpStay === 1,
    voted: f.classList.contains("voted"),
    pressed: f.querySelector("button").getAttribute("aria-pressed"),
    n: parseInt(f.querySelector(".n").textContent, 10),
  };
})()`

// paperState is what the test reads off a paper page.
type paperState struct {
	Path   string    `json:"path"`
	H1     string    `json:"h1"`
	Kicker string    `json:"kicker"`
	GitHub string    `json:"github"`
	Vote   voteState `json:"vote"`
}

var paperJS = `(() => {
  const text = (sel) => {
    const el = document.querySelector(sel);
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  };
  const gh = document.querySelector("article.paper .actions a.gh");
  return {
    path: location.pathname,
    h1: text("article.paper h1"),
    kicker: text("article.paper .kicker"),
    github: gh ? gh.href : "",
    vote: ` + voteJS + `,
  };
})()`

// commentsState is the discussion of a paper page.
type commentsState struct {
	Hash     string   `json:"hash"`
	Count    string   `json:"count"`
	Comments int      `json:"comments"`
	Replies  int      `json:"replies"`
	Strong   string   `json:"strong"`
	Link     string   `json:"link"`
	Text     string   `json:"text"`
	ReplyEm  string   `json:"replyEm"`
	Scripts  int      `json:"scripts"`
	XSS      bool     `json:"xss"`
	JSLinks  []string `json:"jsLinks"`
}

const commentsJS = `(() => {
  const section = document.querySelector("section.comments");
  const first = section.querySelector(".thread > article.comment .body");
  const strong = first && first.querySelector("strong");
  const link = first && first.querySelector("a");
  const em = section.querySelector(".replies article.comment .body em");
  return {
    hash: location.hash,
    count: section.querySelector("h2 .count").textContent.trim(),
    comments: section.querySelectorAll("article.comment").length,
    replies: section.querySelectorAll(".replies article.comment").length,
    strong: strong ? strong.textContent : "",
    link: link ? link.href : "",
    text: first ? first.textContent.replace(/\s+/g, " ").trim() : "",
    replyEm: em ? em.textContent : "",
    scripts: section.querySelectorAll("script").length,
    xss: window.dpXSS !== undefined,
    jsLinks: [...document.querySelectorAll("a[href]")]
      .filter((a) => a.protocol === "javascript:" || /^\s*javascript:/i.test(a.getAttribute("href")))
      .map((a) => a.outerHTML),
  };
})()`

// feedCard is the card of one paper on a feed.
type feedCard struct {
	Path      string `json:"path"`
	Found     bool   `json:"found"`
	Title     string `json:"title"`
	Voted     bool   `json:"voted"`
	Pressed   string `json:"pressed"`
	N         int    `json:"n"`
	Comments  string `json:"comments"`
	Submitter string `json:"submitter"`
}

const feedCardJS = `(() => {
  const card = [...document.querySelectorAll("article.card")]
    .find((c) => (c.querySelector(".arxiv")?.textContent ?? "").trim() === %q);
  if (!card) return { path: location.pathname, found: false };
  const f = card.querySelector("form.vote");
  const text = (sel) => {
    const el = card.querySelector(sel);
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  };
  return {
    path: location.pathname,
    found: true,
    title: text("h3 a"),
    voted: f.classList.contains("voted"),
    pressed: f.querySelector("button").getAttribute("aria-pressed"),
    n: parseInt(f.querySelector(".n").textContent, 10),
    comments: text("a.comments"),
    submitter: text(".submitter"),
  };
})()`
