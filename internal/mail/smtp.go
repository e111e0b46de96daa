package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	netmail "net/mail"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"
)

// The values of SMTPConfig.TLS.
const (
	// TLSNone sends everything, credentials included, in clear text. Use
	// it only for a mail server on the same machine.
	TLSNone = "none"
	// TLSStartTLS connects in clear text and then switches to TLS with
	// the STARTTLS command (usually on port 587). The server must offer
	// STARTTLS: there is no fallback to clear text.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte ("SMTPS", usually on
	// port 465).
	TLSImplicit = "tls"
)

// DefaultSMTPTimeout is the SMTPConfig.Timeout used when it is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig says how SMTPSender reaches its mail server.
type SMTPConfig struct {
	// Host is the mail server's name or IP address, without the port.
	Host string
	// Port is the server's TCP port. Zero means the usual port for TLS:
	// 25 for "none", 587 for "starttls", 465 for "tls".
	Port int
	// TLS is one of TLSNone ("none"), TLSStartTLS ("starttls") and
	// TLSImplicit ("tls"). Empty means "starttls".
	TLS string
	// Username and Password log in with AUTH PLAIN (or LOGIN when the
	// server offers only that). No AUTH is done when Username is empty.
	// Credentials are never sent in clear text except to localhost,
	// 127.0.0.1 or ::1.
	Username, Password string
	// From is the sender, with or without a display name, such as
	// "Daily Papers <papers@example.org>". Its address is also the
	// envelope sender (MAIL FROM), and its domain ends the Message-IDs
	// that SMTPSender makes.
	From string
	// HeloName is the name the sender gives in EHLO, ideally this
	// machine's public host name. Empty means "localhost".
	HeloName string
	// Timeout bounds each step of a delivery: connecting (with the TLS
	// handshake), each command and its reply, writing the message.
	// Zero means DefaultSMTPTimeout.
	Timeout time.Duration
	// RatePerSecond is the most messages per second the sender starts
	// to deliver, across all goroutines using it; a delivery waits for
	// its turn. Zero means no limit.
	RatePerSecond float64
	// TLSConfig is optional: for a server whose certificate is signed by
	// a private authority (set RootCAs) and for tests. Its ServerName
	// defaults to Host. Nil means the system's roots.
	TLSConfig *tls.Config
}

// withDefaults returns cfg with its zero values replaced by defaults.
func (cfg SMTPConfig) withDefaults() SMTPConfig {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSNone:
			cfg.Port = 25
		case TLSStartTLS:
			cfg.Port = 587
		case TLSImplicit:
			cfg.Port = 465
		}
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "localhost"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	return cfg
}

// Validate reports every problem with cfg, each in a sentence that names
// the field, or nil if NewSMTP would accept it.
func (cfg SMTPConfig) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("smtp config: "+format, args...))
	}
	c := cfg.withDefaults()

	switch {
	case c.Host == "":
		bad("Host is empty: set the mail server's name or IP address")
	case strings.ContainsFunc(c.Host, isSpaceOrControl):
		bad("Host %q contains white space or control characters", c.Host)
	case strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil:
		bad("Host %q looks like host:port: give the port in Port instead", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		bad("Port %d is out of range: use 1 to 65535, or 0 for the usual port", c.Port)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		bad("TLS %q is not one of %q, %q and %q", cfg.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if c.Password != "" && c.Username == "" {
		bad("Password is set but Username is empty")
	}
	if c.Username != "" && c.TLS == TLSNone && !isLocalhost(c.Host) {
		bad("Username is set but TLS is %q: credentials would cross the network in clear text to %s; use %q or %q",
			TLSNone, c.Host, TLSStartTLS, TLSImplicit)
	}
	if strings.ContainsAny(c.Username+c.Password, "\r\n\x00") {
		bad("Username or Password contains a line break or NUL")
	}
	if c.From == "" {
		bad("From is empty: set the sender, such as \"Daily Papers <papers@example.org>\"")
	} else if strings.ContainsAny(c.From, "\r\n") {
		bad("From contains a line break")
	} else if a, err := netmail.ParseAddress(c.From); err != nil {
		bad("From %q is not an address such as \"Daily Papers <papers@example.org>\": %v", c.From, err)
	} else if !strings.Contains(a.Address, "@") || strings.HasSuffix(a.Address, "@") {
		bad("From %q has no domain after the @", c.From)
	}
	if strings.ContainsFunc(c.HeloName, isSpaceOrControl) {
		bad("HeloName %q contains white space or control characters", c.HeloName)
	}
	if c.Timeout < 0 {
		bad("Timeout %v is negative: use a positive duration, or 0 for %v", c.Timeout, DefaultSMTPTimeout)
	}
	if c.RatePerSecond < 0 || math.IsNaN(c.RatePerSecond) || math.IsInf(c.RatePerSecond, 0) {
		bad("RatePerSecond %v is not a positive number (0 means no limit)", c.RatePerSecond)
	}
	return errors.Join(errs...)
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}

// isLocalhost is the rule by which go-mail's smtp package lets credentials
// go out without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// SMTPSender delivers messages to one SMTP server (a relay or submission
// server), one connection per message. It is safe for concurrent use.
type SMTPSender struct {
	cfg     SMTPConfig // with defaults applied
	addr    string     // host:port
	from    *netmail.Address
	idHost  string // the right-hand side of the Message-IDs it makes
	limiter *rate.Limiter

	// now and sleep are time.Now and a context-aware time.Sleep, replaced
	// by tests of the rate limit.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTP returns a sender for cfg, or cfg.Validate's error. It does not
// connect: a wrong host or password shows in the first delivery.
func NewSMTP(cfg SMTPConfig) (*SMTPSender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	from, _ := netmail.ParseAddress(cfg.From) // checked by Validate
	s := &SMTPSender{
		cfg:    cfg,
		addr:   net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		from:   from,
		idHost: from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		now:    time.Now,
		sleep:  sleepCtx,
	}
	if cfg.RatePerSecond > 0 {
		// A burst of one: messages start at least 1/RatePerSecond apart.
		s.limiter = rate.NewLimiter(rate.Limit(cfg.RatePerSecond), 1)
	}
	return s, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Send delivers m: it is Deliver with a commit that does nothing.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	return s.Deliver(ctx, m, nil)
}

// Deliver delivers m in two phases, so that a caller can record the
// delivery in its database at the last moment at which it can still be
// called off. It connects, says EHLO, switches to TLS and logs in as
// configured, gives MAIL FROM, RCPT TO and DATA, and writes the whole
// message, all but the line with a single dot that ends it. Only then does
// it call commit. If commit returns an error, Deliver closes the
// connection without sending that dot, so the server discards the
// message, and returns commit's error unchanged. Otherwise it sends the
// dot and reads the server's reply: from then on the message may have been
// accepted.
//
// So when commit is called, everything that could refuse the message
// before the end of DATA (the server, the recipient, the network so far)
// has said yes, and if Deliver returns an error that wraps ErrUncertain,
// the message may or may not have been delivered. For exactly-once
// digests: in commit, mark the digest "sending" in the same transaction
// that claims it; on nil, mark it sent; on ErrUncertain, mark it unknown
// (never send it again automatically); on any other error, nothing was
// delivered and the mark can be undone, to retry later if IsTemporary.
//
// A nil commit does nothing. Once commit has returned nil, the end of the
// delivery no longer heeds ctx (cancelling then could only make the
// outcome uncertain); it is bounded by the configured Timeout instead.
//
// Errors: a message refused before connecting (an invalid recipient, a
// header with a line break, ...) wraps ErrInvalidMessage; a reply of the
// server that refuses is an *SMTPError; see also IsPermanent, IsTemporary
// and ErrUncertain.
func (s *SMTPSender) Deliver(ctx context.Context, m Message, commit func() error) error {
	rcpt, raw, err := s.compose(m)
	if err != nil {
		return err
	}
	if err := s.wait(ctx); err != nil {
		return fmt.Errorf("smtp: waiting for the rate limit: %w", err)
	}
	return s.transmit(ctx, rcpt, raw, commit)
}

// wait waits for the rate limiter, if there is one.
func (s *SMTPSender) wait(ctx context.Context) error {
	if s.limiter == nil {
		return ctx.Err()
	}
	now := s.now()
	r := s.limiter.ReserveN(now, 1) // always OK: the burst is 1
	d := r.DelayFrom(now)
	if d <= 0 {
		return ctx.Err()
	}
	if err := s.sleep(ctx, d); err != nil {
		r.CancelAt(s.now()) // give the turn back to the others
		return err
	}
	return nil
}

// ErrInvalidMessage is wrapped by the errors of Deliver and Send for a
// message that no retry can send: a recipient that CheckAddress refuses,
// a line break in a header (which could inject headers such as Bcc), an
// empty text body, and the like. Nothing was sent.
var ErrInvalidMessage = errors.New("mail: invalid message")

// ErrUncertain is wrapped by the error of Deliver and Send when the
// connection failed (or the reply could not be read) after the final dot
// of DATA had begun to be sent: the server may have accepted the message
// or not. Such a message must not be retried automatically if duplicates
// matter. IsTemporary and IsPermanent are false for it.
var ErrUncertain = errors.New("mail: delivery uncertain: the connection failed after the message was sent, before the server replied")

func invalidMessage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidMessage}, args...)...)
}

// SMTPError is a reply of the SMTP server that refused a command.
type SMTPError struct {
	// Command is what was refused: "greeting", "EHLO", "STARTTLS",
	// "AUTH", "MAIL FROM", "RCPT TO", "DATA" or "end of data" (the reply
	// to the final dot: the server refused the message itself).
	Command string
	// Code is the reply code, such as 451 or 550.
	Code int
	// Message is the reply text (with an enhanced status code such as
	// "5.1.1" if the server gave one), lines joined by "\n".
	Message string
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("smtp: server refused %s: %d %s", e.Command, e.Code, e.Message)
}

// Temporary reports whether the reply was a 4xx one: the same message
// may be accepted later.
func (e *SMTPError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// Permanent reports whether the reply was a 5xx one: sending the same
// message again will fail the same way.
func (e *SMTPError) Permanent() bool { return e.Code >= 500 && e.Code < 600 }

// IsPermanent reports whether err says that the message could not be
// delivered and that trying again will not help: the server replied with
// a 5xx code (see SMTPError.Command for which command; a 535 to AUTH is a
// configuration problem rather than the recipient's), or the message was
// refused before connecting (ErrInvalidMessage, such as a recipient that
// CheckAddress refuses). It is false for ErrUncertain errors.
func IsPermanent(err error) bool {
	if err == nil || errors.Is(err, ErrUncertain) {
		return false
	}
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var se *SMTPError
	return errors.As(err, &se) && se.Permanent()
}

// IsTemporary reports whether err says that the message was not delivered
// but may be later: the server replied with a 4xx code, or the network
// failed or timed out (connection refused or reset, ...) before the end of
// the message was sent, or the context was done. It is false for
// ErrUncertain errors.
//
// Some errors are neither temporary nor permanent: configuration problems
// such as a certificate that does not verify, a server without STARTTLS,
// or one without a usable AUTH mechanism. Nothing was delivered; retrying
// helps only once the configuration or the server is fixed.
func IsTemporary(err error) bool {
	if err == nil || errors.Is(err, ErrUncertain) || errors.Is(err, ErrInvalidMessage) {
		return false
	}
	var se *SMTPError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// maxHeaderValue is the longest value Message.Headers may hold.
const maxHeaderValue = 900

// reservedHeaders are the headers that Message.Headers may not set,
// because they are made from the other fields or by the MIME writer.
var reservedHeaders = []string{
	"Bcc", "Cc", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Reply-To", "Return-Path", "Sender",
	"Subject", "To",
}

// compose checks m and writes it out; it returns the recipient's address
// and the message as it goes into DATA.
func (s *SMTPSender) compose(m Message) (rcpt string, raw []byte, err error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return "", nil, invalidMessage("recipient %q refused: it contains a line break (header injection?)", m.To)
	}
	to, err := CheckAddress(m.To)
	if err != nil {
		return "", nil, invalidMessage("recipient %q refused: %w", m.To, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return "", nil, invalidMessage("subject %q refused: it contains a line break (header injection?)", m.Subject)
	}
	if m.Text == "" {
		return "", nil, invalidMessage("the message has no text body")
	}

	// The extra headers, in a fixed order so that the output is stable.
	keys := make([]string, 0, len(m.Headers))
	seen := make(map[string]bool, len(m.Headers))
	for k, v := range m.Headers {
		if !validHeaderName(k) {
			return "", nil, invalidMessage("header name %q refused: a header name is printable ASCII without spaces or colons (header injection?)", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return "", nil, invalidMessage("value of header %s refused: it contains a line break (header injection?)", k)
		}
		if len(v) > maxHeaderValue {
			// Folding happens only at spaces, and a line may not
			// exceed 998 bytes (RFC 5322, section 2.1.1).
			return "", nil, invalidMessage("value of header %s refused: it is %d bytes long, more than %d", k, len(v), maxHeaderValue)
		}
		canon := textproto.CanonicalMIMEHeaderKey(k)
		if slices.Contains(reservedHeaders, canon) {
			return "", nil, invalidMessage("header %s refused: it is set from the message's other fields", k)
		}
		if seen[canon] {
			return "", nil, invalidMessage("header %s refused: it is given twice", k)
		}
		seen[canon] = true
		keys = append(keys, k)
	}
	slices.Sort(keys)

	id := m.MessageID
	if id == "" {
		id = s.newMessageID()
	} else if !validMessageID(id) {
		return "", nil, invalidMessage("Message-ID %q refused: give it as left@right, printable ASCII without angle brackets or white space", id)
	}
	date := m.Date
	if date.IsZero() {
		date = s.now()
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent()) // UTF-8, quoted-printable
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(&netmail.Address{Address: to})
	msg.Subject(m.Subject) // RFC 2047-encoded if needed
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(id)
	for _, k := range keys {
		// ASCII values go out as they are (folded at spaces if long);
		// others are RFC 2047-encoded.
		msg.SetGenHeader(gomail.Header(k), m.Headers[k])
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		// Two parts make a multipart/alternative, text first: clients
		// show the last part they can display.
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return "", nil, fmt.Errorf("smtp: composing the message: %w", err)
	}
	return to, buf.Bytes(), nil
}

// validHeaderName reports whether k is a header field name (RFC 5322,
// section 3.6.8: printable ASCII except the colon).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func validMessageID(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || len(id) > 250 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newMessageID returns 136 random bits @ the sender's domain.
func (s *SMTPSender) newMessageID() string {
	var b [17]byte
	_, _ = rand.Read(b[:]) // never fails
	return strings.ToLower(idEncoding.EncodeToString(b[:])) + "@" + s.idHost
}

// conversation holds one connection's deadlines: each step gets the
// configured timeout (or less if ctx's deadline is sooner), and ctx being
// done ends the step in progress, until detach.
type conversation struct {
	ctx     context.Context
	conn    net.Conn // the connection the client is built on (TLS or not)
	timeout time.Duration

	mu       sync.Mutex
	done     bool // ctx is done and not detached: deadlines are in the past
	detached bool
	stop     func() bool
}

func newConversation(ctx context.Context, conn net.Conn, timeout time.Duration) *conversation {
	cv := &conversation{ctx: ctx, conn: conn, timeout: timeout}
	cv.stop = context.AfterFunc(ctx, func() {
		cv.mu.Lock()
		defer cv.mu.Unlock()
		if !cv.detached {
			cv.done = true
			_ = cv.conn.SetDeadline(time.Unix(1, 0)) // wakes up any read or write
		}
	})
	return cv
}

// step sets the deadline for the next step.
func (cv *conversation) step() error {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if cv.done {
		return cv.ctx.Err()
	}
	deadline := time.Now().Add(cv.timeout)
	if d, ok := cv.ctx.Deadline(); ok && d.Before(deadline) && !cv.detached {
		deadline = d
	}
	return cv.conn.SetDeadline(deadline)
}

// detach makes ctx no longer matter.
func (cv *conversation) detach() {
	cv.stop()
	cv.mu.Lock()
	defer cv.mu.Unlock()
	cv.detached = true
	cv.done = false
}

// fail turns the error of the given step into the one Deliver returns.
func (cv *conversation) fail(command string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SMTPError{Command: command, Code: te.Code, Message: te.Msg}
	}
	cv.mu.Lock()
	detached := cv.detached
	cv.mu.Unlock()
	ctxErr := cv.ctx.Err()
	if d, ok := cv.ctx.Deadline(); ok && ctxErr == nil && !time.Now().Before(d) {
		// The connection's deadline was ctx's, and it has passed: ctx
		// may not have noticed yet.
		ctxErr = context.DeadlineExceeded
	}
	if ctxErr != nil && !detached {
		// Most likely what ended the step (through the deadline).
		return fmt.Errorf("smtp %s: %w (%w)", command, ctxErr, err)
	}
	return fmt.Errorf("smtp %s: %w", command, err)
}

// transmit is the SMTP conversation of Deliver.
func (s *SMTPSender) transmit(ctx context.Context, rcpt string, raw []byte, commit func() error) (err error) {
	cfg := s.cfg
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}

	dialCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var conn net.Conn
	if cfg.TLS == TLSImplicit {
		d := tls.Dialer{Config: tlsConfig}
		conn, err = d.DialContext(dialCtx, "tcp", s.addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(dialCtx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: connecting to %s: %w", s.addr, err)
	}
	cv := newConversation(ctx, conn, cfg.Timeout)
	defer cv.stop()

	var c *smtp.Client
	closed := false
	defer func() {
		if closed {
			return
		}
		var te *textproto.Error
		var se *SMTPError
		if c != nil && (err == nil || errors.As(err, &te) || errors.As(err, &se)) {
			// The conversation is in order: say goodbye.
			_ = conn.SetDeadline(time.Now().Add(min(cfg.Timeout, 5*time.Second)))
			_ = c.Quit()
		}
		_ = conn.Close()
	}()

	if err := cv.step(); err != nil {
		return cv.fail("greeting", err)
	}
	c, err = smtp.NewClient(conn, cfg.Host) // reads the 220 greeting
	if err != nil {
		return cv.fail("greeting", err)
	}
	if err := cv.step(); err != nil {
		return cv.fail("EHLO", err)
	}
	if err := c.Hello(cfg.HeloName); err != nil {
		return cv.fail("EHLO", err)
	}

	if cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("smtp: %s does not offer STARTTLS, and TLS is %q (no fallback to clear text)", s.addr, TLSStartTLS)
		}
		if err := cv.step(); err != nil {
			return cv.fail("STARTTLS", err)
		}
		// StartTLS also repeats EHLO, over TLS.
		if err := c.StartTLS(tlsConfig); err != nil {
			return cv.fail("STARTTLS", err)
		}
	}

	if cfg.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fmt.Errorf("smtp: %s does not offer AUTH, but a Username is set", s.addr)
		}
		var auth smtp.Auth
		switch list := strings.Fields(strings.ToUpper(mechs)); {
		case slices.Contains(list, "PLAIN"):
			auth = smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host, false)
		case slices.Contains(list, "LOGIN"):
			auth = smtp.LoginAuth(cfg.Username, cfg.Password, cfg.Host, false)
		default:
			return fmt.Errorf("smtp: %s offers AUTH %s, none of which this sender speaks (PLAIN, LOGIN)", s.addr, mechs)
		}
		if err := cv.step(); err != nil {
			return cv.fail("AUTH", err)
		}
		if err := c.Auth(auth); err != nil {
			return cv.fail("AUTH", err)
		}
	}

	if err := cv.step(); err != nil {
		return cv.fail("MAIL FROM", err)
	}
	if err := c.Mail("<" + s.from.Address + ">"); err != nil {
		return cv.fail("MAIL FROM", err)
	}
	if err := cv.step(); err != nil {
		return cv.fail("RCPT TO", err)
	}
	if err := c.Rcpt("<" + rcpt + ">"); err != nil {
		return cv.fail("RCPT TO", err)
	}
	if err := cv.step(); err != nil {
		return cv.fail("DATA", err)
	}
	w, err := c.Data()
	if err != nil {
		return cv.fail("DATA", err)
	}

	// w dot-stuffs what it is given; its Close writes the final
	// "\r\n.\r\n" and reads the reply. So: write the whole message, push
	// it out of the buffer onto the connection (so that the network has
	// taken all of it before commit), and only then commit.
	if err := cv.step(); err != nil {
		return cv.fail("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return cv.fail("DATA", err)
	}
	if err := c.Text.W.Flush(); err != nil {
		return cv.fail("DATA", err)
	}

	if commit != nil {
		if err := commit(); err != nil {
			// Abort: close the connection without closing w, so the dot
			// is never written. A server discards a message whose DATA
			// ends without it (RFC 5321, section 4.1.1.4). RSET is no
			// way out here: in DATA it would be read as message text.
			closed = true
			_ = conn.Close()
			return err
		}
	}

	// Committed: finish even if ctx is done now, within Timeout.
	cv.detach()
	if err := cv.step(); err != nil {
		// Nothing more went out: the server discards the message.
		closed = true
		_ = conn.Close()
		return cv.fail("end of data", err)
	}
	if err := w.Close(); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			// The server read the whole message and refused it.
			return cv.fail("end of data", err)
		}
		// The dot may or may not have arrived, and the server may
		// have accepted the message.
		closed = true
		_ = conn.Close()
		return fmt.Errorf("%w: %w", ErrUncertain, cv.fail("end of data", err))
	}
	return nil
}
