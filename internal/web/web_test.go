package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// clock is the tests' "now": months after the demo feed's last day.
var clock = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// newSite serves the demo data from a fresh SQLite file.
func newSite(t *testing.T, withDemo bool) (http.Handler, store.Store) {
	t.Helper()
	st := newStore(t, withDemo)
	return serve(t, st, nil), st
}

// newStore is a fresh SQLite file (or, in the second pass, a fresh
// PostgreSQL schema: see TestMain), with the demo papers when withDemo.
func newStore(t *testing.T, withDemo bool) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	if onPostgres {
		st = postgresStore(t)
	} else {
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dailypapers.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		st = lite
	}
	if withDemo {
		if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// serve is the site over st, with search when svc is not nil, at clock.
func serve(t *testing.T, st store.Store, svc *search.Service) http.Handler {
	t.Helper()
	s, err := New(st, Options{Search: svc, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler()
}

// get requests path and parses the answer; it fails unless the status is want.
func get(t *testing.T, h http.Handler, path string, want int) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, rec.Code, want, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("GET %s: parse HTML: %v", path, err)
	}
	return rec, doc
}

func text(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}

func TestHomeShowsLatestDayMostUpvotedFirst(t *testing.T) {
	h, st := newSite(t, true)
	_, doc := get(t, h, "/", http.StatusOK)
	if got := text(doc, "h1"); got != "Friday, Aug 21, 2026" {
		t.Errorf("h1 = %q, want the demo's last day", got)
	}
	want, err := st.Feed(context.Background(), store.FeedQuery{From: "2026-08-21", To: "2026-08-21"})
	if err != nil {
		t.Fatal(err)
	}
	cards := doc.Find("article.card")
	if cards.Length() != len(want) || len(want) == 0 {
		t.Fatalf("%d cards, want %d", cards.Length(), len(want))
	}
	prev := 1 << 30
	cards.Each(func(i int, c *goquery.Selection) {
		if got := strings.TrimSpace(c.Find("h3 a").Text()); got != want[i].Paper.Title {
			t.Errorf("card %d title %q, want %q", i, got, want[i].Paper.Title)
		}
		n, err := strconv.Atoi(strings.TrimSpace(c.Find(".vote .n").Text()))
		if err != nil || n > prev {
			t.Errorf("card %d upvotes %q not in descending order", i, c.Find(".vote .n").Text())
		}
		prev = n
	})
	first := cards.First()
	if href, _ := first.Find("h3 a").Attr("href"); href != "/papers/"+string(want[0].Paper.ID) {
		t.Errorf("first card links to %q", href)
	}
	if href, _ := doc.Find(".stepper a[rel=prev]").Attr("href"); href != "/papers/date/2026-08-20" {
		t.Errorf("previous-day link %q", href)
	}
	if doc.Find(".stepper a[rel=next]").Length() != 0 {
		t.Error("the latest day has a next-day link")
	}
	if href, _ := doc.Find(`link[rel=canonical]`).Attr("href"); href != "/papers/date/2026-08-21" {
		t.Errorf("canonical %q", href)
	}
}

func TestCardShowsWhatMatters(t *testing.T) {
	h, _ := newSite(t, true)
	_, doc := get(t, h, "/papers/date/2026-08-21", http.StatusOK)
	// The demo's top paper of Aug 21: 17 authors, a GitHub repo, a submitter.
	card := doc.Find("article.card").First()
	if got := card.Find(".authors").Text(); !strings.Contains(got, "et al. (17 authors)") {
		t.Errorf("authors line %q", got)
	}
	if href, _ := card.Find("a.gh").Attr("href"); href != "https://github.com/google-research/envharness" {
		t.Errorf("GitHub link %q", href)
	}
	if got := card.Find(".submitter .who").Text(); got != "taesiri" {
		t.Errorf("submitter %q", got)
	}
	if got := card.Find(".excerpt").Text(); !strings.HasSuffix(got, "…") || len(got) > 320 {
		t.Errorf("excerpt not shortened: %q", got)
	}
}

func TestPeriods(t *testing.T) {
	h, st := newSite(t, true)
	ctx := context.Background()
	for _, tc := range []struct {
		path, h1, from, to string
	}{
		{"/papers/date/2026-08-20", "Thursday, Aug 20, 2026", "2026-08-20", "2026-08-20"},
		{"/papers/week/2026-W34", "Week 34, 2026", "2026-08-17", "2026-08-23"},
		{"/papers/month/2026-07", "July 2026", "2026-07-01", "2026-07-31"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, doc := get(t, h, tc.path, http.StatusOK)
			if got := text(doc, "h1"); got != tc.h1 {
				t.Errorf("h1 %q, want %q", got, tc.h1)
			}
			n, err := st.FeedCount(ctx, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Find("article.card").Length(); got != min(n, pageSize) || n == 0 {
				t.Errorf("%d cards, want %d", got, min(n, pageSize))
			}
			if !strings.HasPrefix(text(doc, ".sub"), strings.TrimSpace(strconv.Itoa(n)+" papers")) {
				t.Errorf("subtitle %q, want %d papers", text(doc, ".sub"), n)
			}
		})
	}
}

func TestMonthPaging(t *testing.T) {
	h, st := newSite(t, true)
	total, err := st.FeedCount(context.Background(), "2026-07-01", "2026-07-31")
	if err != nil || total <= pageSize {
		t.Fatalf("July needs more than one page for this test: %d, %v", total, err)
	}
	_, doc := get(t, h, "/papers/month/2026-07", http.StatusOK)
	next, ok := doc.Find(".pager a").Last().Attr("href")
	if !ok || next != "/papers/month/2026-07?page=2" {
		t.Fatalf("next page link %q", next)
	}
	_, doc2 := get(t, h, next, http.StatusOK)
	if got, want := doc2.Find("article.card").Length(), min(total-pageSize, pageSize); got != want {
		t.Errorf("page 2 has %d cards, want %d", got, want)
	}
	if text(doc, "article.card h3") == text(doc2, "article.card h3") {
		t.Error("page 2 starts with the same paper as page 1")
	}
	_, doc3 := get(t, h, "/papers/month/2026-07?page=99", http.StatusOK)
	if doc3.Find(".empty").Length() != 1 {
		t.Error("a page past the end shows no message")
	}
}

// TestStepsStopAtTheEnds: the arrows of the feed and of its calendar lead
// to the nearest period with papers, and there are none past the demo's
// first (May 29) and last (Aug 21) days.
func TestStepsStopAtTheEnds(t *testing.T) {
	h, _ := newSite(t, true)
	for _, tc := range []struct {
		path, prev, next         string // the stepper's links, "" for none
		calPrev, calNext, calNow string // the calendar's
		rings                    int    // days ringed in the calendar
	}{
		{"/papers/month/2026-08", "/papers/month/2026-07", "", "/papers/month/2026-07", "", "/papers/month/2026-08", 0},
		{"/papers/month/2026-05", "", "/papers/month/2026-06", "", "/papers/month/2026-06", "/papers/month/2026-05", 0},
		{"/papers/month/2026-06", "/papers/month/2026-05", "/papers/month/2026-07", "/papers/month/2026-05", "/papers/month/2026-07", "/papers/month/2026-06", 0},
		// Months without papers step straight to the months that have them.
		{"/papers/month/2026-11", "/papers/month/2026-08", "", "/papers/month/2026-08", "", "/papers/month/2026-11", 0},
		{"/papers/month/2025-01", "", "/papers/month/2026-05", "", "/papers/month/2026-05", "/papers/month/2025-01", 0},
		{"/papers/week/2026-W34", "/papers/week/2026-W33", "", "/papers/month/2026-07", "", "", 7},
		{"/papers/week/2026-W22", "", "/papers/week/2026-W23", "", "/papers/month/2026-06", "", 7},
		{"/papers/date/2026-08-21", "/papers/date/2026-08-20", "", "/papers/month/2026-07", "", "", 1},
		{"/papers/date/2026-05-29", "", "/papers/date/2026-06-01", "", "/papers/month/2026-06", "", 1},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, doc := get(t, h, tc.path, http.StatusOK)
			for _, link := range []struct{ sel, want string }{
				{".stepper a[rel=prev]", tc.prev}, {".stepper a[rel=next]", tc.next},
				{".calendar a[rel=prev]", tc.calPrev}, {".calendar a[rel=next]", tc.calNext},
				{".calendar a.month[aria-current]", tc.calNow},
			} {
				got, _ := doc.Find(link.sel).Attr("href")
				if n := doc.Find(link.sel).Length(); got != link.want || n > 1 {
					t.Errorf("%s: %d links to %q, want %q", link.sel, n, got, link.want)
				}
			}
			if got := doc.Find(".calendar td.sel").Length(); got != tc.rings {
				t.Errorf("%d days ringed, want %d", got, tc.rings)
			}
		})
	}
}

// TestSubmittersAndAuthorsAreLinks: a card's avatar letter is that of the
// name it shows, the name leads to the submitter's page, and each author
// to their papers; the paper page links them alike.
func TestSubmittersAndAuthorsAreLinks(t *testing.T) {
	h, st := newSite(t, true)
	ctx := context.Background()
	_, doc := get(t, h, "/papers/month/2026-08", http.StatusOK)
	seen := 0
	doc.Find("article.card .submitter").Each(func(i int, sub *goquery.Selection) {
		who := sub.Find("a.who")
		name := strings.TrimSpace(who.Text())
		if got := strings.TrimSpace(sub.Find(".avatar").Text()); got != initial(name) {
			t.Errorf("card %d: avatar %q beside %q", i, got, name)
		}
		if href, _ := who.Attr("href"); !strings.HasPrefix(href, "/users/") {
			t.Errorf("card %d: %q links to %q", i, name, href)
		}
		seen++
	})
	if seen < 20 {
		t.Fatalf("%d cards with a submitter", seen)
	}
	// The demo's 2608.00677 was submitted by "Yunhao Chen", whose username
	// does not start with a Y.
	subs, err := st.Submissions(ctx, "2608.00677")
	if err != nil || len(subs) == 0 || subs[0].Submitter == nil {
		t.Fatalf("submissions of 2608.00677: %v, %v", subs, err)
	}
	u := subs[0].Submitter
	if u.Fullname != "Yunhao Chen" || initial(u.Username) == "Y" {
		t.Fatalf("test setup: the submitter is %+v", u)
	}
	card := doc.Find(`article.card:has(a[href="/papers/2608.00677"])`)
	if card.Length() != 1 {
		t.Fatalf("%d cards of 2608.00677", card.Length())
	}
	if got := strings.TrimSpace(card.Find(".submitter").Text()); got != "YSubmitted by Yunhao Chen" {
		t.Errorf("submitter reads %q", got)
	}
	href, _ := card.Find(".submitter a.who").Attr("href")
	if href != "/users/"+u.Username {
		t.Errorf("submitter links to %q", href)
	}
	if _, prof := get(t, h, href, http.StatusOK); prof.Find("h1").Length() == 0 {
		t.Error("the submitter's page has no heading")
	}

	// Authors: the first three, each a link to the author's page.
	_, doc = get(t, h, "/papers/date/2026-08-21", http.StatusOK)
	first := doc.Find("article.card").First()
	var hrefs []string
	first.Find(".authors a.author").Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		hrefs = append(hrefs, h)
	})
	if len(hrefs) != 3 || hrefs[0] != `/authors/Chengsong%20Huang` {
		t.Errorf("author links %q", hrefs)
	}
	if _, author := get(t, h, hrefs[0], http.StatusOK); author.Find("h1").Text() != "Chengsong Huang" {
		t.Errorf("the author's page is headed %q", author.Find("h1").Text())
	}
	if got := first.Find(".authors").Text(); got != "Chengsong Huang, Zifeng Wang, Rujun Han et al. (17 authors)" {
		t.Errorf("authors line %q", got)
	}
	_, doc = get(t, h, "/papers/2608.19880", http.StatusOK)
	if got := doc.Find(".authors-full a.author").Length(); got != 17 {
		t.Errorf("%d authors linked on the paper page, want 17", got)
	}
	if href, _ := doc.Find(".submitted a.who").Attr("href"); href != "/users/taesiri" {
		t.Errorf("the paper page's submitter links to %q", href)
	}
}

func TestAuthorAndUserPaths(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Yann LeCun", `/authors/Yann%20LeCun`},
		{`Dwayne "The Rock" Johnson`, `/authors/Dwayne%20%22The%20Rock%22%20Johnson`},
		{"Zoë Ølsen-Łukasz", `/authors/Zo%C3%AB%20%C3%98lsen-%C5%81ukasz`},
		{"AC/DC? #1", `/authors/AC%2FDC%3F%20%231`},
	} {
		if got := authorPath(tc.name); got != tc.want {
			t.Errorf("authorPath(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"taesiri", "/users/taesiri"},
		{"a/b?c#d", "/users/a%2Fb%3Fc%23d"},
	} {
		if got := userPath(tc.name); got != tc.want {
			t.Errorf("userPath(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestBadPeriodsAreClear400s(t *testing.T) {
	h, _ := newSite(t, false)
	for _, tc := range []struct{ path, msg string }{
		{"/papers/date/2026-13-01", "not a date"},
		{"/papers/date/yesterday", "not a date"},
		{"/papers/week/2026-W60", "not an ISO week"},
		{"/papers/week/2021-W53", "has no week 53"},
		{"/papers/month/2026-00", "not a month"},
		{"/papers/month/2026-07?page=0", "page must be"},
		{"/papers/month/2026-07?page=abc", "page must be"},
		{"/papers/date?date=" + strings.Repeat("9", 500), "not a date"},
	} {
		t.Run(tc.path[:min(len(tc.path), 40)], func(t *testing.T) {
			_, doc := get(t, h, tc.path, http.StatusBadRequest)
			if got := text(doc, ".error-page p:not(.code)"); !strings.Contains(got, tc.msg) {
				t.Errorf("message %q, want it to contain %q", got, tc.msg)
			}
		})
	}
	// 2020 had 53 ISO weeks.
	get(t, h, "/papers/week/2020-W53", http.StatusOK)
}

func TestRedirects(t *testing.T) {
	h, _ := newSite(t, true)
	for _, tc := range []struct{ path, to string }{
		{"/papers/2608.19880v2", "/papers/2608.19880"},
		{"/papers/arXiv:2608.19880", "/papers/2608.19880"},
		{"/papers/math.GT/0309136v1", "/papers/math/0309136"},
		{"/papers/date?date=2026-08-20", "/papers/date/2026-08-20"},
		{"/papers/week", "/papers/week/2026-W34"},
		{"/papers/month", "/papers/month/2026-08"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code < 300 || rec.Code > 399 || rec.Header().Get("Location") != tc.to {
			t.Errorf("GET %s: %d to %q, want a redirect to %q", tc.path, rec.Code, rec.Header().Get("Location"), tc.to)
		}
	}
}

func TestPaperPage(t *testing.T) {
	h, st := newSite(t, true)
	p, err := st.Paper(context.Background(), "2608.19880")
	if err != nil {
		t.Fatal(err)
	}
	_, doc := get(t, h, "/papers/2608.19880", http.StatusOK)
	if got := text(doc, "article.paper h1"); got != p.Title {
		t.Errorf("h1 %q, want %q", got, p.Title)
	}
	if got := doc.Find(".authors-full .author").Length(); got != len(p.Authors) || got != 17 {
		t.Errorf("%d authors shown, want all %d", got, len(p.Authors))
	}
	if got := text(doc, ".abstract"); got != p.Abstract {
		t.Errorf("abstract differs:\n%q\n%q", got, p.Abstract)
	}
	links := map[string]bool{}
	doc.Find(".actions a").Each(func(_ int, a *goquery.Selection) { href, _ := a.Attr("href"); links[href] = true })
	for _, want := range []string{"https://arxiv.org/abs/2608.19880", "https://arxiv.org/pdf/2608.19880", "https://github.com/google-research/envharness", p.ProjectPage} {
		if !links[want] {
			t.Errorf("no link to %s among %v", want, links)
		}
	}
	if got := text(doc, ".kicker.submitted"); !strings.Contains(got, "Aug 21, 2026") || !strings.Contains(got, "taesiri") {
		t.Errorf("submission line %q", got)
	}
	if got := text(doc, ".vote .n"); got != strconv.Itoa(p.Upvotes) {
		t.Errorf("upvotes %q, want %d", got, p.Upvotes)
	}
}

// A repository's star counts over the days show as its gain in the last
// week on its papers' pages.
func TestPaperPageStarTrend(t *testing.T) {
	h, st := newSite(t, true)
	ctx := context.Background()
	const repo = "https://github.com/google-research/envharness"
	if _, doc := get(t, h, "/papers/2608.19880", http.StatusOK); strings.Contains(doc.Find(".facts").Text(), "GitHub stars") {
		t.Errorf("a trend shown without counts")
	}
	day := time.Date(2026, 8, 10, 12, 0, 0, 0, time.UTC)
	for i, n := range []int{3, 5, 9, 14, 20, 31, 40, 52, 61} { // nine days
		if err := st.RecordStars(ctx, repo, n, true, day.AddDate(0, 0, i)); err != nil {
			t.Fatal(err)
		}
	}
	_, doc := get(t, h, "/papers/2608.19880", http.StatusOK)
	// The last count is 61 on Aug 18; a week before, Aug 11, it was 5.
	if got := doc.Find(".facts").Text(); !strings.Contains(got, "GitHub stars61, +56 in the last week (counted daily since 2026-08-10)") {
		t.Errorf("facts %q", got)
	}
	if got := text(doc, ".actions a[href='"+repo+"']"); !strings.Contains(got, "★ 61") {
		t.Errorf("repository link %q, want the last count", got)
	}
}

// A paper imported from the hosted feed shows its machine-written summary
// and key phrases, each phrase a search for itself; a paper without them
// shows neither.
func TestPaperPageAISummary(t *testing.T) {
	h, st := newSite(t, true)
	p, err := st.Paper(context.Background(), "2608.19880")
	if err != nil || p.AISummary == "" || len(p.AIKeywords) == 0 {
		t.Fatalf("the demo paper has no summary or key phrases: %q %q %v", p.AISummary, p.AIKeywords, err)
	}
	_, doc := get(t, h, "/papers/2608.19880", http.StatusOK)
	if got := text(doc, ".ai-summary .tldr"); got != p.AISummary {
		t.Errorf("summary %q, want %q", got, p.AISummary)
	}
	chips := doc.Find(".ai-summary .keywords a.chip")
	if chips.Length() != len(p.AIKeywords) {
		t.Fatalf("%d key phrases shown, want %d", chips.Length(), len(p.AIKeywords))
	}
	href, _ := chips.First().Attr("href")
	u, err := url.Parse(href)
	if err != nil || u.Path != "/search" || u.Query().Get("q") != `"`+p.AIKeywords[0]+`"` {
		t.Errorf("the first phrase links to %q, want a search for %q", href, p.AIKeywords[0])
	}
	if !strings.Contains(text(doc, ".ai-summary .sub-note"), "language model") {
		t.Error("the summary is not said to be machine-written")
	}

	mustPaper(t, st, paper.Paper{ID: "2501.00002", Title: "Bare"})
	if _, doc := get(t, h, "/papers/2501.00002", http.StatusOK); doc.Find(".ai-summary").Length() != 0 {
		t.Error("a paper without a summary shows the section")
	}
}

// A comment count imported with a paper is told apart from the comments
// made here, whose text the page shows.
func TestPaperPageImportedCommentCount(t *testing.T) {
	h, st := newSite(t, true)
	ctx := context.Background()
	p, err := st.Paper(ctx, "2608.19880")
	if err != nil || p.NumComments != 1 {
		t.Fatalf("the demo paper has %d comments (%v), want the hosted feed's 1", p.NumComments, err)
	}
	_, doc := get(t, h, "/papers/2608.19880", http.StatusOK)
	// One line says both that nothing is here and where the count is from.
	if got := text(doc, ".comments .empty"); got != "No comments here yet; the 1 counted was made where this paper was imported from." {
		t.Errorf("empty discussion %q", got)
	}
	if n := doc.Find(".comments .elsewhere").Length(); n != 1 {
		t.Errorf("the imported count is explained %d times", n)
	}
	author, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "ada"}, Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddComment(ctx, store.Comment{PaperID: "2608.19880", Author: author.User, Body: "Nice."}); err != nil {
		t.Fatal(err)
	}
	_, doc = get(t, h, "/papers/2608.19880", http.StatusOK)
	if got := text(doc, ".comments h2 .count"); got != "2" {
		t.Errorf("the count is %q, want 2", got)
	}
	if got := text(doc, ".comments .elsewhere"); got != "1 more comment was made where this paper was imported from." {
		t.Errorf("after a comment here, the imported one is explained as %q", got)
	}
	// A paper with no imported count says nothing of elsewhere.
	mustPaper(t, st, paper.Paper{ID: "2501.00003", Title: "Quiet"})
	_, doc = get(t, h, "/papers/2501.00003", http.StatusOK)
	if doc.Find(".comments .elsewhere").Length() != 0 || text(doc, ".comments .empty") != "No comments yet." {
		t.Errorf("a paper without comments: %q", text(doc, ".comments"))
	}
}

func TestPaperPageWithArxivMetadata(t *testing.T) {
	h, st := newSite(t, false)
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v1 := time.Date(2006, 1, 2, 10, 0, 0, 0, time.UTC)
	_, err = im.Write(ctx, []store.Record{{Paper: paper.Paper{
		ID: "math/0601001", Title: `On <script>alert("x")</script> & Gödel`, Abstract: "An abstract.",
		Authors:    []paper.Author{{Name: "Ana Núñez"}, {Name: "李 雷"}},
		Categories: []string{"math.LO", "cs.LO"},
		Versions:   []paper.Version{{N: 1, Date: v1}, {N: 2, Date: v1.AddDate(0, 3, 0)}},
		Published:  v1, Updated: v1.AddDate(0, 3, 0), Withdrawn: true,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	rec, doc := get(t, h, "/papers/math/0601001", http.StatusOK)
	if strings.Contains(rec.Body.String(), "<script>alert") {
		t.Error("the title was not escaped")
	}
	if got := text(doc, "h1"); got != `On <script>alert("x")</script> & Gödel` {
		t.Errorf("h1 %q", got)
	}
	if got := doc.Find(".versions li").Length(); got != 2 {
		t.Errorf("%d versions listed, want 2", got)
	}
	if got := text(doc, ".chip.primary"); got != "math.LO" {
		t.Errorf("primary category %q", got)
	}
	if doc.Find(".withdrawn").Length() != 1 {
		t.Error("withdrawn paper not marked")
	}
	if got := text(doc, ".kicker"); got != "arXiv math/0601001" {
		t.Errorf("a paper never on the feed shows %q", got)
	}
}

func TestUnknownPapersAreFriendly404s(t *testing.T) {
	h, _ := newSite(t, false)
	_, doc := get(t, h, "/papers/2501.00001", http.StatusNotFound)
	if href, _ := doc.Find(".error-page a").First().Attr("href"); href != "https://arxiv.org/abs/2501.00001" {
		t.Errorf("no arXiv link on the 404 of a valid id: %q", href)
	}
	_, doc = get(t, h, "/papers/not-a-paper", http.StatusNotFound)
	if got := text(doc, ".error-page p:not(.code)"); !strings.Contains(got, "not an arXiv identifier") {
		t.Errorf("message %q", got)
	}
	get(t, h, "/no/such/page", http.StatusNotFound)
}

func TestEmptySite(t *testing.T) {
	h, _ := newSite(t, false)
	_, doc := get(t, h, "/", http.StatusOK)
	if got := text(doc, ".empty"); !strings.Contains(got, "No papers") {
		t.Errorf("empty feed message %q", got)
	}
	_, doc = get(t, h, "/papers/trending", http.StatusOK)
	if doc.Find(".empty").Length() != 1 {
		t.Error("empty trending page has no message")
	}
}

func TestTrendingPage(t *testing.T) {
	h, st := newSite(t, true)
	_, doc := get(t, h, "/papers/trending", http.StatusOK)
	// The formula waits behind a question, after the ranking in words.
	how := doc.Find(".feed-head details.how")
	if got := strings.TrimSpace(how.Find("summary").Text()); got != "How is this ranked?" {
		t.Errorf("the disclosure reads %q", got)
	}
	if how.Find("p").First().Text() != rank.InWords || strings.TrimSpace(how.Find(".formula code").Text()) != rank.Formula {
		t.Errorf("the disclosure holds %q", how.Text())
	}
	if _, open := how.Attr("open"); open || strings.Contains(doc.Find(".feed-head > div > .sub").Text(), "ln(") {
		t.Error("the formula is in view before it is asked for")
	}
	// The demo ends in August, long before the test clock: trending is the feed's last week.
	latest, err := st.LatestSubmission(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.SubmittedSince(context.Background(), latest.Add(-rank.TrendWindow))
	if err != nil {
		t.Fatal(err)
	}
	want := rank.Trending(items, latest, pageSize)
	cards := doc.Find("article.card")
	if cards.Length() != len(want) || len(want) == 0 {
		t.Fatalf("%d cards, want %d", cards.Length(), len(want))
	}
	for i := 0; i < 5; i++ {
		if got := strings.TrimSpace(cards.Eq(i).Find("h3 a").Text()); got != want[i].Paper.Title {
			t.Errorf("trending #%d = %q, want %q", i+1, got, want[i].Paper.Title)
		}
	}
}

func TestSecurityHeadersAndStatic(t *testing.T) {
	h, _ := newSite(t, false)
	rec, _ := get(t, h, "/", http.StatusOK)
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff header")
	}
	for _, path := range []string{"/static/style.css", "/static/app.js", "/static/favicon.svg"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || rec.Body.Len() < 100 || rec.Header().Get("Cache-Control") == "" {
			t.Errorf("GET %s: %d, %d bytes, Cache-Control %q", path, rec.Code, rec.Body.Len(), rec.Header().Get("Cache-Control"))
		}
	}
}

func TestPageCacheFollowsTheStore(t *testing.T) {
	h, st := newSite(t, true)
	ctx := context.Background()
	rec, doc := get(t, h, "/papers/date/2026-08-21", http.StatusOK)
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a feed page")
	}
	before := doc.Find("article.card").Length()

	// A revalidation with the ETag is answered 304, with no body.
	req := httptest.NewRequest("GET", "/papers/date/2026-08-21", nil)
	req.Header.Set("If-None-Match", `"other", `+etag)
	rec304 := httptest.NewRecorder()
	h.ServeHTTP(rec304, req)
	if rec304.Code != http.StatusNotModified || rec304.Body.Len() != 0 {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", rec304.Code, rec304.Body.Len())
	}

	// A new paper on that day must show at once: the cached copy is stale.
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Write(ctx, []store.Record{{
		Paper:      paper.Paper{ID: "2608.99999", Title: "A paper added after the page was cached", Upvotes: 999},
		Submission: &store.Submission{Day: "2026-08-21", Submitter: "newcomer", SubmittedAt: time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	rec2, doc2 := get(t, h, "/papers/date/2026-08-21", http.StatusOK)
	if got := doc2.Find("article.card").Length(); got != before+1 {
		t.Errorf("%d cards after the import, want %d", got, before+1)
	}
	if got := text(doc2, "article.card h3"); got != "A paper added after the page was cached" {
		t.Errorf("first card %q", got)
	}
	if rec2.Header().Get("ETag") == etag {
		t.Error("the ETag did not change with the page")
	}
	// An import that is rolled back changes nothing and keeps the cache.
	im, _ = st.BeginImport(ctx)
	im.Rollback()
	rec3, _ := get(t, h, "/papers/date/2026-08-21", http.StatusOK)
	if rec3.Header().Get("ETag") != rec2.Header().Get("ETag") {
		t.Error("a rolled-back import changed the page")
	}
}

func TestReadiness(t *testing.T) {
	h, st := newSite(t, false)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/readyz without search: %d", rec.Code)
	}
	// With a search index that is not built yet, the site is not ready.
	s, err := New(st, Options{Search: search.NewService(st, nil)})
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "search index") {
		t.Errorf("/readyz before the index: %d %q", rec.Code, rec.Body.String())
	}
	// A site that drains before stopping is not ready, and serves still.
	drained, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	drained.Drain()
	rec = httptest.NewRecorder()
	drained.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "shutting down") {
		t.Errorf("/readyz while draining: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	drained.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/ while draining: %d", rec.Code)
	}
	// A closed database is not ready either.
	st.Close()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed: %d", rec.Code)
	}
}
