package rows

import (
	"database/sql"
	"html/template"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ScanAccount reads an account's users columns (id, username, fullname,
// avatar_url, email, password_hash, admin, disabled_at, created_at), as
// accountCols names them, then any further columns into more.
func ScanAccount(scan func(dest ...any) error, more ...any) (store.Account, error) {
	var (
		a     store.Account
		email sql.NullString
	)
	dest := append([]any{&a.ID, &a.Username, &a.Fullname, &a.AvatarURL, &email, &a.PasswordHash, &a.Admin,
		Millis(&a.DisabledAt), Millis(&a.CreatedAt)}, more...)
	if err := scan(dest...); err != nil {
		return store.Account{}, err
	}
	a.Email = email.String
	return a, nil
}

// UserDest are the scan destinations of a store.User's users columns (id,
// username, fullname, avatar_url, created_at), as userCols names them.
func UserDest(u *store.User) []any {
	return []any{&u.ID, &u.Username, &u.Fullname, &u.AvatarURL, Millis(&u.CreatedAt)}
}

// ScanComment reads a comment's columns (id, its paper's id, parent_id,
// body, html, created_at, edited_at, deleted_at, hidden, then its author's
// UserDest columns), as commentCols names them, then any further columns
// into more.
func ScanComment(scan func(dest ...any) error, more ...any) (store.Comment, error) {
	var (
		c      store.Comment
		pid    string
		parent sql.NullInt64
		html   sql.NullString
	)
	dest := append(append([]any{&c.ID, &pid, &parent, &c.Body, &html, Millis(&c.CreatedAt), Millis(&c.EditedAt),
		Millis(&c.DeletedAt), &c.Hidden}, UserDest(&c.Author)...), more...)
	if err := scan(dest...); err != nil {
		return store.Comment{}, err
	}
	c.HTML = template.HTML(html.String)
	c.PaperID = paper.ID(pid)
	c.ParentID = parent.Int64
	return c, nil
}

// APITokenDest are the scan destinations of an API token's api_tokens
// columns (id, user_id, name, prefix, token_hash, created_at,
// last_used_at, revoked_at), as apiTokenCols names them.
func APITokenDest(t *store.APIToken) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.TokenHash, Millis(&t.CreatedAt), Millis(&t.LastUsedAt), Millis(&t.RevokedAt)}
}
