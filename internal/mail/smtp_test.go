package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"net"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// mailpitSender returns a sender to mp, logging in (mailpit accepts any
// credentials, even without TLS).
func mailpitSender(t testing.TB, mp *mailpit.Server, edit func(*SMTPConfig)) *SMTPSender {
	t.Helper()
	cfg := SMTPConfig{
		Host:     mp.SMTPHost,
		Port:     mp.SMTPPort,
		TLS:      TLSNone,
		Username: "digest",
		Password: "secret",
		From:     "Daily Papers <papers@example.org>",
		HeloName: "test.example.org",
		Timeout:  10 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPConfigValidate(t *testing.T) {
	good := SMTPConfig{Host: "smtp.example.org", Username: "u", Password: "p", From: "Daily Papers <papers@example.org>"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	s, err := NewSMTP(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.TLS != TLSStartTLS || s.cfg.Port != 587 || s.cfg.Timeout != DefaultSMTPTimeout ||
		s.cfg.HeloName != "localhost" || s.addr != "smtp.example.org:587" || s.limiter != nil {
		t.Errorf("defaults: %+v, addr %s", s.cfg, s.addr)
	}
	for _, tls := range []struct {
		mode string
		port int
	}{{TLSNone, 25}, {TLSImplicit, 465}} {
		c := good
		c.TLS, c.Username, c.Password = tls.mode, "", ""
		if s, err := NewSMTP(c); err != nil || s.cfg.Port != tls.port {
			t.Errorf("TLS %q: port %v, err %v; want %d", tls.mode, s, err, tls.port)
		}
	}
	v6 := good
	v6.Host, v6.Port = "::1", 2525
	if s, err := NewSMTP(v6); err != nil || s.addr != "[::1]:2525" {
		t.Errorf("IPv6 host: %v, %v", s, err)
	}
	local := good
	local.Host, local.TLS = "127.0.0.1", TLSNone
	if err := local.Validate(); err != nil {
		t.Errorf("credentials in clear text to 127.0.0.1 refused: %v", err)
	}

	for _, tc := range []struct {
		edit func(*SMTPConfig)
		want string
	}{
		{func(c *SMTPConfig) { c.Host = "" }, "Host is empty"},
		{func(c *SMTPConfig) { c.Host = "smtp.example.org:587" }, "give the port in Port"},
		{func(c *SMTPConfig) { c.Host = "smtp.example.org\r\nX" }, "control characters"},
		{func(c *SMTPConfig) { c.Port = 70000 }, "Port 70000 is out of range"},
		{func(c *SMTPConfig) { c.Port = -1 }, "Port -1 is out of range"},
		{func(c *SMTPConfig) { c.TLS = "ssl" }, `TLS "ssl" is not one of`},
		{func(c *SMTPConfig) { c.Username = "" }, "Password is set but Username is empty"},
		{func(c *SMTPConfig) { c.TLS = TLSNone }, "clear text"},
		{func(c *SMTPConfig) { c.From = "" }, "From is empty"},
		{func(c *SMTPConfig) { c.From = "not an address" }, "is not an address"},
		{func(c *SMTPConfig) { c.From = "a@b.c\r\nBcc: x@y.z" }, "From contains a line break"},
		{func(c *SMTPConfig) { c.HeloName = "my host" }, "HeloName"},
		{func(c *SMTPConfig) { c.Timeout = -time.Second }, "Timeout -1s is negative"},
		{func(c *SMTPConfig) { c.RatePerSecond = -1 }, "RatePerSecond"},
	} {
		c := good
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: Validate() = %v, want an error with %q", c, err, tc.want)
		}
		if _, err := NewSMTP(c); err == nil {
			t.Errorf("%+v: NewSMTP accepted it", c)
		}
	}
	// Every problem is reported at once.
	err = SMTPConfig{Port: -1}.Validate()
	for _, want := range []string{"Host is empty", "Port -1", "From is empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() of an empty config = %v, want it to mention %q", err, want)
		}
	}
}

func TestSMTPSendMultipartRoundTrip(t *testing.T) {
	mp := mailpit.Start(t)
	s := mailpitSender(t, mp, nil)

	date := time.Date(2026, 3, 14, 7, 30, 0, 0, time.FixedZone("CET", 3600))
	m := Message{
		To:      "ada@example.org",
		Subject: "Ihre Übersicht: 3 neue Artikel über Gödel ✓ — 日本語の件名も長くなると折り返されるはずです",
		Text:    "Grüße, Ada!\n\nÜber „Gödel“: ∀x ∃y.\n.\nA line with a lone dot above, and a long one: " + strings.Repeat("wörd ", 40) + "\n",
		HTML:    "<p>Grüße, <b>Ada</b>!</p>\n<p>Über „Gödel“: ∀x ∃y.</p>\n",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://papers.example.org/unsubscribe?token=abc123-def456-0123456789abcdef>, <mailto:unsubscribe@example.org?subject=abc123>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"X-Digest-Id":           "42",
		},
		MessageID: "digest-42.7@papers.example.org",
		Date:      date,
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait(t, 1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(msgs))
	}
	sum := msgs[0]
	if sum.Subject != m.Subject || sum.MessageID != m.MessageID ||
		sum.From != (mailpit.Address{Name: "Daily Papers", Address: "papers@example.org"}) ||
		len(sum.To) != 1 || sum.To[0].Address != m.To || sum.Username != "digest" {
		t.Errorf("summary: %+v", sum)
	}

	got := mp.Message(t, sum.ID)
	// Mail travels with CRLF line ends; Mailpit gives the parts as sent.
	crlf := strings.NewReplacer("\n", "\r\n")
	if got.Text != crlf.Replace(m.Text) {
		t.Errorf("text part:\n got %q\nwant %q", got.Text, m.Text)
	}
	if got.HTML != crlf.Replace(m.HTML) {
		t.Errorf("HTML part:\n got %q\nwant %q", got.HTML, m.HTML)
	}
	if !got.Date.Equal(date) {
		t.Errorf("Date = %v, want %v", got.Date, date)
	}
	wantHeaders := map[string]string{
		"From":                  `"Daily Papers" <papers@example.org>`, // as net/mail writes it
		"To":                    "<ada@example.org>",
		"Date":                  "Sat, 14 Mar 2026 07:30:00 +0100",
		"Message-ID":            "<digest-42.7@papers.example.org>",
		"List-Unsubscribe":      m.Headers["List-Unsubscribe"],
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"X-Digest-Id":           "42",
		"Mime-Version":          "1.0",
	}
	for name, want := range wantHeaders {
		if v := got.Headers[textproto.CanonicalMIMEHeaderKey(name)]; len(v) != 1 || v[0] != want {
			t.Errorf("header %s = %q, want [%q]", name, v, want)
		}
	}
	subject := got.Header("Subject")
	if decoded, err := new(mime.WordDecoder).DecodeHeader(subject); err != nil || decoded != m.Subject {
		t.Errorf("Subject header %q decodes to %q (%v), want %q", subject, decoded, err, m.Subject)
	}
	if !strings.HasPrefix(got.Header("Content-Type"), "multipart/alternative;") {
		t.Errorf("Content-Type = %q", got.Header("Content-Type"))
	}
	for _, h := range []string{"Bcc", "Cc", "User-Agent", "X-Mailer"} {
		if v, ok := got.Headers[h]; ok {
			t.Errorf("unexpected header %s: %q", h, v)
		}
	}

	// The raw message: 7-bit, no line too long, text before HTML.
	raw := string(mp.Raw(t, sum.ID))
	t.Logf("raw message:\n%s", raw)
	for i, line := range strings.Split(raw, "\r\n") {
		if len(line) > 998 {
			t.Errorf("raw line %d is %d bytes long: %q", i, len(line), line)
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r > 0x7e }) {
			t.Errorf("raw line %d is not ASCII: %q", i, line)
		}
	}
	if ti, hi := strings.Index(raw, "Content-Type: text/plain; charset=UTF-8"), strings.Index(raw, "Content-Type: text/html; charset=UTF-8"); ti < 0 || hi < ti {
		t.Errorf("want a UTF-8 text part and then a UTF-8 HTML part:\n%s", raw)
	}
}

func TestSMTPSendTextOnly(t *testing.T) {
	mp := mailpit.Start(t)
	s := mailpitSender(t, mp, func(c *SMTPConfig) { c.Username, c.Password = "", "" })

	before := time.Now().Truncate(time.Second)
	m := Message{To: "bob@example.org", Subject: "Reset your password", Text: "Follow https://papers.example.org/reset?t=x\n"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	sum := mp.Wait(t, 1, 10*time.Second)[0]
	got := mp.Message(t, sum.ID)
	if got.Text != strings.ReplaceAll(m.Text, "\n", "\r\n") || got.HTML != "" || sum.Username != "" {
		t.Errorf("text %q, HTML %q, username %q", got.Text, got.HTML, sum.Username)
	}
	if ct := got.Header("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	// A random Message-ID at From's domain, and the current date.
	if !regexp.MustCompile(`^<[a-z2-7]{28}@example\.org>$`).MatchString(got.Header("Message-ID")) {
		t.Errorf("Message-ID = %q", got.Header("Message-ID"))
	}
	if got.Date.Before(before) || got.Date.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %v, want about now", got.Date)
	}

	// Each message gets its own Message-ID.
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait(t, 2, 10*time.Second)
	if msgs[0].MessageID == msgs[1].MessageID {
		t.Errorf("two messages with Message-ID %q", msgs[0].MessageID)
	}
}

func TestSMTPHeaderInjectionRefused(t *testing.T) {
	mp := mailpit.Start(t)
	s := mailpitSender(t, mp, nil)
	ok := Message{To: "ada@example.org", Subject: "Hello", Text: "Hi."}

	for _, tc := range []struct {
		name string
		edit func(*Message)
		want string
	}{
		{"To with CRLF", func(m *Message) { m.To = "a@b.c\r\nBcc: x@y.z" }, "line break"},
		{"To with LF", func(m *Message) { m.To = "a@b.c\nBcc: x@y.z" }, "line break"},
		{"To with trailing CRLF", func(m *Message) { m.To = "a@b.c\r\n" }, "line break"},
		{"To invalid", func(m *Message) { m.To = "Ada <ada@example.org>" }, "not valid"},
		{"To without dot", func(m *Message) { m.To = "root@localhost" }, "not valid"},
		{"subject with CRLF", func(m *Message) { m.Subject = "Hello\r\nBcc: x@y.z" }, "line break"},
		{"subject with CR", func(m *Message) { m.Subject = "Hello\rBcc: x@y.z" }, "line break"},
		{"header value with LF", func(m *Message) {
			m.Headers = map[string]string{"List-Unsubscribe": "<https://x.example/u>\nBcc: x@y.z"}
		}, "line break"},
		{"header name with CRLF", func(m *Message) { m.Headers = map[string]string{"X-A\r\nBcc": "x@y.z"} }, "header name"},
		{"header name with colon", func(m *Message) { m.Headers = map[string]string{"Bcc: x@y.z\r\nX-A": "1"} }, "header name"},
		{"reserved header Bcc", func(m *Message) { m.Headers = map[string]string{"bcc": "x@y.z"} }, "set from the message's other fields"},
		{"reserved header Message-ID", func(m *Message) { m.Headers = map[string]string{"Message-ID": "<a@b>"} }, "set from the message's other fields"},
		{"header value too long", func(m *Message) { m.Headers = map[string]string{"X-A": strings.Repeat("a", 901)} }, "901 bytes long"},
		{"duplicate header", func(m *Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }, "twice"},
		{"Message-ID with CRLF", func(m *Message) { m.MessageID = "a@b\r\nBcc: x@y.z" }, "Message-ID"},
		{"Message-ID with brackets", func(m *Message) { m.MessageID = "<a@b>" }, "Message-ID"},
		{"no text", func(m *Message) { m.Text = "" }, "no text body"},
	} {
		m := ok
		tc.edit(&m)
		committed := false
		err := s.Deliver(context.Background(), m, func() error { committed = true; return nil })
		if !errors.Is(err, ErrInvalidMessage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidMessage saying %q", tc.name, err, tc.want)
		}
		if !IsPermanent(err) || IsTemporary(err) || errors.Is(err, ErrUncertain) {
			t.Errorf("%s: IsPermanent %v, IsTemporary %v: want permanent", tc.name, IsPermanent(err), IsTemporary(err))
		}
		if committed {
			t.Errorf("%s: commit was called", tc.name)
		}
	}

	// Nothing arrived: a valid message sent now is the only one.
	if err := s.Send(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait(t, 1, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	if msgs = mp.Messages(t); len(msgs) != 1 || msgs[0].Subject != "Hello" || len(msgs[0].To) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	full := mp.Message(t, msgs[0].ID)
	if _, ok := full.Headers["Bcc"]; ok {
		t.Errorf("Bcc header arrived: %v", full.Headers)
	}
}

func TestSMTPDeliverCommit(t *testing.T) {
	mp := mailpit.Start(t)
	s := mailpitSender(t, mp, nil)
	m := Message{To: "ada@example.org", Subject: "Digest", Text: "Papers.", HTML: "<p>Papers.</p>"}

	// A failing commit: nothing is delivered, and its error comes back.
	errCommit := errors.New("database is locked")
	calls := 0
	err := s.Deliver(context.Background(), m, func() error {
		calls++
		return errCommit
	})
	if err != errCommit || calls != 1 {
		t.Fatalf("Deliver with a failing commit: err %v, %d calls; want %v, 1 call", err, calls, errCommit)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong delivery to show
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("Mailpit has %d messages after an aborted delivery, want 0", n)
	}

	// A succeeding commit: delivered once, and only after commit.
	calls = 0
	err = s.Deliver(context.Background(), m, func() error {
		calls++
		if n := len(mp.Messages(t)); n != 0 {
			t.Errorf("%d messages arrived before commit returned", n)
		}
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("Deliver: err %v, %d commit calls", err, calls)
	}
	mp.Wait(t, 1, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("Mailpit has %d messages, want 1", n)
	}
}

// fakeSMTP is an in-process SMTP server (go-smtp) whose replies a test
// chooses.
type fakeSMTP struct {
	Host string
	Port int

	// Set before start.
	mailErr, rcptErr, dataErr error
	dropAfterData             bool          // close the connection after reading the final dot
	hang                      chan struct{} // RCPT waits for it to be closed
	user, pass                string        // offer AUTH PLAIN (over TLS) for these
	discard                   bool          // count messages only

	mu       sync.Mutex
	events   []string
	messages []string
	count    int
}

func startFake(t testing.TB, f *fakeSMTP, tlsConfig *tls.Config, implicitTLS bool) *fakeSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &fakeSession{f: f, c: c}, nil
	}))
	srv.Domain = "fake.example.org"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.TLSConfig = tlsConfig
	if implicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		if f.hang != nil {
			close(f.hang)
		}
		srv.Close()
	})
	f.Host = "127.0.0.1"
	f.Port = l.Addr().(*net.TCPAddr).Port
	return f
}

func (f *fakeSMTP) event(e string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeSMTP) Events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

func (f *fakeSMTP) Messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

// waitEvent waits until e has happened.
func (f *fakeSMTP) waitEvent(t *testing.T, e string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if slices.Contains(f.Events(), e) {
			return
		}
	}
	t.Fatalf("no %q in %q", e, f.Events())
}

type fakeSession struct {
	f *fakeSMTP
	c *gosmtp.Conn
}

func (s *fakeSession) Reset()        {}
func (s *fakeSession) Logout() error { return nil }

func (s *fakeSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.f.event("MAIL " + from)
	return s.f.mailErr
}

func (s *fakeSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.f.event("RCPT " + to)
	if s.f.hang != nil {
		<-s.f.hang
	}
	return s.f.rcptErr
}

func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	switch {
	case err != nil:
		s.f.event("DATA aborted")
		return err
	case s.f.dropAfterData:
		s.f.event("DATA dropped")
		s.c.Conn().Close()
		return nil
	case s.f.dataErr != nil:
		s.f.event("DATA refused")
		return s.f.dataErr
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.count++
	if !s.f.discard {
		s.f.events = append(s.f.events, "DATA")
		s.f.messages = append(s.f.messages, string(b))
	}
	return nil
}

func (s *fakeSession) AuthMechanisms() []string {
	if s.f.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *fakeSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.f.user || pass != s.f.pass {
			return gosmtp.ErrAuthFailed
		}
		_, tls := s.c.TLSConnectionState()
		s.f.event(fmt.Sprintf("AUTH %s tls=%v", user, tls))
		return nil
	}), nil
}

func fakeSender(t testing.TB, f *fakeSMTP, edit func(*SMTPConfig)) *SMTPSender {
	t.Helper()
	cfg := SMTPConfig{Host: f.Host, Port: f.Port, TLS: TLSNone, From: "papers@example.org", Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testMessage = Message{To: "ada@example.org", Subject: "Digest", Text: "Papers.\n"}

// An aborted delivery ends the server's DATA without the dot: the server
// sees the message cut short and keeps nothing.
func TestSMTPDeliverAbortDiscards(t *testing.T) {
	f := startFake(t, &fakeSMTP{}, nil, false)
	s := fakeSender(t, f, nil)
	errCommit := errors.New("commit failed")
	err := s.Deliver(context.Background(), testMessage, func() error {
		if ev := f.Events(); !slices.Equal(ev, []string{"MAIL papers@example.org", "RCPT ada@example.org"}) {
			t.Errorf("events at commit: %q", ev)
		}
		return errCommit
	})
	if !errors.Is(err, errCommit) {
		t.Fatalf("err = %v", err)
	}
	f.waitEvent(t, "DATA aborted")
	if msgs := f.Messages(); len(msgs) != 0 {
		t.Errorf("server kept %d messages", len(msgs))
	}

	// The same sender then delivers normally.
	if err := s.Deliver(context.Background(), testMessage, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Subject: Digest\r\n") || !strings.HasSuffix(msgs[0], "Papers.\r\n") {
		t.Errorf("messages: %q", msgs)
	}
}

func TestSMTPErrorClassification(t *testing.T) {
	tempRcpt := &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Mailbox busy, try later"}
	permRcpt := &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	tempMail := &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "Too many connections"}
	permData := &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "Spam"}

	for _, tc := range []struct {
		name       string
		fake       func() *fakeSMTP
		command    string
		code       int
		perm, temp bool
		committed  bool
	}{
		{"451 on RCPT", func() *fakeSMTP { return &fakeSMTP{rcptErr: tempRcpt} }, "RCPT TO", 451, false, true, false},
		{"550 on RCPT", func() *fakeSMTP { return &fakeSMTP{rcptErr: permRcpt} }, "RCPT TO", 550, true, false, false},
		{"421 on MAIL", func() *fakeSMTP { return &fakeSMTP{mailErr: tempMail} }, "MAIL FROM", 421, false, true, false},
		{"554 after the dot", func() *fakeSMTP { return &fakeSMTP{dataErr: permData} }, "end of data", 554, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.fake(), nil, false)
			committed := false
			err := fakeSender(t, f, nil).Deliver(context.Background(), testMessage, func() error { committed = true; return nil })
			var se *SMTPError
			if !errors.As(err, &se) || se.Command != tc.command || se.Code != tc.code {
				t.Fatalf("err = %#v (%v), want an *SMTPError for %s with code %d", err, err, tc.command, tc.code)
			}
			if IsPermanent(err) != tc.perm || IsTemporary(err) != tc.temp || errors.Is(err, ErrUncertain) {
				t.Errorf("IsPermanent %v, IsTemporary %v, uncertain %v; want %v, %v, false",
					IsPermanent(err), IsTemporary(err), errors.Is(err, ErrUncertain), tc.perm, tc.temp)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.code)) || !strings.Contains(err.Error(), se.Message) {
				t.Errorf("error text %q lacks the code and reply", err)
			}
			if committed != tc.committed {
				t.Errorf("committed = %v, want %v", committed, tc.committed)
			}
			// Wrapped, it is still classified.
			if w := fmt.Errorf("digest 42: %w", err); IsPermanent(w) != tc.perm || IsTemporary(w) != tc.temp {
				t.Errorf("wrapped error classified differently")
			}
		})
	}

	t.Run("connection dropped after the dot", func(t *testing.T) {
		f := startFake(t, &fakeSMTP{dropAfterData: true}, nil, false)
		committed := false
		err := fakeSender(t, f, nil).Deliver(context.Background(), testMessage, func() error { committed = true; return nil })
		if !errors.Is(err, ErrUncertain) || !committed {
			t.Fatalf("err = %v, committed %v; want ErrUncertain after commit", err, committed)
		}
		if IsPermanent(err) || IsTemporary(err) {
			t.Errorf("uncertain error classified: IsPermanent %v, IsTemporary %v", IsPermanent(err), IsTemporary(err))
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		err = fakeSender(t, &fakeSMTP{Host: "127.0.0.1", Port: port}, nil).Send(context.Background(), testMessage)
		if err == nil || !IsTemporary(err) || IsPermanent(err) || errors.Is(err, ErrUncertain) {
			t.Errorf("err = %v: IsTemporary %v, IsPermanent %v", err, IsTemporary(err), IsPermanent(err))
		}
	})

	t.Run("invalid recipient", func(t *testing.T) {
		f := startFake(t, &fakeSMTP{}, nil, false)
		err := fakeSender(t, f, nil).Send(context.Background(), Message{To: "not-an-address", Subject: "x", Text: "x"})
		if !IsPermanent(err) || IsTemporary(err) {
			t.Errorf("err = %v: IsPermanent %v, IsTemporary %v", err, IsPermanent(err), IsTemporary(err))
		}
		if len(f.Events()) != 0 {
			t.Errorf("the server saw %q", f.Events())
		}
	})

	for _, err := range []error{nil, errors.New("something else")} {
		if IsPermanent(err) || IsTemporary(err) {
			t.Errorf("%v classified: IsPermanent %v, IsTemporary %v", err, IsPermanent(err), IsTemporary(err))
		}
	}
}

// A server that stops answering is given up on after Timeout, or when the
// context is done, whichever is first; both are temporary.
func TestSMTPTimeoutAndCancel(t *testing.T) {
	f := startFake(t, &fakeSMTP{hang: make(chan struct{})}, nil, false)

	start := time.Now()
	err := fakeSender(t, f, func(c *SMTPConfig) { c.Timeout = 200 * time.Millisecond }).Send(context.Background(), testMessage)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !IsTemporary(err) || !strings.Contains(err.Error(), "RCPT TO") {
		t.Errorf("err = %v, want a temporary timeout in RCPT TO", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	err = fakeSender(t, f, nil).Send(ctx, testMessage)
	if !errors.Is(err, context.Canceled) || !IsTemporary(err) {
		t.Errorf("err = %v, want a temporary context.Canceled", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v: the 5 s timeout, not the cancellation, ended it", d)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = fakeSender(t, f, nil).Send(ctx, testMessage)
	if !errors.Is(err, context.DeadlineExceeded) || !IsTemporary(err) {
		t.Errorf("err = %v, want a temporary context.DeadlineExceeded", err)
	}

	// A context done before the start: nothing is tried.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := fakeSender(t, f, nil).Send(done, testMessage); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// A context cancelled during commit does not stop the delivery: the
// message has been committed to, and cutting it short now could only make
// its fate uncertain.
func TestSMTPCancelDuringCommitStillDelivers(t *testing.T) {
	f := startFake(t, &fakeSMTP{}, nil, false)
	ctx, cancel := context.WithCancel(context.Background())
	err := fakeSender(t, f, nil).Deliver(ctx, testMessage, func() error {
		cancel()
		time.Sleep(20 * time.Millisecond) // let the cancellation take effect
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages()); n != 1 {
		t.Errorf("%d messages delivered", n)
	}
}

// testCert returns a server TLS config for 127.0.0.1 and a client one
// that trusts it.
func testCert(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	f := startFake(t, &fakeSMTP{user: "digest", pass: "s3cret"}, serverTLS, false)
	s := fakeSender(t, f, func(c *SMTPConfig) {
		c.TLS, c.TLSConfig, c.Username, c.Password = TLSStartTLS, clientTLS, "digest", "s3cret"
	})
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatal(err)
	}
	if ev := f.Events(); !slices.Equal(ev, []string{"AUTH digest tls=true", "MAIL papers@example.org", "RCPT ada@example.org", "DATA"}) {
		t.Errorf("events: %q", ev)
	}

	// A wrong password: 535, permanent (it will not get better by itself).
	s = fakeSender(t, f, func(c *SMTPConfig) {
		c.TLS, c.TLSConfig, c.Username, c.Password = TLSStartTLS, clientTLS, "digest", "wrong"
	})
	err := s.Send(context.Background(), testMessage)
	var se *SMTPError
	if !errors.As(err, &se) || se.Command != "AUTH" || se.Code != 535 || !IsPermanent(err) {
		t.Errorf("wrong password: err = %v", err)
	}

	// A certificate that does not verify: refused, neither temporary nor
	// permanent.
	s = fakeSender(t, f, func(c *SMTPConfig) { c.TLS = TLSStartTLS })
	err = s.Send(context.Background(), testMessage)
	if err == nil || IsTemporary(err) || IsPermanent(err) {
		t.Errorf("untrusted certificate: err = %v, IsTemporary %v, IsPermanent %v", err, IsTemporary(err), IsPermanent(err))
	}
	if n := len(f.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	f := startFake(t, &fakeSMTP{}, nil, false) // no TLS
	err := fakeSender(t, f, func(c *SMTPConfig) { c.TLS = TLSStartTLS }).Send(context.Background(), testMessage)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("err = %v", err)
	}
	if ev := f.Events(); len(ev) != 0 {
		t.Errorf("events: %q", ev)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	f := startFake(t, &fakeSMTP{user: "digest", pass: "s3cret"}, serverTLS, true)
	s := fakeSender(t, f, func(c *SMTPConfig) {
		c.TLS, c.TLSConfig, c.Username, c.Password = TLSImplicit, clientTLS, "digest", "s3cret"
	})
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatal(err)
	}
	if ev := f.Events(); !slices.Equal(ev, []string{"AUTH digest tls=true", "MAIL papers@example.org", "RCPT ada@example.org", "DATA"}) {
		t.Errorf("events: %q", ev)
	}
}

// The limiter, with a fake clock: turns are 1/rate apart across
// goroutines, and a wait given up on gives its turn back.
func TestSMTPRateLimitFakeClock(t *testing.T) {
	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", TLS: TLSNone, From: "papers@example.org", RatePerSecond: 20})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := base
	var delays []time.Duration
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		delays = append(delays, d)
		return nil
	}

	// 40 goroutines at the same instant get the turns 0, 50 ms, ... 1.95 s.
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if err := s.wait(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	slices.Sort(delays)
	if len(delays) != 39 { // the first one does not wait
		t.Fatalf("%d waits, want 39: %v", len(delays), delays)
	}
	for i, d := range delays {
		if want := time.Duration(i+1) * 50 * time.Millisecond; d != want {
			t.Errorf("wait %d: %v, want %v", i, d, want)
		}
	}

	// Once the clock has moved past the last turn, the next one is free.
	now = base.Add(2 * time.Second)
	delays = nil
	if err := s.wait(context.Background()); err != nil || len(delays) != 0 {
		t.Errorf("err %v, delays %v", err, delays)
	}
	// The next must wait 50 ms; it gives up, and so the one after it
	// waits 50 ms too instead of 100 ms.
	s.sleep = func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return context.Canceled
	}
	if err := s.wait(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	s.sleep = func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return nil
	}
	if err := s.wait(context.Background()); err != nil {
		t.Error(err)
	}
	if !slices.Equal(delays, []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}) {
		t.Errorf("delays %v, want [50ms 50ms]", delays)
	}
}

// The limit holds for real deliveries from several goroutines. Only a
// lower bound is checked, which a slow machine cannot break.
func TestSMTPRateLimit(t *testing.T) {
	f := startFake(t, &fakeSMTP{}, nil, false)
	s := fakeSender(t, f, func(c *SMTPConfig) { c.RatePerSecond = 20 })
	const n = 12
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := testMessage
			m.Subject = fmt.Sprint("Digest ", i)
			if err := s.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// n turns 50 ms apart: the last starts >= 550 ms after the first.
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("%d messages at 20/s took %v, want >= 550 ms", n, d)
	}
	if got := len(f.Messages()); got != n {
		t.Errorf("%d messages delivered, want %d", got, n)
	}
}

// BenchmarkSMTPSend sends messages one after another, each on its own
// connection, to an in-process sink that discards them and to Mailpit.
func BenchmarkSMTPSend(b *testing.B) {
	m := Message{
		To:      "ada@example.org",
		Subject: "Ihre Übersicht: 12 neue Artikel",
		Text:    strings.Repeat("A paper title, its authors and a link: https://papers.example.org/p/1234\n", 12),
		HTML:    strings.Repeat("<p><a href=\"https://papers.example.org/p/1234\">A paper title</a>, its authors</p>\n", 12),
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://papers.example.org/unsubscribe?token=abc123>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
	run := func(b *testing.B, s *SMTPSender) {
		ctx := context.Background()
		for b.Loop() {
			if err := s.Send(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
	}
	b.Run("sink", func(b *testing.B) {
		f := startFake(b, &fakeSMTP{discard: true}, nil, false)
		run(b, fakeSender(b, f, nil))
	})
	b.Run("mailpit", func(b *testing.B) {
		mp := mailpit.Start(b)
		run(b, mailpitSender(b, mp, nil))
	})
}
