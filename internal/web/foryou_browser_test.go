package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dailypapers/dailypapers/internal/web"
)

// TestBrowserForYou walks For you in Chromium: sign up, the cold page,
// "More like this" in place (the button turns into its undo), the
// personal page with reasons, and the settings page, at a desktop's and
// a phone's width. DAILYPAPERS_SCREENSHOTS keeps the screenshots.
func TestBrowserForYou(t *testing.T) {
	onceOnSQLite(t)
	execPath := findBrowser(t)
	srv := demoSite(t, web.Options{Now: func() time.Time { return time.Date(2026, 8, 22, 9, 0, 0, 0, time.UTC) }})
	shots := os.Getenv("DAILYPAPERS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	console := &consoleLog{}
	bctx := startBrowser(t, execPath, chromedp.WithListener(console.record))
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
	noErrors := func(step string) {
		t.Helper()
		evaluate[int](t, bctx, step, "1")
		for _, e := range console.take() {
			t.Errorf("%s: %s", step, e)
		}
	}

	run("open /signup", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	run("fill in /signup", chromedp.SendKeys(chromedp.CSS("#email"), "fy@example.org"),
		chromedp.SendKeys(chromedp.CSS("#username"), "fy"), chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	load("sign up", chromedp.Click(chromedp.CSS("form[action='/signup'] button[type=submit]")), "header.site .account-nav a.me")
	load("open For you", chromedp.Click(chromedp.CSS(`.main-nav a[href="/for-you"]`)), "article.card")
	screenshot("foryou-cold.png")
	noErrors("/for-you cold")

	// More like this on the first card, in place.
	run("more like this", chromedp.Click(chromedp.CSS("article.card form.signal button")))
	label := ""
	for range 50 {
		label = evaluate[string](t, bctx, "read the button", `document.querySelector("article.card form.signal button").textContent`)
		if strings.HasPrefix(label, "Undo") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if label != "Undo more like this" {
		t.Errorf("after More like this the button says %q, want its undo", label)
	}
	noErrors("more like this")
	// The model learns from the signal in the background: until it has,
	// the page is trending and says the ranking is being prepared.
	var r string
	for range 100 {
		run("personal page", chromedp.Navigate(srv.URL+"/for-you?days=30"), chromedp.WaitVisible(chromedp.CSS("article.card .reason")))
		if r = evaluate[string](t, bctx, "read a reason", `document.querySelector("article.card .reason").textContent`); r != "trending" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.HasPrefix(r, "like ") {
		t.Errorf("first reason %q", r)
	}
	screenshot("foryou.png")
	run("settings", chromedp.Navigate(srv.URL+"/for-you/settings"), chromedp.WaitVisible(chromedp.CSS(".signal-list li")))
	screenshot("foryou-settings.png")
	noErrors("/for-you/settings")

	run("phone viewport", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, p := range []struct{ path, wait, shot string }{
		{"/for-you?days=30", "article.card .reason", "foryou-phone.png"},
		{"/for-you/settings", ".signal-list li", "foryou-settings-phone.png"},
	} {
		run("phone "+p.path, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		if w := evaluate[int](t, bctx, "width", `document.documentElement.scrollWidth`); w > phoneWidth {
			t.Errorf("%s at a phone's width: the page is %d px wide, more than %d", p.path, w, phoneWidth)
		}
		screenshot(p.shot)
	}
	noErrors("phone")
}
