// Package auth holds what accounts need to be safe: password hashing now;
// sessions, tokens and rate limits as the account features arrive.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 19 MiB of memory, two passes, one lane, the
// minimum that OWASP's password storage guidance recommends for argon2id
// (m=19456 KiB, t=2, p=1). A hash records its parameters, so they can be
// raised later and old hashes still verify (NeedsRehash says when to
// store a new one).
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	saltLen      = 16
	keyLen       = 32
)

// Password length rules, in characters and bytes. The byte bound keeps a
// huge form field from costing a hash of megabytes.
const (
	MinPasswordLen   = 10
	MaxPasswordBytes = 1024
)

// hashing bounds how many argon2id hashes run at once: each takes 19 MiB
// and a core for about 20 ms, so a flood of sign-in attempts from many
// addresses queues here instead of taking all the memory.
var hashing = make(chan struct{}, runtime.GOMAXPROCS(0))

// argon2idKey is argon2.IDKey, run within the bound.
func argon2idKey(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
}

// ErrMismatch means the password is not the one the hash was made from.
var ErrMismatch = errors.New("auth: wrong password")

// CheckPassword says, in words a sign-up form can show, what is wrong
// with a new password; nil when it is acceptable.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return errors.New("the password is not valid text")
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("the password is too long (at most %d bytes)", MaxPasswordBytes)
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Errorf("the password is too short: use at least %d characters", MinPasswordLen)
	}
	return nil
}

// HashPassword hashes pw with argon2id and a random salt, in the PHC
// string format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64
// without padding.
func HashPassword(pw string) (string, error) {
	if len(pw) > MaxPasswordBytes {
		return "", fmt.Errorf("auth: password of %d bytes", len(pw))
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed hash.
type phc struct {
	memory    uint32
	time      uint32
	threads   uint8
	salt, key []byte
}

func parseHash(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errors.New("auth: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, fmt.Errorf("auth: argon2 version %q", parts[2])
	}
	var threads uint
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &threads); err != nil || n != 3 {
		return h, fmt.Errorf("auth: argon2 parameters %q", parts[3])
	}
	// Bounds keep a damaged or hostile hash from costing gigabytes.
	if h.memory < 8 || h.memory > 1<<22 || h.time < 1 || h.time > 64 || threads < 1 || threads > 255 {
		return h, fmt.Errorf("auth: argon2 parameters out of range %q", parts[3])
	}
	h.threads = uint8(threads)
	var err error
	b64 := base64.RawStdEncoding
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errors.New("auth: bad salt")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, errors.New("auth: bad key")
	}
	return h, nil
}

// VerifyPassword checks pw against a hash made by HashPassword (with any
// parameters): nil when it matches, ErrMismatch when it does not, another
// error when the hash cannot be read.
func VerifyPassword(hash, pw string) error {
	h, err := parseHash(hash)
	if err != nil {
		return err
	}
	if len(pw) > MaxPasswordBytes {
		return ErrMismatch
	}
	key := argon2idKey([]byte(pw), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	if subtle.ConstantTimeCompare(key, h.key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether a hash was made with other parameters than
// the current ones, so that a sign-in should store a new hash.
func NeedsRehash(hash string) bool {
	h, err := parseHash(hash)
	return err != nil || h.memory != argonMemory || h.time != argonTime || h.threads != argonThreads ||
		len(h.salt) != saltLen || len(h.key) != keyLen
}
