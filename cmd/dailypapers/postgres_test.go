package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgSchema makes a schema of its own in the test database and returns a
// DSN whose connections use it; it skips without DAILYPAPERS_TEST_POSTGRES.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("DAILYPAPERS_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PostgreSQL tests skipped: set DAILYPAPERS_TEST_POSTGRES=postgres://user:pass@127.0.0.1/dbname to run them")
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("DAILYPAPERS_TEST_POSTGRES is set but the database cannot be reached: %v", err)
	}
	defer c.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cmd_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// The commands work on PostgreSQL with --db as on SQLite: the same file
// imported into both gives the same counts.
func TestCommandsOnPostgres(t *testing.T) {
	dsn := pgSchema(t)
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
