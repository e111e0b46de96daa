package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashAndVerify(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not in the expected PHC form", h)
	}
	if err := VerifyPassword(h, pw); err != nil {
		t.Errorf("the right password: %v", err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", pw + " "} {
		if err := VerifyPassword(h, wrong); !errors.Is(err, ErrMismatch) {
			t.Errorf("wrong password %q: %v, want ErrMismatch", wrong, err)
		}
	}
	// The same password hashes differently each time (random salt).
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if NeedsRehash(h) {
		t.Error("a fresh hash needs rehashing")
	}
}

// Hashes made with other parameters still verify and ask to be rehashed.
func TestOtherParameters(t *testing.T) {
	h := weakHash(t, "password") // m=8192, t=3, p=2

	if err := VerifyPassword(h, "password"); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := VerifyPassword(h, "Password"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: %v", err)
	}
	if !NeedsRehash(h) {
		t.Error("a hash with weaker parameters does not ask to be rehashed")
	}
}

func weakHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the salt, set weaker parameters and derive the key with them.
	parts := strings.Split(h, "$")
	parts[3] = "m=8192,t=3,p=2"
	p, err := parseHash(strings.Join(parts, "$"))
	if err != nil {
		t.Fatal(err)
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, keyLen)
	parts[5] = base64.RawStdEncoding.EncodeToString(key)
	return strings.Join(parts, "$")
}

func TestDamagedHashes(t *testing.T) {
	good, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, h := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":       with(1, "argon2i"),
		"old version":   with(2, "v=16"),
		"no parameters": with(3, ""),
		"huge memory":   with(3, "m=99999999,t=2,p=1"),
		"zero passes":   with(3, "m=19456,t=0,p=1"),
		"bad salt":      with(4, "!!!"),
		"short key":     with(5, "AAAA"),
		"truncated":     good[:len(good)/2],
		"extra field":   good + "$x",
	} {
		err := VerifyPassword(h, "a long enough password")
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v, want an error saying the hash cannot be read", name, err)
		}
		if !NeedsRehash(h) {
			t.Errorf("%s: an unreadable hash does not need rehashing", name)
		}
	}
	// A changed key is a mismatch, not a parse error. The first character
	// is replaced by another of the base64 alphabet (flipping a bit could
	// leave it, 'z' becoming '{').
	key := []byte(parts[5])
	if key[0] == 'A' {
		key[0] = 'B'
	} else {
		key[0] = 'A'
	}
	if err := VerifyPassword(with(5, string(key)), "a long enough password"); !errors.Is(err, ErrMismatch) {
		t.Errorf("flipped key: %v, want ErrMismatch", err)
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                    "too short",
		"ninechars":                "too short",
		"ten chars!":               "",
		"ünïcödé wörd":             "",
		"\xff\xfe not text at all": "not valid text",
		strings.Repeat("x", 1025):  "too long",
		strings.Repeat("é", 512):   "", // 1024 bytes
	} {
		err := CheckPassword(pw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%.20q: %v, want acceptable", pw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%.20q: %v, want an error saying %q", pw, err, want)
		}
	}
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordBytes+1)); err == nil {
		t.Error("hashing an oversized password did not fail")
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
