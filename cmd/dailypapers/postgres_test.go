package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// The commands work on PostgreSQL with --db as on SQLite: the same file
// imported into both gives the same counts.
func TestCommandsOnPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	const file = "../../internal/ingest/testdata/hf-daily-papers.jsonl"
	counts := func(args ...string) string {
		t.Helper()
		if out, _, err := runCmd(t, append([]string{"import"}, append(args, file)...)...); err != nil {
			t.Fatalf("import %v: %v\n%s", args, err, out)
		}
		out, _, err := runCmd(t, append([]string{"stats"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		// Everything but the first line, which names the database.
		_, rest, _ := strings.Cut(out, "\n")
		return rest
	}
	pg := counts("--data", t.TempDir(), "--db", dsn)
	lite := counts("--data", t.TempDir())
	if pg != lite || !strings.Contains(pg, "papers") {
		t.Errorf("PostgreSQL holds\n%s\nSQLite holds\n%s", pg, lite)
	}
	out, _, _ := runCmd(t, "stats", "--data", t.TempDir(), "--db", dsn)
	if pw, ok := u(dsn).User.Password(); ok && strings.Contains(out, pw+"@") {
		t.Errorf("stats prints the password: %s", out)
	}
	if _, _, err := runCmd(t, "stats", "--db", "mysql://x"); err == nil {
		t.Error("a non-PostgreSQL --db was accepted")
	}
}

func u(s string) *url.URL {
	p, _ := url.Parse(s)
	return p
}

// With --db, every command works from a directory that has no ./data:
// the search index snapshot, which lives in --data, makes its directory
// (import failed there after the papers were in).
func TestPostgresCommandsFromAnyDirectory(t *testing.T) {
	dsn := pgtest.Schema(t)
	file, err := filepath.Abs("../../internal/ingest/testdata/hf-daily-papers.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DAILYPAPERS_DATA", "")
	os.Unsetenv("DAILYPAPERS_DATA") // the default, ./data
	for _, args := range [][]string{
		{"import", "--db", dsn, file},
		{"reindex", "--db", dsn, "--embedder", "none"},
		{"search", "--db", dsn, "--mode", "lexical", "model"},
		{"stats", "--db", dsn},
		{"migrate", "--db", dsn},
		{"digest", "send", "--db", dsn, "--dry-run"},
	} {
		if out, errOut, err := runCmd(t, args...); err != nil {
			t.Errorf("%s in a directory without ./data: %v\n%s%s", args[0], err, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "search.idx")); err != nil {
		t.Errorf("no index snapshot in ./data: %v", err)
	}
}
