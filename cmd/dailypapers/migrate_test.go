package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// migrated checks migrate's report: every migration by name, and up to date.
func migrated(t *testing.T, out string, names ...string) {
	t.Helper()
	for _, n := range names {
		if !strings.Contains(out, n) {
			t.Errorf("migrate does not list %s:\n%s", n, out)
		}
	}
	if !strings.Contains(out, "up to date") {
		t.Errorf("migrate does not say the schema is up to date:\n%s", out)
	}
}

func TestMigrateSQLite(t *testing.T) {
	data := t.TempDir()
	out, _, err := runCmd(t, "migrate", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	migrated(t, out, "0001_init.sql", "0005_community.sql", "0008_papers_by_date.sql", "0009_leaders.sql", "0011_catalogue.sql", "0012_ai_fields.sql", "0013_comment_html.sql", "0014_imported_submitters.sql", "0019_readers.sql", "15 migrations, 15 applied now")
	out, _, err = runCmd(t, "migrate", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	migrated(t, out, "0001_init.sql", "0008_papers_by_date.sql", "0013_comment_html.sql", "15 migrations, 0 applied now")
	// An upgrade: the file is at migration 7 when several processes of a
	// version with migration 8 start at once. (Processes that create a new
	// file at once are not tested: the first of them to open it can get
	// SQLITE_BUSY from the DSN's journal_mode=WAL in sqlite.Open.)
	data = t.TempDir()
	if _, _, err := runCmd(t, "migrate", "--data", data); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenFile(context.Background(), filepath.Join(data, "dailypapers.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DROP INDEX papers_published; DELETE FROM schema_migrations WHERE version = 8`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Each run succeeds (migration 8 run twice would fail: its index exists).
	concurrently(t, 3, "migrate", "--data", data)
	out, _, err = runCmd(t, "migrate", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	migrated(t, out, "0008_papers_by_date.sql", "0013_comment_html.sql", "15 migrations, 0 applied now")
}

func TestMigratePostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	for _, want := range []string{"8 migrations, 8 applied now", "8 migrations, 0 applied now"} {
		out, _, err := runCmd(t, "migrate", "--data", t.TempDir(), "--db", dsn)
		if err != nil {
			t.Fatal(err)
		}
		migrated(t, out, "0001_init.sql", want)
		if strings.Contains(out, "dailypapers@") && !strings.Contains(out, "xxxxx@") {
			t.Errorf("migrate prints the password: %s", out)
		}
	}
	concurrently(t, 3, "migrate", "--data", t.TempDir(), "--db", pgtest.Schema(t))
}

// concurrently runs n commands at once on one database: all succeed, and
// at least one says it saw migrations applied (a run calls a migration
// applied now if it was applied after the run started, by it or another).
func concurrently(t *testing.T, n int, args ...string) {
	t.Helper()
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout, stderr bytes.Buffer
			errs[i] = run(context.Background(), args, &stdout, &stderr)
			outs[i] = stdout.String() + stderr.String()
		}()
	}
	wg.Wait()
	applied := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("migrate %d of %d at once: %v\n%s", i+1, n, errs[i], outs[i])
			continue
		}
		migrated(t, outs[i], "0001_init.sql")
		applied += strings.Count(outs[i], "(applied now)")
	}
	if t.Failed() {
		return
	}
	if applied == 0 {
		t.Errorf("no run says it applied the migrations:\n%s", strings.Join(outs, "\n"))
	}
}
