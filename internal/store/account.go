package store

import "time"

// Account is a user who can sign in.
type Account struct {
	User
	Email        string
	PasswordHash string // auth.HashPassword's form
	Admin        bool
	DisabledAt   time.Time // zero while the account may sign in
}

// Session is a signed-in account's session. TokenHash is the SHA-256 of
// the token in the cookie (auth.NewSessionToken).
type Session struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}
