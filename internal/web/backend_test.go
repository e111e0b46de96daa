package web

import (
	"context"
	"os"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
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
	if code == 0 && os.Getenv(pgtest.Env) != "" {
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
	st, err := postgres.Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // before the schema's cleanup drops it
	return st
}
