package bench

// The worst requests at the public endpoints other than search (those are
// BenchmarkWorstSearch's): feeds, the API's listings and papers, the
// feed's pages at their far ends, paper pages on their first view (similar
// papers ranked then), their Markdown and title cards, and profiles. The
// rule is the same: no request costs more than 100 ms of CPU on the
// 355k-paper database (issue 15).

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// publicPaths are the endpoints asked, with the parameters that make each
// do the most: the largest limits, pages far past the end, the widest
// periods and categories, and paper pages of random feed and catalogue
// papers asked for the first time.
func publicPaths(b *testing.B, st store.Store) []string {
	ctx := context.Background()
	days, err := st.FeedDays(ctx, "0000-01-01", "9999-12-31")
	if err != nil || len(days) == 0 {
		b.Fatalf("feed days: %v (%d)", err, len(days))
	}
	last := days[len(days)-1].Day
	lastDay, err := time.Parse(time.DateOnly, last)
	if err != nil {
		b.Fatal(err)
	}
	y, w := lastDay.ISOWeek()
	week, month := fmt.Sprintf("%d-W%02d", y, w), last[:7]
	paths := []string{
		"/", "/papers/date/" + last, "/papers/week/" + week, "/papers/month/" + month,
		"/papers/month/" + month + "?page=1000000", "/papers/trending", "/papers/date/9999-12-31",
		"/feeds/daily.atom", "/feeds/daily.rss", "/feeds/daily.json", "/feeds/trending.atom",
		"/feeds/category/cs.atom", "/feeds/category/cs.LG.json", "/feeds/category/math.rss",
		"/api/daily_papers?limit=100", "/api/daily_papers?month=" + month + "&limit=100",
		"/api/daily_papers?month=" + month + "&limit=100&p=1000000",
		"/api/daily_papers?week=" + week + "&sort=trending&limit=100",
		"/api/daily_papers?limit=1000000", "/api/papers?limit=100", "/api/papers?limit=1000000",
	}
	// The busiest submitters' profiles and feeds.
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 5000})
	if err != nil {
		b.Fatal(err)
	}
	counts := map[string]int{}
	for _, it := range items {
		if it.Submitter != nil && it.Submitter.Username != "" {
			counts[it.Submitter.Username]++
		}
	}
	busiest, most := "", 0
	for name, n := range counts {
		if n > most || n == most && name < busiest {
			busiest, most = name, n
		}
	}
	if busiest != "" {
		paths = append(paths, "/users/"+busiest, "/feeds/user/"+busiest+".atom")
	}
	// Random papers of the feed and of the catalogue, each asked once as
	// a page, as Markdown, through the API and as a title card.
	latest, _, err := st.LatestPapers(ctx, store.PaperCursor{}, 2000)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(15, 15))
	for range 10 {
		for _, id := range []string{string(items[rng.IntN(len(items))].Paper.ID), string(latest[rng.IntN(len(latest))].ID)} {
			paths = append(paths, "/papers/"+id, "/papers/"+id+".md", "/api/papers/"+id, "/thumbnails/"+id+".png")
		}
	}
	return paths
}

// BenchmarkWorstPublic serves each of publicPaths once, in order, on the
// 355k-paper site as serve runs it (hybrid search with the built-in
// embedder for similar papers; the page cache off, so every request does
// its work), and reports the CPU of the costliest request as
// BenchmarkWorstSearch does.
//
//	go test ./internal/bench -run '^$' -bench 'WorstPublic$' -benchtime 1x -timeout 60m -v
func BenchmarkWorstPublic(b *testing.B) {
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	h := newHandler(b, st, web.Options{Search: svc, PageCacheBytes: -1, Logger: slog.New(slog.DiscardHandler)})
	paths := publicPaths(b, st)
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.LockOSThread()
		var worstThread, worstProcess time.Duration
		var worstWhere string
		statuses := map[int]int{}
		for _, path := range paths {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			p0, t0 := processCPU(), threadCPU()
			h.ServeHTTP(rec, req)
			thread, process := threadCPU()-t0, processCPU()-p0
			statuses[rec.Code]++
			if rec.Code >= 500 || rec.Code == 404 && strings.HasPrefix(path, "/papers/2") {
				b.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body.String())
			}
			if thread > worstThread {
				worstThread, worstWhere = thread, path
			}
			worstProcess = max(worstProcess, process)
			if thread > 20*time.Millisecond {
				b.Logf("%-60s %3d: CPU %7.2f ms (process %7.2f ms), %d bytes", path, rec.Code, msf(thread), msf(process), rec.Body.Len())
			}
		}
		runtime.UnlockOSThread()
		b.Logf("%d requests (answers %v): the costliest took %.2f ms of CPU (%s); the process's CPU in any one request at most %.2f ms; load average %s",
			len(paths), statuses, msf(worstThread), strings.TrimSpace(worstWhere), msf(worstProcess), loadAverage())
		b.ReportMetric(msf(worstThread), "max-cpu-ms")
		b.ReportMetric(msf(worstProcess), "max-process-cpu-ms")
	}
}
