package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

// newSearchSite serves the demo data with search on; with build false the
// index is left unbuilt, as it is while a site starts.
func newSearchSite(t *testing.T, build bool) (http.Handler, store.Store, *search.Service) {
	t.Helper()
	st := newStore(t, true)
	svc := search.NewService(st, nil)
	if build {
		if err := svc.Build(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	return serve(t, st, svc), st, svc
}

func searchPath(q string, page int) string {
	p := "/search?q=" + url.QueryEscape(q)
	if page > 0 {
		p += fmt.Sprintf("&page=%d", page)
	}
	return p
}

// resultIDs are the papers a results page links to, in order.
func resultIDs(doc *goquery.Document) []string {
	var ids []string
	doc.Find("article.result h3 a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		ids = append(ids, strings.TrimPrefix(href, "/papers/"))
	})
	return ids
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		m[w] = true
	}
	return m
}

func TestSearchShowsHighlightedResults(t *testing.T) {
	t.Parallel()
	h, st, _ := newSearchSite(t, true)
	// Only two demo papers have either word: 2509.10078 has both in its
	// title, 2608.06485 "psychometric" in its abstract.
	_, doc := get(t, h, searchPath("psychometric questionnaires", 0), http.StatusOK)
	if got := resultIDs(doc); len(got) != 2 || got[0] != "2509.10078" || got[1] != "2608.06485" {
		t.Errorf("results %v, want 2509.10078 then 2608.06485", got)
	}
	first := doc.Find("article.result").First()
	var titleMarks []string
	first.Find("h3 mark").Each(func(_ int, m *goquery.Selection) { titleMarks = append(titleMarks, m.Text()) })
	if strings.Join(titleMarks, ",") != "Psychometric,Questionnaires" {
		t.Errorf("marks in the first title: %q", titleMarks)
	}
	if got := strings.TrimSpace(first.Find("h3").Text()); got != "Human Psychometric Questionnaires Mischaracterize LLM Behavior" {
		t.Errorf("first title reads %q", got)
	}
	marks := doc.Find("article.result mark")
	if marks.Length() < 3 {
		t.Errorf("%d marks, want the two title words and the abstracts' words", marks.Length())
	}
	marks.Each(func(_ int, m *goquery.Selection) {
		w := strings.ToLower(m.Text())
		if !strings.HasPrefix(w, "psychometric") && !strings.HasPrefix(w, "questionnaire") {
			t.Errorf("marked %q", m.Text())
		}
	})
	if doc.Find("article.result .excerpt mark").Length() == 0 {
		t.Error("no abstract excerpt has a mark")
	}
	if doc.Find(".tips").Length() != 0 || doc.Find(".empty").Length() != 0 {
		t.Error("a search with results shows tips or a message")
	}
	if got := text(doc, "title"); got != "psychometric questionnaires · Search · Daily Papers" {
		t.Errorf("title %q", got)
	}

	// Filter-only and author queries count exactly: the heading says how many.
	papers := storetest.AllPapers(t, st)
	ir, xiaHu := 0, 0
	for _, p := range papers {
		for _, c := range p.Categories {
			if c == "cs.IR" {
				ir++
			}
		}
		if w := words(strings.Join(p.AuthorNames(), " ")); w["xia"] && w["hu"] {
			xiaHu++
		}
	}
	for _, tc := range []struct {
		query string
		n     int
	}{{"cat:cs.IR", ir}, {`author:"Xia Hu"`, xiaHu}} {
		if tc.n < 2 || tc.n > 20 {
			t.Fatalf("test setup: %s matches %d demo papers; pick a query with one page of a few", tc.query, tc.n)
		}
		_, doc := get(t, h, searchPath(tc.query, 0), http.StatusOK)
		if got, want := text(doc, "h1"), fmt.Sprintf("%d papers for “%s”", tc.n, tc.query); got != want {
			t.Errorf("h1 %q, want %q", got, want)
		}
		if got := len(resultIDs(doc)); got != tc.n {
			t.Errorf("%s: %d results, want %d", tc.query, got, tc.n)
		}
		if doc.Find(".pager").Length() != 0 {
			t.Errorf("%s: a pager on a single page", tc.query)
		}
	}
}

// TestSearchResultsAreCards: a result has the feed's vote button (a form
// that votes, showing the viewer's vote) and authors that are links, with
// the words the search matched marked in them.
func TestSearchResultsAreCards(t *testing.T) {
	t.Parallel()
	c := newCommunity(t, communityOptions{search: true})
	b := c.browser()
	b.signUp("ada")
	b.post("/vote", form("paper", "2608.06485", "up", "1")).want(t, "vote", http.StatusSeeOther)

	a := b.get(searchPath(`psychometric author:Wang`, 0)).want(t, "search", http.StatusOK)
	results := a.doc.Find("article.result")
	if got := resultIDs(a.doc); len(got) < 2 || got[0] != "2608.06485" {
		t.Fatalf("results %v, want 2608.06485 (upvoted) first", got)
	}
	results.Each(func(i int, r *goquery.Selection) {
		v := r.Find("form.vote[method=post][action='/vote']")
		id, _ := v.Find("input[name=paper]").Attr("value")
		if href, _ := r.Find("h3 a").Attr("href"); v.Length() != 1 || href != "/papers/"+id || v.Find("button[type=submit] .n").Length() != 1 {
			t.Errorf("result %d (%s): vote form %d, for %q", i, href, v.Length(), id)
		}
		voted := v.HasClass("voted")
		if pressed, _ := v.Find("button").Attr("aria-pressed"); voted != (id == "2608.06485") || pressed != strconv.FormatBool(voted) {
			t.Errorf("result %d (%s): voted %v, aria-pressed %s", i, id, voted, pressed)
		}
		links := r.Find(".authors a.author")
		if links.Length() == 0 || links.Length() > 5 {
			t.Errorf("result %d: %d author links", i, links.Length())
		}
		links.Each(func(_ int, l *goquery.Selection) {
			href, _ := l.Attr("href")
			if want := authorPath(l.Text()); href != want {
				t.Errorf("author %q links to %q, want %q", l.Text(), href, want)
			}
		})
	})
	if got := results.Find(".authors a.author mark").First().Text(); got != "Wang" {
		t.Errorf("the matched author's mark is %q", got)
	}

	// An author searched for who is not among the first three is named
	// too: the result shows why it is there. The demo's 2606.03102 has
	// Chengsong Huang fourth of five.
	a = b.get(searchPath(`author:"Chengsong Huang"`, 0)).want(t, "search by author", http.StatusOK)
	r := a.doc.Find(`article.result:has(h3 a[href="/papers/2606.03102"])`)
	if got := strings.Join(strings.Fields(r.Find(".authors").Text()), " "); !strings.HasPrefix(got, "Runpeng Dai, Tong Zheng, Rui Liu, Chengsong Huang et al. (5 authors)") {
		t.Errorf("authors of 2606.03102: %q", got)
	}
	if href, _ := r.Find(".authors a.author").Last().Attr("href"); href != authorPath("Chengsong Huang") || r.Find(".authors a.author").Last().Find("mark").Length() != 2 {
		t.Errorf("the matched author links to %q", href)
	}
}

func TestSearchWithoutResultsOrQuery(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	for _, path := range []string{"/search", "/search?q=", "/search?q=+++"} {
		_, doc := get(t, h, path, http.StatusOK)
		if got := text(doc, "h1"); got != "Search papers" && path != "/search?q=+++" {
			t.Errorf("%s: h1 %q", path, got)
		}
		if doc.Find(".tips").Length() != 1 {
			t.Errorf("%s: no search tips", path)
		}
		if doc.Find("article.result").Length() != 0 || doc.Find(".empty").Length() != 0 {
			t.Errorf("%s: results or a message without a query", path)
		}
	}

	_, doc := get(t, h, searchPath("the of and", 0), http.StatusOK)
	if got := text(doc, ".empty"); !strings.Contains(got, "nothing to search for") || !strings.Contains(got, "the of and") {
		t.Errorf("stop words only: message %q", got)
	}
	if doc.Find(".tips").Length() != 1 || doc.Find("article.result").Length() != 0 {
		t.Error("stop words only: want tips and no results")
	}

	long := strings.Repeat("attention ", 1000)
	_, doc = get(t, h, searchPath(long, 0), http.StatusBadRequest)
	if got := text(doc, ".empty"); !strings.Contains(got, "too long") || !strings.Contains(got, "1000") {
		t.Errorf("a 10,000-character query: message %q", got)
	}
	if doc.Find("article.result").Length() != 0 {
		t.Error("a refused query shows results")
	}

	_, doc = get(t, h, searchPath("model has:nonsense", 0), http.StatusOK)
	if got := text(doc, ".note"); !strings.Contains(got, "has:nonsense") {
		t.Errorf("note %q, want it to name has:nonsense", got)
	}
	if doc.Find("article.result").Length() == 0 {
		t.Error("model has:nonsense: no results for model")
	}

	// A word no paper has.
	_, doc = get(t, h, searchPath("xyzzyplugh", 0), http.StatusOK)
	if n := doc.Find("article.result").Length(); n != 0 {
		t.Fatalf("a word in no paper lists %d papers (search.go falls back to newest-first when no query word is indexed), and %q heads the page instead of “No papers match”", n, text(doc, "h1"))
	}
	if got := text(doc, ".empty"); !strings.Contains(got, "No papers match") {
		t.Errorf("message %q", got)
	}
}

func TestSearchBadPages(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	for _, page := range []string{"0", "-1", "abc", "51", "1.5", "99999999999999999999"} {
		_, doc := get(t, h, "/search?q=model&page="+url.QueryEscape(page), http.StatusBadRequest)
		if got := text(doc, ".error-page p:not(.code)"); !strings.Contains(got, "page must be") {
			t.Errorf("page=%s: message %q", page, got)
		}
	}
	get(t, h, "/search?q=model&page=", http.StatusOK) // empty means the first
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	_, doc1 := get(t, h, searchPath("language models", 0), http.StatusOK)
	page1 := resultIDs(doc1)
	if len(page1) != searchPageSize {
		t.Fatalf("page 1 has %d results, want %d", len(page1), searchPageSize)
	}
	links := doc1.Find(".pager a")
	if links.Length() != 1 || !strings.Contains(links.Text(), "Next page") {
		t.Fatalf("page 1 pager links: %q", links.Text())
	}
	next, _ := links.Attr("href")
	if next != "/search?q=language+models&page=2" {
		t.Errorf("next page link %q", next)
	}
	if got := text(doc1, ".pager span"); got != "Results 1–20" && !strings.HasPrefix(got, "Results 1–20 of ") {
		t.Errorf("pager says %q", got)
	}

	_, doc2 := get(t, h, next, http.StatusOK)
	page2 := resultIDs(doc2)
	if len(page2) != searchPageSize {
		t.Fatalf("page 2 has %d results", len(page2))
	}
	for _, id := range page2 {
		for _, id1 := range page1 {
			if id == id1 {
				t.Errorf("%s on both pages", id)
			}
		}
	}
	prev, _ := doc2.Find(".pager a").First().Attr("href")
	if prev != "/search?q=language+models" {
		t.Errorf("previous page link from page 2 %q", prev)
	}
	if got := text(doc2, ".pager span"); !strings.HasPrefix(got, "Results 21–40") {
		t.Errorf("page 2 pager says %q", got)
	}
	// Page 3's previous link names page 2.
	_, doc3 := get(t, h, searchPath("language models", 3), http.StatusOK)
	if prev, _ := doc3.Find(".pager a").First().Attr("href"); prev != "/search?q=language+models&page=2" {
		t.Errorf("previous page link from page 3 %q", prev)
	}
	// The last allowed page has no next link, though "model" has more papers.
	_, doc50 := get(t, h, searchPath("model", maxSearchPages), http.StatusOK)
	if len(resultIDs(doc50)) == 0 {
		t.Fatal("model: page 50 is empty; the test needs more than 1,000 results")
	}
	doc50.Find(".pager a").Each(func(_ int, a *goquery.Selection) {
		if strings.Contains(a.Text(), "Next") {
			t.Error("page 50 links to page 51, which is refused")
		}
	})
}

// searchBox is the header's search field of a page.
func searchBox(t *testing.T, doc *goquery.Document) *goquery.Selection {
	t.Helper()
	form := doc.Find("header form.search-box")
	if form.Length() != 1 {
		t.Fatalf("%d header search forms", form.Length())
	}
	if action, _ := form.Attr("action"); action != "/search" {
		t.Errorf("search form posts to %q", action)
	}
	if method, _ := form.Attr("method"); method != "get" {
		t.Errorf("search form method %q", method)
	}
	input := form.Find(`input[name="q"]`)
	if input.Length() != 1 {
		t.Fatal("no q field in the search form")
	}
	return input
}

func TestSearchBoxOnEveryPage(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	for _, path := range []string{"/", "/papers/2608.19880", "/papers/trending", "/papers/month/2026-07", "/no/such/page"} {
		status := http.StatusOK
		if path == "/no/such/page" {
			status = http.StatusNotFound
		}
		_, doc := get(t, h, path, status)
		if v, _ := searchBox(t, doc).Attr("value"); v != "" {
			t.Errorf("%s: search box holds %q", path, v)
		}
	}
	const q = `diffusion "video generation" -survey`
	_, doc := get(t, h, searchPath(q, 0), http.StatusOK)
	if v, _ := searchBox(t, doc).Attr("value"); v != q {
		t.Errorf("header search box holds %q, want %q", v, q)
	}
	if v, _ := doc.Find(`form.search-big input[name="q"]`).Attr("value"); v != q {
		t.Errorf("page search box holds %q, want %q", v, q)
	}
}

func TestSearchEscapesHTML(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	for _, q := range []string{
		`<script>alert(1)</script> model`,
		`"><img src=x onerror=alert(1)> model`,
		`has:<b>bold</b> model`,
		`<i>the</i>`,
	} {
		rec, doc := get(t, h, searchPath(q, 0), http.StatusOK)
		body := rec.Body.String()
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>bold", "<i>the"} {
			if strings.Contains(body, bad) {
				t.Errorf("%q: the page holds %q unescaped", q, bad)
			}
		}
		if v, _ := searchBox(t, doc).Attr("value"); v != q {
			t.Errorf("%q: the search box holds %q", q, v)
		}
		if doc.Find("article script, article img, main b, main i").Length() != 0 {
			t.Errorf("%q: the query became elements", q)
		}
	}
}

func TestSimilarPapers(t *testing.T) {
	t.Parallel()
	const id = "2607.26627" // Revisiting Lossy Verification in Speculative Decoding
	h, st, svc := newSearchSite(t, true)
	_, doc := get(t, h, "/papers/"+id, http.StatusOK)
	section := doc.Find("section.similar")
	if section.Length() != 1 || strings.TrimSpace(section.Find("h2").Text()) != "Similar papers" {
		t.Fatalf("no Similar papers section")
	}
	p, err := st.Paper(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want, err := svc.Similar(context.Background(), &p, SimilarCount)
	if err != nil {
		t.Fatal(err)
	}
	items := section.Find("li")
	if items.Length() != SimilarCount || len(want) != SimilarCount {
		t.Fatalf("%d similar papers listed, the index gives %d, want %d", items.Length(), len(want), SimilarCount)
	}
	items.Each(func(i int, li *goquery.Selection) {
		href, _ := li.Find("a").Attr("href")
		if href == "/papers/"+id {
			t.Errorf("the paper lists itself")
		}
		if href != "/papers/"+string(want[i].ID) {
			t.Errorf("similar %d links to %s, want %s", i, href, want[i].ID)
		}
		sp, err := st.Paper(context.Background(), want[i].ID)
		if err == nil && strings.TrimSpace(li.Find("a").Text()) != sp.Title {
			t.Errorf("similar %d reads %q, want %q", i, li.Find("a").Text(), sp.Title)
		}
	})

	// Without search, or before the index is built, there is no such section.
	off, _ := newSite(t, true)
	_, doc = get(t, off, "/papers/"+id, http.StatusOK)
	if doc.Find("section.similar").Length() != 0 || strings.Contains(doc.Text(), "Similar papers") {
		t.Error("a site without search lists similar papers")
	}
	unbuilt, _, _ := newSearchSite(t, false)
	_, doc = get(t, unbuilt, "/papers/"+id, http.StatusOK)
	if doc.Find("section.similar").Length() != 0 {
		t.Error("a site whose index is not built lists similar papers")
	}
}

func TestSearchUnavailable(t *testing.T) {
	t.Parallel()
	off, _ := newSite(t, true)
	_, doc := get(t, off, searchPath("model", 0), http.StatusOK)
	if got := text(doc, ".empty"); !strings.Contains(got, "not available") {
		t.Errorf("a site without search: %q", got)
	}
	if doc.Find("article.result").Length() != 0 {
		t.Error("a site without search shows results")
	}
	unbuilt, _, _ := newSearchSite(t, false)
	_, doc = get(t, unbuilt, searchPath("model", 0), http.StatusOK)
	if got := text(doc, ".empty"); !strings.Contains(got, "still being built") {
		t.Errorf("an unbuilt index: %q", got)
	}
}

func TestResultAuthors(t *testing.T) {
	names := func(ns ...string) []paper.Author {
		as := make([]paper.Author, len(ns))
		for i, n := range ns {
			as[i] = paper.Author{Name: n}
		}
		return as
	}
	many := names("A One", "B Two", "C Three", "D Four", "Ada Huang", "F Six", "G Seven", "Bo Huang", "Cy Huang", "J Ten")
	for _, tc := range []struct {
		query   string
		authors []paper.Author
		want    string // as the card shows them
	}{
		{"huang", many, "A One, B Two, C Three et al. (10 authors)"},
		{`author:"Ada Huang"`, many, "A One, B Two, C Three, …, Ada Huang et al. (10 authors)"},
		{`author:Huang`, many, "A One, B Two, C Three, …, Ada Huang, …, Bo Huang et al. (10 authors)"},
		{`author:"D Four"`, many, "A One, B Two, C Three, D Four et al. (10 authors)"},
		{`author:Huang`, names("Ada Huang", "B Two"), "Ada Huang, B Two"},
		{`author:"Ada Huang"`, names("A One", "B Two", "C Three", "Huang Huang"), "A One, B Two, C Three et al. (4 authors)"},
		{`author:Huang`, nil, ""},
	} {
		q, err := search.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		sa := resultAuthors(tc.authors, q)
		site, err := New(nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		if err := site.templates.pages["search"].ExecuteTemplate(&buf, "authors", sa); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(buf.String()))
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.Text(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
		}
	}
	// A collaboration's thousands of authors are not all looked through.
	huge := make([]paper.Author, 5000)
	for i := range huge {
		huge[i] = paper.Author{Name: fmt.Sprintf("Author %d", i)}
	}
	huge[4999].Name = "Ada Huang"
	q, _ := search.ParseQuery("author:Huang")
	if sa := resultAuthors(huge, q); len(sa.Shown) != 3 || sa.Total != 5000 {
		t.Errorf("5000 authors: %d shown of %d", len(sa.Shown), sa.Total)
	}
}

// BenchmarkResultAuthors is a page of the worst results for finding the
// authors a query named: 20 papers of 5000 authors (of which the first
// maxAuthorsLooked are looked through), none of them named, for a query
// with ten author: operators.
func BenchmarkResultAuthors(b *testing.B) {
	huge := make([]paper.Author, 5000)
	for i := range huge {
		huge[i] = paper.Author{Name: fmt.Sprintf("Firstname%d Lastname%d-Doublebarrel", i, i)}
	}
	var ops []string
	for i := range 10 {
		ops = append(ops, fmt.Sprintf(`author:"Someone Else%d"`, i))
	}
	q, err := search.ParseQuery(strings.Join(ops, " "))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for range searchPageSize {
			resultAuthors(huge, q)
		}
	}
}
