package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

func testAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.AccountByEmail(ctx, "ada@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an empty store finds an account: %v", err)
	}
	ada, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "ada", Fullname: "Ada Lovelace"},
		Email: "Ada@Example.org", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID == 0 || ada.CreatedAt.IsZero() || time.Since(ada.CreatedAt) > time.Minute {
		t.Errorf("created account has id %d, created %v", ada.ID, ada.CreatedAt)
	}
	got, err := s.AccountByEmail(ctx, "ada@EXAMPLE.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ada.ID || got.Username != "ada" || got.Fullname != "Ada Lovelace" || got.Email != "Ada@Example.org" ||
		got.PasswordHash != ada.PasswordHash || !got.Admin || !got.DisabledAt.IsZero() || !got.CreatedAt.Equal(ada.CreatedAt) {
		t.Errorf("read back %+v, stored %+v", got, ada)
	}

	// An address or a name already taken, in any case, is a conflict.
	for _, a := range []store.Account{
		{User: store.User{Username: "ada2"}, Email: "ADA@example.org"},
		{User: store.User{Username: "ADA"}, Email: "other@example.org"},
	} {
		if _, err := s.CreateAccount(ctx, a); !errors.Is(err, store.ErrConflict) {
			t.Errorf("account %s <%s>: %v, want ErrConflict", a.Username, a.Email, err)
		}
	}
	// The name of a submitter met in an imported feed is not an account's:
	// a person may take it here, and the imported entries stay apart.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00801", Title: "A paper"},
		Submission: &store.Submission{Day: "2025-03-18", Submitter: "akhaliq", SubmittedAt: ms("2025-03-18", 9, 0, 0, 0)}})
	ak, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "AKhaliq"}, Email: "ak@example.org"})
	if err != nil {
		t.Fatalf("an account with an imported submitter's name: %v", err)
	}
	if subs, err := s.UserSubmissions(ctx, ak.ID, 0); err != nil || len(subs) != 0 {
		t.Errorf("the new account's submissions = %q, %v; want none (the imported entry is not theirs)", entries(subs), err)
	}
	bob, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "bob"}, Email: "bob@example.org",
		DisabledAt: time.UnixMilli(1750000000000).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.AccountByEmail(ctx, "bob@example.org")
	if err != nil || got.ID != bob.ID || got.Admin || !got.DisabledAt.Equal(bob.DisabledAt) {
		t.Errorf("bob read back %+v, %v", got, err)
	}
	// Submitters without an address are not accounts.
	if _, err := s.AccountByEmail(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the empty address finds %v", err)
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "ada"}, Email: "ada@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "bob"}, Email: "bob@example.org", PasswordHash: "h",
		DisabledAt: time.UnixMilli(1750000000000)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1760000000000).UTC()
	hash := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	for _, sess := range []store.Session{
		{TokenHash: hash(1), UserID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: hash(2), UserID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour)},
		{TokenHash: hash(3), UserID: ada.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Minute)},
		{TokenHash: hash(4), UserID: bob.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	// A session of an account that does not exist is refused alike by
	// both backends: the foreign key is a missing row, not a driver error.
	if err := s.CreateSession(ctx, store.Session{TokenHash: hash(8), UserID: bob.ID + 1000, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of an unknown account: %v, want ErrNotFound", err)
	}
	a, sess, err := s.SessionAccount(ctx, hash(1), now)
	if err != nil || a.ID != ada.ID || a.Email != "ada@example.org" || !sess.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("live session: %+v %+v, %v", a, sess, err)
	}
	for name, h := range map[string][]byte{"expired": hash(3), "disabled account": hash(4), "unknown": hash(9)} {
		if _, _, err := s.SessionAccount(ctx, h, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s session: %v, want ErrNotFound", name, err)
		}
	}
	// The first session ends at its expiry, not a millisecond later.
	if _, _, err := s.SessionAccount(ctx, hash(1), now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("at its expiry: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, hash(1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionAccount(ctx, hash(1), now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after signing out: %v", err)
	}
	if _, _, err := s.SessionAccount(ctx, hash(2), now); err != nil {
		t.Errorf("the other session ended too: %v", err)
	}
	if err := s.DeleteSession(ctx, hash(9)); err != nil {
		t.Errorf("ending an unknown session: %v", err)
	}
	if err := s.DeleteUserSessions(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionAccount(ctx, hash(2), now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after signing out everywhere: %v", err)
	}
}
