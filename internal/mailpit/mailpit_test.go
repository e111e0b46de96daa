package mailpit

import (
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func send(t *testing.T, s *Server, to, subject, body string) {
	t.Helper()
	msg := "From: Sender <sender@example.org>\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + subject + "@example.org>\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
		"X-Test: yes\r\n" +
		"\r\n" + body + "\r\n"
	if err := smtp.SendMail(s.SMTPAddr(), nil, "sender@example.org", []string{to}, []byte(msg)); err != nil {
		t.Fatalf("sending %q: %v", subject, err)
	}
}

func TestServer(t *testing.T) {
	s := Start(t)
	if got := s.Messages(t); len(got) != 0 {
		t.Fatalf("a new Mailpit has %d messages", len(got))
	}

	send(t, s, "ada@example.org", "first", "Hello Ada.")
	send(t, s, "bob@example.org", "second", "Hello Bob.")
	msgs := s.Wait(t, 2, 10*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	first, second := msgs[0], msgs[1]
	if first.Subject != "first" || second.Subject != "second" {
		t.Errorf("subjects %q, %q: want first, second (oldest first)", first.Subject, second.Subject)
	}
	if first.MessageID != "first@example.org" {
		t.Errorf("MessageID = %q", first.MessageID)
	}
	if first.From.Address != "sender@example.org" || first.From.Name != "Sender" {
		t.Errorf("From = %+v", first.From)
	}
	if len(first.To) != 1 || first.To[0].Address != "ada@example.org" {
		t.Errorf("To = %+v", first.To)
	}
	if time.Since(first.Created) > time.Minute || first.ID == "" {
		t.Errorf("ID %q, Created %v", first.ID, first.Created)
	}

	full := s.Message(t, first.ID)
	if strings.TrimSpace(full.Text) != "Hello Ada." || full.HTML != "" {
		t.Errorf("Text %q, HTML %q", full.Text, full.HTML)
	}
	if full.Header("x-test") != "yes" || full.Header("Message-ID") != "<first@example.org>" {
		t.Errorf("headers: %v", full.Headers)
	}
	if want := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC); !full.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", full.Date, want)
	}
	if raw := string(s.Raw(t, first.ID)); !strings.Contains(raw, "Subject: first\r\n") {
		t.Errorf("raw message:\n%s", raw)
	}

	s.DeleteAll(t)
	if got := s.Messages(t); len(got) != 0 {
		t.Fatalf("%d messages after DeleteAll", len(got))
	}
}

// Two servers at once do not get in each other's way.
func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.SMTPPort == b.SMTPPort || a.URL == b.URL {
		t.Fatalf("same ports: %+v %+v", a, b)
	}
	send(t, a, "ada@example.org", "to-a", "a")
	a.Wait(t, 1, 10*time.Second)
	if n := len(b.Messages(t)); n != 0 {
		t.Errorf("b has %d messages", n)
	}
}

// Stopping is done by Cleanup; after it the ports are closed.
func TestStop(t *testing.T) {
	var s *Server
	ok := t.Run("inner", func(t *testing.T) { s = Start(t) })
	if s == nil { // the inner test skipped (no mailpit) or failed to start it
		if ok {
			t.Skip("the inner test skipped: no mailpit to stop")
		}
		t.FailNow()
	}
	select {
	case <-s.exited:
	default:
		t.Fatal("mailpit still running after its test's cleanup")
	}
	if err := s.ready(); err == nil {
		t.Error("mailpit still answers after its test's cleanup")
	}
}

func TestBinary(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "mailpit")
	if err := os.WriteFile(notExec, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, notExec)
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), InstallHint) {
		t.Errorf("Binary() with a non-executable %s: err = %v, want one with %q", EnvBinary, err, InstallHint)
	}

	if err := os.Chmod(notExec, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Binary(); err != nil || got != notExec {
		t.Errorf("Binary() = %q, %v; want %q", got, err, notExec)
	}

	// Nothing anywhere: the error says how to install it.
	t.Setenv(EnvBinary, "")
	t.Setenv("PATH", dir+"/none")
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", filepath.Join(dir, "gopath"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), InstallHint) {
		t.Errorf("Binary() with nothing installed: err = %v, want one with %q", err, InstallHint)
	}
	// ... and it is found in GOPATH/bin.
	bin := filepath.Join(dir, "gopath", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "mailpit"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Binary(); err != nil || got != filepath.Join(bin, "mailpit") {
		t.Errorf("Binary() = %q, %v; want the one in GOPATH/bin", got, err)
	}
}
