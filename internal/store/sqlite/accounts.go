package sqlite

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// CreateAccount inserts an account; a taken username or address is
// store.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (_ store.Account, err error) {
	defer wrap(&err, "account %s <%s>", a.Username, a.Email)
	a.CreatedAt = rows.Now()
	var email any
	if a.Email != "" { // an account without an address stays out of the unique index
		email = a.Email
	}
	err = s.w.QueryRowContext(ctx, `INSERT INTO users (username, fullname, email, password_hash, admin, disabled_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Username, a.Fullname, email, a.PasswordHash, a.Admin, rows.NullMillis(a.DisabledAt), a.CreatedAt.UnixMilli()).Scan(&a.ID)
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// accountCols are the users columns of an account, as rows.ScanAccount reads
// them, for a query that names the users table u.
const accountCols = `u.id, u.username, u.fullname, u.avatar_url, u.email, u.password_hash, u.admin, u.disabled_at, u.created_at`

// AccountByEmail finds an account by address, ignoring case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (_ store.Account, err error) {
	defer wrap(&err, "account <%s>", email)
	return rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM users u WHERE u.email = ? COLLATE NOCASE`, email).Scan)
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) (err error) {
	defer wrap(&err, "create session")
	_, err = s.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		sess.TokenHash, sess.UserID, sess.CreatedAt.UnixMilli(), sess.ExpiresAt.UnixMilli())
	return err
}

// SessionAccount finds a live session's account.
func (s *Store) SessionAccount(ctx context.Context, tokenHash []byte, now time.Time) (_ store.Account, _ store.Session, err error) {
	defer wrap(&err, "session")
	sess := store.Session{TokenHash: tokenHash}
	// Every signed-in request asks: a statement prepared once.
	st, err := s.stmt(ctx, `SELECT `+accountCols+`, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`)
	if err != nil {
		return store.Account{}, store.Session{}, err
	}
	a, err := rows.ScanAccount(st.QueryRowContext(ctx, tokenHash, now.UnixMilli()).Scan,
		rows.Millis(&sess.CreatedAt), rows.Millis(&sess.ExpiresAt))
	if err != nil {
		return store.Account{}, store.Session{}, err
	}
	sess.UserID = a.ID
	return a, sess, nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) (err error) {
	defer wrap(&err, "delete session")
	_, err = s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteUserSessions ends every session of an account.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (err error) {
	defer wrap(&err, "delete sessions")
	_, err = s.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}
