package main

import (
	"net/url"
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
