package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewSessionToken makes a session token for a cookie (32 random bytes,
// base64url) and the hash to store for it.
func NewSessionToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24 and later)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token: its SHA-256. Tokens are long
// and random, so a fast hash is enough; no salt is needed.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// APITokenPrefix starts every personal API token, so that secret scanners
// and people can recognise one.
const APITokenPrefix = "dp_"

// NewAPIToken makes a personal API token (APITokenPrefix and 32 random
// bytes, base64url), the hash to store for it, and the first characters
// shown to tell tokens apart. The token is shown once and never stored.
func NewAPIToken() (token string, hash []byte, shown string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), token[:len(APITokenPrefix)+6]
}
