package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Purposes of signed links. A token signed for one purpose is refused for
// another, so that a manage link cannot be replayed as a confirmation.
const (
	PurposeConfirm     = "confirm"
	PurposeManage      = "manage"
	PurposeUnsubscribe = "unsubscribe"
)

// ErrBadToken is any token that is not one this site signed for the
// purpose, or that has expired. Pages show one clear message for it.
var ErrBadToken = errors.New("digest: the link is not valid or has expired")

// Signer makes and checks the tokens in mailed links: the purpose, the
// subscription id and an expiry, with an HMAC-SHA256 over them keyed by
// the site's secret. Nothing is stored: a token is valid exactly when its
// MAC is.
type Signer struct {
	key []byte
}

// NewSigner needs a key of at least 32 bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("digest: the signing key has %d bytes, want at least 32", len(key))
	}
	return &Signer{key: key}, nil
}

// Sign returns a token for purpose and id that expires at exp (never when
// exp is zero).
func (s *Signer) Sign(purpose string, id int64, exp time.Time) string {
	var e int64
	if !exp.IsZero() {
		e = exp.Unix()
	}
	payload := purpose + "." + strconv.FormatInt(id, 36) + "." + strconv.FormatInt(e, 36)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// Verify returns the subscription id of a token signed for purpose that
// has not expired at now, or ErrBadToken.
func (s *Signer) Verify(token, purpose string, now time.Time) (int64, error) {
	p64, m64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 {
		return 0, ErrBadToken
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(payload))) {
		return 0, ErrBadToken
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 3 || parts[0] != purpose {
		return 0, ErrBadToken
	}
	id, err1 := strconv.ParseInt(parts[1], 36, 64)
	exp, err2 := strconv.ParseInt(parts[2], 36, 64)
	if err1 != nil || err2 != nil || id <= 0 || exp != 0 && now.Unix() >= exp {
		return 0, ErrBadToken
	}
	return id, nil
}

func (s *Signer) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}
