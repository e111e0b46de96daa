package bench

// The MCP server's search_papers and daily_papers over Streamable HTTP
// (POST /mcp), against the JSON API's answers to the same questions, in
// the same run, on the benchmark database (see benchStore):
//
//	go test ./internal/bench -run '^$' -bench 'MCPLoopback' -benchtime 1x -timeout 60m
//
// The site is served on 127.0.0.1 as in apiLoad and loaded for apiLoadFor
// by mcpClients clients in the same process, each in a closed loop:
//
//   - mcp: the SDK's own client (mcp.NewClient over a
//     StreamableClientTransport, the 2026-07-28 protocol it negotiates),
//     one session per client, calling the tool and decoding its result as
//     an agent's client does; a result with isError fails the benchmark.
//   - mcp-raw: the same tool calls as plain JSON-RPC POSTs of the
//     2025-11-25 protocol (stateless: no initialize, no session), the
//     answer read but not decoded, as the API's load generator reads its
//     answers: the server's side alone, for the comparison with the API.
//   - api: GET /api/daily_papers?date=DAY&limit=50 and
//     GET /api/papers/search?q=QUERY&limit=50 over as many keep-alive
//     connections, with the page cache off (uncached: the work the MCP
//     tools do, which have no cache) and, for daily papers, on (cached,
//     as the site runs).
//
// daily_papers asks for random feed days (limit 50, as the API's
// default); search_papers for the search benchmarks' 2,000 queries
// (searchcorpus_test.go) in turn, limit 50, hybrid mode over the index
// without an embedder (words only, as BenchmarkAPISearchLoopback's
// lexical runs), so that both sides rank alike.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// mcpClients is the number of agents calling at once.
const mcpClients = 8

// mcpCall is one tool call and the JSON API request that asks the same.
type mcpCall struct {
	tool string
	args map[string]any
	api  string // the API's path
}

func BenchmarkMCPLoopback(b *testing.B) {
	st := benchStore(b)
	days, err := st.FeedDays(context.Background(), "0000-01-01", "9999-12-31")
	if err != nil || len(days) == 0 {
		b.Fatalf("feed days: %d, %v", len(days), err)
	}
	daily := make([]mcpCall, len(days))
	for i, d := range days {
		daily[i] = mcpCall{"daily_papers", map[string]any{"date": d.Day, "limit": 50}, "/api/daily_papers?limit=50&date=" + d.Day}
	}
	b.Run("daily_papers", func(b *testing.B) {
		pick := func(rng *rand.Rand) mcpCall { return daily[rng.IntN(len(daily))] }
		what := fmt.Sprintf("%d feed days, random", len(daily))
		runMCPLoads(b, st, web.Options{PageCacheBytes: -1}, pick, what)
		b.Run("api-cached", func(b *testing.B) {
			for range b.N {
				l := apiLoad(b, st, web.Options{}, mcpClients, func(rng *rand.Rand) string { return pick(rng).api })
				l.report(b, what)
			}
		})
	})
	b.Run("search_papers", func(b *testing.B) {
		c := loadSearchCorpus(b)
		calls := make([]mcpCall, len(c.queries))
		for i, q := range c.queries {
			calls[i] = mcpCall{"search_papers", map[string]any{"query": q.text, "limit": 50}, "/api/papers/search?limit=50&q=" + url.QueryEscape(q.text)}
		}
		rand.New(rand.NewPCG(5, 6)).Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })
		var next atomic.Int64
		pick := func(*rand.Rand) mcpCall { return calls[int(next.Add(1)-1)%len(calls)] }
		svc := apiSearchService(b, st, false)
		runMCPLoads(b, st, web.Options{Search: svc, PageCacheBytes: -1}, pick, fmt.Sprintf("%d queries (set %s), in turn", len(calls), c.queryHash()))
	})
}

// runMCPLoads runs the mcp, mcp-raw and uncached api loads of one tool.
func runMCPLoads(b *testing.B, st store.Store, opt web.Options, pick func(*rand.Rand) mcpCall, what string) {
	b.Run("mcp", func(b *testing.B) {
		for range b.N {
			l := mcpLoad(b, st, opt, func(base string) mcpDriver { return sdkDriver(b, base) }, pick)
			l.report(b, what+", SDK client")
		}
	})
	b.Run("mcp-raw", func(b *testing.B) {
		for range b.N {
			l := mcpLoad(b, st, opt, rawDriver, pick)
			l.report(b, what+", raw JSON-RPC")
		}
	})
	b.Run("api-uncached", func(b *testing.B) {
		for range b.N {
			l := apiLoad(b, st, opt, mcpClients, func(rng *rand.Rand) string { return pick(rng).api })
			l.report(b, what)
		}
	})
}

// mcpDriver makes one call and says how many bytes its answer had.
type mcpDriver func(ctx context.Context, c mcpCall) (int, error)

// sdkDriver is one agent: an SDK client session with /mcp.
func sdkDriver(b *testing.B, base string) mcpDriver {
	client := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: base + "/mcp"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return func(ctx context.Context, c mcpCall) (int, error) {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: c.tool, Arguments: c.args})
		if err != nil {
			return 0, err
		}
		if res.IsError {
			return 0, fmt.Errorf("%s(%v): %v", c.tool, c.args, res.Content)
		}
		n := 0
		for _, part := range res.Content {
			if t, ok := part.(*sdk.TextContent); ok {
				n += len(t.Text)
			}
		}
		return n, nil
	}
}

// rawDriver posts tools/call requests of the 2025-11-25 protocol, which
// the stateless server answers without an initialize.
func rawDriver(base string) mcpDriver {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
	var body bytes.Buffer
	id := 0
	return func(ctx context.Context, c mcpCall) (int, error) {
		id++
		req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
			"params": map[string]any{"name": c.tool, "arguments": c.args}})
		r, err := http.NewRequestWithContext(ctx, "POST", base+"/mcp", bytes.NewReader(req))
		if err != nil {
			return 0, err
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		r.Header.Set("MCP-Protocol-Version", "2025-11-25")
		resp, err := client.Do(r)
		if err != nil {
			return 0, err
		}
		body.Reset()
		_, err = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK || bytes.Contains(body.Bytes(), []byte(`"isError":true`)) {
			return 0, fmt.Errorf("%s(%v): %d %.300s", c.tool, c.args, resp.StatusCode, body.Bytes())
		}
		return body.Len(), nil
	}
}

// mcpLoad serves the site on loopback and loads /mcp from mcpClients
// clients, each made by newDriver, for apiLoadFor.
func mcpLoad(b *testing.B, st store.Store, opt web.Options, newDriver func(base string) mcpDriver, pick func(*rand.Rand) mcpCall) apiLoadResult {
	h := newHandler(b, st, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	drivers := make([]mcpDriver, mcpClients)
	for i := range drivers {
		drivers[i] = newDriver(base)
	}
	runtime.GC()
	b.ResetTimer()
	type clientResult struct {
		latencies []time.Duration
		bytes     int64
		err       error
	}
	results := make([]clientResult, mcpClients)
	start := time.Now()
	deadline := start.Add(apiLoadFor)
	var wg sync.WaitGroup
	for c := range mcpClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[c]
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for time.Now().Before(deadline) {
				call := pick(rng)
				t := time.Now()
				n, err := drivers[c](context.Background(), call)
				if err != nil {
					res.err = err
					return
				}
				res.latencies = append(res.latencies, time.Since(t))
				res.bytes += int64(n)
			}
		}()
	}
	wg.Wait()
	out := apiLoadResult{took: time.Since(start), conns: mcpClients, opt: opt}
	b.StopTimer()
	for _, r := range results {
		if r.err != nil {
			b.Fatal(r.err)
		}
		out.latencies = append(out.latencies, r.latencies...)
		out.bytes += r.bytes
	}
	out.renders = int64(len(out.latencies)) // no page cache: every call is answered from the store
	return out
}

// BenchmarkMCPCPU asks the same questions of /mcp and of the JSON API one
// at a time, in process, and takes the CPU each costs the whole process
// (the SDK answers a call in a goroutine of its own, so the calling
// thread's time would miss it): a measure the machine's other load does
// not change, unlike requests per second. Every feed day, the month with
// the most papers in each order at the largest limit, and the first 500
// of the search benchmarks' queries; page cache off, words only.
//
//	go test ./internal/bench -run '^$' -bench 'MCPCPU' -benchtime 1x -timeout 60m
func BenchmarkMCPCPU(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	days, err := st.FeedDays(ctx, "0000-01-01", "9999-12-31")
	if err != nil || len(days) == 0 {
		b.Fatalf("feed days: %d, %v", len(days), err)
	}
	var daily, worst []mcpCall
	months := map[string]int{}
	for _, d := range days {
		daily = append(daily, mcpCall{"daily_papers", map[string]any{"date": d.Day, "limit": 50}, "/api/daily_papers?limit=50&date=" + d.Day})
		months[d.Day[:7]] += d.Papers
	}
	busiest := ""
	for m, n := range months {
		if n > months[busiest] {
			busiest = m
		}
	}
	for _, sort := range []struct{ mcp, api string }{{"upvotes", ""}, {"trending", "trending"}, {"newest", "publishedAt"}} {
		worst = append(worst, mcpCall{"daily_papers", map[string]any{"month": busiest, "sort": sort.mcp, "limit": 100},
			"/api/daily_papers?limit=100&month=" + busiest + "&sort=" + sort.api})
	}
	c := loadSearchCorpus(b)
	var searches []mcpCall
	for _, q := range c.queries[:min(500, len(c.queries))] {
		searches = append(searches, mcpCall{"search_papers", map[string]any{"query": q.text, "limit": 50}, "/api/papers/search?limit=50&q=" + url.QueryEscape(q.text)})
	}
	// Papers of random feed days, for the tools of one paper, each beside
	// the page or API answer that shows the same.
	var papers, similar, markdown []mcpCall
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		d := days[rng.IntN(len(days))].Day
		items, err := st.Feed(ctx, store.FeedQuery{From: d, To: d, Limit: 1})
		if err != nil || len(items) == 0 {
			b.Fatalf("feed of %s: %v", d, err)
		}
		id := string(items[0].Paper.ID)
		papers = append(papers, mcpCall{"get_paper", map[string]any{"id": id}, "/api/papers/" + id})
		markdown = append(markdown, mcpCall{"read_paper", map[string]any{"id": id}, "/papers/" + id + ".md"})
		similar = append(similar, mcpCall{"similar_papers", map[string]any{"id": id, "limit": 20}, "/papers/" + id})
	}
	trending := []mcpCall{{"trending_papers", map[string]any{"limit": 50}, "/papers/trending"}}
	svc := apiSearchService(b, st, false)
	h := newHandler(b, st, web.Options{Search: svc, PageCacheBytes: -1, Logger: slog.New(slog.DiscardHandler)})
	for _, set := range []struct {
		name  string
		calls []mcpCall
	}{{"daily_papers", daily}, {fmt.Sprintf("daily_papers month %s (%d papers)", busiest, months[busiest]), worst}, {"search_papers", searches},
		{"get_paper (api: /api/papers/ID)", papers}, {"read_paper (api: /papers/ID.md)", markdown},
		{"similar_papers limit 20 (api: the paper page, 6 similar)", similar}, {"trending_papers (api: the trending page)", trending}} {
		var line []string
		for _, side := range []string{"api", "mcp"} {
			ask := func(call mcpCall) (time.Duration, int) {
				req := httptest.NewRequest("GET", call.api, nil)
				if side == "mcp" {
					body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
						"params": map[string]any{"name": call.tool, "arguments": call.args}})
					req = httptest.NewRequest("POST", "/mcp", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "application/json, text/event-stream")
					req.Header.Set("MCP-Protocol-Version", "2025-11-25")
				}
				rec := httptest.NewRecorder()
				p0 := processCPU()
				h.ServeHTTP(rec, req)
				cpu := processCPU() - p0
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"isError":true`) {
					b.Fatalf("%s %s: %d %.300s", side, call.api, rec.Code, rec.Body.String())
				}
				return cpu, rec.Body.Len()
			}
			for i := 0; i < b.N; i++ {
				runtime.GC()
				cpu := make([]time.Duration, 0, len(set.calls))
				size, worst := 0, 0
				for j, call := range set.calls {
					d, n := ask(call)
					cpu = append(cpu, d)
					size += n
					if d > cpu[worst] {
						worst = j
					}
				}
				// The costliest call again, after a collection: the
				// process's CPU counts the garbage collector's work, which
				// the calls before may have made due.
				runtime.GC()
				again, _ := ask(set.calls[worst])
				p50, p99 := percentiles(cpu)
				line = append(line, fmt.Sprintf("%s: mean %.2f ms, p50 %.2f, p99 %.2f, max %.2f (%s; %.2f ms again after a GC), %.1f KB",
					side, mean(cpu), p50, p99, maxMS(cpu), set.calls[worst].api, msf(again), float64(size)/float64(len(cpu))/1024))
			}
		}
		b.Logf("%s, %d calls, CPU a call: %s; load average %s", set.name, len(set.calls), strings.Join(line, "; "), loadAverage())
	}
}
