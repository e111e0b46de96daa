package web

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/feeds")

// base is the site's address in tests (Options.BaseURL's default).
const base = "http://localhost:8080"

// feedView is one item of a parsed feed, the same whatever the format.
type feedView struct {
	GUID, Link, Title, Abstract string
	Authors, Categories         []string
	Published                   time.Time
}

// parsedFeed is a feed read back by gofeed.
type parsedFeed struct {
	*gofeed.Feed
	Views []feedView
	Rec   *httptest.ResponseRecorder
}

var feedTypes = map[string]struct{ mime, gofeedType string }{
	"atom": {"application/atom+xml; charset=utf-8", "atom"},
	"rss":  {"application/rss+xml; charset=utf-8", "rss"},
	"json": {"application/feed+json; charset=utf-8", "json"},
}

// fetchFeed gets a feed, checks its status and content type, and parses it
// with gofeed (and, for Atom categories, gofeed's Atom parser, whose
// universal form shows labels instead of terms).
func fetchFeed(t *testing.T, h http.Handler, path string) parsedFeed {
	t.Helper()
	ext := strings.TrimPrefix(filepath.Ext(strings.SplitN(path, "?", 2)[0]), ".")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, rec.Code, rec.Body.String())
	}
	ft := feedTypes[ext]
	if got := rec.Header().Get("Content-Type"); got != ft.mime {
		t.Errorf("GET %s: Content-Type %q, want %q", path, got, ft.mime)
	}
	f, err := gofeed.NewParser().ParseString(rec.Body.String())
	if err != nil {
		t.Fatalf("GET %s: gofeed: %v\n%s", path, err, rec.Body.String())
	}
	if f.FeedType != ft.gofeedType {
		t.Errorf("GET %s: gofeed reads a %q feed, want %q", path, f.FeedType, ft.gofeedType)
	}
	var atomFeed *atom.Feed
	if ext == "atom" {
		if atomFeed, err = (&atom.Parser{}).Parse(strings.NewReader(rec.Body.String())); err != nil {
			t.Fatal(err)
		}
	}
	pf := parsedFeed{Feed: f, Rec: rec}
	for i, it := range f.Items {
		v := feedView{GUID: it.GUID, Link: it.Link, Title: it.Title, Categories: it.Categories}
		if it.PublishedParsed != nil {
			v.Published = *it.PublishedParsed
		}
		for _, a := range it.Authors {
			v.Authors = append(v.Authors, a.Name)
		}
		switch ext {
		case "atom":
			v.Abstract = it.Description
			v.Categories = nil
			for _, c := range atomFeed.Entries[i].Categories {
				v.Categories = append(v.Categories, c.Term)
			}
		case "rss":
			v.Abstract = html.UnescapeString(it.Description) // RSS descriptions are HTML
			v.Authors = nil
			if it.DublinCoreExt != nil {
				v.Authors = it.DublinCoreExt.Creator
			}
		case "json":
			v.Abstract = it.Content
		}
		pf.Views = append(pf.Views, v)
	}
	return pf
}

// wantView is what a feed must say about a paper.
func wantView(p *paper.Paper, published time.Time) feedView {
	v := feedView{
		GUID: "https://arxiv.org/abs/" + string(p.ID), Link: base + "/papers/" + string(p.ID),
		Title: paper.CleanText(p.Title), Abstract: strings.TrimSpace(p.Abstract),
		Categories: p.Categories, Published: published.UTC().Truncate(time.Second),
	}
	for i, a := range p.Authors {
		if i == synMaxAuthors && len(p.Authors) > synMaxAuthors+1 {
			v.Authors = append(v.Authors, fmt.Sprintf("and %d more authors", len(p.Authors)-synMaxAuthors))
			break
		}
		v.Authors = append(v.Authors, a.Name)
	}
	return v
}

func checkViews(t *testing.T, path string, got, want []feedView) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items, want %d", path, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.GUID != w.GUID || g.Link != w.Link || g.Title != w.Title || g.Abstract != w.Abstract ||
			!g.Published.Equal(w.Published) || !slices.Equal(g.Authors, w.Authors) || !slices.Equal(g.Categories, w.Categories) {
			t.Errorf("%s: item %d\n got %+v\nwant %+v", path, i, g, w)
			return
		}
	}
}

// hostileStore holds a few papers whose text breaks careless feeds.
func hostileStore(t *testing.T) store.Store {
	t.Helper()
	st := newStore(t, false)
	ctx := context.Background()
	at := func(day string, hour int) time.Time {
		d, _ := time.Parse(time.DateOnly, day)
		return d.Add(time.Duration(hour)*time.Hour + 1500*time.Millisecond)
	}
	sub := func(day string, hour int, who string) *store.Submission {
		return &store.Submission{Day: day, Submitter: who, SubmittedAt: at(day, hour)}
	}
	recs := []store.Record{
		{Paper: paper.Paper{
			ID: "2603.00001", Title: "<script>alert(1)</script>",
			Abstract:   "An abstract with ]]> inside, <b>bold</b> &amp; an entity, and <![CDATA[ a CDATA start.\nA second line.",
			Authors:    []paper.Author{{Name: `Robert "Bobby" <Tables>`}, {Name: "O'Brien & Sons"}},
			Categories: []string{"cs.CR"}, Published: at("2026-02-27", 0),
		}, Submission: sub("2026-03-02", 8, "x<y&z")},
		{Paper: paper.Paper{
			ID: "2603.00002", Title: "A & B < C",
			Abstract:   `We prove $O(n^2)$ and x<y for $\alpha > \beta$, with "quotes" & 'apostrophes'.`,
			Authors:    []paper.Author{{Name: "Ada Lovelace"}},
			Categories: []string{"cs.DS", "math.CO"}, Published: at("2026-02-26", 0),
		}, Submission: sub("2026-03-01", 10, "taesiri")},
		{Paper: paper.Paper{
			ID: "2603.00003", Title: "Über große 数据 模型",
			Abstract:   "Мы изучаем большие модели. 我们研究大型数据模型。 نحن ندرس النماذج الكبيرة. 𝒪(𝑛) ∀x∈ℝ.",
			Authors:    []paper.Author{{Name: "Łukasz Kaiser"}, {Name: "李雷"}, {Name: "Zoë Ångström"}},
			Categories: []string{"cs.CL"}, Published: at("2026-02-25", 0),
		}, Submission: sub("2026-03-01", 9, "taesiri")},
		// Outside the daily feed's seven days.
		{Paper: paper.Paper{ID: "2602.00009", Title: "An old paper", Abstract: "Old.", Categories: []string{"cs.CL"}},
			Submission: sub("2026-02-20", 12, "taesiri")},
	}
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestFeedsGolden(t *testing.T) {
	st := hostileStore(t)
	h := serve(t, st, nil)
	ctx := context.Background()
	var want []feedView
	for _, id := range []paper.ID{"2603.00001", "2603.00002", "2603.00003"} {
		subs, err := st.Submissions(ctx, id)
		if err != nil || len(subs) != 1 {
			t.Fatalf("submissions of %s: %v %v", id, subs, err)
		}
		want = append(want, wantView(&subs[0].Paper, subs[0].SubmittedAt))
	}
	for ext := range feedTypes {
		t.Run(ext, func(t *testing.T) {
			path := "/feeds/daily." + ext
			f := fetchFeed(t, h, path)
			body := f.Rec.Body.Bytes()
			golden := filepath.Join("testdata", "feeds", "daily."+ext+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestFeedsGolden -update to write it)", err)
			}
			if !bytes.Equal(body, g) {
				t.Errorf("%s differs from %s (run with -update if the change is meant):\n%s", path, golden, body)
			}
			// What the hostile text must not become: markup, a broken
			// CDATA section, or text that a second decoding would turn
			// into markup.
			for _, bad := range []string{"<script", "<b>", "]]>", "<![CDATA[", "&lt;script"} {
				if bytes.Contains(body, []byte(bad)) {
					t.Errorf("%s holds %q unescaped", path, bad)
				}
			}
			checkViews(t, path, f.Views, want)
			if ext == "json" {
				for i, it := range f.Items {
					if want := base + "/thumbnails/" + strings.TrimPrefix(it.GUID, "https://arxiv.org/abs/") + ".png"; it.Image == nil || it.Image.URL != want {
						t.Errorf("%s: item %d's image %+v, want %s", path, i, it.Image, want)
					}
				}
			}
			if f.Title != "Daily Papers" || f.Link != base+"/" || f.FeedLink != base+path {
				t.Errorf("feed title %q, link %q, self %q", f.Title, f.Link, f.FeedLink)
			}
			if ext != "json" && (f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(want[0].Published)) {
				t.Errorf("feed updated %v, want the newest item's %v", f.UpdatedParsed, want[0].Published)
			}
			if got := f.Rec.Header().Get("Last-Modified"); got != want[0].Published.Format(http.TimeFormat) {
				t.Errorf("Last-Modified %q, want the newest item's time", got)
			}
		})
	}
}

// The same paper is the same item (GUID) in every feed and format.
func TestFeedsHostileUserAndCategory(t *testing.T) {
	h := serve(t, hostileStore(t), nil)
	f := fetchFeed(t, h, "/feeds/user/"+url.PathEscape("x<y&z")+".atom")
	if f.Title != "Daily Papers: submitted by x<y&z" || len(f.Views) != 1 || f.Views[0].GUID != "https://arxiv.org/abs/2603.00001" {
		t.Errorf("feed %q with %+v", f.Title, f.Views)
	}
	// The user feed keeps what the daily window drops.
	f = fetchFeed(t, h, "/feeds/user/taesiri.rss")
	if got := guids(f); !slices.Equal(got, []string{"https://arxiv.org/abs/2603.00002", "https://arxiv.org/abs/2603.00003", "https://arxiv.org/abs/2602.00009"}) {
		t.Errorf("taesiri's feed: %v", got)
	}
	for path, want := range map[string][]string{
		"/feeds/category/cs.CL.json":    {"https://arxiv.org/abs/2603.00003", "https://arxiv.org/abs/2602.00009"},
		"/feeds/category/cs.cl.json":    {"https://arxiv.org/abs/2603.00003", "https://arxiv.org/abs/2602.00009"},
		"/feeds/category/cs.atom":       {"https://arxiv.org/abs/2603.00001", "https://arxiv.org/abs/2603.00002", "https://arxiv.org/abs/2603.00003", "https://arxiv.org/abs/2602.00009"},
		"/feeds/category/math.rss":      {"https://arxiv.org/abs/2603.00002"},
		"/feeds/category/math.CO.rss":   {"https://arxiv.org/abs/2603.00002"},
		"/feeds/category/q-bio.NC.atom": nil, // a real category without papers: empty, not an error
	} {
		if got := guids(fetchFeed(t, h, path)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

func guids(f parsedFeed) []string {
	var out []string
	for _, v := range f.Views {
		out = append(out, v.GUID)
	}
	return out
}

// Control characters, which XML cannot carry, become U+FFFD in every
// format, and the documents stay well-formed.
func TestFeedsReplaceControlCharacters(t *testing.T) {
	if onPostgres {
		t.Skip("PostgreSQL text cannot hold NUL or bytes that are not UTF-8: its store refuses such papers (ErrInvalid)")
	}
	st := newStore(t, false)
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Write(ctx, []store.Record{{
		Paper:      paper.Paper{ID: "2603.00005", Title: "Bell\x07 and form\x0cfeed", Abstract: "Nul\x00 byte, escape\x1b, and bad UTF-8 \xff."},
		Submission: &store.Submission{Day: "2026-03-02", Submitter: "someone", SubmittedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	h := serve(t, st, nil)
	for ext := range feedTypes {
		f := fetchFeed(t, h, "/feeds/daily."+ext)
		if len(f.Views) != 1 {
			t.Fatalf("%s: %d items", ext, len(f.Views))
		}
		v := f.Views[0]
		if v.Title != "Bell\uFFFD and form\uFFFDfeed" || v.Abstract != "Nul\uFFFD byte, escape\uFFFD, and bad UTF-8 \uFFFD." {
			t.Errorf("%s: title %q, abstract %q", ext, v.Title, v.Abstract)
		}
	}
}

// Every kind of feed over the demo data, in every format, read back by gofeed.
func TestFeedsOfTheDemo(t *testing.T) {
	h, st, _ := newSearchSite(t, true)
	ctx := context.Background()
	latest, err := st.LatestSubmission(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The daily feed: the last seven days of submissions, newest first, 100 at most.
	recent, err := st.SubmittedSince(ctx, latest.Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[paper.ID]bool{}
	for _, it := range recent {
		distinct[it.Paper.ID] = true
	}
	if len(distinct) < synListLimit {
		t.Fatalf("the demo's last week has %d papers; the test wants more than %d", len(distinct), synListLimit)
	}

	// Trending: the trending page's papers, in its order.
	_, doc := get(t, h, "/papers/trending", http.StatusOK)
	var trendingIDs []paper.ID
	doc.Find("article.card h3 a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		trendingIDs = append(trendingIDs, paper.ID(strings.TrimPrefix(href, "/papers/")))
	})
	trendingItems, err := st.SubmittedSince(ctx, rank.Reference(clock, latest).Add(-rank.TrendWindow))
	if err != nil {
		t.Fatal(err)
	}
	if len(trendingIDs) == 0 {
		t.Fatal("the trending page is empty")
	}

	// A user's submissions: taesiri is a submitter of the imported feed.
	userItems, err := st.ImportedSubmissions(ctx, "taesiri", synListLimit)
	if err != nil {
		t.Fatal(err)
	}

	// A category: the demo's papers with arXiv metadata in the last 30 days.
	month, err := st.SubmittedSince(ctx, latest.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var inCL []store.FeedItem
	for _, it := range month {
		if slices.Contains(it.Paper.Categories, "cs.CL") {
			inCL = append(inCL, it)
		}
	}
	if len(inCL) == 0 {
		t.Fatal("no cs.CL paper in the demo's last 30 days")
	}

	for ext := range feedTypes {
		t.Run(ext, func(t *testing.T) {
			// Daily.
			f := fetchFeed(t, h, "/feeds/daily."+ext)
			if len(f.Views) != synListLimit {
				t.Errorf("daily: %d items, want %d", len(f.Views), synListLimit)
			}
			seen := map[string]bool{}
			for i, v := range f.Views {
				if seen[v.GUID] {
					t.Errorf("daily: %s twice", v.GUID)
				}
				seen[v.GUID] = true
				if i > 0 && v.Published.After(f.Views[i-1].Published) {
					t.Errorf("daily: item %d is newer than the one before", i)
				}
				if latest.Sub(v.Published) > 7*24*time.Hour {
					t.Errorf("daily: item %d from %v, more than a week before %v", i, v.Published, latest)
				}
			}
			if !f.Views[0].Published.Equal(latest.Truncate(time.Second)) {
				t.Errorf("daily: newest item %v, want %v", f.Views[0].Published, latest)
			}
			checkAgainstStore(t, ctx, st, "daily", f.Views)

			// Trending.
			f = fetchFeed(t, h, "/feeds/trending."+ext)
			var got []paper.ID
			for _, v := range f.Views {
				got = append(got, paper.ID(strings.TrimPrefix(v.GUID, "https://arxiv.org/abs/")))
			}
			if !slices.Equal(got, trendingIDs) {
				t.Errorf("trending feed %v\nwant the page's %v", got, trendingIDs)
			}
			if f.Title != "Daily Papers: Trending" || f.Link != base+"/papers/trending" {
				t.Errorf("trending: title %q, link %q", f.Title, f.Link)
			}
			var want []feedView
			for _, s := range rank.Trending(trendingItems, rank.Reference(clock, latest), pageSize) {
				want = append(want, wantView(&s.Paper, s.SubmittedAt))
			}
			checkViews(t, "trending", f.Views, want)
			if f.Rec.Header().Get("Last-Modified") != "" {
				t.Error("trending sends Last-Modified, but it reorders without newer items")
			}

			// A user.
			f = fetchFeed(t, h, "/feeds/user/taesiri."+ext)
			want = nil
			for _, it := range newestFirst(userItems, synListLimit) {
				want = append(want, wantView(&it.Paper, it.SubmittedAt))
			}
			checkViews(t, "user", f.Views, want)
			if f.Title != "Daily Papers: submitted by taesiri" || f.Link != base+"/users/taesiri" || f.FeedLink != base+"/feeds/user/taesiri."+ext {
				t.Errorf("user: title %q, link %q, self %q", f.Title, f.Link, f.FeedLink)
			}

			// A category.
			f = fetchFeed(t, h, "/feeds/category/cs.CL."+ext)
			want = nil
			for _, it := range newestFirst(inCL, synListLimit) {
				want = append(want, wantView(&it.Paper, it.SubmittedAt))
			}
			checkViews(t, "category", f.Views, want)
			if f.Title != "Daily Papers: cs.CL (Computation and Language)" {
				t.Errorf("category title %q", f.Title)
			}

			// A search: the results page's order, and more of it.
			q := "language models"
			f = fetchFeed(t, h, "/search."+ext+"?q="+url.QueryEscape(q))
			_, doc := get(t, h, searchPath(q, 0), http.StatusOK)
			pageIDs := resultIDs(doc)
			if len(pageIDs) != searchPageSize || len(f.Views) != synSearchLimit {
				t.Fatalf("search: %d results on the page, %d in the feed", len(pageIDs), len(f.Views))
			}
			for i, id := range pageIDs {
				if f.Views[i].GUID != "https://arxiv.org/abs/"+id {
					t.Errorf("search: item %d is %s, the page's result %s", i, f.Views[i].GUID, id)
				}
			}
			if f.Title != "Daily Papers: search for “language models”" || f.Link != base+"/search?q=language%20models" ||
				f.FeedLink != base+"/search."+ext+"?q=language%20models" {
				t.Errorf("search: title %q, link %q, self %q", f.Title, f.Link, f.FeedLink)
			}
			for i, v := range f.Views {
				p, err := st.Paper(ctx, paper.ID(strings.TrimPrefix(v.GUID, "https://arxiv.org/abs/")))
				if err != nil {
					t.Fatal(err)
				}
				if w := wantView(&p, p.Published); v.Title != w.Title || v.Link != w.Link || v.Abstract != w.Abstract || !v.Published.Equal(w.Published) {
					t.Errorf("search item %d\n got %+v\nwant %+v", i, v, w)
					break
				}
			}
		})
	}
}

// checkAgainstStore checks each item against the stored paper and its
// newest submission.
func checkAgainstStore(t *testing.T, ctx context.Context, st store.Store, name string, views []feedView) {
	t.Helper()
	for i, v := range views {
		id := paper.ID(strings.TrimPrefix(v.GUID, "https://arxiv.org/abs/"))
		subs, err := st.Submissions(ctx, id)
		if err != nil || len(subs) == 0 {
			t.Fatalf("%s: item %d %q: %v", name, i, v.GUID, err)
		}
		newest := subs[0]
		for _, s := range subs {
			if s.SubmittedAt.After(newest.SubmittedAt) {
				newest = s
			}
		}
		if w := wantView(&newest.Paper, newest.SubmittedAt); !equalView(v, w) {
			t.Errorf("%s: item %d\n got %+v\nwant %+v", name, i, v, w)
			return
		}
	}
}

func equalView(a, b feedView) bool {
	return a.GUID == b.GUID && a.Link == b.Link && a.Title == b.Title && a.Abstract == b.Abstract &&
		a.Published.Equal(b.Published) && slices.Equal(a.Authors, b.Authors) && slices.Equal(a.Categories, b.Categories)
}

func TestFeedsConditionalGet(t *testing.T) {
	st := hostileStore(t)
	for _, cacheBytes := range []int{0, -1} { // the page cache on, and off
		t.Run(fmt.Sprint("cache=", cacheBytes), func(t *testing.T) {
			s, err := New(st, Options{Now: func() time.Time { return clock }, PageCacheBytes: cacheBytes})
			if err != nil {
				t.Fatal(err)
			}
			h := s.Handler()
			for _, path := range []string{"/feeds/daily.atom", "/feeds/daily.rss", "/feeds/daily.json", "/feeds/user/taesiri.atom", "/feeds/category/cs.rss"} {
				first := fetchFeed(t, h, path).Rec
				etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
				if etag == "" || lm == "" {
					t.Fatalf("%s: ETag %q, Last-Modified %q", path, etag, lm)
				}
				modified, _ := http.ParseTime(lm)
				for _, tc := range []struct {
					name    string
					headers map[string]string
					want    int
				}{
					{"same ETag", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
					{"weak ETag in a list", map[string]string{"If-None-Match": `"other", W/` + etag}, http.StatusNotModified},
					{"other ETag", map[string]string{"If-None-Match": `"other"`}, http.StatusOK},
					{"same date", map[string]string{"If-Modified-Since": lm}, http.StatusNotModified},
					{"later date", map[string]string{"If-Modified-Since": modified.Add(time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
					{"earlier date", map[string]string{"If-Modified-Since": modified.Add(-time.Second).Format(http.TimeFormat)}, http.StatusOK},
					{"bad date", map[string]string{"If-Modified-Since": "yesterday"}, http.StatusOK},
					// If-None-Match wins over If-Modified-Since (RFC 9110).
					{"other ETag, same date", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}, http.StatusOK},
				} {
					req := httptest.NewRequest("GET", path, nil)
					for k, v := range tc.headers {
						req.Header.Set(k, v)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != tc.want {
						t.Errorf("%s, %s: status %d, want %d", path, tc.name, rec.Code, tc.want)
					}
					if tc.want == http.StatusNotModified && (rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Content-Type") != "") {
						t.Errorf("%s, %s: 304 with %d bytes, ETag %q, Content-Type %q", path, tc.name, rec.Body.Len(), rec.Header().Get("ETag"), rec.Header().Get("Content-Type"))
					}
					if tc.want == http.StatusOK && !bytes.Equal(rec.Body.Bytes(), first.Body.Bytes()) {
						t.Errorf("%s, %s: another body", path, tc.name)
					}
				}
			}
		})
	}

	// A new paper changes the ETag and Last-Modified at once.
	h := serve(t, st, nil)
	first := fetchFeed(t, h, "/feeds/daily.atom").Rec
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Write(ctx, []store.Record{{
		Paper:      paper.Paper{ID: "2603.00004", Title: "A newer paper"},
		Submission: &store.Submission{Day: "2026-03-03", Submitter: "someone", SubmittedAt: time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/feeds/daily.atom", nil)
	req.Header.Set("If-Modified-Since", first.Header().Get("Last-Modified"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == first.Header().Get("ETag") || rec.Header().Get("Last-Modified") != "Tue, 03 Mar 2026 07:00:00 GMT" {
		t.Errorf("after a new paper: %d, ETag %q, Last-Modified %q", rec.Code, rec.Header().Get("ETag"), rec.Header().Get("Last-Modified"))
	}
}

// Trending and search have no Last-Modified but answer If-None-Match.
func TestFeedsRankedHaveETagsOnly(t *testing.T) {
	h, _, _ := newSearchSite(t, true)
	for _, path := range []string{"/feeds/trending.rss", "/search.atom?q=diffusion"} {
		first := fetchFeed(t, h, path).Rec
		if first.Header().Get("Last-Modified") != "" {
			t.Errorf("%s has Last-Modified", path)
		}
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("If-None-Match", first.Header().Get("ETag"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", path, rec.Code)
		}
	}
}

func TestFeedAutodiscovery(t *testing.T) {
	h, _, _ := newSearchSite(t, true)
	for _, tc := range []struct{ page, title, feed string }{
		{"/", "Daily Papers", "/feeds/daily"},
		{"/papers/date/2026-08-20", "Daily Papers", "/feeds/daily"},
		{"/papers/week/2026-W34", "Daily Papers", "/feeds/daily"},
		{"/papers/month/2026-07", "Daily Papers", "/feeds/daily"},
		{"/papers/trending", "Daily Papers: Trending", "/feeds/trending"},
		{"/users/taesiri", "Daily Papers: submitted by taesiri", "/feeds/user/taesiri"},
		{"/search?q=" + url.QueryEscape("diffusion & <b>"), "Daily Papers: search for “diffusion & <b>”", "/search"},
	} {
		rec, doc := get(t, h, tc.page, http.StatusOK)
		links := doc.Find(`head link[rel=alternate]`)
		if links.Length() != 3 {
			t.Errorf("%s: %d alternate links, want 3", tc.page, links.Length())
			continue
		}
		for i, f := range syndication.Formats {
			l := links.Eq(i)
			typ, _ := l.Attr("type")
			title, _ := l.Attr("title")
			href, _ := l.Attr("href")
			if typ != f.MIME || title != tc.title+" ("+f.Name+")" || !strings.HasPrefix(href, tc.feed+"."+f.Ext) {
				t.Errorf("%s: link %d type %q title %q href %q", tc.page, i, typ, title, href)
			}
			// Autodiscovery code that reads the HTML without decoding
			// entities still finds the type.
			if !strings.Contains(rec.Body.String(), `type="`+f.MIME+`"`) {
				t.Errorf("%s: the type %s is not written literally", tc.page, f.MIME)
			}
			if strings.Contains(href, "+") || strings.Contains(rec.Body.String(), `href="`+tc.feed+"."+f.Ext+`?q=diffusion&#43;`) {
				t.Errorf("%s: href %q has a plus, which the page writes as &#43;", tc.page, href)
			}
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			feed := fetchFeed(t, h, u.RequestURI())
			if feed.Title != tc.title {
				t.Errorf("%s: feed %s is titled %q, want %q", tc.page, href, feed.Title, tc.title)
			}
		}
	}
	// Pages without a list of papers offer no feed, and neither does a
	// search without a query.
	for _, page := range []string{"/papers/2608.19880", "/search", "/signin"} {
		if _, doc := get(t, h, page, http.StatusOK); doc.Find(`link[rel=alternate]`).Length() != 0 {
			t.Errorf("%s offers feeds", page)
		}
	}
}

func TestFeedsBadInput(t *testing.T) {
	h, _, _ := newSearchSite(t, true)
	for _, tc := range []struct {
		path string
		want int
		msg  string
	}{
		{"/feeds/daily.xml", http.StatusNotFound, "Feeds end in .atom, .rss or .json"},
		{"/feeds/daily", http.StatusNotFound, "Feeds end in"},
		{"/feeds/weekly.atom", http.StatusNotFound, "Feeds end in"},
		{"/feeds/category/cs.CL", http.StatusNotFound, "Feeds end in"},
		{"/feeds/category/" + url.PathEscape("not a category!") + ".atom", http.StatusNotFound, "There is no arXiv category"},
		{"/feeds/category/foo.bar.atom", http.StatusNotFound, "There is no arXiv category &#34;foo.bar&#34;"},
		{"/feeds/category/CS.atom", http.StatusNotFound, "There is no arXiv category"},
		{"/feeds/category/cs.C_L.rss", http.StatusNotFound, "There is no arXiv category"},
		{"/feeds/user/nobody-at-all.atom", http.StatusNotFound, "There is no user by that name"},
		{"/feeds/user/taesiri.txt", http.StatusNotFound, "Feeds end in"},
		{"/search.atom", http.StatusBadRequest, "A search feed needs a query"},
		{"/search.rss?q=", http.StatusBadRequest, "A search feed needs a query"},
		{"/search.json?q=%20%20", http.StatusBadRequest, "A search feed needs a query"},
		{"/search.atom?q=" + strings.Repeat("a", search.MaxQueryLen+1), http.StatusBadRequest, "too long"},
		{"/search.atom?q=%ff", http.StatusBadRequest, "not valid UTF-8"},
		{"/search.atom?q=the", http.StatusBadRequest, "nothing to search for"},
		{"/search.atom?q=diffusion&mode=bogus", http.StatusBadRequest, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.msg) {
			t.Errorf("GET %s: %d, want %d with %q\n%s", tc.path, rec.Code, tc.want, tc.msg, rec.Body.String())
		}
	}

	// A user's name in another case redirects to their spelling.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/feeds/user/TaeSiri.rss", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/feeds/user/taesiri.rss" {
		t.Errorf("another case: %d to %q", rec.Code, rec.Header().Get("Location"))
	}

	// No search: no search feeds. An index still loading: try again later.
	for _, tc := range []struct {
		h    http.Handler
		want int
	}{
		{serve(t, newStore(t, false), nil), http.StatusNotFound},
		{func() http.Handler { h, _, _ := newSearchSite(t, false); return h }(), http.StatusServiceUnavailable},
	} {
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, httptest.NewRequest("GET", "/search.atom?q=diffusion", nil))
		if rec.Code != tc.want {
			t.Errorf("search feed: %d, want %d", rec.Code, tc.want)
		}
		if tc.want == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
}

// An empty site serves empty, valid feeds.
func TestFeedsOfAnEmptySite(t *testing.T) {
	h := serve(t, newStore(t, false), nil)
	for ext := range feedTypes {
		for _, path := range []string{"/feeds/daily.", "/feeds/trending.", "/feeds/category/cs."} {
			f := fetchFeed(t, h, path+ext)
			if len(f.Items) != 0 || f.Rec.Header().Get("Last-Modified") != "" {
				t.Errorf("%s%s: %d items, Last-Modified %q", path, ext, len(f.Items), f.Rec.Header().Get("Last-Modified"))
			}
		}
	}
}
