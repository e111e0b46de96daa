// Package mailpit runs a real mail server for tests: Mailpit
// (https://mailpit.axllent.org), which accepts every message sent to it by
// SMTP and shows it through an HTTP API. Start launches one per test on
// free loopback ports and stops it when the test ends; the Server's
// methods read what arrived.
//
// Install the binary with
//
//	go install github.com/axllent/mailpit@v1.33.1
//
// Tests that call Start are skipped when it is missing, except when the
// CI environment variable is set: then they fail.
package mailpit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the Mailpit release this package is written and tested for.
const Version = "v1.33.1"

// EnvBinary names the environment variable that can give the path of the
// mailpit binary.
const EnvBinary = "DAILYPAPERS_MAILPIT"

// InstallHint says how to get the binary.
const InstallHint = "go install github.com/axllent/mailpit@" + Version

// Server is a running Mailpit.
type Server struct {
	// SMTPHost and SMTPPort are where it accepts mail: plain SMTP (no
	// TLS), with any username and password or none (AUTH PLAIN and LOGIN
	// are offered and accepted even without TLS).
	SMTPHost string
	SMTPPort int
	// URL is the base of its web interface and API, such as
	// "http://127.0.0.1:41234".
	URL string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
	output *lockedBuffer
	http   *http.Client
}

// SMTPAddr returns "host:port" of the SMTP server.
func (s *Server) SMTPAddr() string {
	return net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort))
}

// Binary returns the path of the mailpit binary: $DAILYPAPERS_MAILPIT if
// set, else "mailpit" on PATH, else in $GOBIN, in $GOPATH/bin (the first
// GOPATH entry) or in ~/go/bin (the default GOPATH). It returns an error
// saying how to install it if there is none.
func Binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if !isExecutable(p) {
			return "", fmt.Errorf("%s=%q is not an executable file; install mailpit with: %s", EnvBinary, p, InstallHint)
		}
		return p, nil
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		dirs = append(dirs, filepath.Join(gp[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "mailpit")
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("mailpit not found (looked at $%s, PATH and %s); install it with: %s",
		EnvBinary, strings.Join(dirs, ", "), InstallHint)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Start starts a Mailpit for the test and stops it when the test ends. It
// skips the test if the binary is missing, or fails it if the CI
// environment variable is set. It returns once Mailpit accepts both SMTP
// connections and API requests.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mailpit: %v (CI is set, so this test may not be skipped)", err)
		}
		t.Skipf("mailpit: %v", err)
	}

	// Free ports are picked by listening on port 0 and closing, so
	// another process may take one before Mailpit does: try again then.
	var errs []error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		errs = append(errs, err)
	}
	t.Fatalf("mailpit: could not start %s: %v", bin, errors.Join(errs...))
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		SMTPHost: "127.0.0.1",
		SMTPPort: smtpPort,
		URL:      "http://127.0.0.1:" + strconv.Itoa(httpPort),
		exited:   make(chan struct{}),
		output:   &lockedBuffer{},
		http:     &http.Client{Timeout: 10 * time.Second},
	}
	s.cmd = exec.Command(bin,
		"--smtp", s.SMTPAddr(),
		"--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check",
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns", // no DNS look-ups of 127.0.0.1
		"--max", "0",          // keep every message (the default prunes to 500)
	)
	s.cmd.Env = environ()
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(15 * time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its output:\n%s", err, s.output.String())
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("mailpit's output:\n%s", s.output.String())
		}
	})
	return s, nil
}

// environ is this process's environment without Mailpit's own settings
// (MP_...), which could change how it behaves.
func environ() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MP_")
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// waitReady waits until the API answers and the SMTP server greets.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("mailpit exited at start (%v)", s.cmd.ProcessState)
		default:
		}
		if last = s.ready(); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("mailpit not ready after %v: %w", timeout, last)
}

func (s *Server) ready() error {
	resp, err := s.http.Get(s.URL + "/api/v1/info")
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v1/info: %s", resp.Status)
	}

	conn, err := net.DialTimeout("tcp", s.SMTPAddr(), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the SMTP greeting: %w", err)
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("SMTP greeting %q", line)
	}
	_, _ = io.WriteString(conn, "QUIT\r\n")
	return nil
}

// stop ends Mailpit: SIGTERM, then SIGKILL if it has not exited after
// 10 seconds.
func (s *Server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Address is a name and address as Mailpit reports them.
type Address struct {
	Name    string
	Address string
}

// Summary is a message in the list of GET /api/v1/messages.
type Summary struct {
	// ID is Mailpit's ID of the message, for Message.
	ID string
	// MessageID is the Message-ID header's value, without angle brackets.
	MessageID string
	From      Address
	To        []Address
	Subject   string
	// Created is when Mailpit received it.
	Created time.Time
	// Username is the one the sender logged in with, if it did.
	Username string
}

// Full is one message as GET /api/v1/message/{ID} and its /headers give
// it.
type Full struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	// Date is the Date header's time (or when it arrived, without one).
	Date time.Time
	// Text and HTML are the decoded bodies; HTML is empty for a text-only
	// message.
	Text string
	HTML string
	// Headers holds the message's top-level headers, keyed by canonical
	// name (textproto.CanonicalMIMEHeaderKey: "Message-Id", "List-Unsubscribe-Post"),
	// values unfolded but not decoded.
	Headers map[string][]string
}

// Header returns the first value of the named header, or "".
func (f Full) Header(name string) string {
	if v := f.Headers[textproto.CanonicalMIMEHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Messages returns all the messages received, oldest first. It fails the
// test if the API does not answer; like every method taking t, call it
// from the test's goroutine.
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	msgs, err := s.messages()
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	return msgs
}

func (s *Server) messages() ([]Summary, error) {
	const page = 500
	var all []Summary
	for {
		var resp struct {
			MessagesCount int       `json:"messages_count"`
			Messages      []Summary `json:"messages"`
		}
		q := url.Values{"start": {strconv.Itoa(len(all))}, "limit": {strconv.Itoa(page)}}
		if err := s.getJSON("/api/v1/messages?"+q.Encode(), &resp); err != nil {
			return nil, err
		}
		all = append(all, resp.Messages...)
		if len(resp.Messages) == 0 || len(all) >= resp.MessagesCount {
			break
		}
	}
	slices.Reverse(all) // Mailpit lists the newest first
	return all, nil
}

// Message returns the message with Mailpit's ID id, with its headers.
func (s *Server) Message(t testing.TB, id string) Full {
	t.Helper()
	var f Full
	if err := s.getJSON("/api/v1/message/"+url.PathEscape(id), &f); err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	if err := s.getJSON("/api/v1/message/"+url.PathEscape(id)+"/headers", &f.Headers); err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	return f
}

// Raw returns the message with Mailpit's ID id as it was received.
func (s *Server) Raw(t testing.TB, id string) []byte {
	t.Helper()
	body, err := s.do(http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw")
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	return body
}

// Wait waits until at least n messages have arrived and returns them all,
// oldest first. It fails the test if they have not after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		msgs, err := s.messages()
		if err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mailpit: %d messages arrived in %v, want %d", len(msgs), timeout, n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// DeleteAll deletes every message.
func (s *Server) DeleteAll(t testing.TB) {
	t.Helper()
	if _, err := s.do(http.MethodDelete, "/api/v1/messages"); err != nil {
		t.Fatalf("mailpit: %v", err)
	}
}

func (s *Server) getJSON(path string, v any) error {
	body, err := s.do(http.MethodGet, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decoding %.200q: %w", path, body, err)
	}
	return nil
}

func (s *Server) do(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

// lockedBuffer collects Mailpit's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
