package auth

import (
	"bytes"
	"encoding/base64"
	"testing"
)

func TestSessionTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		token, hash := NewSessionToken()
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q: %d bytes, %v", token, len(raw), err)
		}
		if seen[token] {
			t.Fatalf("token %q made twice", token)
		}
		seen[token] = true
		if !bytes.Equal(hash, HashToken(token)) || len(hash) != 32 {
			t.Fatalf("the stored hash is not the token's SHA-256")
		}
		if bytes.Equal(hash, HashToken(token+"x")) {
			t.Fatal("different tokens hash the same")
		}
	}
}
