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
