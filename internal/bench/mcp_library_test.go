package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// BenchmarkMCPLibraryCPU is BenchmarkMCPCPU for the reader's tools: the
// CPU the whole process spends on one call of for_you and get_collection
// (and the other library tools) on the benchmark database, beside the
// JSON API's answer to the same question, one call at a time, in process.
// The reader has 480 upvotes of papers on three topics (as
// BenchmarkForYou's), a collection of library.MaxItems papers with notes
// and a Saved list as full, and follows the three topics' first authors;
// the For-you model is trained (in the background, waited for) before
// anything is measured. Each set is asked twice, the API's side first.
//
//	DAILYPAPERS_BENCH_DB=... go test ./internal/bench -run '^$' -bench 'MCPLibraryCPU' -benchtime 1x -timeout 60m
func BenchmarkMCPLibraryCPU(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	h := newHandler(b, st, web.Options{Search: svc, Now: func() time.Time { return forYouClock }, PageCacheBytes: -1,
		Logger: slog.New(slog.DiscardHandler)})

	a, cookie := signedInReader(b, st, "mcpreader")
	const token = "dp_bench_mcp_reader"
	if _, err := st.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: "agent", Prefix: token[:9], TokenHash: auth.HashToken(token), CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	var liked []paper.ID
	for _, q := range []string{"reinforcement learning from human feedback", "gaussian splatting", "speech recognition"} {
		ids := topicPapers(b, svc, q, 170)
		liked = append(liked, ids...)
		p, err := st.Paper(ctx, ids[0])
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Follow(ctx, store.Follow{UserID: a.ID, Kind: store.FollowAuthor, Target: library.AuthorKey(p.Authors[0].Name), Label: p.Authors[0].Name, CreatedAt: time.Now()}, 0); err != nil {
			b.Fatal(err)
		}
	}
	for _, id := range liked[:480] {
		if _, err := st.Vote(ctx, a.ID, id, true); err != nil {
			b.Fatal(err)
		}
	}
	// A full collection and Saved list: papers of random feed days.
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 20000})
	if err != nil || len(items) < library.MaxItems {
		b.Fatalf("feed: %d papers, %v", len(items), err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	c, err := st.CreateCollection(ctx, store.Collection{Owner: a.User, Title: "Everything I read", Theme: library.DefaultTheme, CreatedAt: time.Now()}, 0)
	if err != nil {
		b.Fatal(err)
	}
	for i, it := range items[:library.MaxItems] {
		note, html, err := library.Note(fmt.Sprintf("Read on day %d: **%s** is worth a second look.", i, it.Paper.ID))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddCollectionItem(ctx, store.CollectionItem{CollectionID: c.ID, Paper: it.Paper, Note: note, NoteHTML: html, AddedAt: time.Now()}, 0); err != nil {
			b.Fatal(err)
		}
		if err := st.SavePaper(ctx, a.ID, it.Paper.ID, time.Now(), 0); err != nil {
			b.Fatal(err)
		}
	}
	slug := "mcpreader/" + library.Path(c.Title, c.ID)

	// The model is trained in the background after the first request:
	// wait for it, as BenchmarkForYou's first page does.
	deadline := time.Now().Add(10 * time.Minute)
	for {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/recommendations?days=30&limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), `"personal":true`) {
			break
		}
		if rec.Code != http.StatusOK && rec.Code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			b.Fatalf("waiting for the model: %d %.300s", rec.Code, rec.Body.String())
		}
		time.Sleep(time.Second)
	}

	var forYou, collection, saved []mcpCall
	for _, days := range []int{1, 3, 7, 30} {
		for _, off := range []int{0, 20, 80} {
			forYou = append(forYou, mcpCall{"for_you", map[string]any{"days": days, "limit": 20, "offset": off},
				fmt.Sprintf("/api/recommendations?days=%d&limit=20", days)})
		}
		forYou = append(forYou, mcpCall{"for_you", map[string]any{"days": days, "limit": 100},
			fmt.Sprintf("/api/recommendations?days=%d&limit=100", days)})
	}
	for off := 0; off < library.MaxItems; off += 100 {
		collection = append(collection, mcpCall{"get_collection", map[string]any{"collection": slug, "limit": 100, "offset": off},
			"/api/collections/" + slug})
		saved = append(saved, mcpCall{"saved_papers", map[string]any{"limit": 100, "offset": off}, "/saved"})
	}
	last := string(items[library.MaxItems-1].Paper.ID)
	sets := []struct {
		name  string
		calls []mcpCall
	}{
		{"for_you, days 1/3/7/30, limit 20 at offsets 0/20/80 and limit 100 (api: /api/recommendations, limit 20 and 100)", forYou},
		{fmt.Sprintf("get_collection of %d papers with notes, 100 a page (api: the whole collection)", library.MaxItems), collection},
		{fmt.Sprintf("saved_papers of %d, 100 a page (api: the /saved page, 50)", library.MaxItems), saved},
		{"following_papers of 3 authors, limit 100 (api: the /following page, 30)", []mcpCall{{"following_papers", map[string]any{"limit": 100}, "/following"}}},
		{fmt.Sprintf("remove_from_collection of the last of %d papers, then add_to_collection (api: the collection)", library.MaxItems), []mcpCall{
			{"remove_from_collection", map[string]any{"collection": slug, "id": last}, "/api/collections/" + slug},
			{"add_to_collection", map[string]any{"collection": slug, "id": last, "note": "Back again."}, "/api/collections/" + slug}}},
	}
	ask := func(side string, call mcpCall) (time.Duration, int) {
		req := httptest.NewRequest("GET", call.api, nil)
		if side == "mcp" {
			body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
				"params": map[string]any{"name": call.tool, "arguments": call.args}})
			req = httptest.NewRequest("POST", "/mcp", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		req.Header.Set("Authorization", "Bearer "+token)
		// The pages read the session; the API and /mcp the token.
		if !strings.HasPrefix(call.api, "/api/") && side == "api" {
			req.Header.Del("Authorization")
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		p0 := processCPU()
		h.ServeHTTP(rec, req)
		cpu := processCPU() - p0
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"isError":true`) {
			b.Fatalf("%s %s %v: %d %.300s", side, call.api, call.args, rec.Code, rec.Body.String())
		}
		return cpu, rec.Body.Len()
	}
	b.ResetTimer()
	for range b.N {
		// Twice: the first pass pays for what the site loads once per
		// process (a For-you window's papers and features), the second
		// is what every call after costs.
		for pass, set := range append(slices.Clone(sets), sets...) {
			when := "first pass"
			if pass >= len(sets) {
				when = "again"
			}
			var line []string
			for _, side := range []string{"api", "mcp"} {
				runtime.GC()
				cpu := make([]time.Duration, 0, len(set.calls))
				size, worst := 0, 0
				for j, call := range set.calls {
					d, n := ask(side, call)
					cpu = append(cpu, d)
					size += n
					if d > cpu[worst] {
						worst = j
					}
				}
				p50, p99 := percentiles(cpu)
				line = append(line, fmt.Sprintf("%s: mean %.2f ms, p50 %.2f, p99 %.2f, max %.2f (%s %v), %.1f KB",
					side, mean(cpu), p50, p99, maxMS(cpu), set.calls[worst].tool, set.calls[worst].args, float64(size)/float64(len(cpu))/1024))
			}
			b.Logf("%s, %s, %d calls, CPU a call: %s; load average %s", set.name, when, len(set.calls), strings.Join(line, "; "), loadAverage())
		}
	}
}
