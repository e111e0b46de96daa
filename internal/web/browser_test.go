package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

// TestBrowser walks the pages people use in a real headless Chromium against
// the demo data: the latest day's feed, a paper page, back, the previous day,
// and the same pages at a phone's width. Any console error, uncaught
// exception or Content-Security-Policy violation fails it.
//
// Environment:
//
//	DAILYPAPERS_CHROMIUM     the browser binary (else /usr/bin/chromium, or
//	                         chromium, chromium-browser, google-chrome on PATH)
//	DAILYPAPERS_SCREENSHOTS  a directory to keep the screenshots in (else a
//	                         temporary directory)
//	CI                       when set, a missing browser fails the test
//	                         instead of skipping it
func TestBrowser(t *testing.T) {
	onceOnSQLite(t)
	execPath := findBrowser(t)

	// The site, on the demo data.
	start := time.Now()
	srv := demoSite(t, web.Options{})
	t.Logf("demo site ready in %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	defer func() { t.Logf("browser walk took %v", time.Since(start).Round(time.Millisecond)) }()
	// done notes a finished step; on a failure, the log shows how far the
	// walk came and where the time went.
	done := func(step string) {
		t.Logf("%5.2fs %s", time.Since(start).Seconds(), step)
	}

	shots := os.Getenv("DAILYPAPERS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// The browser; it closes when the test ends.
	console := &consoleLog{}
	bctx := startBrowser(t, execPath, chromedp.WithListener(console.record))

	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		done(step)
	}
	screenshot := func(name string) {
		t.Helper()
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
	// clickAndLoad clicks a link and waits for the page that it opens.
	clickAndLoad := func(step, sel, wait string) {
		t.Helper()
		_, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil,
			chromedp.Click(chromedp.CSS(sel))))
		if err != nil {
			t.Fatalf("%s: click %s: %v", step, sel, err)
		}
		run(step, chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	noConsoleErrors := func(step string) {
		t.Helper()
		// A round trip, so that the events the page sent before it are in.
		evaluate[int](t, bctx, step, "1")
		for _, e := range console.take() {
			t.Errorf("%s: %s", step, e)
		}
	}

	// 1. The latest day, at a desktop's width.
	run("open /",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("article.card")),
	)
	feed := evaluate[pageState](t, bctx, "read /", pageStateJS)
	if feed.Path != "/" || feed.H1 != "Friday, Aug 21, 2026" || feed.Cards == 0 {
		t.Fatalf("/: path %q, h1 %q, %d cards; want /, \"Friday, Aug 21, 2026\" and some cards", feed.Path, feed.H1, feed.Cards)
	}
	card := evaluate[cardInfo](t, bctx, "read the first card", firstCardJS)
	if card.Title == "" || card.ID == "" {
		t.Fatalf("first card: title %q, arXiv id %q; want both", card.Title, card.ID)
	}
	if want := "/papers/" + card.ID; card.Href != want {
		t.Errorf("first card: title links to %q, want %q", card.Href, want)
	}
	screenshot("feed.png")
	noConsoleErrors("/")

	// 2. Its paper page.
	clickAndLoad("open the first paper", "article.card h3 a", "article.paper h1")
	paper := evaluate[pageState](t, bctx, "read the paper page", pageStateJS)
	if want := "/papers/" + card.ID; paper.Path != want {
		t.Errorf("paper page: path %q, want %q", paper.Path, want)
	}
	if !arxivPath.MatchString(paper.Path) {
		t.Errorf("paper page: path %q is not /papers/<arXiv id>", paper.Path)
	}
	if paper.H1 != card.Title {
		t.Errorf("paper page: h1 %q, want the card's title %q", paper.H1, card.Title)
	}
	if paper.Abstract == "" {
		t.Errorf("paper page %s: the abstract is empty", paper.Path)
	}
	screenshot("paper.png")
	noConsoleErrors(paper.Path)

	// 3. Back to the feed, and on to the previous day.
	run("go back", chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS("article.card")))
	back := evaluate[pageState](t, bctx, "read / again", pageStateJS)
	if back.Path != "/" || back.H1 != feed.H1 {
		t.Errorf("after going back: path %q, h1 %q; want / and %q", back.Path, back.H1, feed.H1)
	}
	clickAndLoad("open the previous day", ".stepper a[rel=prev]", "article.card")
	prev := evaluate[pageState](t, bctx, "read the previous day", pageStateJS)
	if prev.H1 != "Thursday, Aug 20, 2026" {
		t.Errorf("previous day: h1 %q, want \"Thursday, Aug 20, 2026\"", prev.H1)
	}
	if prev.Path != "/papers/date/2026-08-20" {
		t.Errorf("previous day: path %q, want /papers/date/2026-08-20", prev.Path)
	}
	if prev.Cards == 0 {
		t.Errorf("previous day %s: no cards", prev.Path)
	}
	noConsoleErrors(prev.Path)

	// 4. Search from the box in the header, and open the best result. The
	// first card's title words are sure to find that paper first.
	words := strings.Join(strings.Fields(card.Title)[:min(4, len(strings.Fields(card.Title)))], " ")
	_, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.SendKeys(chromedp.CSS("header .search-box input"), words+"\r")))
	if err != nil {
		t.Fatalf("search for %q: %v", words, err)
	}
	run("search results", chromedp.WaitVisible(chromedp.CSS("article.result")))
	results := evaluate[pageState](t, bctx, "read the results", pageStateJS)
	if results.Path != "/search" || results.Results == 0 || results.Marks == 0 {
		t.Errorf("search for %q: path %q, %d results, %d highlighted words", words, results.Path, results.Results, results.Marks)
	}
	screenshot("search.png")
	noConsoleErrors("/search")
	clickAndLoad("open the best result", "article.result h3 a", "article.paper h1")
	if got := evaluate[pageState](t, bctx, "read the result's page", pageStateJS); got.H1 != card.Title {
		t.Errorf("searching %q and opening the best result gave %q, want %q", words, got.H1, card.Title)
	}

	// 5. A phone's width: nothing may stick out sideways.
	run("phone viewport", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, p := range []struct{ path, wait, shot string }{
		{"/", "article.card", "feed-phone.png"},
		{"/papers/" + card.ID, "article.paper h1", "paper-phone.png"},
		{prev.Path, "article.card", ""},
	} {
		run("open "+p.path+" on a phone",
			chromedp.Navigate(srv.URL+p.path),
			chromedp.WaitVisible(chromedp.CSS(p.wait)),
		)
		// A mobile browser widens the window to fit a page that is too
		// wide, so compare with the phone's width too.
		o := evaluate[overflow](t, bctx, "measure "+p.path, fmt.Sprintf(overflowJS, phoneWidth))
		if o.ScrollWidth > o.InnerWidth || o.ScrollWidth > phoneWidth {
			t.Errorf("%s on a %dpx wide phone: the page is %dpx wide (window %dpx); elements past the edge: %s",
				p.path, phoneWidth, o.ScrollWidth, o.InnerWidth, strings.Join(o.Wide, ", "))
		}
		if p.shot != "" {
			screenshot(p.shot)
		}
		noConsoleErrors(p.path + " (phone)")
	}

	// 6. On a phone the header takes two short rows, and the feed's first
	// screen shows the start of two cards, their abstracts cut to three
	// lines. (Stacked, the header took 190 px and 1.5 cards fit.)
	for _, p := range []string{"/", "/search?q=" + url.QueryEscape(words)} {
		run("open "+p+" on a phone", chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("article.card")))
		f := evaluate[phoneFit](t, bctx, "measure "+p, phoneFitJS)
		t.Logf("%s on a phone: header %.0f px, cards start at %v px, first abstract %.0f px", p, f.Header, f.CardTops, f.Excerpt)
		if f.Header > 100 {
			t.Errorf("%s on a phone: the header is %.0f px tall, want at most 100", p, f.Header)
		}
		if len(f.CardTops) < 2 || f.CardTops[1] >= 844 {
			t.Errorf("%s on a phone: cards start at %v px; want two on the first 844 px", p, f.CardTops)
		}
		if f.Excerpt == 0 || f.Excerpt > 3*f.Line+1 {
			t.Errorf("%s on a phone: the first abstract is %.0f px tall at %.0f px a line; want at most three lines", p, f.Excerpt, f.Line)
		}
	}
}

// phoneFit is what a phone's first screen holds.
type phoneFit struct {
	Header   float64   `json:"header"`   // the site header's height
	CardTops []float64 `json:"cardTops"` // where the first cards start
	Excerpt  float64   `json:"excerpt"`  // the first card's abstract's height
	Line     float64   `json:"line"`     // and its line height
}

const phoneFitJS = `(() => {
  const cards = [...document.querySelectorAll("article.card")].slice(0, 3);
  const ex = document.querySelector("article.card .excerpt");
  return {
    header: document.querySelector("header.site").getBoundingClientRect().height,
    cardTops: cards.map(c => c.getBoundingClientRect().top + window.scrollY),
    excerpt: ex ? ex.getBoundingClientRect().height : 0,
    line: ex ? parseFloat(getComputedStyle(ex).lineHeight) : 0,
  };
})()`

// waitForProfile waits a moment until no process runs with the browser
// profile dir, so that t.TempDir can remove it: Chromium's helper processes
// outlive the browser by a little and may still write there. It looks in
// /proc, so elsewhere than on Linux it does not wait.
func waitForProfile(t *testing.T, dir string) {
	arg := []byte("--user-data-dir=" + dir + "\x00")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		procs, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		busy := false
		for _, p := range procs {
			cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
			if err == nil && bytes.Contains(cmdline, arg) {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
	}
	t.Logf("browser processes still use %s", dir)
}

// evaluate runs the JavaScript expression in the page and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, step, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// arxivPath is a paper page's path: a new-style or an old-style arXiv id.
var arxivPath = regexp.MustCompile(`^/papers/(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$`)

// findBrowser returns the Chromium to run, or skips the test without one
// (fails it on CI, which must have one).
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DAILYPAPERS_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("DAILYPAPERS_CHROMIUM=%s: %v", p, err)
		}
		return path
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium found (looked at $DAILYPAPERS_CHROMIUM, /usr/bin/chromium, and chromium, chromium-browser, google-chrome on PATH)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI must install chromium (apt-get install chromium)")
	}
	t.Skip(msg + "; install it with `apt-get install chromium`, or point DAILYPAPERS_CHROMIUM at a Chrome or Chromium binary")
	return ""
}

// consoleLog gathers what the page reports as an error: uncaught exceptions,
// console.error calls, and the browser's own error entries, which include
// Content-Security-Policy violations and failed loads.
type consoleLog struct {
	mu     sync.Mutex
	errors []string
}

// record is the browser's event listener. It runs on the loop that reads the
// browser's messages, so it only notes the event.
func (c *consoleLog) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		msg = "uncaught exception: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		if d.URL != "" {
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var args []string
		for _, a := range ev.Args {
			switch {
			case a.Description != "":
				args = append(args, a.Description)
			case len(a.Value) > 0:
				args = append(args, string(a.Value))
			default:
				args = append(args, string(a.Type))
			}
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != log.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("browser %s error: %s", e.Source, e.Text)
		if e.URL != "" {
			msg += " (" + e.URL + ")"
		}
	default:
		return
	}
	c.mu.Lock()
	c.errors = append(c.errors, msg)
	c.mu.Unlock()
}

// take returns the errors so far and forgets them.
func (c *consoleLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	errs := c.errors
	c.errors = nil
	return errs
}

// pageState is what the test reads off any page.
type pageState struct {
	Path     string `json:"path"`
	H1       string `json:"h1"`
	Cards    int    `json:"cards"`
	Abstract string `json:"abstract"`
	Results  int    `json:"results"`
	Marks    int    `json:"marks"`
}

const pageStateJS = `(() => {
  const text = (sel) => {
    const el = document.querySelector(sel);
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  };
  return {
    path: location.pathname,
    h1: text("main h1"),
    cards: document.querySelectorAll("article.card").length,
    abstract: text("article.paper .abstract"),
    results: document.querySelectorAll("article.result").length,
    marks: document.querySelectorAll("article.result mark").length,
  };
})()`

// cardInfo is the first card of a feed.
type cardInfo struct {
	Title string `json:"title"`
	Href  string `json:"href"`
	ID    string `json:"id"`
}

const firstCardJS = `(() => {
  const card = document.querySelector("article.card");
  const a = card.querySelector("h3 a");
  const id = card.querySelector(".arxiv");
  return {
    title: a.textContent.replace(/\s+/g, " ").trim(),
    href: new URL(a.href).pathname,
    id: id ? id.textContent.trim() : "",
  };
})()`

// phoneWidth is the width of the phone the test emulates, in CSS pixels.
const phoneWidth = 390

// overflow measures how wide a page is against its window, and names the
// outermost elements that reach past the phone's right edge.
type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Wide        []string `json:"wide"`
}

const overflowJS = `(() => {
  const w = Math.min(window.innerWidth, %d);
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    const parent = el.parentElement.getBoundingClientRect();
    if (r.right > w + 0.5 && parent.right <= w + 0.5 && wide.length < 10) {
      let name = el.tagName.toLowerCase();
      if (el.className && typeof el.className === "string") name += "." + el.className.trim().split(/\s+/).join(".");
      wide.push(name + " (right edge " + Math.round(r.right) + "px)");
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: wide,
  };
})()`

// startBrowser starts a headless Chromium for the test and returns its
// context; the options add listeners. The browser closes when the test ends,
// and no test waits longer than a minute for it.
func startBrowser(t *testing.T, execPath string, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	profile := t.TempDir()
	t.Cleanup(func() { waitForProfile(t, profile) })
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these, Chromium keeps calling home, which hurts on a
		// machine without network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		// A page restored from the back/forward cache fires no load event
		// and sends chromedp no new DOM, so going back would hang.
		chromedp.Flag("disable-features", "BackForwardCache"),
	)
	bctx, bcancel := chromedp.NewContext(actx, opts...)
	// Cleanups run last in, first out: the browser closes before the
	// profile is waited for.
	t.Cleanup(func() {
		defer cancel()
		defer acancel()
		defer bcancel()
		// Close the browser gracefully, so that it leaves no process
		// behind, but do not wait long for it.
		cctx, ccancel := context.WithTimeout(bctx, 10*time.Second)
		defer ccancel()
		if err := chromedp.Cancel(cctx); err != nil && ctx.Err() == nil {
			t.Logf("closing the browser: %v", err)
		}
	})
	return bctx
}

// demoSite serves the demo data, with search, from a fresh SQLite file;
// opt gives the site's other options.
func demoSite(t *testing.T, opt web.Options) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := demo.LoadIfEmpty(t.Context(), st, io.Discard); err != nil {
		t.Fatal(err)
	}
	idx := search.NewService(st, nil)
	if err := idx.Build(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	opt.Search = idx
	site, err := web.New(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// onceOnSQLite skips the browser walks in the web tests' PostgreSQL pass
// (see TestMain): they run once, on SQLite, and the handler tests cover
// PostgreSQL.
func onceOnSQLite(t *testing.T) {
	if os.Getenv("DAILYPAPERS_WEB_TEST_BACKEND") == "postgres" {
		t.Skip("the browser walks run once, on SQLite; the handler tests cover PostgreSQL")
	}
}
