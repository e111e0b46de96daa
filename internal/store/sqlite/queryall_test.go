package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
)

// TestQueryAllMapsDriverErrors: every read goes through queryAll or collect,
// so they map a driver error to the store's sentinels once and prefix it
// once. A statement that reads rows and breaks a constraint is the one
// driver error a query can give here.
func TestQueryAllMapsDriverErrors(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	insert := `INSERT INTO users (username, created_at) VALUES ('ada', 0) RETURNING id`
	scan := func(scan func(dest ...any) error) (int64, error) {
		var id int64
		return id, scan(&id)
	}
	if _, err := queryAll(t.Context(), s.w, "add ada", scan, insert); err != nil {
		t.Fatal(err)
	}
	_, err = queryAll(t.Context(), s.w, "add ada", scan, insert)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("second insert: %v, want store.ErrConflict", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "store: add ada: ") || strings.Count(err.Error(), "store: ") != 1 {
		t.Errorf("second insert: %q, want one prefix \"store: add ada: \"", err)
	}
}
