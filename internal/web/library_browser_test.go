package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dailypapers/dailypapers/internal/web"
)

// libraryState is what the library's steps read from a page.
type libraryState struct {
	Path     string `json:"path"`
	Saved    bool   `json:"saved"`
	Pressed  string `json:"pressed"`
	Label    string `json:"label"`
	Stayed   bool   `json:"stayed"`
	H1       string `json:"h1"`
	Items    int    `json:"items"`
	NoteBold string `json:"noteBold"`
	Scripts  int    `json:"scripts"`
}

const libraryJS = `(() => {
  const save = document.querySelector("article.paper .actions form.save");
  const note = document.querySelector(".collection-items .note-body");
  return {
    path: location.pathname,
    saved: !!save && save.classList.contains("saved"),
    pressed: save ? save.querySelector("button").getAttribute("aria-pressed") : "",
    label: save ? save.querySelector(".label").textContent : "",
    stayed: window.dpStay === 1,
    h1: (document.querySelector("h1") || {}).textContent || "",
    items: document.querySelectorAll(".collection-items > li").length,
    noteBold: note && note.querySelector("strong") ? note.querySelector("strong").textContent : "",
    scripts: note ? note.querySelectorAll("script").length : 0,
  };
})()`

// TestBrowserLibrary walks a reader's library in headless Chromium: sign
// up, save a paper from its page in place (and see it on the Saved page),
// make a collection with the paper from its page, write a Markdown note on
// it, and copy the paper's BibTeX with the Cite button. Console errors
// and dialogs fail it, as in TestBrowserCommunity.
func TestBrowserLibrary(t *testing.T) {
	onceOnSQLite(t)
	execPath := findBrowser(t)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	srv := demoSite(t, web.Options{Now: func() time.Time { return now }})
	const paperID = "2608.19880"

	shots := os.Getenv("DAILYPAPERS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	console := &consoleLog{}
	bctx := startBrowser(t, execPath, chromedp.WithListener(console.record))
	// The copy button writes to the clipboard; the test reads it back.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(bctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true}, Setting: browser.PermissionSettingGranted, Origin: srv.URL}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	load := func(step string, action chromedp.Action[chromedp.Void], wait string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, action)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		run(step, chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	noErrors := func(step string) {
		t.Helper()
		evaluate[int](t, bctx, step, "1")
		for _, e := range console.take() {
			t.Errorf("%s: %s", step, e)
		}
	}
	screenshot := func(name string) {
		t.Helper()
		evaluate[int](t, bctx, "scroll up", `window.scrollTo(0, 0), 0`)
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := func(step string) libraryState { t.Helper(); return evaluate[libraryState](t, bctx, step, libraryJS) }

	// 1. Sign up.
	run("open /signup", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("form[action='/signup'] #email")))
	run("fill in /signup",
		chromedp.SendKeys(chromedp.CSS("#email"), "reader@example.org"),
		chromedp.SendKeys(chromedp.CSS("#username"), "reader"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	load("sign up", click("form[action='/signup'] button[type=submit]"), "header.site .account-nav a.me")

	// 2. Save the paper from its page: the button changes in place.
	load("open the paper", chromedp.Navigate(srv.URL+"/papers/"+paperID), "article.paper .actions form.save")
	if s := state("before saving"); s.Saved || s.Pressed != "false" || s.Label != "Save" {
		t.Errorf("before saving: saved %v, aria-pressed %q, label %q", s.Saved, s.Pressed, s.Label)
	}
	evaluate[int](t, bctx, "mark the page", `window.dpStay = 1`)
	run("save", click("article.paper .actions form.save button"),
		chromedp.WaitVisible(chromedp.CSS("article.paper .actions form.save.saved")),
		chromedp.WaitEnabled(chromedp.CSS("article.paper .actions form.save button")))
	if s := state("after saving"); !s.Saved || s.Pressed != "true" || s.Label != "Saved" || !s.Stayed || s.Path != "/papers/"+paperID {
		t.Errorf("after saving: %+v; want saved, pressed, \"Saved\", on the same page", s)
	}
	noErrors("save")
	load("open /saved", click("header.site a[href='/saved']"), "h1")
	if got := evaluate[string](t, bctx, "read /saved", `[...document.querySelectorAll("article.card h3 a")].map(a => a.getAttribute("href")).join(" ")`); got != "/papers/"+paperID {
		t.Errorf("the Saved page lists %q, want the saved paper", got)
	}
	screenshot("library-saved.png")
	noErrors("/saved")

	// 3. Make a collection from the paper's page, with the paper in it.
	load("open the paper again", chromedp.Navigate(srv.URL+"/papers/"+paperID), "form.add-to-collection")
	load("new collection", click("form.add-to-collection a[href^='/collections/new']"), "#c-title")
	run("fill in the collection", chromedp.SendKeys(chromedp.CSS("#c-title"), "Agents to read"),
		chromedp.SendKeys(chromedp.CSS("#c-description"), "Environments for agent learning"))
	load("make the collection", click("form[action='/collections'] button[type=submit]"), ".collection-items")
	s := state("the new collection")
	if !strings.HasPrefix(s.Path, "/collections/reader/agents-to-read-") || !strings.HasPrefix(s.H1, "Agents to read") || s.Items != 1 {
		t.Errorf("the new collection: %+v", s)
	}
	collection := s.Path
	noErrors("new collection")

	// 4. A Markdown note on the paper, rendered and sanitised.
	run("open the note form", click(".collection-items details.note-edit summary"),
		chromedp.WaitVisible(chromedp.CSS(".collection-items details.note-edit textarea")),
		chromedp.SendKeys(chromedp.CSS(".collection-items details.note-edit textarea"), "Read the **harness** section. <script>window.dpXSS = 1</script>"))
	load("save the note", click(".collection-items details.note-edit button[type=submit]"), ".collection-items .note-body")
	if s := state("the note"); s.NoteBold != "harness" || s.Scripts != 0 || evaluate[bool](t, bctx, "xss", `window.dpXSS === 1`) {
		t.Errorf("the note: bold %q, %d scripts; want \"harness\" and none run", s.NoteBold, s.Scripts)
	}
	screenshot("library-collection.png")
	noErrors("note")

	// 5. Cite: the BibTeX shown, and copied.
	load("back to the paper", chromedp.Navigate(srv.URL+"/papers/"+paperID), "details.cite summary")
	run("open Cite", click("details.cite summary"), chromedp.WaitVisible(chromedp.CSS("details.cite button.copy")))
	shown := evaluate[string](t, bctx, "read the BibTeX", `document.getElementById("bibtex").textContent`)
	if !strings.HasPrefix(shown, "@misc{huang2026envharness,") || !strings.Contains(shown, "eprint        = {"+paperID+"}") || !strings.Contains(shown, "archivePrefix = {arXiv}") {
		t.Errorf("the Cite box shows:\n%s", shown)
	}
	run("copy", click("details.cite button.copy"))
	// The copy is a promise: wait for the button to say how it went.
	got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`new Promise(done => {
	  const b = document.querySelector("details.cite button.copy");
	  const check = () => b.textContent !== "Copy BibTeX" ? done(b.textContent) : setTimeout(check, 20);
	  check();
	})`, chromedp.EvalAwaitPromise))
	if err != nil || got != "Copied" {
		t.Errorf("after copying the button says %q (%v), want Copied", got, err)
	}
	copied, err := chromedp.Run(bctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	if copied != shown {
		t.Errorf("the clipboard holds %q, want the BibTeX shown", copied)
	}
	screenshot("library-cite.png")
	// At a phone's width, with the Cite box open, nothing runs past the edge.
	run("phone viewport", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	if o := evaluate[overflow](t, bctx, "measure the paper page", fmt.Sprintf(overflowJS, phoneWidth)); o.ScrollWidth > o.InnerWidth || o.ScrollWidth > phoneWidth {
		t.Errorf("the paper page with Cite open on a %dpx wide phone is %dpx wide; past the edge: %s", phoneWidth, o.ScrollWidth, strings.Join(o.Wide, ", "))
	}
	screenshot("library-cite-phone.png")
	load("the collection on a phone", chromedp.Navigate(srv.URL+collection), ".collection-items")
	if o := evaluate[overflow](t, bctx, "measure the collection", fmt.Sprintf(overflowJS, phoneWidth)); o.ScrollWidth > o.InnerWidth || o.ScrollWidth > phoneWidth {
		t.Errorf("the collection page on a %dpx wide phone is %dpx wide; past the edge: %s", phoneWidth, o.ScrollWidth, strings.Join(o.Wide, ", "))
	}
	screenshot("library-collection-phone.png")
	noErrors("phone")
}
