package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// forYouSite is the demo site with search (For you needs its index), at
// a time the demo's feed is trending.
func forYouSite(t *testing.T) *community {
	return newCommunity(t, communityOptions{search: true, now: time.Date(2026, 8, 22, 9, 0, 0, 0, time.UTC)})
}

func TestForYouSignedOut(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	a := b.get("/for-you").want(t, "signed out", http.StatusSeeOther)
	if !strings.HasPrefix(a.location, "/signin?next=%2Ffor-you") || !strings.Contains(a.location, "why=foryou") {
		t.Errorf("sent to %q", a.location)
	}
	if home := b.get("/"); home.doc.Find(`.main-nav a[href="/for-you"]`).Length() != 0 {
		t.Error("the For-you tab shows to a visitor")
	}
	b.post("/for-you/signal", form("paper", "2608.10744", "kind", "not_interested")).want(t, "signal signed out", http.StatusSeeOther)
}

func TestForYouColdThenPersonal(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("ada")
	a := b.get("/for-you").want(t, "cold", http.StatusOK)
	if b.get("/").doc.Find(`.main-nav a[href="/for-you"]`).Length() != 1 {
		t.Error("no For-you tab for a signed-in reader")
	}
	if note := a.text(".notice"); !strings.Contains(note, "trending") {
		t.Errorf("cold page's note %q, want it to say these are trending", note)
	}
	cards := a.doc.Find("article.card")
	if cards.Length() == 0 {
		t.Fatal("a cold page shows nothing")
	}
	if cards.First().Find("form.signal").Length() != 2 {
		t.Error("cards lack the More like this and Not interested buttons")
	}
	first, _ := cards.First().Find("form.signal input[name=paper]").Attr("value")

	// More like this on the first card, as the plain form.
	b.post("/for-you/signal", form("paper", first, "kind", "more_like_this", "next", "/for-you")).
		want(t, "more like this", http.StatusSeeOther)
	a = b.get("/for-you?days=30").want(t, "personal", http.StatusOK)
	if a.doc.Find(".notice").Length() != 0 {
		t.Errorf("a reader with a signal still gets the note: %q", a.text(".notice"))
	}
	reasons := a.doc.Find("article.card .reason")
	if reasons.Length() == 0 || !strings.HasPrefix(strings.TrimSpace(reasons.First().Text()), "like ") {
		t.Errorf("first reason %q, want the liked paper named", reasons.First().Text())
	}
	if cur := a.text(`.segmented a[aria-current]`); cur != "30 days" {
		t.Errorf("current window %q", cur)
	}

	// In place: JSON, and the undo.
	ans := b.post("/for-you/signal", form("paper", first, "kind", "not_interested"), "Accept", "application/json").want(t, "json", http.StatusOK)
	if !strings.Contains(ans.body, `"on":true`) || !strings.Contains(ans.body, `"kind":"not_interested"`) {
		t.Errorf("answer %s", ans.body)
	}
	a = b.get("/for-you?days=30")
	if a.doc.Find(`article.card input[name=paper][value="`+first+`"]`).Length() != 0 {
		t.Error("the paper marked Not interested is still on the page")
	}
	b.post("/for-you/signal", form("paper", first, "kind", "not_interested", "undo", "1"), "Accept", "application/json").want(t, "undo", http.StatusOK)
}

func TestForYouBadInput(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("bob")
	for _, path := range []string{"/for-you?days=2", "/for-you?days=x", "/for-you?page=0", "/for-you?page=99999999"} {
		b.get(path).want(t, path, http.StatusBadRequest)
	}
	b.post("/for-you/signal", form("paper", "nonsense", "kind", "not_interested")).want(t, "bad id", http.StatusBadRequest)
	b.post("/for-you/signal", form("paper", "2608.10744", "kind", "love")).want(t, "bad kind", http.StatusBadRequest)
	b.post("/for-you/signal", form("paper", "2101.99999", "kind", "not_interested")).want(t, "unknown paper", http.StatusNotFound)
	ans := b.post("/for-you/signal", form("paper", "2101.99999", "kind", "not_interested"), "Accept", "application/json")
	if ans.status != http.StatusNotFound || !strings.HasPrefix(ans.header.Get("Content-Type"), "application/json") {
		t.Errorf("JSON unknown paper: %d %s", ans.status, ans.header.Get("Content-Type"))
	}
	// Nothing was kept.
	a, err := c.st.AccountByEmail(context.Background(), "bob@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if sigs, err := c.st.ReaderSignals(context.Background(), a.ID); err != nil || len(sigs) != 0 {
		t.Errorf("signals after bad input: %v, %v", sigs, err)
	}
}
