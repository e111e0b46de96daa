// Package mail defines how the application sends email — password-reset
// links now, digests later — and provides the senders that need no mail
// server: LogSender for development and Outbox, an in-memory sender for
// tests. It also validates the addresses people sign up with.
package mail

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is one email to one recipient.
type Message struct {
	// To is the recipient's address, as returned by CheckAddress.
	To string
	// Subject is the subject line, without any encoding.
	Subject string
	// Text is the plain-text body. Every message has one.
	Text string
	// HTML is an optional HTML alternative to Text.
	HTML string
	// Headers holds extra headers such as List-Unsubscribe, keyed by
	// canonical header name. It may be nil.
	Headers map[string]string
	// MessageID is the Message-ID header's value without the angle
	// brackets, such as "digest-42@papers.example.org". Senders that write
	// real mail (SMTPSender) make a random one when it is empty; give one
	// to recognise the message later, or to keep it the same across
	// retries of one digest.
	MessageID string
	// Date is the Date header's value; the zero time means "when sent".
	Date time.Time
}

// clone returns a copy of m that shares no memory with it.
func (m Message) clone() Message {
	m.Headers = maps.Clone(m.Headers)
	return m
}

// A Sender delivers messages. Send returns once the message has been handed
// on (to a mail server, a log, ...), or with an error if it could not be.
// Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender is a Sender for development: instead of sending a message it
// logs it at info level, including the whole text body so that a developer
// can follow links in it (a password-reset link, say). Never use it in
// production, where those links must reach only the recipient.
type LogSender struct {
	// Log receives the messages; if nil, slog.Default() is used.
	Log *slog.Logger
}

// Send logs m and returns nil.
func (s LogSender) Send(ctx context.Context, m Message) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail not sent, logged instead (development sender)",
		"to", m.To,
		"subject", m.Subject,
		"text", m.Text,
		"html_bytes", len(m.HTML),
	)
	return nil
}

// Outbox is a Sender that keeps every message in memory instead of
// delivering it. It is a real, working sender within one process, meant for
// tests of other packages: send through it, then read what was sent with
// Messages or Wait (for example to pick the reset link out of a
// password-reset mail). The zero value is ready to use; an Outbox must not
// be copied after first use.
type Outbox struct {
	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced whenever a message arrives
}

// Send stores a copy of m. It fails only if ctx is already done, like a
// real sender would.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.messages = append(o.messages, m.clone())
	if o.arrived != nil {
		close(o.arrived)
		o.arrived = nil
	}
	return nil
}

// Messages returns copies of the messages sent so far, oldest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.snapshot()
}

// snapshot copies o.messages; o.mu must be held.
func (o *Outbox) snapshot() []Message {
	out := make([]Message, len(o.messages))
	for i, m := range o.messages {
		out[i] = m.clone()
	}
	return out
}

// Wait waits until at least n messages have been sent and returns them all
// (as Messages does). If ctx is done first, it returns the messages sent so
// far and ctx's error.
func (o *Outbox) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		o.mu.Lock()
		if len(o.messages) >= n {
			msgs := o.snapshot()
			o.mu.Unlock()
			return msgs, nil
		}
		if o.arrived == nil {
			o.arrived = make(chan struct{})
		}
		arrived := o.arrived
		o.mu.Unlock()

		select {
		case <-arrived:
		case <-ctx.Done():
			return o.Messages(), ctx.Err()
		}
	}
}

// MaxAddressBytes is the longest address CheckAddress accepts: the most that
// fits in an SMTP forward path (RFC 5321, section 4.5.3.1.3).
const MaxAddressBytes = 254

// maxLocalBytes is the longest part before the @ that SMTP must support
// (RFC 5321, section 4.5.3.1.1).
const maxLocalBytes = 64

// CheckAddress validates an email address given at sign-up and returns it
// with surrounding white space removed. It accepts a bare address such as
// "ada@example.org" and refuses, with an error whose text can be shown to
// the person who typed it:
//   - anything net/mail.ParseAddress does not accept;
//   - display names and angle brackets ("Ada <ada@example.org>"), comments
//     and quoted local parts: the address must be written plainly;
//   - addresses longer than MaxAddressBytes, or with more than 64 bytes
//     before the @;
//   - control characters, including line breaks inside the address;
//   - domains without a dot (such as "localhost") and domain literals
//     ("[192.0.2.1]"): mail to people goes to registered domain names.
//
// It does not check that the domain exists or accepts mail.
func CheckAddress(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	switch {
	case addr == "":
		return "", errors.New("Please enter your email address.")
	case len(addr) > MaxAddressBytes:
		return "", invalid("it is too long")
	case !utf8.ValidString(addr) || strings.ContainsFunc(addr, unicode.IsControl):
		return "", invalid("it contains characters that cannot be part of an address")
	case strings.ContainsAny(addr, "<>"):
		return "", invalid("enter just the address, like ada@example.org, without a name or angle brackets")
	case !strings.Contains(addr, "@"):
		return "", invalid("it has no @ sign")
	}

	parsed, err := netmail.ParseAddress(addr)
	if err != nil {
		return "", invalid("it should look like ada@example.org")
	}
	if parsed.Name != "" || parsed.Address != addr {
		// A comment ("ada@example.org (Ada)"), a quoted local part or
		// some other form that does not round-trip unchanged.
		return "", invalid("enter just the address, like ada@example.org, without a name, quotes or comments")
	}

	at := strings.LastIndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	switch {
	case len(local) > maxLocalBytes:
		return "", invalid("the part before the @ is too long")
	case strings.HasPrefix(domain, "["):
		return "", invalid("the part after the @ must be a domain name such as example.org")
	case !strings.Contains(domain, ".") || slices.Contains(strings.Split(domain, "."), ""):
		return "", invalid("the part after the @ must be a full domain name such as example.org")
	}
	return addr, nil
}

// invalid returns a user-facing error saying why an address was refused.
func invalid(why string) error {
	return errors.New("That email address is not valid: " + why + ".")
}
