package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/ratelimit"
)

// The demo papers the library's tests keep.
const (
	libPaperA = "2608.19880"
	libPaperB = "2608.00677"
)

func TestSaveButtonAndSavedPage(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	anon := c.browser()
	// Signed out, Save sends the visitor to sign in and back.
	a := anon.post("/saved", form("paper", libPaperA, "save", "1"), "Referer", c.srv.URL+"/papers/"+libPaperA).want(t, "save signed out", http.StatusSeeOther)
	if !strings.HasPrefix(a.location, "/signin?next=%2Fpapers%2F"+libPaperA) || !strings.Contains(a.location, "why=save") {
		t.Errorf("save signed out went to %q", a.location)
	}
	anon.post("/saved", form("paper", libPaperA), "Accept", "application/json").want(t, "save signed out, by script", http.StatusUnauthorized)
	anon.get("/saved").want(t, "the Saved page signed out", http.StatusSeeOther)

	// Pages cached for visitors stay cached when someone saves a paper:
	// saving changes nothing others see, so the store's version, which
	// every cached page is checked against, stays.
	v0, err := c.st.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	ada := c.browser()
	ada.signUp("ada")
	// Without JavaScript: a form post and back to the page.
	a = ada.post("/saved", form("paper", libPaperA, "save", "1"), "Referer", c.srv.URL+"/papers/"+libPaperA).want(t, "save", http.StatusSeeOther)
	if a.location != "/papers/"+libPaperA {
		t.Errorf("save went to %q, want back to the paper", a.location)
	}
	// With JavaScript: JSON, for the button to change in place.
	a = ada.post("/saved", form("paper", libPaperB, "save", "1"), "Accept", "application/json").want(t, "save by script", http.StatusOK)
	if a.body != `{"paper":"`+libPaperB+`","saved":true}`+"\n" {
		t.Errorf("save by script answered %s", a.body)
	}
	ada.post("/saved", form("paper", "2609.99999", "save", "1")).want(t, "save an unknown paper", http.StatusNotFound)
	ada.post("/saved", form("paper", "not an id", "save", "1")).want(t, "save a bad id", http.StatusBadRequest)

	if v, err := c.st.Version(t.Context()); err != nil || v != v0 {
		t.Errorf("saving papers moved the store version from %d to %d (%v): every cached page would be thrown away", v0, v, err)
	}

	// The paper page and the Saved page show the viewer's state.
	p := ada.get("/papers/"+libPaperA).want(t, "the paper page, signed in", http.StatusOK)
	if got := p.text(".actions form.save.saved .label"); got != "Saved" {
		t.Errorf("the paper page's Save button says %q, want Saved", got)
	}
	saved := ada.get("/saved").want(t, "the Saved page", http.StatusOK)
	if got := saved.doc.Find("article.card h3 a").Length(); got != 2 {
		t.Errorf("%d papers on the Saved page, want 2", got)
	}
	if href, _ := saved.doc.Find("article.card h3 a").First().Attr("href"); href != "/papers/"+libPaperB {
		t.Errorf("the newest save first: %s", href)
	}
	if saved.header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("the Saved page's Cache-Control = %q", saved.header.Get("Cache-Control"))
	}
	// Its export is the whole list.
	bib := ada.get("/saved.bib").want(t, "the Saved list as BibTeX", http.StatusOK)
	if strings.Count(bib.body, "@misc{") != 2 || !strings.Contains(bib.body, "eprint        = {"+libPaperA+"}") {
		t.Errorf("saved.bib:\n%s", bib.body)
	}
	// Another reader's list is their own.
	bob := c.browser()
	bob.signUp("bob")
	if n := bob.get("/saved").want(t, "bob's Saved page", http.StatusOK).doc.Find("article.card").Length(); n != 0 {
		t.Errorf("bob sees %d saved papers", n)
	}
	// Taking a paper out.
	ada.post("/saved", form("paper", libPaperA, "save", "0"), "Referer", c.srv.URL+"/saved").want(t, "unsave", http.StatusSeeOther)
	if n := ada.get("/saved").doc.Find("article.card").Length(); n != 1 {
		t.Errorf("%d saved papers after taking one out, want 1", n)
	}
}

func TestCollectionPages(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ada := c.browser()
	ada.signUp("ada")
	anon := c.browser()

	// Bad input re-renders the form with the message, keeping what was typed.
	a := ada.post("/collections", form("title", "   ", "description", "kept")).want(t, "an empty title", http.StatusBadRequest)
	if !strings.Contains(a.text(".form-error"), "title") || a.doc.Find("#c-description").AttrOr("value", "") != "kept" {
		t.Errorf("an empty title: %q, description %q", a.text(".form-error"), a.doc.Find("#c-description").AttrOr("value", ""))
	}
	a = ada.post("/collections", form("title", "Long", "description", strings.Repeat("x", 151))).want(t, "an over-long description", http.StatusBadRequest)
	if !strings.Contains(a.text(".form-error"), "150") {
		t.Errorf("an over-long description: %q", a.text(".form-error"))
	}
	ada.post("/collections", form("title", "Odd", "theme", "chartreuse")).want(t, "an unknown theme", http.StatusBadRequest)

	// Made from a paper's page, with the paper in it.
	a = ada.post("/collections", form("title", "Agents to read", "description", "Environment papers", "paper", libPaperA)).want(t, "make a collection", http.StatusSeeOther)
	path := a.location
	if !strings.HasPrefix(path, "/collections/ada/agents-to-read-") {
		t.Fatalf("the new collection is at %q", path)
	}
	ada.post("/collections", form("title", "Agents to read")).want(t, "the same title twice", http.StatusConflict)
	pg := ada.get(path).want(t, "the collection page", http.StatusOK)
	if pg.text("h1") != "Agents to read 1" || pg.text(".description") != "Environment papers" {
		t.Errorf("collection page: h1 %q, description %q", pg.text("h1"), pg.text(".description"))
	}
	// The paper page's form adds another paper.
	opt := ada.get("/papers/" + libPaperB).doc.Find("#add-collection option").First()
	id := opt.AttrOr("value", "")
	if opt.Text() != "Agents to read" {
		t.Errorf("the paper page offers %q", opt.Text())
	}
	ada.post("/collections/add", form("collection", id, "paper", libPaperB)).want(t, "add a paper", http.StatusSeeOther)
	ada.post("/collections/add", form("collection", id, "paper", libPaperB)).want(t, "add it again", http.StatusSeeOther)
	ada.post("/collections/add", form("collection", id, "paper", "2609.99999")).want(t, "add an unknown paper", http.StatusNotFound)

	pg = ada.get(path)
	items := pg.doc.Find(".collection-items > li")
	if items.Length() != 2 {
		t.Fatalf("%d items, want 2 (a paper added twice is there once)", items.Length())
	}
	itemID := strings.TrimPrefix(items.Eq(1).AttrOr("id", ""), "item-")
	// A note, in Markdown, shown rendered and sanitised.
	ada.post(path+"/items/"+itemID+"/note", form("note", "Read **this** <script>x</script>")).want(t, "a note", http.StatusSeeOther)
	// An over-long note is refused with the text kept in its form.
	long := strings.Repeat("x", 10001)
	a = ada.post(path+"/items/"+itemID+"/note", form("note", long)).want(t, "an over-long note", http.StatusBadRequest)
	if !strings.Contains(a.text(".form-error"), "note") || a.doc.Find("#item-"+itemID+" textarea").Text() != long {
		t.Errorf("an over-long note: %q", a.text(".form-error"))
	}
	// Moving the second paper up.
	ada.post(path+"/items/"+itemID+"/move", form("position", "0")).want(t, "move up", http.StatusSeeOther)
	pg = anon.get(path).want(t, "the collection signed out", http.StatusOK)
	first := pg.doc.Find(".collection-items > li").First()
	if first.AttrOr("id", "") != "item-"+itemID || !strings.Contains(first.Find(".note-body").Text(), "this") ||
		first.Find(".note-body strong").Length() != 1 || first.Find("script").Length() != 0 {
		html, _ := first.Html()
		t.Errorf("after the move and the note, the first item is:\n%s", html)
	}
	if pg.doc.Find(".item-tools").Length() != 0 {
		t.Error("a visitor sees the owner's forms")
	}
	// A public collection is listed on its papers' pages, and has a feed.
	if got := anon.get("/papers/" + libPaperB).text(".in-collections a"); got != "Agents to read" {
		t.Errorf("the paper page lists collections %q", got)
	}
	feed := anon.get(strings.Replace(path, "/collections/", "/feeds/collections/", 1)+".atom").want(t, "the collection's feed", http.StatusOK)
	if strings.Count(feed.body, "<entry>") != 2 || !strings.Contains(feed.body, libPaperB) {
		t.Errorf("the collection's feed:\n%s", feed.body)
	}
	// Citations of the whole collection, in its order.
	bib := anon.get(path+".bib").want(t, "the collection as BibTeX", http.StatusOK)
	if i, j := strings.Index(bib.body, libPaperB), strings.Index(bib.body, libPaperA); i < 0 || j < 0 || i > j {
		t.Errorf("collection.bib not in the collection's order:\n%s", bib.body)
	}
	// The profile lists it.
	if got := anon.get("/users/ada").text(".collections a"); got != "Agents to read" {
		t.Errorf("the profile lists %q", got)
	}

	// Made private, it is its owner's alone: 404 to others, off the paper
	// page and off the profile for them, no feed.
	ada.post(path+"/edit", form("title", "Agents to read", "description", "", "private", "1", "theme", "blue")).want(t, "make it private", http.StatusSeeOther)
	anon.get(path).want(t, "a private collection signed out", http.StatusNotFound)
	bob := c.browser()
	bob.signUp("bob")
	bob.get(path).want(t, "a private collection of another", http.StatusNotFound)
	bob.get(path+".bib").want(t, "a private collection's export", http.StatusNotFound)
	bob.post(path+"/edit", form("title", "Mine")).want(t, "edit another's private collection", http.StatusNotFound)
	bob.post(path+"/items/"+itemID+"/delete", nil).want(t, "remove from another's private collection", http.StatusNotFound)
	anon.get(strings.Replace(path, "/collections/", "/feeds/collections/", 1)+".atom").want(t, "a private collection's feed", http.StatusNotFound)
	if got := anon.get("/papers/" + libPaperB).text(".in-collections"); got != "" {
		t.Errorf("the paper page still lists a private collection: %q", got)
	}
	if got := anon.get("/users/ada").text(".collections"); got != "" {
		t.Errorf("the profile lists a private collection to a visitor: %q", got)
	}
	if got := ada.get("/users/ada").text(".collections a"); got != "Agents to read" {
		t.Errorf("the profile hides a private collection from its owner: %q", got)
	}
	ada.get(path).want(t, "its owner sees it", http.StatusOK)

	// Renamed, the old address sends to the new one.
	a = ada.post(path+"/edit", form("title", "Agents, renamed", "theme", "blue")).want(t, "rename", http.StatusSeeOther)
	if !strings.HasPrefix(a.location, "/collections/ada/agents-renamed-") {
		t.Errorf("renamed to %q", a.location)
	}
	if old := ada.get(path); old.status != http.StatusMovedPermanently || old.location != a.location {
		t.Errorf("the old address: %d to %q, want 301 to %q", old.status, old.location, a.location)
	}
	// Public again, another may see but not change it.
	ada.post(a.location+"/edit", form("title", "Agents, renamed", "theme", "blue")).want(t, "public again", http.StatusSeeOther)
	bob.post(a.location+"/edit", form("title", "Mine")).want(t, "edit another's public collection", http.StatusForbidden)
	bob.post(a.location+"/delete", nil).want(t, "delete another's collection", http.StatusForbidden)

	// Removing a paper, and then the collection.
	ada.post(a.location+"/items/"+itemID+"/delete", nil).want(t, "remove a paper", http.StatusSeeOther)
	if n := ada.get(a.location).doc.Find(".collection-items > li").Length(); n != 1 {
		t.Errorf("%d items after removing one, want 1", n)
	}
	ada.post(a.location+"/delete", nil).want(t, "delete the collection", http.StatusSeeOther)
	ada.get(a.location).want(t, "a deleted collection", http.StatusNotFound)
}

func TestCitations(t *testing.T) {
	h, _ := newSite(t, true)
	rec, _ := get(t, h, "/papers/"+libPaperA+".bib", http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-bibtex; charset=utf-8" {
		t.Errorf(".bib Content-Type %q", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{"@misc{", "eprint        = {" + libPaperA + "}", "archivePrefix = {arXiv}"} {
		if !strings.Contains(body, want) {
			t.Errorf(".bib lacks %q:\n%s", want, body)
		}
	}
	rec, _ = get(t, h, "/papers/"+libPaperA+".ris", http.StatusOK)
	if !strings.HasPrefix(rec.Body.String(), "TY  - GEN\r\n") || !strings.Contains(rec.Body.String(), "AN  - arXiv:"+libPaperA) {
		t.Errorf(".ris:\n%s", rec.Body.String())
	}
	rec, _ = get(t, h, "/papers/"+libPaperA+".json", http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"number":"arXiv:`+libPaperA+`"`) {
		t.Errorf(".json:\n%s", rec.Body.String())
	}
	// CSL-JSON from the page's own address, by Accept.
	req := httptest.NewRequest("GET", "/papers/"+libPaperA, nil)
	req.Header.Set("Accept", "application/vnd.citationstyles.csl+json")
	csl := httptest.NewRecorder()
	h.ServeHTTP(csl, req)
	if csl.Code != http.StatusOK || !strings.HasPrefix(csl.Header().Get("Content-Type"), "application/vnd.citationstyles.csl+json") || !strings.HasPrefix(csl.Body.String(), "[{") {
		t.Errorf("Accept CSL-JSON: %d %q %.80s", csl.Code, csl.Header().Get("Content-Type"), csl.Body.String())
	}
	get(t, h, "/papers/2609.99999.bib", http.StatusNotFound)

	// The page: the Cite button's BibTeX and the tags reference managers read.
	_, doc := get(t, h, "/papers/"+libPaperA, http.StatusOK)
	if got := doc.Find("details.cite pre#bibtex").Text(); !strings.HasPrefix(got, "@misc{") || !strings.Contains(got, libPaperA) {
		t.Errorf("the Cite button's BibTeX: %q", got)
	}
	meta := map[string][]string{}
	doc.Find("meta[name^=citation_]").Each(func(_ int, m *goquery.Selection) {
		meta[m.AttrOr("name", "")] = append(meta[m.AttrOr("name", "")], m.AttrOr("content", ""))
	})
	if len(meta["citation_title"]) != 1 || len(meta["citation_author"]) != 17 || meta["citation_arxiv_id"][0] != libPaperA ||
		meta["citation_pdf_url"][0] != "https://arxiv.org/pdf/"+libPaperA || len(meta["citation_date"]) != 1 {
		t.Errorf("citation tags: %v", meta)
	}
}

// An account's library writes are rate limited, from the pages and the
// API alike: a change to a public collection empties the page cache.
func TestLibraryWritesAreRateLimited(t *testing.T) {
	limits := limitsOf(ratelimit.Limit{Events: 10000, Per: time.Minute})
	limits.LibraryAccount = ratelimit.Limit{Events: 3, Per: time.Hour}
	c := newCommunity(t, communityOptions{limits: limits})
	ada := c.browser()
	ada.signUp("ada")
	ada.post("/saved", form("paper", libPaperA, "save", "1")).want(t, "a save", http.StatusSeeOther)
	path := ada.post("/collections", form("title", "Limited", "paper", libPaperA)).want(t, "a collection", http.StatusSeeOther).location
	ada.post("/saved", form("paper", libPaperB, "save", "1")).want(t, "a third write", http.StatusSeeOther)
	a := ada.post(path+"/edit", form("title", "Limited, renamed")).want(t, "a fourth write", http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" {
		t.Error("a refused write without Retry-After")
	}
	hub := &hubClient{t: t, base: c.srv.URL, token: hubToken(t, c, "bob")}
	for i := range 3 {
		hub.do("POST", "/api/collections", fmt.Sprintf(`{"title": "API %d", "namespace": "bob", "private": false}`, i)).want(t, "an API write", http.StatusOK)
	}
	hub.do("POST", "/api/collections", `{"title": "API 4", "namespace": "bob", "private": false}`).want(t, "a fourth API write", http.StatusTooManyRequests)
}
