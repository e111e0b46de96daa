// Search benchmarks: our in-memory index (internal/search) side by side
// with SQLite FTS5 (bm25) and Bleve, on the same corpus and the same
// fixed set of 2,000 queries.
//
// The corpus is the two arXiv files of the shared data set (about 355,000
// real papers). DAILYPAPERS_BENCH_PAPERS=3000000 amplifies it to three
// million with synthetic copies of the real records (new ids "x<n>-<id>",
// two title words swapped, the abstract's sentences rotated), which the
// output says. The queries are derived once, with a fixed seed, from the
// real titles and abstracts (see makeQueries): 900 of 2-4 consecutive
// title words, 400 of 2-4 consecutive abstract words, 200 quoted phrases
// of 2-3 adjacent title words, 200 of 2-3 title words with cat: one of the
// paper's categories (a third of them the whole archive, cat:cs), and 300
// single words, the 300 most frequent content words of titles (the worst
// case for latency).
//
// Each engine is its own benchmark; run each in a fresh process, so that
// the peak RSS is that engine's alone (the figure is the process's VmHWM,
// reset at the start of each benchmark where /proc/self/clear_refs allows,
// so one process running all three gives about the same figures):
//
//	go test ./internal/bench -run '^$' -bench 'SearchOurs$'  -benchtime 1x -timeout 120m
//	go test ./internal/bench -run '^$' -bench 'SearchFTS5$'  -benchtime 1x -timeout 120m
//	go test ./internal/bench -run '^$' -bench 'SearchBleve$' -benchtime 1x -timeout 120m
//
// or all three in one process (which also logs how far their top 10s agree):
//
//	go test ./internal/bench -run '^$' -bench 'Search(Ours|FTS5|Bleve)$' -benchtime 1x -timeout 120m
//
// At whole-arXiv scale:
//
//	DAILYPAPERS_BENCH_PAPERS=3000000 go test ./internal/bench -run '^$' -bench 'SearchOurs$' -benchtime 1x -timeout 120m
//	DAILYPAPERS_BENCH_PAPERS=3000000 go test ./internal/bench -run '^$' -bench 'SearchFTS5$' -benchtime 1x -timeout 120m
//
// The semantic side of our search (vectors, hybrid and semantic ranking,
// the approximate nearest neighbours against the exact) is measured on the
// same corpus and queries by BenchmarkSearchHybrid (searchhybrid_test.go):
//
//	go test ./internal/bench -run '^$' -bench 'SearchHybrid$' -benchtime 1x -timeout 120m
//
// DAILYPAPERS_BENCH_BLEVE_MAX caps Bleve's corpus (the first N papers of
// the same corpus, same queries); the output says so when it applies.
// DAILYPAPERS_BENCH_WARMUP shortens the warm-up pass to the first N
// queries (they are shuffled, so any prefix mixes the modes), for engines
// that take seconds a query at three million; the output gives the count.
// Set DAILYPAPERS_SHARED_DATA when the data is not at ../shared/data
// beside the repository.
//
// What is measured, for each engine, top 10 results:
//   - build: from the first paper handed to the engine until it can answer
//     (FTS5: one transaction of inserts, then 'optimize'; Bleve: batches of
//     1,000, then a forced merge to one segment; ours: Add in batches of
//     2,000 from GOMAXPROCS goroutines, then Finalize if the index has
//     it, as the service's Build does). The papers are generated from the
//     real records in memory on the fly; the time that takes is logged
//     (gen) and is part of the build time, as is the process CPU time.
//   - latency: every query once, one at a time, after a warm-up pass over
//     all of them (or the first DAILYPAPERS_BENCH_WARMUP); parsing or translating the query and reading the ten
//     ids are inside the timing. p50 and p99 overall and per query mode.
//   - size: ours is in memory, so the Go heap the index adds (HeapInuse
//     after GC, minus the same before the build: heap-MB); FTS5 and Bleve
//     report their files (disk-MB).
//   - peak-RSS-MB: the process's peak resident memory (VmHWM) during the
//     benchmark. It includes the corpus, the real papers held in memory to
//     generate the documents and the queries, shown on its own as
//     base-RSS-MB (the resident memory when the benchmark starts); their
//     text lives outside the Go heap, so that it does not inflate the
//     garbage collector's targets. peak-heap-MB is the largest Go heap
//     (objects, live or not yet collected) sampled every 20 ms.
//   - the wall clock counts time the machine's other work takes the core
//     away; the log also gives per-query thread CPU time (cpu-p50-ms,
//     cpu-p99-ms), the process CPU time of the build and load averages.
//
// Fairness: the three engines get the same text (title, abstract, authors
// joined with ", "), English stemming and BM25 (ours BM25F with the title
// weighted 2; FTS5 bm25 with weights 2,1,1; Bleve's BM25 scoring with the
// title query boosted 2). Words are OR-ed in all three; a quoted phrase
// must match as a phrase in one field; cat: filters are an indexed term
// in FTS5 (a column) and Bleve (a keyword field, AND-ed), a filter on the
// candidates in ours. Our engine is called as Search(ctx, q, 10, 0, nil),
// with no TextSource, so its phrases require all their words but are not
// checked for adjacency; the same phrase queries with adjacency
// checked against the text (what the service does, here from memory) are
// reported as the extra mode phraseverify, not part of the overall p50/p99.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveq "github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
	_ "modernc.org/sqlite"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// BenchmarkSearchOurs builds our in-memory index and runs the queries.
func BenchmarkSearchOurs(b *testing.B) {
	c := loadSearchCorpus(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		m := beginSearchBench(b, c, "ours", c.n)
		ix := buildOurs(c, m)

		run := func(q *benchQuery, texts search.TextSource) ([]paper.ID, error) {
			parsed, err := search.ParseQuery(q.text)
			if err != nil {
				return nil, err
			}
			res, err := ix.Search(ctx, parsed, 10, 0, texts)
			if err != nil {
				return nil, err
			}
			return res.IDs(), nil
		}
		m.queries(func(q *benchQuery) ([]paper.ID, error) { return run(q, nil) }, func(q *benchQuery) string { return q.text })
		texts := func(_ context.Context, ids []paper.ID) ([]search.Doc, error) {
			docs := make([]search.Doc, len(ids))
			for i, id := range ids {
				d, ok := c.textOf(id)
				if !ok {
					return nil, fmt.Errorf("no paper %s", id)
				}
				docs[i] = d
			}
			return docs, nil
		}
		m.extraMode("phraseverify", "phrase", func(q *benchQuery) ([]paper.ID, error) { return run(q, texts) })
		m.finish()
		runtime.KeepAlive(ix)
	}
}

// buildOurs builds our in-memory index of the corpus's m.n papers as
// BenchmarkSearchOurs measures it (see the header comment) and reports
// the build (built) and the Go heap the index adds (heapAfterBuild).
func buildOurs(c *searchCorpus, m *searchBench) *search.Index {
	ix := search.NewBuildIndex()
	workers := max(1, runtime.GOMAXPROCS(0))
	var gen atomic.Int64
	var next atomic.Int64
	const batch = 2000
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs := make([]search.Doc, 0, batch)
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= m.n {
					return
				}
				t := time.Now()
				docs = docs[:0]
				for j := lo; j < min(lo+batch, m.n); j++ {
					p := c.paperAt(j)
					docs = append(docs, search.DocFromPaper(&p))
				}
				gen.Add(int64(time.Since(t)))
				ix.Add(docs...)
			}
		}()
	}
	wg.Wait()
	how := fmt.Sprintf("%d goroutines calling Add with %d papers each", workers, batch)
	// A full build ends with Finalize where the index has it (the
	// service's Build does): it rescores with the final averages.
	if f, ok := any(ix).(interface{ Finalize() }); ok {
		added := time.Since(start)
		f.Finalize()
		how += fmt.Sprintf(" %.1f s, then Finalize %.1f s", added.Seconds(), (time.Since(start) - added).Seconds())
	}
	m.built(time.Since(start), time.Duration(gen.Load()), how)
	if got := ix.Len(); got != m.n {
		m.b.Fatalf("index holds %d papers, want %d", got, m.n)
	}
	m.heapAfterBuild()
	return ix
}

// BenchmarkSearchFTS5 builds a contentless SQLite FTS5 table and runs the
// same queries with bm25.
func BenchmarkSearchFTS5(b *testing.B) {
	c := loadSearchCorpus(b)
	for i := 0; i < b.N; i++ {
		m := beginSearchBench(b, c, "fts5", c.n)
		path := filepath.Join(b.TempDir(), "fts5.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		for _, s := range []string{
			// A rebuildable index, loaded once: no journal, no fsync.
			`PRAGMA page_size=8192`, `PRAGMA journal_mode=OFF`, `PRAGMA synchronous=OFF`,
			`PRAGMA cache_size=-262144`, `PRAGMA temp_store=MEMORY`,
			`CREATE VIRTUAL TABLE t USING fts5(title, abstract, authors, cats, content='', tokenize='porter unicode61')`,
		} {
			if _, err := db.Exec(s); err != nil {
				b.Fatalf("%s: %v", s, err)
			}
		}
		var sqliteVersion string
		db.QueryRow(`SELECT sqlite_version()`).Scan(&sqliteVersion)

		start := time.Now()
		batches, gen := produce(c, m.n, 1000)
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.Prepare(`INSERT INTO t(rowid, title, abstract, authors, cats) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		row := 0
		for batch := range batches {
			for j := range batch {
				p := &batch[j]
				row++
				if _, err := ins.Exec(row, p.Title, p.Abstract, strings.Join(p.AuthorNames(), ", "), c.ftsCats(p.Categories)); err != nil {
					b.Fatal(err)
				}
			}
		}
		ins.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		inserted := time.Since(start)
		if _, err := db.Exec(`INSERT INTO t(t) VALUES ('optimize')`); err != nil {
			b.Fatal(err)
		}
		m.built(time.Since(start), gen(), fmt.Sprintf("SQLite %s, inserts in one transaction %.1f s, then 'optimize' %.1f s",
			sqliteVersion, inserted.Seconds(), (time.Since(start)-inserted).Seconds()))
		m.disk(path)

		sel, err := db.Prepare(`SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t, 2.0, 1.0, 1.0, 0.0) LIMIT 10`)
		if err != nil {
			b.Fatal(err)
		}
		m.queries(func(q *benchQuery) ([]paper.ID, error) {
			rows, err := sel.Query(c.fts5Query(q))
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var ids []paper.ID
			for rows.Next() {
				var rowid int
				if err := rows.Scan(&rowid); err != nil {
					return nil, err
				}
				ids = append(ids, c.idAt(rowid-1))
			}
			return ids, rows.Err()
		}, c.fts5Query)
		m.finish()
		sel.Close()
		db.Close()
	}
}

// ftsCats spells a paper's category terms as FTS5 tokens ("zcat12"), which
// no tokenizer splits or stems.
func (c *searchCorpus) ftsCats(cats []string) string {
	var b strings.Builder
	for _, t := range catTokens(cats) {
		b.WriteString(" zcat")
		b.WriteString(strconv.Itoa(c.cats[t]))
	}
	return b.String()
}

// fts5Query translates a query into FTS5's language: every word a quoted
// string, OR-ed; a phrase one quoted string; both restricted to the text
// columns; a cat: filter AND-ed as the category's token.
func (c *searchCorpus) fts5Query(q *benchQuery) string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var expr string
	if q.phrase {
		expr = quote(strings.Join(q.words, " "))
	} else {
		parts := make([]string, len(q.words))
		for i, w := range q.words {
			parts[i] = quote(w)
		}
		expr = strings.Join(parts, " OR ")
	}
	s := "{title abstract authors} : (" + expr + ")"
	if q.cat != "" {
		tok := "zcatnone"
		if n, ok := c.cats[strings.ToLower(q.cat)]; ok {
			tok = "zcat" + strconv.Itoa(n)
		}
		s += " AND cats : " + tok
	}
	return s
}

// BenchmarkSearchBleve builds a Bleve (scorch) index on disk and runs the
// same queries.
func BenchmarkSearchBleve(b *testing.B) {
	c := loadSearchCorpus(b)
	n := c.n
	capped := ""
	if limit := envInt(b, "DAILYPAPERS_BENCH_BLEVE_MAX"); limit > 0 && limit < n {
		n = limit
		capped = fmt.Sprintf("CAPPED by DAILYPAPERS_BENCH_BLEVE_MAX: Bleve indexes the first %d of the %d papers", n, c.n)
	}
	for i := 0; i < b.N; i++ {
		m := beginSearchBench(b, c, "bleve", n)
		if capped != "" {
			m.note("%s", capped)
		}
		path := filepath.Join(b.TempDir(), "bleve")
		idx, err := bleve.New(path, bleveMapping())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		batches, gen := produce(c, n, 1000)
		for docs := range batches {
			batch := idx.NewBatch()
			for j := range docs {
				p := &docs[j]
				doc := map[string]any{
					"title":    p.Title,
					"abstract": p.Abstract,
					"authors":  strings.Join(p.AuthorNames(), ", "),
					"cats":     catTokens(p.Categories),
				}
				if err := batch.Index(string(p.ID), doc); err != nil {
					b.Fatal(err)
				}
			}
			if err := idx.Batch(batch); err != nil {
				b.Fatal(err)
			}
		}
		indexed := time.Since(start)
		merged := "no forced merge (not a scorch index)"
		if adv, err := idx.Advanced(); err == nil {
			if s, ok := adv.(*scorch.Scorch); ok {
				if err := s.ForceMerge(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
				merged = fmt.Sprintf("then a forced merge to one segment %.1f s", (time.Since(start) - indexed).Seconds())
			}
		}
		m.built(time.Since(start), gen(), fmt.Sprintf("scorch, batches of 1,000 %.1f s, %s", indexed.Seconds(), merged))
		m.disk(path)

		m.queries(func(q *benchQuery) ([]paper.ID, error) {
			req := bleve.NewSearchRequestOptions(bleveQuery(q), 10, 0, false)
			res, err := idx.Search(req)
			if err != nil {
				return nil, err
			}
			ids := make([]paper.ID, len(res.Hits))
			for i, h := range res.Hits {
				ids[i] = paper.ID(h.ID)
			}
			return ids, nil
		}, func(q *benchQuery) string {
			s := "match"
			if q.phrase {
				s = "match_phrase"
			}
			s = fmt.Sprintf("OR of %s %q on title^2, abstract, authors", s, strings.Join(q.words, " "))
			if q.cat != "" {
				s += fmt.Sprintf(" AND term cats:%q", strings.ToLower(q.cat))
			}
			return s
		})
		m.finish()
		idx.Close()
	}
}

// bleveMapping: title, abstract and authors with the English analyzer
// (possessives, lower case, stop words, Porter), positions kept for
// phrases, nothing stored; categories as keywords; BM25 scoring.
func bleveMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store, f.IncludeInAll, f.DocValues = false, false, false
		f.IncludeTermVectors = true
		return f
	}
	cats := bleve.NewKeywordFieldMapping()
	cats.Analyzer = keyword.Name
	cats.Store, cats.IncludeInAll, cats.DocValues, cats.IncludeTermVectors = false, false, false, false
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text())
	doc.AddFieldMappingsAt("abstract", text())
	doc.AddFieldMappingsAt("authors", text())
	doc.AddFieldMappingsAt("cats", cats)
	im := bleve.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = en.AnalyzerName
	im.IndexDynamic, im.StoreDynamic, im.DocValuesDynamic = false, false, false
	im.ScoringModel = bleveindex.BM25Scoring
	return im
}

// bleveQuery: a disjunction over the three fields of a match query (its
// words OR-ed) or a match-phrase query, the title boosted 2; a cat: filter
// AND-ed as a term query.
func bleveQuery(q *benchQuery) bleveq.Query {
	text := strings.Join(q.words, " ")
	var fields []bleveq.Query
	for _, f := range []struct {
		name  string
		boost float64
	}{{"title", 2}, {"abstract", 1}, {"authors", 1}} {
		if q.phrase {
			mq := bleve.NewMatchPhraseQuery(text)
			mq.SetField(f.name)
			mq.SetBoost(f.boost)
			fields = append(fields, mq)
		} else {
			mq := bleve.NewMatchQuery(text)
			mq.SetField(f.name)
			mq.SetBoost(f.boost)
			fields = append(fields, mq)
		}
	}
	var out bleveq.Query = bleve.NewDisjunctionQuery(fields...)
	if q.cat != "" {
		tq := bleve.NewTermQuery(strings.ToLower(q.cat))
		tq.SetField("cats")
		out = bleve.NewConjunctionQuery(out, tq)
	}
	return out
}

// produce generates papers 0..n-1 of the corpus in batches on another
// goroutine; gen reports, once the channel is drained, how long making
// them took.
func produce(c *searchCorpus, n, size int) (<-chan []paper.Paper, func() time.Duration) {
	ch := make(chan []paper.Paper, 4)
	var took time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		for lo := 0; lo < n; lo += size {
			t := time.Now()
			batch := make([]paper.Paper, 0, size)
			for j := lo; j < min(lo+size, n); j++ {
				batch = append(batch, c.paperAt(j))
			}
			took += time.Since(t)
			ch <- batch
		}
	}()
	return ch, func() time.Duration { <-done; return took }
}

// searchBench measures one engine's run.
type searchBench struct {
	b      *testing.B
	c      *searchCorpus
	engine string
	n      int

	baseRSS   float64 // MB resident at the start
	baseHeap  uint64  // Go heap in use at the start
	hwmReset  bool
	lat       map[string][]time.Duration
	zero      map[string]int
	results   [][]paper.ID
	searching time.Duration
	rate      float64
	p50, p99  float64
	buildCPU  time.Duration // process CPU time when the build started
	// stopSampler stops sampling the Go heap and returns its peak.
	stopSampler func() uint64
	cpu         map[string][]time.Duration
	alloc       map[string]uint64 // Go heap bytes allocated by the queries, by mode
	// metric prefixes the names of the latency metrics queries reports
	// ("hybrid-" gives hybrid-p99-ms); with a prefix, the figures per query
	// mode are in the log only (see variant).
	metric string
}

// searchResults are the top 10s of the engines run so far in this
// process, by engine, to compare them.
var searchResults = map[string]struct {
	n   int
	ids [][]paper.ID
}{}

func beginSearchBench(b *testing.B, c *searchCorpus, engine string, n int) *searchBench {
	b.StopTimer()
	runtime.GC()
	debug.FreeOSMemory()
	m := &searchBench{b: b, c: c, engine: engine, n: n, lat: map[string][]time.Duration{}, zero: map[string]int{}}
	// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
	m.hwmReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	m.baseRSS = procStatusMB("VmRSS")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.baseHeap = ms.HeapInuse
	m.cpu = map[string][]time.Duration{}
	m.alloc = map[string]uint64{}
	m.stopSampler = m.sampleHeap()
	defer func() { m.buildCPU = processCPU() }()
	m.note("corpus %s", c.describe(n))
	if c.synthetic(n) > 0 {
		m.note("NOTE %d of the %d papers are SYNTHETIC (amplified from the real records), not real arXiv papers", c.synthetic(n), n)
	}
	m.logf("corpus read in %.1f s (%d MB of text outside the Go heap, %.0f MB of Go heap); RSS %.0f MB before the build; %d queries (set %s); GOMAXPROCS=%d, %s; load average %s",
		c.load.Seconds(), c.arena.size>>20, c.heapMB, m.baseRSS, len(c.queries), c.queryHash(), runtime.GOMAXPROCS(0), runtime.Version(), loadAverage())
	return m
}

// logf prints a line of the benchmark's report on standard output, where
// go test shows all of it (it keeps only ten lines of a benchmark's log).
func (m *searchBench) logf(format string, args ...any) {
	fmt.Printf("search-bench %s: %s\n", m.engine, fmt.Sprintf(format, args...))
}

// note is a line for both the report and the benchmark's log.
func (m *searchBench) note(format string, args ...any) {
	m.logf(format, args...)
	m.b.Logf("%s: %s", m.engine, fmt.Sprintf(format, args...))
}

// loadAverage is the first three fields of /proc/loadavg: other work on
// the machine shows in the latencies.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

func (m *searchBench) built(took, gen time.Duration, how string) {
	rate := float64(m.n) / took.Seconds()
	m.rate = rate
	cpu := processCPU() - m.buildCPU
	m.logf("built %d papers in %.1f s = %.0f papers/s (%s; generating the papers took %.1f s of it); process CPU %.1f s = %.0f papers per CPU second; load average %s",
		m.n, took.Seconds(), rate, how, gen.Seconds(), cpu.Seconds(), float64(m.n)/cpu.Seconds(), loadAverage())
	m.b.ReportMetric(float64(m.n), "papers")
	m.b.ReportMetric(rate, "papers/s")
	m.b.ReportMetric(took.Seconds(), "build-s")
}

// heapAfterBuild reports the Go heap the in-memory index added.
func (m *searchBench) heapAfterBuild() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mb := float64(int64(ms.HeapInuse)-int64(m.baseHeap)) / (1 << 20)
	m.logf("index in memory: %.0f MB of Go heap (HeapInuse after GC %.0f MB, of which %.0f MB before the build)", mb, float64(ms.HeapInuse)/(1<<20), float64(m.baseHeap)/(1<<20))
	m.b.ReportMetric(mb, "heap-MB")
}

// disk reports the size of the engine's files.
func (m *searchBench) disk(path string) {
	var size int64
	files := 0
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
				files++
			}
		}
		return nil
	})
	mb := float64(size) / (1 << 20)
	m.logf("index on disk: %.0f MB in %d files", mb, files)
	m.b.ReportMetric(mb, "disk-MB")
}

// queries runs every query once to warm up, then once timed, and reports
// the latencies overall and per mode.
func (m *searchBench) queries(run func(*benchQuery) ([]paper.ID, error), translate func(*benchQuery) string) {
	shown := map[string]bool{}
	for i := range m.c.queries {
		if q := &m.c.queries[i]; !shown[q.mode] {
			shown[q.mode] = true
			m.logf("e.g. %-8s %-45s -> %s", q.mode, q.text, translate(q))
		}
	}
	warm := len(m.c.queries)
	if w := envInt(m.b, "DAILYPAPERS_BENCH_WARMUP"); w > 0 && w < warm {
		warm = w
	}
	t := time.Now()
	for i := range m.c.queries[:warm] {
		q := &m.c.queries[i]
		if _, err := run(q); err != nil {
			m.b.Fatalf("%s: warm-up: query %q: %v", m.engine, q.text, err)
		}
	}
	m.logf("warm-up pass: %d of the %d queries (DAILYPAPERS_BENCH_WARMUP) in %.1f s", warm, len(m.c.queries), time.Since(t).Seconds())
	m.results = make([][]paper.ID, len(m.c.queries))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	for i := range m.c.queries {
		q := &m.c.queries[i]
		a0 := allocated()
		c0, t := threadCPU(), time.Now()
		ids, err := run(q)
		d, cpu := time.Since(t), threadCPU()-c0
		if err != nil {
			m.b.Fatalf("%s: query %q: %v", m.engine, q.text, err)
		}
		m.alloc[q.mode] += allocated() - a0
		m.lat[q.mode] = append(m.lat[q.mode], d)
		m.lat["all"] = append(m.lat["all"], d)
		m.cpu[q.mode] = append(m.cpu[q.mode], cpu)
		m.cpu["all"] = append(m.cpu["all"], cpu)
		if len(ids) == 0 {
			m.zero[q.mode]++
			ids = []paper.ID{} // ran, no hits; nil is "not run"
		}
		m.results[i] = ids
	}
	m.searching = time.Since(start)
	all := m.lat["all"]
	p50, p99 := percentiles(all)
	c50, c99 := percentiles(m.cpu["all"])
	m.logf("%d queries, top 10, one at a time: p50 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.3f ms (%.1f s in all; thread CPU time p50 %.3f ms, p99 %.3f ms; load average %s)",
		len(all), p50, p99, mean(all), maxMS(all), m.searching.Seconds(), c50, c99, loadAverage())
	m.b.ReportMetric(p50, m.metric+"p50-ms")
	m.b.ReportMetric(p99, m.metric+"p99-ms")
	m.p50, m.p99 = p50, p99
	m.b.ReportMetric(c50, m.metric+"cpu-p50-ms")
	m.b.ReportMetric(c99, m.metric+"cpu-p99-ms")
	for _, mode := range queryModes {
		d := m.lat[mode.name]
		p50, p99 := percentiles(d)
		c50, c99 := percentiles(m.cpu[mode.name])
		m.logf("  %-8s %4d queries: p50 %8.3f ms  p99 %8.3f ms  mean %8.3f ms  max %8.3f ms  no hits %3d  (CPU p50 %.3f ms, p99 %.3f ms; Go heap allocated %.0f KB a query)",
			mode.name, len(d), p50, p99, mean(d), maxMS(d), m.zero[mode.name], c50, c99, float64(m.alloc[mode.name])/1024/float64(max(1, len(d))))
		if m.metric == "" {
			m.b.ReportMetric(p50, mode.name+"-p50-ms")
			m.b.ReportMetric(p99, mode.name+"-p99-ms")
		}
	}
	m.compare()
	searchResults[m.engine] = struct {
		n   int
		ids [][]paper.ID
	}{m.n, m.results}
}

// extraMode times the queries of one mode again with another way of
// running them, and reports them as their own mode.
func (m *searchBench) extraMode(name, mode string, run func(*benchQuery) ([]paper.ID, error)) {
	var d, cpu []time.Duration
	var alloc uint64
	results := make([][]paper.ID, len(m.c.queries))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for pass := 0; pass < 2; pass++ {
		for i := range m.c.queries {
			q := &m.c.queries[i]
			if q.mode != mode {
				continue
			}
			a0 := allocated()
			c0, t := threadCPU(), time.Now()
			ids, err := run(q)
			if err != nil {
				m.b.Fatalf("%s: %s query %q: %v", m.engine, name, q.text, err)
			}
			if pass == 1 {
				alloc += allocated() - a0
				d = append(d, time.Since(t))
				cpu = append(cpu, threadCPU()-c0)
				results[i] = append([]paper.ID{}, ids...)
			}
		}
	}
	p50, p99 := percentiles(d)
	c50, c99 := percentiles(cpu)
	m.logf("  %-8s %4d queries: p50 %8.3f ms  p99 %8.3f ms  mean %8.3f ms  max %8.3f ms  (CPU p50 %.3f ms, p99 %.3f ms; Go heap allocated %.0f KB a query; phrases checked against the text, not in the overall figures)",
		name, len(d), p50, p99, mean(d), maxMS(d), c50, c99, float64(alloc)/1024/float64(max(1, len(d))))
	searchResults[m.engine+"+"+name] = struct {
		n   int
		ids [][]paper.ID
	}{m.n, results}
	m.b.ReportMetric(p50, name+"-p50-ms")
	m.b.ReportMetric(p99, name+"-p99-ms")
}

// variant is another way of running the queries in the same run of a
// benchmark (the same build): its own latencies and results, compared with
// the other engines' under the name engine, its overall latency metrics
// named with the prefix metric.
func (m *searchBench) variant(engine, metric string) *searchBench {
	v := *m
	v.engine, v.metric = engine, metric
	v.lat, v.zero, v.cpu, v.alloc = map[string][]time.Duration{}, map[string]int{}, map[string][]time.Duration{}, map[string]uint64{}
	v.results, v.searching, v.p50, v.p99 = nil, 0, 0, 0
	return &v
}

// compare logs how far this engine's top 10s agree with those of the
// engines run before it in this process, on the same corpus.
func (m *searchBench) compare() {
	var others []string
	for e, r := range searchResults {
		if e != m.engine && r.n == m.n {
			others = append(others, e)
		}
	}
	slices.Sort(others)
	for _, e := range others {
		theirs := searchResults[e].ids
		sum := map[string]float64{}
		cnt := map[string]int{}
		for i := range m.c.queries {
			a, b := m.results[i], theirs[i]
			if a == nil || b == nil {
				continue // not run by one of them
			}
			ov := 1.0
			if len(a) > 0 || len(b) > 0 {
				common := 0
				for _, id := range a {
					if slices.Contains(b, id) {
						common++
					}
				}
				ov = float64(common) / float64(max(len(a), len(b)))
			}
			mode := m.c.queries[i].mode
			sum[mode] += ov
			cnt[mode]++
			sum["all"] += ov
			cnt["all"]++
		}
		var parts []string
		for _, mode := range queryModes {
			if cnt[mode.name] > 0 {
				parts = append(parts, fmt.Sprintf("%s %.0f%%", mode.name, 100*sum[mode.name]/float64(cnt[mode.name])))
			}
		}
		m.logf("top-10 overlap with %s: %.0f%% of %d queries (%s)", e, 100*sum["all"]/float64(cnt["all"]), cnt["all"], strings.Join(parts, ", "))
	}
}

// sampleHeap samples the bytes of Go heap objects (live and not yet
// collected) every 20 ms until the returned function is called, which
// returns the largest sample: it explains the peak RSS of a Go engine.
func (m *searchBench) sampleHeap() func() uint64 {
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

func (m *searchBench) finish() {
	m.finishWith(fmt.Sprintf("build %.0f papers/s; top 10 p50 %.3f ms, p99 %.3f ms", m.rate, m.p50, m.p99))
}

// finishWith is finish with the summary's figures between the corpus size
// and the peak RSS given by the caller.
func (m *searchBench) finishWith(summary string) {
	heapPeak := float64(m.stopSampler()) / (1 << 20)
	peak := procStatusMB("VmHWM")
	scope := "since the start of this benchmark"
	if !m.hwmReset {
		scope = "of the whole process so far (VmHWM could not be reset)"
	}
	m.logf("peak RSS %.0f MB %s; %.0f MB resident at its start (the corpus and queries); peak Go heap objects %.0f MB (sampled every 20 ms; SQLite's own memory is not Go heap); load average now %s",
		peak, scope, m.baseRSS, heapPeak, loadAverage())
	m.b.ReportMetric(heapPeak, "peak-heap-MB")
	m.note("%d papers, %s; peak RSS %.0f MB (%.0f MB at the start)", m.n, summary, peak, m.baseRSS)
	m.b.ReportMetric(peak, "peak-RSS-MB")
	m.b.ReportMetric(m.baseRSS, "base-RSS-MB")
	m.b.ReportMetric(0, "ns/op")
}

// allocated is the Go heap allocated by the process so far, in bytes.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// procStatusMB reads a kB figure of /proc/self/status in MB, 0 if absent.
func procStatusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// percentiles are the median and 99th percentile in milliseconds, as the
// other benchmarks of this package take them.
func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return msf(s[len(s)/2]), msf(s[len(s)*99/100])
}

func mean(d []time.Duration) float64 {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return msf(sum) / float64(max(1, len(d)))
}

func maxMS(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	return msf(slices.Max(d))
}

// msf is a duration in milliseconds with microsecond resolution kept.
func msf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
