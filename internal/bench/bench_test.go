package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

func dataDir(b *testing.B) string {
	dir := os.Getenv("DAILYPAPERS_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "arxiv-daily-2025-2026.jsonl.xz")); err != nil {
		b.Skipf("shared data not found in %s (set DAILYPAPERS_SHARED_DATA): %v", dir, err)
	}
	return dir
}

var arxivFiles = []string{"arxiv-daily-2025-2026.jsonl.xz", "arxiv-archive-2015-2019.jsonl.xz"}

// BenchmarkImportArxiv imports the two arXiv files (about 355,000 papers)
// into a fresh database per iteration and reports papers per second.
func BenchmarkImportArxiv(b *testing.B) {
	dir := dataDir(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "import.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		papers := 0
		for _, f := range arxivFiles {
			sum, err := ingest.ImportFile(ctx, st, filepath.Join(dir, f), ingest.Options{})
			if err != nil {
				b.Fatal(err)
			}
			papers += sum.Read
		}
		elapsed := time.Since(start)
		b.StopTimer()
		st.Close()
		b.ReportMetric(float64(papers)/elapsed.Seconds(), "papers/s")
		b.ReportMetric(float64(papers), "papers")
	}
}

var (
	siteOnce sync.Once
	siteDB   string
	siteErr  error
)

// TestMain removes the shared benchmark database (about 600 MB) when the
// run ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if siteDB != "" {
		os.RemoveAll(filepath.Dir(siteDB))
	}
	os.Exit(code)
}

// benchStore opens the shared benchmark database: the arXiv files plus the
// whole hosted feed (580 days), built once per run in the temp directory.
func benchStore(b *testing.B) store.Store {
	dir := dataDir(b)
	siteOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "dailypapers-bench-")
		if err != nil {
			siteErr = err
			return
		}
		siteDB = filepath.Join(tmp, "dailypapers.db")
		if src := os.Getenv("DAILYPAPERS_BENCH_DB"); src != "" {
			// A database built before by this same function (or by
			// `dailypapers import` of the same three files), copied so
			// that the benchmarks' writes never reach the original.
			siteErr = copyFile(src, siteDB)
			return
		}
		st, err := sqlite.Open(context.Background(), siteDB)
		if err != nil {
			siteErr = err
			return
		}
		defer st.Close()
		for _, f := range append(slices.Clone(arxivFiles), "hf-daily-papers.jsonl.xz") {
			if _, err := ingest.ImportFile(context.Background(), st, filepath.Join(dir, f), ingest.Options{}); err != nil {
				siteErr = err
				return
			}
		}
	})
	if siteErr != nil {
		b.Fatal(siteErr)
	}
	st, err := sqlite.Open(context.Background(), siteDB)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// copyFile copies the SQLite database src to dst. The source must not be
// open for writing elsewhere: a WAL file beside it is refused.
func copyFile(src, dst string) error {
	if _, err := os.Stat(src + "-wal"); err == nil {
		return fmt.Errorf("DAILYPAPERS_BENCH_DB: %s has a WAL file beside it; close what has it open first", src)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("DAILYPAPERS_BENCH_DB: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// feedPaths lists the day pages of every feed day and some paper pages.
func feedPaths(b *testing.B, st store.Store) (days, papers []string) {
	ctx := context.Background()
	counts, err := st.FeedDays(ctx, "0000-01-01", "9999-12-31")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range counts {
		days = append(days, "/papers/date/"+c.Day)
	}
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 2000})
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range items {
		papers = append(papers, it.Paper.ID.Path())
	}
	return days, papers
}

// benchLimits are the site's rate limits with one change: a benchmark's
// thousands of searches from one address are counted (the store's write
// per search is part of what is measured) but never refused.
func benchLimits() *web.Limits {
	l := web.DefaultLimits
	l.SearchAddress = ratelimit.Limit{Events: 1 << 30, Per: time.Second}
	return &l
}

// newHandler is the site over st; opt's limits default to benchLimits.
func newHandler(b *testing.B, st store.Store, opt web.Options) http.Handler {
	if opt.Limits == nil {
		opt.Limits = benchLimits()
	}
	s, err := web.New(st, opt)
	if err != nil {
		b.Fatal(err)
	}
	return s.Handler()
}

// latency serves paths in process, one request at a time, and reports the
// median and 99th percentile.
func latency(b *testing.B, h http.Handler, paths []string) {
	const requests = 3000
	rng := rand.New(rand.NewPCG(1, 2))
	durations := make([]time.Duration, 0, requests)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		durations = durations[:0]
		for j := 0; j < requests; j++ {
			path := paths[rng.IntN(len(paths))]
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			start := time.Now()
			h.ServeHTTP(rec, req)
			durations = append(durations, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
		}
	}
	slices.Sort(durations)
	b.ReportMetric(ms(durations[len(durations)/2]), "p50-ms")
	b.ReportMetric(ms(durations[len(durations)*99/100]), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// noCache turns the page cache off, to measure rendering itself.
var noCache = web.Options{PageCacheBytes: -1}

// BenchmarkFeedPageInProcess: day pages of random feed days, 3,000
// requests over 580 days, so about a fifth render and the rest are cached.
func BenchmarkFeedPageInProcess(b *testing.B) {
	st := benchStore(b)
	days, _ := feedPaths(b, st)
	latency(b, newHandler(b, st, web.Options{}), days)
}

// BenchmarkFeedPageUncached renders every day page from the store.
func BenchmarkFeedPageUncached(b *testing.B) {
	st := benchStore(b)
	days, _ := feedPaths(b, st)
	latency(b, newHandler(b, st, noCache), days)
}

// BenchmarkPaperPageUncached renders pages of random papers from the feed.
func BenchmarkPaperPageUncached(b *testing.B) {
	st := benchStore(b)
	_, papers := feedPaths(b, st)
	latency(b, newHandler(b, st, noCache), papers)
}

// BenchmarkPaperPageSimilar renders paper pages with their similar papers,
// as serve does (the built-in embedder), with the page cache off: first
// 1,000 random feed papers' pages once each (each ranks its similar
// papers), then the same pages again, as after votes or comments have
// emptied the page cache; the search service keeps the similar papers
// (an hour). first- and again-p50-ms and -p99-ms.
func BenchmarkPaperPageSimilar(b *testing.B) {
	st := benchStore(b)
	_, papers := feedPaths(b, st)
	opt := noCache
	opt.Search = apiSearchService(b, st, true)
	h := newHandler(b, st, opt)
	papers = slices.Clone(papers)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(papers), func(i, j int) { papers[i], papers[j] = papers[j], papers[i] })
	papers = papers[:min(1000, len(papers))]
	b.ResetTimer()
	withSimilar := 0
	for i := 0; i < b.N; i++ {
		for _, pass := range []string{"first", "again"} {
			var durations []time.Duration
			serveEach(b, h, papers, func(_ int, d time.Duration, body []byte) {
				durations = append(durations, d)
				if pass == "first" && strings.Contains(string(body), `<section class="similar">`) {
					withSimilar++
				}
			})
			p50, p99 := percentiles(durations)
			b.ReportMetric(p50, pass+"-p50-ms")
			b.ReportMetric(p99, pass+"-p99-ms")
		}
	}
	b.ReportMetric(float64(withSimilar)/float64(b.N), "pages-with-similar")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkFeedPageLoopback serves day pages over loopback HTTP and loads
// them from 16 keep-alive connections for five seconds. The load generator
// runs in the same process, on the same two cores, so this undercounts
// what the server alone can do (see BENCHMARKS.md for wrk's figure).
func BenchmarkFeedPageLoopback(b *testing.B) {
	st := benchStore(b)
	days, _ := feedPaths(b, st)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: newHandler(b, st, web.Options{})}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	const conns = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := getUntil(b, client, base, days, conns, time.Now().Add(5*time.Second))
		b.ReportMetric(float64(n)/5, "req/s")
	}
	b.ReportMetric(0, "ns/op")
	b.Logf("GOMAXPROCS=%d, %d feed days, server %s", runtime.GOMAXPROCS(0), len(days), base)
}

// getUntil sends GETs of random paths to base from conns connections
// until deadline, and returns how many were answered 200; any other
// answer fails the benchmark.
func getUntil(b *testing.B, client *http.Client, base string, paths []string, conns int, deadline time.Time) int64 {
	var done, failed atomic.Int64
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for time.Now().Before(deadline) {
				resp, err := client.Get(base + paths[rng.IntN(len(paths))])
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				done.Add(1)
			}
		}(uint64(c))
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	return done.Load()
}
