package sqlite_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
)

// TestLockedPastBusyTimeout holds the write lock from another connection,
// as another process's long import would, past the writer's busy timeout:
// the write fails as store.ErrUnavailable (which the site answers with
// 503 and Retry-After), and works again once the lock is released.
func TestLockedPastBusyTimeout(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	s := openClosing(t, path)
	if err := s.SetBusyTimeout(ctx, 50); err != nil {
		t.Fatal(err)
	}
	other := rawDB(t, path)
	other.SetMaxOpenConns(1)
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	ann := store.Account{User: store.User{Username: "ann"}, Email: "ann@example.org", PasswordHash: "x"}
	_, err = s.CreateAccount(ctx, ann)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("CreateAccount while another connection holds the write lock: %v, want store.ErrUnavailable", err)
	}
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("the error is also another sentinel: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, ann); err != nil {
		t.Errorf("CreateAccount once the lock is released: %v", err)
	}
}
