package postgres_test

import (
	"context"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

// openFresh opens the store on a new, empty schema of the test database
// (pgtest.Schema), dropped when the test ends.
func openFresh(t *testing.T) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	pgtest.DSN(t) // skip the whole suite at once without a database
	storetest.Run(t, openFresh)
}
