// Package pgtest gives tests of any package a PostgreSQL schema of their
// own in the test database named by DAILYPAPERS_TEST_POSTGRES.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the test database: postgres://user:pass@host/dbname, a
// database the user may create schemas in.
const Env = "DAILYPAPERS_TEST_POSTGRES"

// DSN returns the test database, or skips the test, saying how to run it,
// when Env is not set.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skip("PostgreSQL tests skipped: set " + Env + "=postgres://user:pass@127.0.0.1/dbname (a database the user may create schemas in) to run them")
	}
	return dsn
}

// Schema makes a new, empty schema in the test database, dropped when the
// test ends, and returns a DSN whose connections use it. A database that
// cannot be reached fails the test: Env says it should be there.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s is set but the database cannot be reached: %v", Env, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("dropping %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("%s must be a URL, postgres://...: %q", Env, dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
