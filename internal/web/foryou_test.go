package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// forYouSite is the demo site with search (For you needs its index), at
// a time the demo's feed is trending.
func forYouSite(t *testing.T) *community {
	return newCommunity(t, communityOptions{search: true, now: time.Date(2026, 8, 22, 9, 0, 0, 0, time.UTC)})
}

// recsIdle waits for the For-you models being trained in the background,
// as a reader who reloads a few seconds later would.
func (c *community) recsIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.site.recs.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
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
	c.recsIdle(t)
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

func TestForYouSettings(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("cy")
	// Onboarding: bad input keeps what was typed and says what is wrong.
	a := b.post("/for-you/start", form("cat", "cs.CL", "papers", "2608.10744 not-an-id", "authors", "Ada Lovelace")).want(t, "bad id", http.StatusBadRequest)
	if !strings.Contains(a.text("p.form-error"), "not-an-id") || a.doc.Find(`input[name=cat][value="cs.CL"][checked]`).Length() != 1 ||
		!strings.Contains(a.text("#ob-authors"), "Ada Lovelace") {
		t.Errorf("the form lost its input or said nothing: %q", a.text("p.form-error"))
	}
	b.post("/for-you/start", form()).want(t, "nothing picked", http.StatusBadRequest)
	b.post("/for-you/start", form("cat", "cs.CL", "papers", "2608.10744", "authors", "Ada Lovelace")).want(t, "start", http.StatusSeeOther)
	c.recsIdle(t)
	if p := b.get("/for-you?days=30").want(t, "after onboarding", http.StatusOK); p.doc.Find(".notice").Length() != 0 {
		t.Errorf("still cold after onboarding: %q", p.text(".notice"))
	}
	// Search for seeds lists papers to tick.
	if s := b.get("/for-you/settings?q=diffusion").want(t, "seed search", http.StatusOK); s.doc.Find("input[name=pick]").Length() == 0 {
		t.Error("no papers to pick from a search")
	}
	a = b.get("/for-you/settings").want(t, "settings", http.StatusOK)
	if n := a.doc.Find(".signal-list li").Length(); n != 3 {
		t.Errorf("%d signals listed, want 3", n)
	}
	if a.doc.Find(".weights li").Length() == 0 {
		t.Error("no weights shown")
	}
	// Remove one, pause, resume.
	b.post("/for-you/settings", form("action", "remove", "kind", "seed_category", "subject", "cs.CL")).want(t, "remove", http.StatusSeeOther)
	if n := b.get("/for-you/settings").doc.Find(".signal-list li").Length(); n != 2 {
		t.Errorf("%d signals after removing one, want 2", n)
	}
	b.post("/for-you/settings", form("action", "pause")).want(t, "pause", http.StatusSeeOther)
	if p := b.get("/for-you"); !strings.Contains(p.text(".notice"), "paused") {
		t.Errorf("paused page's note: %q", p.text(".notice"))
	}
	b.post("/for-you/settings", form("action", "resume")).want(t, "resume", http.StatusSeeOther)
	b.post("/for-you/settings", form("action", "explode")).want(t, "bad action", http.StatusBadRequest)

	// The private feed, and its reset.
	a = b.post("/for-you/settings", form("action", "feed")).want(t, "feed", http.StatusOK)
	url := a.text("code.secret")
	path := strings.TrimPrefix(url, "https://papers.example.org")
	if !strings.HasPrefix(path, "/feeds/for-you/") || !strings.HasSuffix(path, ".atom") {
		t.Fatalf("feed address %q", url)
	}
	visitor := c.browser()
	f := visitor.get(path).want(t, "private feed", http.StatusOK)
	if !strings.Contains(f.body, "<feed") || !strings.Contains(f.body, "<entry>") {
		t.Errorf("feed body %.300s", f.body)
	}
	b.post("/for-you/settings", form("action", "feed")).want(t, "reset", http.StatusOK)
	visitor.get(path).want(t, "old feed after reset", http.StatusNotFound)
}

func TestRecommendationsAPI(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("dee")
	a := b.post("/settings/tokens", form("name", "reader")).want(t, "token", http.StatusOK)
	token := a.text("code.token")
	if !strings.HasPrefix(token, "dp_") {
		t.Fatalf("token %q", token)
	}
	get := func(path, tok string, want int) answer {
		t.Helper()
		req, _ := http.NewRequest("GET", c.srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		return b.do(req).want(t, path, want)
	}
	get("/api/recommendations", "", http.StatusUnauthorized)
	cold := get("/api/recommendations?limit=5", token, http.StatusOK)
	if !strings.Contains(cold.body, `"personal":false`) || !strings.Contains(cold.body, "trending") {
		t.Errorf("cold answer %.300s", cold.body)
	}
	for _, q := range []string{"?days=2", "?limit=0", "?limit=101", "?limit=x"} {
		if ans := get("/api/recommendations"+q, token, http.StatusBadRequest); !strings.Contains(ans.body, `"error"`) {
			t.Errorf("%s: %s", q, ans.body)
		}
	}
	b.post("/for-you/signal", form("paper", "2608.10744", "kind", "more_like_this")).want(t, "signal", http.StatusSeeOther)
	c.recsIdle(t)
	warm := get("/api/recommendations?days=30&limit=3", token, http.StatusOK)
	if !strings.Contains(warm.body, `"personal":true`) || strings.Count(warm.body, `"reason":`) != 3 {
		t.Errorf("personal answer %.500s", warm.body)
	}
}

// TestForYouPreparing: a reader whose signals reached the store through
// another process, and who has no model yet, gets trending with a note
// that their ranking is being prepared, on the page and through the API;
// the next request, once it is trained, is personal.
func TestForYouPreparing(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("eve")
	a, err := c.st.AccountByEmail(context.Background(), "eve@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.st.AddSignal(context.Background(), a.ID, store.Signal{Kind: store.SignalMoreLikeThis, Paper: "2608.10744"}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/for-you?days=30").want(t, "preparing", http.StatusOK)
	if note := p.text(".notice"); !strings.Contains(note, "being prepared") || !strings.Contains(note, "trending") {
		t.Errorf("note %q, want the ranking being prepared and trending meanwhile", note)
	}
	if p.doc.Find("article.card").Length() == 0 {
		t.Error("nothing shown while the ranking is prepared")
	}
	c.recsIdle(t)
	p = b.get("/for-you?days=30").want(t, "personal", http.StatusOK)
	if p.doc.Find(".notice").Length() != 0 || p.doc.Find("article.card .reason").Length() == 0 {
		t.Errorf("after the training: note %q", p.text(".notice"))
	}
}

// TestForYouSettingsLibrarySignals: the library's signals are listed on
// the settings page, and each button there does what the library's own
// would: unsave, mark unread, unfollow; a paper in a collection stays,
// with the page saying where to take it out.
func TestForYouSettingsLibrarySignals(t *testing.T) {
	c := forYouSite(t)
	b := c.browser()
	b.signUp("ada")
	ctx := context.Background()
	ada, err := c.st.AccountByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b.post("/saved", form("paper", libPaperA, "save", "1")).want(t, "save", http.StatusSeeOther)
	b.post("/read", form("paper", libPaperB, "read", "1")).want(t, "mark read", http.StatusSeeOther)
	b.post("/follow", form("kind", "category", "target", "cs.CL")).want(t, "follow a category", http.StatusSeeOther)
	b.post("/follow", form("kind", "author", "target", "Ada Quill")).want(t, "follow an author", http.StatusSeeOther)
	col, err := c.st.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Mine"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.st.AddCollectionItem(ctx, store.CollectionItem{CollectionID: col.ID, Paper: paper.Paper{ID: libPaperB}}, 0); err != nil {
		t.Fatal(err)
	}
	a := b.get("/for-you/settings").want(t, "settings", http.StatusOK)
	var listed []string
	a.doc.Find(".signal-list li").Each(func(_ int, li *goquery.Selection) {
		listed = append(listed, li.Find(".kind").Text()+": "+li.Find("button").Text())
	})
	want := "In a collection: , Followed author: Unfollow, Followed category: Unfollow, Marked read: Mark unread, Saved: Unsave"
	if got := strings.Join(listed, ", "); got != want {
		t.Errorf("signals listed:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(a.text(".signal-list li:first-child"), "take it out of its collection") {
		t.Errorf("the collection's signal does not say how to remove it: %q", a.text(".signal-list li:first-child"))
	}

	remove := func(kind, paperID, subject string, status int) {
		t.Helper()
		b.post("/for-you/settings", form("action", "remove", "kind", kind, "paper", paperID, "subject", subject)).want(t, "remove "+kind, status)
	}
	remove("saved", libPaperA, "", http.StatusSeeOther)
	remove("read", libPaperB, "", http.StatusSeeOther)
	remove("follow_author", "", "Ada Quill", http.StatusSeeOther)
	remove("follow_category", "", "cs.CL", http.StatusSeeOther)
	remove("collected", libPaperB, "", http.StatusBadRequest)
	if saved, _ := c.st.Saved(ctx, ada.ID, []paper.ID{libPaperA}); saved[libPaperA] {
		t.Error("still saved after Unsave")
	}
	if read, _ := c.st.ReadOf(ctx, ada.ID, []paper.ID{libPaperB}); read[libPaperB] {
		t.Error("still read after Mark unread")
	}
	if fs, _ := c.st.FollowsOf(ctx, ada.ID); len(fs) != 0 {
		t.Errorf("still following %+v", fs)
	}
	sigs, err := c.st.ReaderSignals(ctx, ada.ID)
	if err != nil || len(sigs) != 1 || sigs[0].Kind != store.SignalCollected {
		t.Errorf("signals left: %+v, %v; want the collection's", sigs, err)
	}
}
