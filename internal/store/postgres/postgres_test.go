package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

// testDSN is the database the tests use, from DAILYPAPERS_TEST_POSTGRES.
// Without it the tests skip, saying how to run them; with it, a database
// that cannot be reached fails them.
func testDSN(t *testing.T) string {
	dsn := os.Getenv("DAILYPAPERS_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PostgreSQL tests skipped: set DAILYPAPERS_TEST_POSTGRES=postgres://user:pass@127.0.0.1/dbname (a database the user may create schemas in) to run them")
	}
	return dsn
}

// openFresh opens the store on a new, empty schema of the test database,
// dropped when the test ends.
func openFresh(t *testing.T) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// freshSchema makes a new, empty schema in the test database, dropped when
// the test ends, and returns a DSN whose connections use it.
func freshSchema(t *testing.T) string {
	t.Helper()
	dsn := testDSN(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("DAILYPAPERS_TEST_POSTGRES is set but the database cannot be reached: %v", err)
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
	return withSearchPath(t, dsn, schema)
}

// withSearchPath points a DSN's connections at one schema.
func withSearchPath(t *testing.T, dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("DAILYPAPERS_TEST_POSTGRES must be a URL, postgres://...: %q", dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, openFresh)
}
