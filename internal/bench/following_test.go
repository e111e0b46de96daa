package bench

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// Issue 18's reader: one who follows 50 authors and 10 categories.
const (
	followedAuthors    = 50
	followedCategories = 10
)

// prolific reads, from the benchmark database itself, the names of the
// authors with the most papers (their first spelling), most first, and
// the categories with the most papers.
func prolific(b *testing.B, authors, categories int) ([]string, []string) {
	db, err := sql.Open("sqlite", "file:"+siteDB+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	read := func(q string, n int) []string {
		rs, err := db.Query(q, n)
		if err != nil {
			b.Fatal(err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				b.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	return read(`SELECT min(name) FROM paper_authors GROUP BY author_key ORDER BY count(*) DESC, author_key LIMIT ?`, authors),
		read(`SELECT category FROM paper_categories WHERE instr(category, '.') > 0 GROUP BY category ORDER BY count(*) DESC LIMIT ?`, categories)
}

// nextLink finds a page's "Older papers" link.
var nextLink = regexp.MustCompile(`<a class="btn" rel="next" href="([^"]+)">Older papers`)

// pages reads the first pages of a paged list for a viewer (token, or
// none), following each page's next link: the paths to benchmark.
func pages(b *testing.B, h http.Handler, first, token string, n int) []string {
	paths := []string{first}
	for len(paths) < n {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", paths[len(paths)-1], nil)
		if token != "" {
			req.Header.Set("Cookie", "dp_session="+token)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", paths[len(paths)-1], rec.Code)
		}
		m := nextLink.FindSubmatch(rec.Body.Bytes())
		if m == nil {
			break
		}
		paths = append(paths, string(m[1]))
	}
	return paths
}

// BenchmarkFollowingPage: the Following page of a reader who follows the
// 50 authors with the most papers and the 10 largest categories, its
// first ten pages at random, 3,000 requests. Signed in, so never from
// the page cache.
func BenchmarkFollowingPage(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	names, cats := prolific(b, followedAuthors, followedCategories)
	token := signIn(b, st)
	a, _, err := st.SessionAccount(ctx, auth.HashToken(token), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range names {
		if err := st.Follow(ctx, store.Follow{UserID: a.ID, Kind: store.FollowAuthor, Target: library.AuthorKey(n), Label: n}, 0); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range cats {
		if err := st.Follow(ctx, store.Follow{UserID: a.ID, Kind: store.FollowCategory, Target: c}, 0); err != nil {
			b.Fatal(err)
		}
	}
	h := newHandler(b, st, web.Options{})
	paths := pages(b, h, "/following", token, 10)
	if len(paths) < 10 {
		b.Fatalf("the Following page has %d pages, want 10", len(paths))
	}
	latencyAs(b, h, paths, token)
	b.ReportMetric(float64(len(names)+len(cats)), "follows")
}

// BenchmarkAuthorPage: the author page of the author with the most papers
// in the archive, rendered afresh (no page cache), its first ten pages at
// random, 3,000 requests.
func BenchmarkAuthorPage(b *testing.B) {
	st := benchStore(b)
	names, _ := prolific(b, 1, 0)
	sum, err := st.AuthorSummary(context.Background(), []string{library.AuthorKey(names[0])}, 10)
	if err != nil {
		b.Fatal(err)
	}
	h := newHandler(b, st, noCache)
	paths := pages(b, h, library.AuthorPath(names[0]), "", 10)
	latencyAs(b, h, paths, "")
	b.ReportMetric(float64(sum.Papers), "papers")
	b.Logf("%s: %d papers", names[0], sum.Papers)
}

// latencyAs serves paths in process for a viewer's session (token, or
// none), one request at a time, and reports the median and 99th
// percentile of each request's wall time and of the CPU time the process
// spent on it: on a machine that other work keeps busy the wall time
// counts the waits for a core, the CPU time does not.
func latencyAs(b *testing.B, h http.Handler, paths []string, token string) {
	if token != "" {
		h = withCookie(h, "dp_session="+token)
	}
	const requests = 3000
	rng := rand.New(rand.NewPCG(1, 2))
	wall := make([]time.Duration, 0, requests)
	cpu := make([]time.Duration, 0, requests)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wall, cpu = wall[:0], cpu[:0]
		for j := 0; j < requests; j++ {
			path := paths[rng.IntN(len(paths))]
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			c0, t0 := processCPU(), time.Now()
			h.ServeHTTP(rec, req)
			wall, cpu = append(wall, time.Since(t0)), append(cpu, processCPU()-c0)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
		}
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	b.ReportMetric(ms(wall[len(wall)/2]), "p50-ms")
	b.ReportMetric(ms(wall[len(wall)*99/100]), "p99-ms")
	b.ReportMetric(ms(cpu[len(cpu)/2]), "cpu-p50-ms")
	b.ReportMetric(ms(cpu[len(cpu)*99/100]), "cpu-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// withCookie sends every request to h with the cookie.
func withCookie(h http.Handler, cookie string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Cookie", cookie)
		h.ServeHTTP(w, r)
	})
}
