package bench

// The JSON API's reads (internal/web/api_read.go) under load over
// loopback HTTP, on the benchmark database (both arXiv files and the
// whole hosted feed: 360,289 papers, 580 feed days; see benchStore):
//
//	go test ./internal/bench -run '^$' -bench 'API.*Loopback' -benchtime 1x -timeout 60m
//
// The site (web.New with the store and a search index built from it) is
// served by a real net/http server on 127.0.0.1 and loaded, as in
// BenchmarkFeedPageLoopback, by apiConns keep-alive connections from a
// load generator in the same process for apiLoadFor: each connection
// sends its next request as soon as the previous answer is read (a
// closed loop). Latency is taken by the client, from sending the request
// to reading the last byte of the answer, so it includes the load
// generator's own share of the two cores.
//
//   - BenchmarkAPIDailyPapersLoopback: GET /api/daily_papers?date=DAY for
//     random days of the feed (every feed day, 580 of them).
//   - BenchmarkAPISearchLoopback: GET /api/papers/search?q=QUERY over 4,
//     8 and 16 connections (searchConns), the
//     2,000 queries of the search benchmarks (searchcorpus_test.go),
//     shuffled once and sent in turn (all connections take the next one
//     from a shared counter, starting again at the end), with the API's
//     default limit of 50 results. lexical: the index without an
//     embedder, so hybrid ranking falls back to words. hybrid: as
//     "dailypapers serve" runs by default, the built-in word vectors
//     (static.Builtin); every paper is embedded first with
//     Service.EmbedMissing, which stores the vectors in the benchmark
//     database (PutVectors does not change the store's version).
//
// Daily papers run with the page cache as the server has it (cached: 64 MiB,
// keyed by URL and store version, a minute at most) and without it
// (uncached: every request is answered from the store and the index).
// The cache starts empty. The benchmark counts the requests the cache
// answered: the site reads the store through a wrapper that marks a
// request when anything but the version is read for it (the day's feed;
// a search result's paper and submissions), and a marked request was
// rendered. A search with no results reads nothing either, so its
// requests count as cache hits; the output gives their number (empty),
// which bounds the error.
//
// DAILYPAPERS_BENCH_API_PATHS=DIR writes the request paths, one a line,
// to DIR/daily_papers.txt and DIR/search.txt, for loading a running
// "dailypapers serve" with the same requests from wrk.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

const (
	apiConns   = 16               // keep-alive connections, as BenchmarkFeedPageLoopback
	apiLoadFor = 10 * time.Second // of load per run, as scripts/bench-loopback.sh's wrk
)

// searchConns are the numbers of connections searches are sent over.
var searchConns = []int{4, 8, 16}

// apiCacheModes are the page cache settings each API benchmark runs with.
var apiCacheModes = []struct {
	name  string
	bytes int // web.Options.PageCacheBytes
}{
	{"cached", 0}, // the server's default, 64 MiB
	{"uncached", -1},
}

// BenchmarkAPIDailyPapersLoopback loads GET /api/daily_papers?date=DAY
// over random feed days.
func BenchmarkAPIDailyPapersLoopback(b *testing.B) {
	st := benchStore(b)
	days, err := st.FeedDays(context.Background(), "0000-01-01", "9999-12-31")
	if err != nil {
		b.Fatal(err)
	}
	if len(days) == 0 {
		b.Fatal("the feed is empty")
	}
	paths := make([]string, len(days))
	for i, d := range days {
		paths[i] = "/api/daily_papers?date=" + d.Day
	}
	writeAPIPaths(b, "daily_papers.txt", paths)
	for _, cm := range apiCacheModes {
		b.Run(cm.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				l := apiLoad(b, st, web.Options{PageCacheBytes: cm.bytes}, apiConns, func(rng *rand.Rand) string {
					return paths[rng.IntN(len(paths))]
				})
				l.report(b, fmt.Sprintf("%d feed days, random", len(paths)))
			}
		})
	}
}

// BenchmarkAPISearchLoopback loads GET /api/papers/search?q=QUERY with
// the search benchmarks' queries, lexical and hybrid.
func BenchmarkAPISearchLoopback(b *testing.B) {
	st := benchStore(b)
	c := loadSearchCorpus(b)
	paths := make([]string, len(c.queries))
	for i, q := range c.queries {
		paths[i] = "/api/papers/search?q=" + url.QueryEscape(q.text)
	}
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	writeAPIPaths(b, "search.txt", paths)
	distinct := map[string]bool{}
	for _, p := range paths {
		distinct[p] = true
	}
	for _, hybrid := range []bool{false, true} {
		name := map[bool]string{false: "lexical", true: "hybrid"}[hybrid]
		b.Run(name, func(b *testing.B) {
			svc := apiSearchService(b, st, hybrid)
			// Searches are all different, so the page cache answers next to
			// none of them; what matters is how latency grows with the
			// number of requests in flight on two cores.
			for _, conns := range searchConns {
				b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						var next atomic.Int64
						l := apiLoad(b, st, web.Options{Search: svc}, conns, func(*rand.Rand) string {
							return paths[int(next.Add(1)-1)%len(paths)]
						})
						l.report(b, fmt.Sprintf("%d queries (%d distinct URLs, set %s), in turn", len(paths), len(distinct), c.queryHash()))
					}
				})
			}
		})
	}
}

// apiSearchService builds the search index of the benchmark database,
// with the built-in embedder when hybrid.
func apiSearchService(b *testing.B, st store.Store, hybrid bool) *search.Service {
	if !hybrid {
		return searchServiceWith(b, st, nil)
	}
	emb, err := static.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	return searchServiceWith(b, st, emb)
}

// searchServiceWith builds the search index of the benchmark database
// with emb (none if nil), embedding the papers without its vector first.
func searchServiceWith(b *testing.B, st store.Store, emb embed.Embedder) *search.Service {
	ctx := context.Background()
	svc := search.NewService(st, slog.New(slog.DiscardHandler))
	if emb != nil {
		svc.UseEmbedder(emb)
		t := time.Now()
		n, err := svc.EmbedMissing(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("embedded %d papers without a vector of %s in %.1f s (Service.EmbedMissing; 0 when an earlier run of this process did it)",
			n, emb.Name(), time.Since(t).Seconds())
	}
	t := time.Now()
	if err := svc.Build(ctx, nil); err != nil {
		b.Fatal(err)
	}
	how := "no embedder"
	if v := svc.Vectors(); v != nil {
		how = fmt.Sprintf("%d vectors, clustered", v.Len())
	}
	b.Logf("search index: %d papers (%s) built in %.1f s; load average %s", svc.Len(), how, time.Since(t).Seconds(), loadAverage())
	return svc
}

// writeAPIPaths writes paths to DAILYPAPERS_BENCH_API_PATHS/name when set.
func writeAPIPaths(b *testing.B, name string, paths []string) {
	dir := os.Getenv("DAILYPAPERS_BENCH_API_PATHS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
}

// apiLoadResult is what one run of apiLoad measured.
type apiLoadResult struct {
	took      time.Duration   // from the first request to the last answer
	latencies []time.Duration // of the requests answered 200
	bytes     int64           // of the bodies
	empty     int64           // answers that were an empty list
	renders   int64           // requests answered from the store, not the page cache
	opt       web.Options
	conns     int // keep-alive connections the load came over
}

// apiLoad serves the site on loopback and loads it from conns
// connections for apiLoadFor, each request's path from next (called with
// the connection's own random source). Any answer but a 200 with a JSON
// array fails the benchmark.
func apiLoad(b *testing.B, st store.Store, opt web.Options, conns int, next func(*rand.Rand) string) apiLoadResult {
	// The load's goroutines, the server's included, carry the label
	// load=<benchmark name> in CPU profiles (go test -cpuprofile, then
	// go tool pprof -tagfocus load=...), apart from the setup's work.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("load", b.Name())))
	defer pprof.SetGoroutineLabels(context.Background())
	var renders atomic.Int64
	site := newHandler(b, renderCounter{st}, opt)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), renderKey{}, &renderMark{count: &renders})))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	runtime.GC() // not the setup's garbage
	out := drive(b, []string{"http://" + ln.Addr().String()}, conns, next, isJSONArray)
	out.opt = opt
	out.renders = renders.Load()
	return out
}

// isJSONArray accepts the API's list answers and counts the empty ones.
func isJSONArray(body []byte) (empty bool, ok bool) {
	return bytes.Equal(bytes.TrimSpace(body), []byte("[]")), len(body) > 0 && body[0] == '['
}

// drive loads the servers at bases (connection c goes to bases[c %
// len(bases)]) from conns keep-alive connections for apiLoadFor, in a
// closed loop: each connection sends its next request, its path from next,
// as soon as it has read the answer. An answer that is not a 200 or that
// check refuses fails the benchmark; check also says which answers were
// empty.
func drive(b *testing.B, bases []string, conns int, next func(*rand.Rand) string, check func(body []byte) (empty, ok bool)) apiLoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ResetTimer()
	type connResult struct {
		latencies    []time.Duration
		bytes, empty int64
		err          error
	}
	results := make([]connResult, conns)
	start := time.Now()
	deadline := start.Add(apiLoadFor)
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[c]
			res.latencies = make([]time.Duration, 0, 1<<16)
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			base := bases[c%len(bases)]
			var body bytes.Buffer
			for time.Now().Before(deadline) {
				path := next(rng)
				req, err := http.NewRequest("GET", base+path, nil)
				if err != nil {
					res.err = err
					return
				}
				// Many clients, for a server that believes 127.0.0.1 as a
				// proxy (startServe): one address would meet its limits.
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					res.err = err
					return
				}
				body.Reset()
				_, err = body.ReadFrom(resp.Body)
				resp.Body.Close()
				d := time.Since(t)
				if err != nil {
					res.err = fmt.Errorf("GET %s: %w", path, err)
					return
				}
				empty, ok := check(body.Bytes())
				if resp.StatusCode != http.StatusOK || !ok {
					res.err = fmt.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body.Bytes())
					return
				}
				res.latencies = append(res.latencies, d)
				res.bytes += int64(body.Len())
				if empty {
					res.empty++
				}
			}
		}()
	}
	wg.Wait()
	out := apiLoadResult{took: time.Since(start), conns: conns}
	b.StopTimer()
	for _, r := range results {
		if r.err != nil {
			b.Fatal(r.err)
		}
		out.latencies = append(out.latencies, r.latencies...)
		out.bytes += r.bytes
		out.empty += r.empty
	}
	return out
}

// report reports requests/s, p50, p99 and the page cache's hits.
func (l apiLoadResult) report(b *testing.B, what string) {
	n := len(l.latencies)
	if n == 0 {
		b.Fatal("no request was answered")
	}
	p50, p99 := percentiles(l.latencies)
	hits := int64(n) - l.renders
	cache := "page cache off"
	if l.opt.PageCacheBytes >= 0 {
		cache = "page cache on (64 MiB)"
	}
	b.ReportMetric(float64(n)/l.took.Seconds(), "req/s")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(n), "requests")
	b.ReportMetric(float64(hits), "cache-hits")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d requests in %.1f s from %d keep-alive connections = %.0f requests/s; p50 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.1f ms; "+
		"%s: %d rendered, %d answered from the cache (%d answers were an empty list: counted as hits); mean answer %.1f KB; GOMAXPROCS=%d, load average %s; "+
		"RSS %.0f MB, of which %.0f MB anonymous and %.0f MB file pages (SQLite's memory map of the database, which the kernel may drop)",
		what, n, l.took.Seconds(), l.conns, float64(n)/l.took.Seconds(), p50, p99, mean(l.latencies), maxMS(l.latencies),
		cache, l.renders, hits, l.empty, float64(l.bytes)/float64(n)/1024, runtime.GOMAXPROCS(0), loadAverage(),
		procStatusMB("VmRSS"), procStatusMB("RssAnon"), procStatusMB("RssFile"))
}

// renderKey is the request context key of the request's renderMark.
type renderKey struct{}

// renderMark counts its request as rendered the first time renderCounter
// reads the store for it; that happens before the answer is sent, so the
// count is complete when the load generator has read every answer.
type renderMark struct {
	done  atomic.Bool
	count *atomic.Int64
}

// renderCounter is the store as the site sees it: reading a day's feed or
// a paper for a request marks the request as rendered (the page cache
// reads only the version).
type renderCounter struct{ store.Store }

func markRendered(ctx context.Context) {
	if m, ok := ctx.Value(renderKey{}).(*renderMark); ok && m.done.CompareAndSwap(false, true) {
		m.count.Add(1)
	}
}

func (s renderCounter) Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error) {
	markRendered(ctx)
	return s.Store.Feed(ctx, q)
}

func (s renderCounter) LatestFeedDay(ctx context.Context) (string, error) {
	markRendered(ctx)
	return s.Store.LatestFeedDay(ctx)
}

func (s renderCounter) Paper(ctx context.Context, id paper.ID) (paper.Paper, error) {
	markRendered(ctx)
	return s.Store.Paper(ctx, id)
}

func (s renderCounter) Submissions(ctx context.Context, id paper.ID) ([]store.FeedItem, error) {
	markRendered(ctx)
	return s.Store.Submissions(ctx, id)
}

func (s renderCounter) PapersOnFeed(ctx context.Context, ids []paper.ID) ([]store.FeedItem, error) {
	markRendered(ctx)
	return s.Store.PapersOnFeed(ctx, ids)
}
