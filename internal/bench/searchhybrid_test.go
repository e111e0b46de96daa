package bench

// The semantic side of our search (internal/search: Vectors, SearchMode)
// on the corpus and the fixed query set of the search benchmarks (see
// search_test.go, whose figures and conventions this benchmark shares):
//
//	go test ./internal/bench -run '^$' -bench 'SearchHybrid$' -benchtime 1x -timeout 120m
//	DAILYPAPERS_BENCH_PAPERS=3000000 go test ./internal/bench -run '^$' -bench 'SearchHybrid$' -benchtime 1x -timeout 120m
//
// DAILYPAPERS_BENCH_PAPERS amplifies the corpus with synthetic copies and
// DAILYPAPERS_BENCH_WARMUP shortens the warm-up passes, as in the other
// search benchmarks; the output says so when they apply. A copy has the
// same words as its real paper (two title words swapped, the abstract's
// sentences rotated), so its vector is (nearly) the real one's: at three
// million, every paper has near-twins, and nearest-neighbour lists are
// full of near-ties (the recall below is also given with ties counted).
//
// What is measured, in one process:
//   - the lexical index, built and reported exactly as BenchmarkSearchOurs
//     does (build, papers/s, heap-MB).
//   - embedding: every paper's search.EmbedText embedded with the built-in
//     embedder (static.Builtin, Embed in batches of 1,000 from GOMAXPROCS
//     goroutines), Put into search.Vectors in corpus order (so the rows,
//     and the clustering, are the same from run to run): embed-papers/s
//     and embed-s, from the first paper generated to the last vector put.
//     Then Cluster(false), the inverted-file index (cluster-s).
//   - vec-heap-MB: the Go heap the vectors and their clusters add
//     (HeapInuse after GC, after minus before, the embedder's own model
//     loaded before and given on its own in the log); peak-RSS-MB and
//     peak-heap-MB cover the whole benchmark, lexical index included.
//   - latency: every query once, one at a time after a warm-up pass, as in
//     BenchmarkSearchOurs, in three modes of SearchMode, top 10, no text
//     source (like SearchOurs): lexical (weight 0, the same ranking as
//     SearchOurs, for reference in the same process), hybrid
//     (search.Hybrid.Weight()) and semantic (weight 1). Parsing, embedding
//     the query's Meaning (not cached, unlike the service) and reading the
//     ten ids are inside the timing. lexical-, hybrid- and semantic-p50-ms
//     and -p99-ms (and thread CPU time, -cpu-p50-ms, -cpu-p99-ms); per
//     query mode in the log, with the top-10 overlap between the modes.
//   - ANN quality: every query's Meaning embedded, Nearest(q, 10, nil,
//     false) (the clusters) against Nearest(q, 10, nil, true) (a scan of
//     every vector): ann-recall@10, the mean over the queries of the share
//     of the exact top 10 the approximate one finds, and both searches'
//     latency (ann-p50-ms, ann-p99-ms, exact-p50-ms, exact-p99-ms). The log
//     adds recall@100 (SearchMode takes 100 nearest vectors), and for the
//     cat: queries the same with the category filter (as SearchMode passes
//     it) applied by Nearest. This pass has no warm-up of its own; the
//     query passes before it have touched the vectors.

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// BenchmarkSearchHybrid builds our lexical index and the vectors of every
// paper, then times the queries in lexical, hybrid and semantic modes and
// measures the approximate nearest-neighbour search against the exact.
func BenchmarkSearchHybrid(b *testing.B) {
	c := loadSearchCorpus(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		m := beginSearchBench(b, c, "ours+vectors", c.n)
		if c.synthetic(m.n) > 0 {
			m.note("NOTE the SYNTHETIC copies have the same words as their real papers, so their vectors are (nearly) the real ones': every paper has near-twins among the vectors")
		}
		ix := buildOurs(c, m)
		rssLex := procStatusMB("VmRSS")

		heapLex := heapInuseAfterGC()
		emb, err := static.Builtin()
		if err != nil {
			b.Fatal(err)
		}
		heapModel := heapInuseAfterGC()
		m.logf("embedder %s, %d dimensions, %d tokens: %.0f MB of Go heap (0 if an earlier benchmark of this process loaded it)",
			emb.Name(), emb.Dim(), emb.Vocab().Len(), mbDelta(heapModel, heapLex))

		vecs := search.NewVectors(emb.Name(), emb.Dim())
		e := embedCorpus(ctx, c, m.n, emb, vecs)
		if e.err != nil {
			b.Fatal(e.err)
		}
		if got := vecs.Len(); got != m.n {
			b.Fatalf("vectors hold %d papers, want %d", got, m.n)
		}
		rate := float64(m.n) / e.took.Seconds()
		m.logf("embedded %d papers in %.1f s = %.0f papers/s (%d goroutines calling Embed with %d texts each, their vectors Put in corpus order by one goroutine; "+
			"summed over the goroutines: generating the papers and their texts %.1f s, Embed %.1f s; Put %.1f s); process CPU %.1f s = %.0f papers per CPU second; %d papers have no word the embedder knows (a zero vector); load average %s",
			m.n, e.took.Seconds(), rate, e.workers, embedBatch, e.gen.Seconds(), e.embed.Seconds(), e.put.Seconds(),
			e.cpu.Seconds(), float64(m.n)/e.cpu.Seconds(), e.zero, loadAverage())
		b.ReportMetric(rate, "embed-papers/s")
		b.ReportMetric(e.took.Seconds(), "embed-s")

		t := time.Now()
		clustered := vecs.Cluster(false)
		clusterTook := time.Since(t)
		if clustered {
			m.logf("Cluster(false): inverted-file index built in %.1f s", clusterTook.Seconds())
		} else {
			m.logf("Cluster(false) did not cluster (%d vectors, below its threshold): Nearest scans every vector", vecs.Len())
		}
		b.ReportMetric(clusterTook.Seconds(), "cluster-s")

		heapVec := heapInuseAfterGC()
		vecMB := mbDelta(heapVec, heapModel)
		rssVec := procStatusMB("VmRSS")
		m.logf("vectors in memory: %.0f MB of Go heap (%.0f bytes a paper; the int8 components and scale alone are %d bytes) with their clusters; HeapInuse after GC %.0f MB with the lexical index, %.0f MB with the model, %.0f MB with the vectors; RSS %.0f MB after the lexical build, %.0f MB now",
			vecMB, vecMB*(1<<20)/float64(m.n), emb.Dim()+4, float64(heapLex)/(1<<20), float64(heapModel)/(1<<20), float64(heapVec)/(1<<20), rssLex, rssVec)
		b.ReportMetric(vecMB, "vec-heap-MB")

		// The three ranking modes, each timed like SearchOurs's queries.
		noMeaning := 0
		for j := range c.queries {
			if v, _ := meaningVector(ctx, emb, c.queries[j].text); v == nil {
				noMeaning++
			}
		}
		m.logf("%d of the %d queries have no meaning the embedder knows (no word of its vocabulary): SearchMode ranks them lexically in every mode; phrase queries take their candidates from the lexical side only (SearchMode)",
			noMeaning, len(c.queries))
		var lat []string
		for _, mode := range []search.Mode{search.Lexical, search.Hybrid, search.Semantic} {
			v := m.variant("ours-"+string(mode), string(mode)+"-")
			weight := mode.Weight()
			v.queries(func(q *benchQuery) ([]paper.ID, error) {
				parsed, err := search.ParseQuery(q.text)
				if err != nil {
					return nil, err
				}
				sem := search.SemanticQuery{Vectors: vecs, Weight: weight}
				if weight > 0 && parsed.Meaning != "" {
					out, err := emb.Embed(ctx, []string{parsed.Meaning})
					if err != nil {
						return nil, err
					}
					sem.Vec = out[0]
				}
				res, err := ix.SearchMode(ctx, parsed, sem, 10, 0, nil)
				if err != nil {
					return nil, err
				}
				return res.IDs(), nil
			}, func(q *benchQuery) string {
				if weight == 0 {
					return "SearchMode, weight 0 (lexical)"
				}
				parsed, _ := search.ParseQuery(q.text)
				return fmt.Sprintf("embed %q, SearchMode weight %g", parsed.Meaning, weight)
			})
			lat = append(lat, fmt.Sprintf("%s %.3f/%.3f", mode, v.p50, v.p99))
		}

		a := measureANN(ctx, m, emb, vecs)
		m.finishWith(fmt.Sprintf("lexical build %.0f papers/s, embedding %.0f papers/s, clustering %.1f s, vectors %.0f MB of Go heap; top 10 p50/p99 ms %s; ANN recall@10 %.3f (ANN p50 %.3f ms, exact scan p50 %.3f ms)",
			m.rate, rate, clusterTook.Seconds(), vecMB, strings.Join(lat, ", "), a.recall10, a.annP50, a.exactP50))
		runtime.KeepAlive(ix)
		runtime.KeepAlive(vecs)
	}
}

// embedBatch is how many texts one call of Embed gets.
const embedBatch = 1000

// embedding is what embedCorpus measured.
type embedding struct {
	took, gen, embed, put, cpu time.Duration
	workers, zero              int
	err                        error
}

// embedCorpus embeds papers 0..n-1 of the corpus from GOMAXPROCS
// goroutines, a batch of embedBatch papers at a time, and puts their
// vectors into vecs in corpus order from the calling goroutine.
func embedCorpus(ctx context.Context, c *searchCorpus, n int, emb *static.Model, vecs *search.Vectors) embedding {
	type result struct {
		ids      []paper.ID
		vecs     [][]float32
		gen, emb time.Duration
		err      error
	}
	type job struct {
		lo  int
		out chan<- result
	}
	e := embedding{workers: max(1, runtime.GOMAXPROCS(0))}
	cpu0 := processCPU()
	start := time.Now()
	jobs := make(chan job)
	order := make(chan chan result, 2*e.workers) // bounds the batches in flight
	go func() {
		defer close(order)
		defer close(jobs)
		for lo := 0; lo < n; lo += embedBatch {
			out := make(chan result, 1)
			order <- out
			jobs <- job{lo, out}
		}
	}()
	for range e.workers {
		go func() {
			for j := range jobs {
				t := time.Now()
				hi := min(j.lo+embedBatch, n)
				r := result{ids: make([]paper.ID, 0, hi-j.lo)}
				texts := make([]string, 0, hi-j.lo)
				for k := j.lo; k < hi; k++ {
					p := c.paperAt(k)
					d := search.DocFromPaper(&p)
					r.ids = append(r.ids, p.ID)
					texts = append(texts, search.EmbedText(d))
				}
				t2 := time.Now()
				r.gen = t2.Sub(t)
				r.vecs, r.err = emb.Embed(ctx, texts)
				r.emb = time.Since(t2)
				j.out <- r
			}
		}()
	}
	for out := range order {
		r := <-out
		if r.err != nil && e.err == nil {
			e.err = r.err
		}
		e.gen += r.gen
		e.embed += r.emb
		t := time.Now()
		for k, v := range r.vecs {
			if isZeroVec(v) {
				e.zero++
			}
			if !vecs.Put(r.ids[k], v) && e.err == nil {
				e.err = fmt.Errorf("Put %s: a vector of %d components, want %d", r.ids[k], len(v), vecs.Dim())
			}
		}
		e.put += time.Since(t)
	}
	e.took = time.Since(start)
	e.cpu = processCPU() - cpu0
	return e
}

// annQuality is what measureANN reports in the summary.
type annQuality struct {
	recall10         float64
	annP50, exactP50 float64
}

// measureANN compares the clustered Nearest with the exact scan on every
// query's meaning: recall of the exact top 10 and top 100, and latency.
func measureANN(ctx context.Context, m *searchBench, emb *static.Model, vecs *search.Vectors) annQuality {
	var (
		annLat, exactLat, ann100Lat, exact100Lat []time.Duration
		annCPU, exactCPU                         []time.Duration
		recall10, recall10ties, recall100        = map[string]float64{}, map[string]float64{}, map[string]float64{}
		counted                                  = map[string]int{}
		skipped                                  int
		catRecall10, catRecall100                float64
		catShort10, catShort100, catCounted      int
		catFound100                              []int
		catANNLat, catExactLat                   []time.Duration
	)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	for i := range m.c.queries {
		q := &m.c.queries[i]
		vec, parsed := meaningVector(ctx, emb, q.text)
		if vec == nil {
			skipped++
			continue
		}
		c0, t := threadCPU(), time.Now()
		ann := vecs.Nearest(vec, 10, nil, false)
		annLat, annCPU = append(annLat, time.Since(t)), append(annCPU, threadCPU()-c0)
		c0, t = threadCPU(), time.Now()
		exact := vecs.Nearest(vec, 10, nil, true)
		exactLat, exactCPU = append(exactLat, time.Since(t)), append(exactCPU, threadCPU()-c0)
		t = time.Now()
		ann100 := vecs.Nearest(vec, 100, nil, false)
		ann100Lat = append(ann100Lat, time.Since(t))
		t = time.Now()
		exact100 := vecs.Nearest(vec, 100, nil, true)
		exact100Lat = append(exact100Lat, time.Since(t))

		strict, ties := recallOf(ann, exact)
		r100, _ := recallOf(ann100, exact100)
		for _, mode := range []string{q.mode, "all"} {
			recall10[mode] += strict
			recall10ties[mode] += ties
			recall100[mode] += r100
			counted[mode]++
		}

		// The cat: queries again with their filter, as SearchMode asks.
		if len(parsed.Cats) > 0 {
			accept := m.c.categoryFilter(parsed.Cats)
			t = time.Now()
			ann := vecs.Nearest(vec, 100, accept, false)
			catANNLat = append(catANNLat, time.Since(t))
			t = time.Now()
			exact := vecs.Nearest(vec, 100, accept, true)
			catExactLat = append(catExactLat, time.Since(t))
			r10, _ := recallOf(ann[:min(10, len(ann))], exact[:min(10, len(exact))])
			r100, _ := recallOf(ann, exact)
			catRecall10 += r10
			catRecall100 += r100
			catCounted++
			if len(ann) < min(10, len(exact)) {
				catShort10++
			}
			if len(ann) < len(exact) {
				catShort100++
			}
			catFound100 = append(catFound100, len(ann))
		}
	}
	took := time.Since(start)
	n := counted["all"]
	if n == 0 {
		m.b.Fatalf("no query has a meaning the embedder knows")
	}
	a := annQuality{recall10: recall10["all"] / float64(n)}
	a.annP50, _ = percentiles(annLat)
	a.exactP50, _ = percentiles(exactLat)
	_, annP99 := percentiles(annLat)
	_, exactP99 := percentiles(exactLat)
	ac50, ac99 := percentiles(annCPU)
	ec50, ec99 := percentiles(exactCPU)
	a100p50, a100p99 := percentiles(ann100Lat)
	e100p50, e100p99 := percentiles(exact100Lat)
	m.logf("ANN against exact: %d queries' meanings (%d without a known word left out), %d vectors, %.1f s in all, no warm-up of its own; load average %s",
		n, skipped, vecs.Len(), took.Seconds(), loadAverage())
	m.logf("  top 10:  recall@10 %.4f (ties at the 10th similarity counted as found: %.4f); Nearest p50 %.3f ms, p99 %.3f ms (CPU p50 %.3f, p99 %.3f); exact scan p50 %.3f ms, p99 %.3f ms (CPU p50 %.3f, p99 %.3f)",
		a.recall10, recall10ties["all"]/float64(n), a.annP50, annP99, ac50, ac99, a.exactP50, exactP99, ec50, ec99)
	m.logf("  top 100: recall@100 %.4f; Nearest p50 %.3f ms, p99 %.3f ms; exact scan p50 %.3f ms, p99 %.3f ms",
		recall100["all"]/float64(n), a100p50, a100p99, e100p50, e100p99)
	for _, mode := range queryModes {
		if k := counted[mode.name]; k > 0 {
			m.logf("  %-8s %4d queries: recall@10 %.4f (with ties %.4f), recall@100 %.4f",
				mode.name, k, recall10[mode.name]/float64(k), recall10ties[mode.name]/float64(k), recall100[mode.name]/float64(k))
		}
	}
	if catCounted > 0 {
		slices.Sort(catFound100)
		cp50, cp99 := percentiles(catANNLat)
		ep50, ep99 := percentiles(catExactLat)
		m.logf("  with the cat: filter (%d queries, Nearest(q, 100, filter)): recall@10 %.4f, recall@100 %.4f; the clusters return fewer than the exact scan for %d queries (fewer than 10 for %d); results returned: min %d, median %d; Nearest p50 %.3f ms, p99 %.3f ms; exact p50 %.3f ms, p99 %.3f ms",
			catCounted, catRecall10/float64(catCounted), catRecall100/float64(catCounted), catShort100, catShort10,
			catFound100[0], catFound100[len(catFound100)/2], cp50, cp99, ep50, ep99)
	}
	m.b.ReportMetric(a.recall10, "ann-recall@10")
	m.b.ReportMetric(a.annP50, "ann-p50-ms")
	m.b.ReportMetric(annP99, "ann-p99-ms")
	m.b.ReportMetric(a.exactP50, "exact-p50-ms")
	m.b.ReportMetric(exactP99, "exact-p99-ms")
	return a
}

// recallOf is the share of exact's ids that got finds, and the same with a
// hit whose similarity equals the last exact one's also counted (another
// paper as near as the exact list's last).
func recallOf(got, exact []search.VecHit) (strict, ties float64) {
	if len(exact) == 0 {
		return 1, 1
	}
	last := exact[len(exact)-1].Sim
	found, tied := 0, 0
	for _, h := range got {
		switch {
		case slices.ContainsFunc(exact, func(x search.VecHit) bool { return x.ID == h.ID }):
			found++
		case h.Sim >= last:
			tied++
		}
	}
	return float64(found) / float64(len(exact)), float64(min(len(exact), found+tied)) / float64(len(exact))
}

// meaningVector parses a query and embeds its Meaning, as the service
// does; nil when it has none or none of its words is known.
func meaningVector(ctx context.Context, emb *static.Model, text string) ([]float32, *search.Query) {
	parsed, err := search.ParseQuery(text)
	if err != nil || parsed.Meaning == "" {
		return nil, parsed
	}
	out, err := emb.Embed(ctx, []string{parsed.Meaning})
	if err != nil || isZeroVec(out[0]) {
		return nil, parsed
	}
	return out[0], parsed
}

// categoryFilter accepts the papers of the corpus in one of cats (lower
// case, "cs" for every cs.*), as the index's cat: filter does. It is
// called for many of the vectors an exact scan meets, so it remembers its
// answer for each set of categories.
func (c *searchCorpus) categoryFilter(cats []string) func(paper.ID) bool {
	seen := map[string]bool{}
	return func(id paper.ID) bool {
		s := string(id)
		if rest, ok := strings.CutPrefix(s, "x"); ok {
			if n, real, ok := strings.Cut(rest, "-"); ok {
				if _, err := strconv.Atoi(n); err == nil {
					s = real
				}
			}
		}
		r, ok := c.byID[paper.ID(s)]
		if !ok {
			return false
		}
		in, ok := seen[c.real[r].cats]
		if !ok {
			have := catTokens(strings.Fields(c.real[r].cats))
			in = slices.ContainsFunc(cats, func(w string) bool { return slices.Contains(have, w) })
			seen[c.real[r].cats] = in
		}
		return in
	}
}

func isZeroVec(v []float32) bool {
	return !slices.ContainsFunc(v, func(x float32) bool { return x != 0 })
}

// heapInuseAfterGC is the Go heap in use after a collection, in bytes.
func heapInuseAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func mbDelta(after, before uint64) float64 { return float64(int64(after)-int64(before)) / (1 << 20) }
