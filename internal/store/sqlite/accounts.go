package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// CreateAccount inserts an account; a taken username or address is
// store.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	a.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	var disabled, email any
	if !a.DisabledAt.IsZero() {
		disabled = a.DisabledAt.UnixMilli()
	}
	if a.Email != "" { // an account without an address stays out of the unique index
		email = a.Email
	}
	err := s.w.QueryRowContext(ctx, `INSERT INTO users (username, fullname, email, password_hash, admin, disabled_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Username, a.Fullname, email, a.PasswordHash, a.Admin, disabled, a.CreatedAt.UnixMilli()).Scan(&a.ID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return store.Account{}, fmt.Errorf("store: account %s <%s>: %w", a.Username, a.Email, store.ErrConflict)
		}
		return store.Account{}, fmt.Errorf("store: create account: %w", err)
	}
	return a, nil
}

// AccountByEmail finds an account by address, ignoring case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	var (
		a        store.Account
		created  int64
		disabled sql.NullInt64
	)
	err := s.r.QueryRowContext(ctx, `SELECT id, username, fullname, avatar_url, email, password_hash, admin, disabled_at, created_at
		FROM users WHERE email = ? COLLATE NOCASE`, email).Scan(
		&a.ID, &a.Username, &a.Fullname, &a.AvatarURL, &a.Email, &a.PasswordHash, &a.Admin, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("store: account <%s>: %w", email, store.ErrNotFound)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("store: account <%s>: %w", email, err)
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	if disabled.Valid {
		a.DisabledAt = time.UnixMilli(disabled.Int64).UTC()
	}
	return a, nil
}
