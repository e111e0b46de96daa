package postgres_test

import (
	"errors"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// TestDatabaseGone takes the database away from an open store (through a
// relay it then stops): reads and writes fail as store.ErrUnavailable,
// which the site answers with 503 and Retry-After, not as a bare driver
// error that would be a 500.
func TestDatabaseGone(t *testing.T) {
	ctx := t.Context()
	proxy := pgtest.NewProxy(t, pgtest.Schema(t))
	st, err := postgres.Open(ctx, proxy.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ann := store.Account{User: store.User{Username: "ann"}, Email: "ann@example.org", PasswordHash: "x"}
	if _, err := st.CreateAccount(ctx, ann); err != nil {
		t.Fatal(err)
	}
	proxy.Stop()
	bob := store.Account{User: store.User{Username: "bob"}, Email: "bob@example.org", PasswordHash: "x"}
	if _, err := st.CreateAccount(ctx, bob); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CreateAccount with the database gone: %v, want store.ErrUnavailable", err)
	}
	if _, err := st.Version(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Version with the database gone: %v, want store.ErrUnavailable", err)
	}
	if _, err := st.AccountByEmail(ctx, "ann@example.org"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("AccountByEmail with the database gone: %v, want store.ErrUnavailable", err)
	}
}
