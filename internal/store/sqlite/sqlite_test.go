package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "dailypapers.db"))
	})
}

// open opens the store at path; the caller closes it.
func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

// openClosing opens the store at path and closes it when the test ends.
func openClosing(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s := open(t, path)
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens the file through database/sql alone, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func write(t *testing.T, s store.Store, recs ...store.Record) {
	t.Helper()
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	if _, err := im.Write(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
}

func rec(id, title, day string) store.Record {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	r := store.Record{Paper: paper.Paper{ID: paper.ID(id), Title: title, Upvotes: 1, AsOf: at}}
	if day != "" {
		r.Submission = &store.Submission{Day: day, Submitter: "alice", SubmittedAt: at}
	}
	return r
}

func stats(t *testing.T, s store.Store) store.Stats {
	t.Helper()
	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestOpenCreatesFileAndDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "dailypapers.db")
	s := open(t, path)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("directory %s: %v", dir, err)
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		t.Fatalf("database file %s: %v", path, err)
	}
}

// Data directories are named by people: URI-special characters in the path
// must name the same file, not another one.
func TestOpenPathWithSpecialCharacters(t *testing.T) {
	for _, name := range []string{"with space", "hash#tag", "per%20cent", "amp&er=sand", "quest?ion", "semi;colon"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, name, "dailypapers.db")
			s := open(t, path)
			write(t, s, rec("2506.00001", "Here", "2025-06-01"))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				entries, _ := filepath.Glob(filepath.Join(root, "*"))
				t.Fatalf("no database at %s (%v); the directory holds %q", path, err, entries)
			}
			s = openClosing(t, path)
			if st := stats(t, s); st.Papers != 1 {
				t.Errorf("reopened store holds %d papers, want 1", st.Papers)
			}
		})
	}
}

type migration struct {
	Version   int
	Name      string
	AppliedAt int64
}

func migrations(t *testing.T, path string) []migration {
	t.Helper()
	rows, err := rawDB(t, path).QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []migration
	for rows.Next() {
		var m migration
		if err := rows.Scan(&m.Version, &m.Name, &m.AppliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReopenKeepsDataAndMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := open(t, path)
	write(t, s, rec("2506.00001", "Kept", "2025-06-01"), rec("2506.00002", "Also kept", ""))
	before := stats(t, s)
	v, err := s.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	first := migrations(t, path)
	if len(first) == 0 || first[0].Version != 1 || first[0].Name != "0001_init.sql" {
		t.Fatalf("schema_migrations after the first open = %+v, want 0001_init.sql first", first)
	}

	s = openClosing(t, path)
	if got := migrations(t, path); !slices.Equal(got, first) {
		t.Errorf("schema_migrations after reopening = %+v, want it unchanged: %+v", got, first)
	}
	if got := stats(t, s); got != before {
		t.Errorf("Stats after reopening = %+v, want %+v", got, before)
	}
	p, err := s.Paper(t.Context(), "2506.00001")
	if err != nil || p.Title != "Kept" {
		t.Errorf("Paper after reopening = %q, %v; want Kept", p.Title, err)
	}
	if got, err := s.Version(t.Context()); err != nil || got < v {
		t.Errorf("Version after reopening = %d, %v; want at least %d", got, err, v)
	}
}

func TestPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	openClosing(t, path)
	db := rawDB(t, path)
	var mode string
	if err := db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var pageSize int
	if err := db.QueryRowContext(t.Context(), `PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if pageSize != 8192 {
		t.Errorf("page_size = %d, want 8192", pageSize)
	}
}

// Readers map the file; the writer, which an import runs on, does not.
func TestReadersMapTheFile(t *testing.T) {
	s := openClosing(t, filepath.Join(t.TempDir(), "dailypapers.db"))
	reader, writer, err := s.Pragmas(t.Context(), "mmap_size")
	if err != nil {
		t.Fatal(err)
	}
	if reader < 1<<30 || writer != 0 {
		t.Errorf("mmap_size = %d for readers and %d for the writer, want at least 1 GiB and 0", reader, writer)
	}
}

// The mail queue's steps commit with synchronous=NORMAL and leave the
// writer at FULL for every other write, also when a step fails.
func TestQueueStepsLeaveSynchronousFull(t *testing.T) {
	s := openClosing(t, filepath.Join(t.TempDir(), "dailypapers.db"))
	ctx := t.Context()
	sub, _, err := s.Subscribe(ctx, store.Subscription{Email: "ada@example.org", Frequency: store.Daily})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmSubscription(ctx, sub.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueDigests(ctx, "daily:2025-09-03", []int64{sub.ID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	job, err := s.ClaimMailJob(ctx, "c1", time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSending(ctx, job.ID, "someone else", "<m@x>"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("MarkSending with another's claim: %v, want a conflict", err)
	}
	if err := s.MarkSending(ctx, job.ID, "c1", "<m@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, job.ID, "c1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, writer, err := s.Pragmas(ctx, "synchronous"); err != nil || writer != 2 {
		t.Errorf("the writer's synchronous after the queue's steps = %d, %v; want 2 (FULL)", writer, err)
	}
}

// Readers go on while an import is open, see the data as it was before
// it, and see all of it at once when it commits.
func TestReadersDuringImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := openClosing(t, path)
	write(t, s, rec("2506.00001", "Old", "2025-06-01"))
	v0, err := s.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	newer := rec("2506.00001", "New", "2025-06-01")
	newer.Paper.AsOf = newer.Paper.AsOf.Add(time.Hour)
	if _, err := im.Write(t.Context(), []store.Record{newer, rec("2506.00002", "Added", "2025-06-02")}); err != nil {
		t.Fatal(err)
	}

	// Another program with the file open: it must also get in.
	other := openClosing(t, path)

	// A generous deadline only turns a reader stuck behind the writer into
	// a failure instead of a hang.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	check := func(s store.Store, wantTitle string, wantPapers int) error {
		p, err := s.Paper(ctx, "2506.00001")
		if err != nil || p.Title != wantTitle {
			return fmt.Errorf("Paper = %q, %v; want %q", p.Title, err, wantTitle)
		}
		_, err = s.Paper(ctx, "2506.00002")
		if found := err == nil; found != (wantPapers == 2) {
			return fmt.Errorf("new paper: %v with %d papers expected", err, wantPapers)
		}
		n, err := s.FeedCount(ctx, "2025-06-01", "2025-06-30")
		if err != nil || n != wantPapers {
			return fmt.Errorf("FeedCount = %d, %v; want %d", n, err, wantPapers)
		}
		st, err := s.Stats(ctx)
		if err != nil || st.Papers != wantPapers {
			return fmt.Errorf("Stats = %+v, %v; want %d papers", st, err, wantPapers)
		}
		return nil
	}
	readAll := func(wantTitle string, wantPapers int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() {
				s := store.Store(s)
				if i%2 == 1 {
					s = other
				}
				if err := check(s, wantTitle, wantPapers); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	readAll("Old", 1)
	for _, s := range []store.Store{s, other} {
		if v, err := s.Version(ctx); err != nil || v != v0 {
			t.Errorf("Version during the import = %d, %v; want %d", v, err, v0)
		}
	}

	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	readAll("New", 2)
	for _, s := range []store.Store{s, other} {
		if v, err := s.Version(ctx); err != nil || v <= v0 {
			t.Errorf("Version after the import = %d, %v; want more than %d", v, err, v0)
		}
	}
}

// A store closed in the middle of an import (a program stopping without
// committing) leaves the file as it was before the import.
func TestCloseWithOpenImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := open(t, path)
	write(t, s, rec("2506.00001", "Before", "2025-06-01"))
	before := stats(t, s)
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(t.Context(), bulk(2000, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening after closing with an open import: %v", err)
	}
	defer s2.Close()
	if got := stats(t, s2); got != before {
		t.Errorf("Stats after reopening = %+v, want %+v", got, before)
	}
	if _, err := s2.Paper(t.Context(), "2507.00000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a paper of the uncommitted import: %v, want ErrNotFound", err)
	}
	// The abandoned import is over: committing it now fails and stores nothing.
	if err := im.Commit(); err == nil {
		t.Error("Commit of an import whose store was closed succeeded")
	}
	if got := stats(t, s2); got != before {
		t.Errorf("Stats after the late Commit = %+v, want %+v", got, before)
	}
}

// bulk makes n papers on the feed with abstracts of about size bytes.
func bulk(n, size int) []store.Record {
	recs := make([]store.Record, n)
	abstract := strings.Repeat("An abstract long enough to fill pages. ", size/39+1)
	for i := range recs {
		recs[i] = rec(fmt.Sprintf("2507.%05d", i), "Uncommitted", "2025-07-01")
		recs[i].Paper.Abstract = abstract
	}
	return recs
}

const crashEnv = "DAILYPAPERS_TEST_CRASH_DB"

// TestMain lets the crash test run this binary as a program that dies in
// the middle of an import.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashDuringImport(path)
		return
	}
	os.Exit(m.Run())
}

func crashDuringImport(path string) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	im, err := s.BeginImport(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// More than the 64 MiB page cache holds, so that uncommitted pages
	// spill into the WAL file, in batches as the importer writes them.
	recs := bulk(1000, 100_000)
	for i := 0; i < len(recs); i += 100 {
		if _, err := im.Write(ctx, recs[i:i+100]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fmt.Println("written")
	os.Stdout.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// A process killed in the middle of an import leaves nothing of it.
func TestCrashDuringImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := open(t, path)
	write(t, s, rec("2506.00001", "Before", "2025-06-01"))
	before := stats(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(string(out), "written") {
		t.Fatalf("the crashing import: %v, output %q", err, out)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the crashing import ended with %v, want SIGKILL; stderr %s", ee, ee.Stderr)
	}

	// Not an assertion (the cache size is the store's business), but the
	// test is worth most when uncommitted pages did reach the WAL file.
	if fi, err := os.Stat(path + "-wal"); err == nil {
		t.Logf("the crash left a WAL file of %d bytes", fi.Size())
	}
	s = openClosing(t, path)
	if got := stats(t, s); got != before {
		t.Errorf("Stats after the crash = %+v, want %+v", got, before)
	}
	if _, err := s.Paper(t.Context(), "2507.00000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a paper of the crashed import: %v, want ErrNotFound", err)
	}
	// The store takes writes again.
	write(t, s, rec("2506.00002", "After", "2025-06-02"))
	if got := stats(t, s); got.Papers != before.Papers+1 {
		t.Errorf("Stats after a new import = %+v, want %d papers", got, before.Papers+1)
	}
}

// Processes that start together on a new database file all open it.
func TestOpenNewFileConcurrently(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "dailypapers.db")
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				s, err := sqlite.Open(context.Background(), path)
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}

// After an import commits, its WAL is copied into the database and cut
// back, instead of staying on disk as big as the import.
func TestWALIsTruncatedAfterAnImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var recs []store.Record
	abstract := strings.Repeat("A long abstract about many things. ", 400) // 14 KB
	for i := range 250 {                                                   // about 3.5 MB: a WAL of that size stays on disk unless cut back
		recs = append(recs, store.Record{Paper: paper.Paper{ID: paper.ID(fmt.Sprintf("2501.%05d", i)), Title: "Paper", Abstract: abstract}})
	}
	im, err := s.BeginImport(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	db, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if db.Size() < 3<<20 || wal.Size() > 1<<20 {
		t.Errorf("database %d MB, WAL %d KB after the import; want the WAL cut back", db.Size()>>20, wal.Size()>>10)
	}
}

// Migration 0014 turns the users that imports made (no address, no
// password) into text on their entries, keeps only names that pass the
// username rules, and leaves accounts and their entries alone.
func TestMigrationImportedSubmitters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := open(t, path)
	write(t, s, rec("2506.00001", "One", ""), rec("2506.00002", "Two", ""), rec("2506.00003", "Three", ""))
	carol, err := s.CreateAccount(t.Context(), store.Account{User: store.User{Username: "carol", Fullname: "Carol"},
		Email: "carol@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The database as it was before 0014, with what imports made then.
	db := rawDB(t, path)
	for _, q := range []string{
		`DROP INDEX feed_entries_imported_submitter`,
		`ALTER TABLE feed_entries DROP COLUMN imported_submitter`,
		`ALTER TABLE feed_entries DROP COLUMN imported_fullname`,
		`DELETE FROM schema_migrations WHERE version = 14`,
		`INSERT INTO users (id, username, fullname, created_at) VALUES (100, 'AKhaliq', 'AK', 0), (101, 'evil<script>', '', 0)`,
		`INSERT INTO feed_entries (paper_seq, day, submitter_id, submitted_at)
			SELECT seq, '2025-06-01', CASE id WHEN '2506.00001' THEN 100 WHEN '2506.00002' THEN 101 ELSE ` + fmt.Sprint(carol.ID) + ` END, 0 FROM papers`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s = openClosing(t, path)
	storetest.ImportedSubmittersMigrated(t, s, carol.User)
}

// Every limit a site asks goes through ThrottleAll, so it prunes the
// buckets whose time has passed as Throttle does: rate_limits holds the
// recent keys, not every key ever seen.
func TestThrottleAllPrunes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := openClosing(t, path)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 1100 {
		at := t0
		if i >= 1000 {
			at = t0.Add(time.Hour) // the first 1000 keys' buckets are full again by then
		}
		if ok, _, err := s.ThrottleAll(t.Context(), at, store.Bucket{Key: fmt.Sprint("k", i), Burst: 5, Every: time.Second}); err != nil || !ok {
			t.Fatalf("event %d: %v, %v", i, ok, err)
		}
	}
	var n int
	if err := rawDB(t, path).QueryRowContext(t.Context(), `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 100 {
		t.Errorf("%d rows in rate_limits, want the 100 recent keys at most", n)
	}
}

// Two imports open at once in one process: each reads without the write
// lock, the first to write takes it, and the other's first write waits
// for it to end; both land.
func TestTwoImportsAtOnce(t *testing.T) {
	s := openClosing(t, filepath.Join(t.TempDir(), "dailypapers.db"))
	ctx := t.Context()
	one, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	two, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := one.Write(ctx, []store.Record{{Paper: paper.Paper{ID: "2601.00001", Title: "One"}}}); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := two.Write(ctx, []store.Record{{Paper: paper.Paper{ID: "2601.00002", Title: "Two"}}})
		wrote <- err
	}()
	select {
	case err := <-wrote:
		t.Fatalf("the second import wrote while the first held the write lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := one.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if err := two.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []paper.ID{"2601.00001", "2601.00002"} {
		if _, err := s.Paper(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

// Migration 0017 indexes the papers stored before it by author and category.
func TestMigrationIndexesAuthors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := open(t, path)
	storetest.SeedAuthors(t, s)
	s.Close()
	db := rawDB(t, path)
	for _, q := range []string{`DROP TABLE paper_reads`, `DROP TABLE follows`, `DROP TABLE author_claims`,
		`DROP TABLE paper_categories`, `DROP TABLE paper_authors`, `DELETE FROM schema_migrations WHERE version = 17`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	storetest.AuthorIndexFilled(t, openClosing(t, path))
}
