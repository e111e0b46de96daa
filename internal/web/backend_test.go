package web

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
)

// onPostgres is set while the handler tests run a second time, on
// PostgreSQL: with DAILYPAPERS_TEST_POSTGRES set, every test that makes
// its store with newStore runs on both backends.
var onPostgres bool

// webBackendEnv tells the browser tests (package web_test, which cannot
// see onPostgres) that this is the PostgreSQL pass: they run once, on SQLite.
const webBackendEnv = "DAILYPAPERS_WEB_TEST_BACKEND"

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && os.Getenv("DAILYPAPERS_TEST_POSTGRES") != "" {
		onPostgres = true
		os.Setenv(webBackendEnv, "postgres")
		code = m.Run()
	}
	os.Exit(code)
}

// postgresStore opens a store on a new schema of the test database,
// dropped when the test ends.
func postgresStore(t *testing.T) store.Store {
	t.Helper()
	dsn := os.Getenv("DAILYPAPERS_TEST_POSTGRES")
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "web_" + hex.EncodeToString(b)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("DAILYPAPERS_TEST_POSTGRES is set but the database cannot be reached: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	return st
}
