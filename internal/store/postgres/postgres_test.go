package postgres_test

import (
	"context"
	"errors"
	"strings"
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

// TestReadMapsDriverErrors: reads through queryAll map driver errors to the
// store's sentinels as writes do; a NUL byte, which PostgreSQL's text
// cannot hold, is invalid input rather than a failure of the database.
func TestReadMapsDriverErrors(t *testing.T) {
	st := openFresh(t)
	defer st.Close()
	_, err := st.Comments(context.Background(), "2501.00001\x00")
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Comments of an id with a NUL byte: %v, want store.ErrInvalid", err)
	}
	if err == nil || strings.Count(err.Error(), "store: ") != 1 {
		t.Errorf("Comments of an id with a NUL byte: %q, want one \"store: \" prefix", err)
	}
}
