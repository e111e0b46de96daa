package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/paper"
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

// TestImportMapsDriverErrors: each step of an import's Write maps driver
// errors once, the read of the batch's feed entries as its writes do.
func TestImportMapsDriverErrors(t *testing.T) {
	st := openFresh(t)
	defer st.Close()
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	_, err = im.Write(ctx, []store.Record{{
		Paper:      paper.Paper{ID: "2501.00001", Title: "A paper"},
		Submission: &store.Submission{Day: "2025-01-02\x00"}, // no text of PostgreSQL's holds a NUL byte
	}})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Write of a day with a NUL byte: %v, want store.ErrInvalid", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "store: import: ") || strings.Count(err.Error(), "store: ") != 1 {
		t.Errorf("Write of a day with a NUL byte: %q, want one prefix \"store: import: \"", err)
	}
}
