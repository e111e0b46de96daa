package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// CreateAccount inserts an account; a taken username or address is
// store.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	a.CreatedAt = rows.Now()
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
		return store.Account{}, fmt.Errorf("store: account %s <%s>: %w", a.Username, a.Email, mapErr(err))
	}
	return a, nil
}

// accountCols are the users columns of an account, as rows.ScanAccount reads
// them, for a query that names the users table u.
const accountCols = `u.id, u.username, u.fullname, u.avatar_url, u.email, u.password_hash, u.admin, u.disabled_at, u.created_at`

// AccountByEmail finds an account by address, ignoring case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	a, err := rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM users u WHERE u.email = ? COLLATE NOCASE`, email).Scan)
	if err != nil {
		return store.Account{}, fmt.Errorf("store: account <%s>: %w", email, mapErr(err))
	}
	return a, nil
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		sess.TokenHash, sess.UserID, sess.CreatedAt.UnixMilli(), sess.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionAccount finds a live session's account.
func (s *Store) SessionAccount(ctx context.Context, tokenHash []byte, now time.Time) (store.Account, store.Session, error) {
	var created, expires int64
	a, err := rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+`, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`, tokenHash, now.UnixMilli()).Scan,

		&created, &expires)

	if err != nil {
		return store.Account{}, store.Session{}, fmt.Errorf("store: session: %w", mapErr(err))
	}
	return a, store.Session{TokenHash: tokenHash, UserID: a.ID,
		CreatedAt: time.UnixMilli(created).UTC(), ExpiresAt: time.UnixMilli(expires).UTC()}, nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of an account.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: delete sessions: %w", err)
	}
	return nil
}
