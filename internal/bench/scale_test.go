package bench

// The scale check: a catalogue of whole-arXiv size (3 million papers),
// imported the way an operator loads Kaggle's arXiv snapshot, then the
// site's pages and search measured at that size.
//
//	DAILYPAPERS_BENCH_SCALE=3000000 go test ./internal/bench -run '^$' -bench Scale -benchtime 1x -timeout 120m
//
// DAILYPAPERS_BENCH_SCALE is the number of papers; without it the
// benchmark skips. Add DAILYPAPERS_BENCH_SCALE_POSTGRES=1 and
// DAILYPAPERS_TEST_POSTGRES=postgres://user:pass@127.0.0.1/dbname (see
// internal/store/postgres/pgtest) to import the same records into a fresh
// PostgreSQL schema too and measure the pages on it.
//
// The records are made on the fly (scalegen_test.go) in the format of
// Kaggle's arxiv-metadata-oai-snapshot.json and streamed through an
// io.Pipe into ingest.ImportReader, as "dailypapers import" reads a file:
// nothing of the input is held whole, in memory or on disk. The first
// 354,700 or so are the real papers of the two shared arXiv files; the
// rest are SYNTHETIC copies of them with new ids (5001.00000 on), two
// title words swapped and the abstract's sentences rotated, which the
// output says. The generator runs in the benchmark's process, on the same
// two cores as the import: its CPU time is reported, and so is the memory
// the process held before the import (the real papers, about 0.5 GB).
//
// Sub-benchmarks, in order (each does what it needs of the earlier ones
// when run alone, e.g. -bench 'Scale/SearchAPI'):
//
//   - ImportSQLite: the records into a fresh SQLite file in a temporary
//     directory (removed at the end), then the hosted feed file
//     (hf-daily-papers.jsonl.xz, 580 feed days) so that the day pages
//     have papers; import rate and time, peak RSS (VmHWM, reset at the
//     start where /proc/self/clear_refs allows) and peak Go heap, the
//     size of the database and its -wal file, and the bytes of tables
//     and indexes (dbstat).
//   - SearchBuild: search.NewService(store).Build, lexical (no embedder):
//     time, the Go heap the index holds, peak RSS and Go heap.
//   - FeedDayUncached, FeedDayCached: /papers/date/DAY of random feed
//     days, the page cache off and on (the latency helper: 3,000
//     requests one at a time, in process).
//   - PaperUncached: /papers/ID of random papers of the whole catalogue,
//     without the search index (as BenchmarkPaperPageUncached);
//     PaperSimilarUncached: the 3,000 papers' pages once each with the
//     lexical index, so each page ranks its similar papers by words on
//     its first view (as a site without an embedder);
//     PaperSimilarHybrid: the same by words and meaning, as "dailypapers
//     serve" renders them: every paper embedded with the built-in
//     embedder (Service.EmbedMissing) and a second index built with the
//     vectors, clustered (embed-s, build-s).
//   - SearchAPI: GET /api/papers/search?q=QUERY with the search
//     benchmarks' 2,000 queries (random ones, page cache off, 50 results,
//     lexical); SearchAPIByMode: every query once, by kind of query.
//   - APIPapersDeep: GET /api/papers?cursor=C, the catalogue a page of 50
//     at a time, from 300 cursors at random places in it (the published
//     time of a random paper), each once, page cache off.
//   - With PostgreSQL: ImportPostgres (rate, database and relation
//     sizes), then PostgresSearchBuild, PostgresFeedDayUncached,
//     PostgresPaperUncached, PostgresSearchAPI and PostgresAPIPapersDeep.
//     The SQLite database and its index are released first.
//
// SearchBuild also logs how long one read of the store's change feed
// (ChangedPapers, 2,000 papers, what the build reads page by page) takes
// at the start of the catalogue and at its end.
//
// At three million papers the SQLite part takes about 10 minutes on two
// quiet cores and 10 GB of the temporary directory (the database and its
// -wal file), PostgreSQL 5 minutes more. Run it in a process of its own: the
// peak RSS figures are the process's.
// GOMEMLIMIT bounds the index build's garbage (see BENCHMARKS.md, Search).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

// scaleRun is one run of BenchmarkScaleKaggle: the records and the
// stores made of them, shared by its sub-benchmarks.
type scaleRun struct {
	gen     *kaggleGen
	dataDir string
	tmp     string
	pgDSN   string // "" without PostgreSQL
	sqlite  *scaleSite
	pg      *scaleSite
}

// scaleSite is one store at scale and what the benchmarks need of it.
type scaleSite struct {
	name   string
	st     store.Store
	svc    *search.Service // built on demand
	days   []string        // day pages of the feed
	papers []string        // pages of random papers of the catalogue
	imp    scaleImport
}

// scaleImport is what importing the records measured.
type scaleImport struct {
	sum               ingest.Summary
	took              time.Duration
	genCPU, cpu       time.Duration // the generator's thread, the whole process
	machineCPU        time.Duration // every process's, from /proc/stat
	postgresCPU       time.Duration // the PostgreSQL server's processes'
	genBytes          int64
	baseRSS, peakRSS  float64 // MB
	peakHeap          float64 // MB of Go heap objects, sampled
	hwmReset          bool
	feedTook          time.Duration // the hosted feed file's import
	feedSum           ingest.Summary
	warnings          string
	sizes             string   // how big the database is, in words
	sizeMetrics       []metric // and as metrics
	importedPapers    int
	importedFeedItems int
}

type metric struct {
	v    float64
	unit string
}

func scalef(format string, args ...any) {
	fmt.Printf("scale-bench: %s\n", fmt.Sprintf(format, args...))
}

// BenchmarkScaleKaggle is the scale check (see the comment at the top).
func BenchmarkScaleKaggle(b *testing.B) {
	n := envInt(b, "DAILYPAPERS_BENCH_SCALE")
	if n == 0 {
		b.Skip("the scale check runs only when DAILYPAPERS_BENCH_SCALE is set to a number of papers, e.g. DAILYPAPERS_BENCH_SCALE=3000000 (at that size it takes about 10 minutes, 15 with PostgreSQL, and 10 GB of the temporary directory)")
	}
	dir := dataDir(b)
	c := loadSearchCorpus(b)
	for i := range c.real {
		if id := string(c.real[i].id); len(id) == 10 && id[4] == '.' && id >= "5001" {
			b.Fatalf("real paper %s is in the range of the synthetic ids", id)
		}
	}
	t := time.Now()
	extras, extraBytes, err := loadScaleExtras(dir, c)
	if err != nil {
		b.Fatal(err)
	}
	s := &scaleRun{gen: &kaggleGen{c: c, extras: extras, n: n}, dataDir: dir}
	scalef("corpus: %d real papers read in %.1f s, their comments, DOIs and update dates in %.1f s more (%d MB outside the Go heap); GOMAXPROCS=%d, %s, GOMEMLIMIT=%q; load average %s",
		len(c.real), c.load.Seconds(), time.Since(t).Seconds(), (c.arena.size+extraBytes)>>20, runtime.GOMAXPROCS(0), runtime.Version(), os.Getenv("GOMEMLIMIT"), loadAverage())
	scalef("input: %s", s.gen.describe())
	if syn := s.gen.synthetic(); syn > 0 {
		scalef("NOTE %d of the %d papers are SYNTHETIC (amplified from the real records), not real arXiv papers", syn, n)
		b.Logf("NOTE %d of the %d papers are SYNTHETIC copies of the %d real ones", syn, n, len(c.real))
	}
	if s.tmp, err = os.MkdirTemp("", "dailypapers-scale-"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(s.tmp) })
	if os.Getenv("DAILYPAPERS_BENCH_SCALE_POSTGRES") == "1" {
		if os.Getenv(pgtest.Env) == "" {
			scalef("PostgreSQL part skipped: DAILYPAPERS_BENCH_SCALE_POSTGRES=1 but %s is not set", pgtest.Env)
		} else {
			s.pgDSN = pgtest.Schema(b) // dropped when the benchmark ends
		}
	}
	b.Cleanup(func() {
		for _, site := range []*scaleSite{s.sqlite, s.pg} {
			if site != nil {
				site.st.Close()
			}
		}
	})

	b.Run("ImportSQLite", func(b *testing.B) { s.reportImport(b, s.sqliteSite(b)) })
	b.Run("SearchBuild", func(b *testing.B) { s.buildSearch(b, s.sqliteSite(b)) })
	b.Run("FeedDayUncached", func(b *testing.B) { s.feedDays(b, s.sqliteSite(b), noCache) })
	b.Run("FeedDayCached", func(b *testing.B) { s.feedDays(b, s.sqliteSite(b), web.Options{}) })
	b.Run("PaperUncached", func(b *testing.B) {
		site := s.sqliteSite(b)
		latency(b, newHandler(b, site.st, noCache), site.papers)
	})
	b.Run("PaperSimilarUncached", func(b *testing.B) {
		site := s.sqliteSite(b)
		firstViews(b, newHandler(b, site.st, web.Options{PageCacheBytes: -1, Search: s.searchOf(b, site)}), site.papers)
	})
	b.Run("PaperSimilarHybrid", func(b *testing.B) {
		site := s.sqliteSite(b)
		firstViews(b, newHandler(b, site.st, web.Options{PageCacheBytes: -1, Search: s.hybridSearch(b, site)}), site.papers)
	})
	b.Run("SearchAPI", func(b *testing.B) { s.searchAPI(b, s.sqliteSite(b)) })
	b.Run("SearchAPIByMode", func(b *testing.B) { s.searchAPIByMode(b, s.sqliteSite(b)) })
	b.Run("APIPapersDeep", func(b *testing.B) { s.apiPapersDeep(b, s.sqliteSite(b)) })
	if s.pgDSN == "" {
		return
	}
	// The SQLite side is done with: its index and database leave memory,
	// so that PostgreSQL's figures are its own.
	if s.sqlite != nil {
		s.sqlite.st.Close()
		s.sqlite = nil
		runtime.GC()
		debug.FreeOSMemory()
	}
	b.Run("ImportPostgres", func(b *testing.B) { s.reportImport(b, s.pgSite(b)) })
	b.Run("PostgresSearchBuild", func(b *testing.B) { s.buildSearch(b, s.pgSite(b)) })
	b.Run("PostgresFeedDayUncached", func(b *testing.B) { s.feedDays(b, s.pgSite(b), noCache) })
	b.Run("PostgresPaperUncached", func(b *testing.B) {
		site := s.pgSite(b)
		latency(b, newHandler(b, site.st, noCache), site.papers)
	})
	b.Run("PostgresSearchAPI", func(b *testing.B) { s.searchAPI(b, s.pgSite(b)) })
	b.Run("PostgresAPIPapersDeep", func(b *testing.B) { s.apiPapersDeep(b, s.pgSite(b)) })
}

// sqliteSite imports the records into a fresh SQLite file, once.
func (s *scaleRun) sqliteSite(b *testing.B) *scaleSite {
	if s.sqlite == nil {
		path := filepath.Join(s.tmp, "dailypapers.db")
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		site := &scaleSite{name: "sqlite", st: st}
		s.sqlite = site
		s.load(b, site, func() { s.sqliteSizes(b, site, path) })
	}
	return s.sqlite
}

// pgSite imports the records into the fresh PostgreSQL schema, once.
func (s *scaleRun) pgSite(b *testing.B) *scaleSite {
	if s.pg == nil {
		st, err := postgres.Open(context.Background(), s.pgDSN)
		if err != nil {
			b.Fatal(err)
		}
		site := &scaleSite{name: "postgres", st: st}
		s.pg = site
		s.load(b, site, func() { s.pgSizes(b, site) })
	}
	return s.pg
}

// load imports the generated records into site's store, then the hosted
// feed, measuring the first; sizes measures the database in between.
func (s *scaleRun) load(b *testing.B, site *scaleSite, sizes func()) {
	ctx := context.Background()
	m := &site.imp
	runtime.GC()
	debug.FreeOSMemory()
	m.hwmReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	m.baseRSS = procStatusMB("VmRSS")
	stopSampler := new(searchBench).sampleHeap()
	scalef("%s: importing %d records through a pipe; RSS %.0f MB at the start; load average %s", site.name, s.gen.n, m.baseRSS, loadAverage())

	pr, pw := io.Pipe()
	genDone := make(chan struct{})
	go func() {
		defer close(genDone)
		pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("scale", "generate")))
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c0 := threadCPU()
		n, err := s.gen.writeTo(pw)
		m.genCPU, m.genBytes = threadCPU()-c0, n
		pw.CloseWithError(err) // nil: the reader sees EOF
	}()
	var warn bytes.Buffer
	var start, last time.Time
	opt := ingest.Options{Warn: &warn, Progress: func(p ingest.Progress) {
		if time.Since(last) > 20*time.Second {
			last = time.Now()
			scalef("%s:   %d records in %.0f s, RSS %.0f MB, load average %s", site.name, p.Records, time.Since(start).Seconds(), procStatusMB("VmRSS"), loadAverage())
		}
	}}
	cpu0, mcpu0, pgcpu0 := processCPU(), machineCPU(), postgresCPU()
	start = time.Now()
	last = start
	var err error
	pprof.Do(ctx, pprof.Labels("scale", "import-"+site.name), func(ctx context.Context) {
		m.sum, err = ingest.ImportReader(ctx, site.st, "generated-kaggle-snapshot.jsonl", pr, opt)
	})
	m.took, m.cpu = time.Since(start), processCPU()-cpu0
	m.machineCPU, m.postgresCPU = machineCPU()-mcpu0, postgresCPU()-pgcpu0
	pr.CloseWithError(io.ErrClosedPipe) // stops the generator if the import ended early
	<-genDone
	m.peakHeap = float64(stopSampler()) / (1 << 20)
	m.peakRSS = procStatusMB("VmHWM")
	m.warnings = warn.String()
	if err != nil {
		b.Fatalf("%s: import: %v\n%s", site.name, err, m.warnings)
	}
	scalef("%s: %s", site.name, m.sum)
	if m.warnings != "" {
		scalef("%s: warnings:\n%s", site.name, m.warnings)
	}
	if m.sum.Read != s.gen.n || m.sum.Added != s.gen.n {
		b.Errorf("%s: read %d, added %d records, want %d", site.name, m.sum.Read, m.sum.Added, s.gen.n)
	}
	sizes()

	t := time.Now()
	pprof.Do(ctx, pprof.Labels("scale", "feed-"+site.name), func(ctx context.Context) {
		m.feedSum, err = ingest.ImportFile(ctx, site.st, filepath.Join(s.dataDir, "hf-daily-papers.jsonl.xz"), ingest.Options{})
	})
	m.feedTook = time.Since(t)
	if err != nil {
		b.Fatalf("%s: %v", site.name, err)
	}
	stats, err := site.st.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	m.importedPapers, m.importedFeedItems = stats.Papers, stats.FeedEntries
	scalef("%s: then the hosted feed: %s; the store holds %d papers, %d feed entries (%s .. %s)",
		site.name, m.feedSum, stats.Papers, stats.FeedEntries, stats.FirstDay, stats.LastDay)

	site.days, _ = feedPaths(b, site.st)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		site.papers = append(site.papers, s.gen.idAt(rng.IntN(s.gen.n)).Path())
	}
}

// reportImport reports what importing into site measured.
func (s *scaleRun) reportImport(b *testing.B, site *scaleSite) {
	m := &site.imp
	n := s.gen.n
	rate := float64(n) / m.took.Seconds()
	scope := "since the import started"
	if !m.hwmReset {
		scope = "of the whole process (VmHWM could not be reset)"
	}
	server := ""
	if site.name == "postgres" {
		server = fmt.Sprintf(", PostgreSQL's processes %.1f s", m.postgresCPU.Seconds())
	}
	scalef("%s: IMPORT %d papers in %.1f s = %.0f papers/s (%s of input, %.0f MB/s); CPU: this process %.1f s, of which the generator's thread %.1f s (%.0f%% of a core while the import ran)%s, the whole machine %.1f s of %.1f s on %d cores (other work included); peak RSS %.0f MB %s, %.0f MB resident at its start (the corpus the generator works from), peak Go heap objects %.0f MB (sampled every 20 ms; the database's own memory is not Go heap); load average %s",
		site.name, n, m.took.Seconds(), rate, mbString(m.genBytes), float64(m.genBytes)/(1<<20)/m.took.Seconds(),
		m.cpu.Seconds(), m.genCPU.Seconds(), 100*m.genCPU.Seconds()/m.took.Seconds(), server,
		m.machineCPU.Seconds(), m.took.Seconds()*float64(runtime.NumCPU()), runtime.NumCPU(),
		m.peakRSS, scope, m.baseRSS, m.peakHeap, loadAverage())
	scalef("%s: database: %s", site.name, m.sizes)
	b.ReportMetric(float64(n), "papers")
	b.ReportMetric(rate, "papers/s")
	b.ReportMetric(m.took.Seconds(), "import-s")
	b.ReportMetric(m.peakRSS, "peak-RSS-MB")
	b.ReportMetric(m.baseRSS, "base-RSS-MB")
	b.ReportMetric(m.peakHeap, "peak-heap-MB")
	b.ReportMetric(m.genCPU.Seconds(), "gen-cpu-s")
	b.ReportMetric(m.cpu.Seconds(), "process-cpu-s")
	if site.name == "postgres" {
		b.ReportMetric(m.postgresCPU.Seconds(), "server-cpu-s")
	}
	for _, x := range m.sizeMetrics {
		b.ReportMetric(x.v, x.unit)
	}
	b.ReportMetric(0, "ns/op")
}

func mbString(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

// sqliteSizes measures the SQLite files and, with dbstat, how much of
// them each table and index takes.
func (s *scaleRun) sqliteSizes(b *testing.B, site *scaleSite, path string) {
	size := func(p string) float64 {
		if fi, err := os.Stat(p); err == nil {
			return float64(fi.Size()) / (1 << 20)
		}
		return 0
	}
	db, wal := size(path), size(path+"-wal")
	t := time.Now()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT s.name, coalesce(m.type, 'table'), sum(s.pgsize) FROM dbstat s
		LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name ORDER BY 3 DESC`)
	var tables, indexes float64
	var parts []string
	if err == nil {
		for rows.Next() {
			var name, typ string
			var n int64
			if err = rows.Scan(&name, &typ, &n); err != nil {
				break
			}
			mb := float64(n) / (1 << 20)
			if typ == "index" {
				indexes += mb
			} else {
				tables += mb
			}
			if mb >= 1 {
				parts = append(parts, fmt.Sprintf("%s %s %.0f MB", typ, name, mb))
			}
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
	}
	var pageSize int64
	conn.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	site.imp.sizes = fmt.Sprintf("file %.0f MB + -wal %.0f MB (page size %d)", db, wal, pageSize)
	site.imp.sizeMetrics = []metric{{db, "db-MB"}, {wal, "wal-MB"}}
	if err != nil {
		site.imp.sizes += fmt.Sprintf("; dbstat unavailable: %v", err)
		return
	}
	site.imp.sizes += fmt.Sprintf("; tables %.0f MB, indexes %.0f MB (dbstat, %.1f s): %s", tables, indexes, time.Since(t).Seconds(), strings.Join(parts, ", "))
	site.imp.sizeMetrics = append(site.imp.sizeMetrics, metric{tables, "tables-MB"}, metric{indexes, "indexes-MB"})
}

// pgSizes measures the schema's relations and the database.
func (s *scaleRun) pgSizes(b *testing.B, site *scaleSite) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.pgDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 2 DESC`)
	if err != nil {
		b.Fatal(err)
	}
	var total, idx float64
	var parts []string
	for rows.Next() {
		var name string
		var all, ix int64
		if err := rows.Scan(&name, &all, &ix); err != nil {
			b.Fatal(err)
		}
		total += float64(all) / (1 << 20)
		idx += float64(ix) / (1 << 20)
		if all >= 1<<20 {
			parts = append(parts, fmt.Sprintf("%s %.0f MB (indexes %.0f MB)", name, float64(all)/(1<<20), float64(ix)/(1<<20)))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	var dbSize int64
	var dbName string
	if err := conn.QueryRow(ctx, `SELECT current_database(), pg_database_size(current_database())`).Scan(&dbName, &dbSize); err != nil {
		b.Fatal(err)
	}
	site.imp.sizes = fmt.Sprintf("schema %.0f MB in all: tables with TOAST %.0f MB, indexes %.0f MB (pg_total_relation_size, pg_indexes_size): %s; database %s %.0f MB (pg_database_size, every schema in it)",
		total, total-idx, idx, strings.Join(parts, ", "), dbName, float64(dbSize)/(1<<20))
	site.imp.sizeMetrics = []metric{{total, "schema-MB"}, {total - idx, "tables-MB"}, {idx, "indexes-MB"}, {float64(dbSize) / (1 << 20), "database-MB"}}
}

// hybridSearch embeds every paper of site with the built-in embedder and
// builds an index with the vectors, as serve does, and reports how long
// both took.
func (s *scaleRun) hybridSearch(b *testing.B, site *scaleSite) *search.Service {
	ctx := context.Background()
	emb, err := static.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	svc := search.NewService(site.st, slog.New(slog.DiscardHandler))
	svc.UseEmbedder(emb)
	start := time.Now()
	n, err := svc.EmbedMissing(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	embedded := time.Since(start)
	start = time.Now()
	if err := svc.Build(ctx, nil); err != nil {
		b.Fatal(err)
	}
	built := time.Since(start)
	scalef("%s: embedded %d papers in %.1f s, built the index with %d vectors in %.1f s", site.name, n, embedded.Seconds(), svc.Vectors().Len(), built.Seconds())
	b.ReportMetric(embedded.Seconds(), "embed-s")
	b.ReportMetric(built.Seconds(), "build-s")
	return svc
}

// firstViews serves each of paths once, in process, and reports the
// median and 99th percentile: first views, which the search service has
// not kept similar papers for.
func firstViews(b *testing.B, h http.Handler, paths []string) {
	b.ResetTimer()
	var durations []time.Duration
	for i := 0; i < b.N; i++ {
		durations = durations[:0]
		serveEach(b, h, paths, func(_ int, d time.Duration, _ []byte) { durations = append(durations, d) })
	}
	p50, p99 := percentiles(durations)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// searchOf builds site's search index, once.
func (s *scaleRun) searchOf(b *testing.B, site *scaleSite) *search.Service {
	if site.svc == nil {
		s.buildSearch(b, site)
	}
	return site.svc
}

// buildSearch builds the lexical search index of site's store (once) and
// reports it.
func (s *scaleRun) buildSearch(b *testing.B, site *scaleSite) {
	if site.svc != nil {
		b.Skipf("%s: the index is built already", site.name)
	}
	ctx := context.Background()
	s.changedPages(b, site)
	runtime.GC()
	debug.FreeOSMemory()
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	baseRSS := procStatusMB("VmRSS")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap := ms.HeapInuse
	stopSampler := new(searchBench).sampleHeap()
	svc := search.NewService(site.st, slog.New(slog.DiscardHandler))
	cpu0, start := processCPU(), time.Now()
	var err error
	pprof.Do(ctx, pprof.Labels("scale", "index-"+site.name), func(ctx context.Context) { err = svc.Build(ctx, nil) })
	took, cpu := time.Since(start), processCPU()-cpu0
	if err != nil {
		b.Fatal(err)
	}
	peakHeap := float64(stopSampler()) / (1 << 20)
	peakRSS := procStatusMB("VmHWM")
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := float64(int64(ms.HeapInuse)-int64(baseHeap)) / (1 << 20)
	scope := "since the build started"
	if !reset {
		scope = "of the whole process"
	}
	scalef("%s: SEARCH INDEX %d papers built from the store in %.1f s = %.0f papers/s (lexical, no embedder; process CPU %.1f s); it holds %.0f MB of Go heap (HeapInuse after GC); peak RSS %.0f MB %s (%.0f MB at its start), peak Go heap objects %.0f MB; GOMEMLIMIT=%q; load average %s",
		site.name, svc.Len(), took.Seconds(), float64(svc.Len())/took.Seconds(), cpu.Seconds(), heap, peakRSS, scope, baseRSS, peakHeap, os.Getenv("GOMEMLIMIT"), loadAverage())
	b.ReportMetric(float64(svc.Len()), "papers")
	b.ReportMetric(float64(svc.Len())/took.Seconds(), "papers/s")
	b.ReportMetric(took.Seconds(), "build-s")
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(peakRSS, "peak-RSS-MB")
	b.ReportMetric(peakHeap, "peak-heap-MB")
	b.ReportMetric(0, "ns/op")
	site.svc = svc
}

// feedDays times the day pages of random feed days.
func (s *scaleRun) feedDays(b *testing.B, site *scaleSite, opt web.Options) {
	if len(site.days) == 0 {
		b.Fatal("the feed is empty")
	}
	b.Logf("%s: %d feed days, %d papers in the store", site.name, len(site.days), site.imp.importedPapers)
	latency(b, newHandler(b, site.st, opt), site.days)
}

// searchPaths are the search API's requests for the search benchmarks'
// queries, in their (shuffled) order.
func (s *scaleRun) searchPaths() []string {
	paths := make([]string, len(s.gen.c.queries))
	for i, q := range s.gen.c.queries {
		paths[i] = "/api/papers/search?q=" + url.QueryEscape(q.text)
	}
	return paths
}

// searchAPI times GET /api/papers/search with random queries of the set.
func (s *scaleRun) searchAPI(b *testing.B, site *scaleSite) {
	svc := s.searchOf(b, site)
	b.Logf("%s: %d queries (set %s), 50 results each, lexical", site.name, len(s.gen.c.queries), s.gen.c.queryHash())
	latency(b, newHandler(b, site.st, web.Options{PageCacheBytes: -1, Search: svc}), s.searchPaths())
}

// searchAPIByMode sends every query of the set once, in order, one at a
// time, and reports the latencies by kind of query.
func (s *scaleRun) searchAPIByMode(b *testing.B, site *scaleSite) {
	svc := s.searchOf(b, site)
	h := newHandler(b, site.st, web.Options{PageCacheBytes: -1, Search: svc})
	paths := s.searchPaths()
	lat := map[string][]time.Duration{}
	var size, empty int
	b.ResetTimer()
	serveEach(b, h, paths, func(i int, d time.Duration, body []byte) {
		size += len(body)
		if string(bytes.TrimSpace(body)) == "[]" {
			empty++
		}
		mode := s.gen.c.queries[i].mode
		lat[mode] = append(lat[mode], d)
		lat["all"] = append(lat["all"], d)
	})
	p50, p99 := percentiles(lat["all"])
	scalef("%s: SEARCH API every query once: %d queries, p50 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.1f ms; %d empty answers, mean answer %.1f KB; load average %s",
		site.name, len(paths), p50, p99, mean(lat["all"]), maxMS(lat["all"]), empty, float64(size)/float64(len(paths))/1024, loadAverage())
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	for _, m := range queryModes {
		d := lat[m.name]
		p50, p99 := percentiles(d)
		scalef("%s:   %-8s %4d queries: p50 %8.3f ms  p99 %8.3f ms  mean %8.3f ms  max %8.1f ms", site.name, m.name, len(d), p50, p99, mean(d), maxMS(d))
		b.ReportMetric(p99, m.name+"-p99-ms")
	}
	b.ReportMetric(0, "ns/op")
}

// serveEach serves every path once, in order, one at a time, in process,
// and hands each answer's time and body to done; any answer but 200 fails
// the benchmark.
func serveEach(b *testing.B, h http.Handler, paths []string, done func(i int, d time.Duration, body []byte)) {
	for i, path := range paths {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %.200s", path, rec.Code, rec.Body.String())
		}
		done(i, d, rec.Body.Bytes())
	}
}

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// machineCPU is the CPU time every process has used since boot (user,
// nice, system, irq and softirq), from /proc/stat; 0 where unknown.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * clockTick
}

// postgresCPU is the user and system CPU time of the processes named
// postgres (a local PostgreSQL server's), from /proc; a backend that
// ends in between takes its share with it.
func postgresCPU() time.Duration {
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		// After the name: state is field 3 of stat, utime 14, stime 15.
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * clockTick
}

// changedPages times one page of the change feed (ChangedPapers, 2,000
// papers) at the start of the catalogue and near its end: the index build
// reads every page in turn.
func (s *scaleRun) changedPages(b *testing.B, site *scaleSite) {
	ctx := context.Background()
	const size = 2000
	t := time.Now()
	first, err := site.st.ChangedPapers(ctx, store.Cursor{}, size)
	if err != nil || len(first) == 0 {
		b.Fatalf("%s: change feed: %d papers, %v", site.name, len(first), err)
	}
	atStart := time.Since(t)
	// The generated papers are one import, so one version; their seq
	// numbers follow each other from the first.
	c := first[0].Cursor
	c.Seq += int64(s.gen.n - 2*size)
	t = time.Now()
	end, err := site.st.ChangedPapers(ctx, c, size)
	if err != nil {
		b.Fatal(err)
	}
	atEnd := time.Since(t)
	scalef("%s: change feed, one page of %d papers: %.1f ms at the start of the catalogue, %.1f ms from cursor %+v near its end (%d papers)",
		site.name, size, msf(atStart), msf(atEnd), c, len(end))
	b.ReportMetric(msf(atStart), "feed-page-start-ms")
	b.ReportMetric(msf(atEnd), "feed-page-end-ms")
}

// apiPapersDeep times GET /api/papers from cursors at random places of
// the catalogue.
func (s *scaleRun) apiPapersDeep(b *testing.B, site *scaleSite) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	var paths []string
	for range 300 {
		p, err := site.st.Paper(ctx, s.gen.idAt(rng.IntN(s.gen.n)))
		if err != nil {
			b.Fatal(err)
		}
		// The page after every paper published at or after p.
		cur := strconv.FormatInt(p.Published.UnixMilli(), 10) + ":" + strconv.FormatInt(1<<62, 10)
		paths = append(paths, "/api/papers?cursor="+base64.RawURLEncoding.EncodeToString([]byte(cur)))
	}
	// Deep pages take long enough at scale that latency's 3,000 requests
	// would take many minutes: every cursor once, after 20 to warm up.
	h := newHandler(b, site.st, noCache)
	serveEach(b, h, paths[:20], func(int, time.Duration, []byte) {})
	var lat []time.Duration
	b.ResetTimer()
	serveEach(b, h, paths, func(_ int, d time.Duration, _ []byte) { lat = append(lat, d) })
	p50, p99 := percentiles(lat)
	scalef("%s: GET /api/papers?cursor=... (50 papers a page) from %d cursors at random papers' published times, each once: p50 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.1f ms; load average %s",
		site.name, len(paths), p50, p99, mean(lat), maxMS(lat), loadAverage())
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
