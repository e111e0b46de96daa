package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Both senders satisfy Sender.
var (
	_ Sender = LogSender{}
	_ Sender = (*Outbox)(nil)
)

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	link := "https://dailypapers.example/reset?token=abc123"
	err := s.Send(context.Background(), Message{
		To:      "ada@example.org",
		Subject: "Reset your password",
		Text:    "Hello,\n\nfollow " + link + " to choose a new password.\n",
		HTML:    "<p>ignored</p>",
	})
	if err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	out := buf.String()
	for _, want := range []string{"level=INFO", "ada@example.org", "Reset your password", link} {
		if !strings.Contains(out, want) {
			t.Errorf("log output %q does not contain %q", out, want)
		}
	}
}

func TestLogSenderDefaultLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	if err := (LogSender{}).Send(context.Background(), Message{To: "b@example.org", Text: "body"}); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	if !strings.Contains(buf.String(), "b@example.org") {
		t.Errorf("default logger output %q lacks the recipient", buf.String())
	}
}

func TestOutboxMessages(t *testing.T) {
	var o Outbox
	if got := o.Messages(); len(got) != 0 {
		t.Fatalf("new Outbox has %d messages, want 0", len(got))
	}
	ctx := context.Background()
	m1 := Message{To: "a@example.org", Subject: "one", Headers: map[string]string{"X-Kind": "reset"}}
	m2 := Message{To: "b@example.org", Subject: "two"}
	for _, m := range []Message{m1, m2} {
		if err := o.Send(ctx, m); err != nil {
			t.Fatalf("Send = %v", err)
		}
	}

	// The Outbox keeps its own copy: changing the caller's map later does
	// not change what was sent.
	m1.Headers["X-Kind"] = "changed"

	got := o.Messages()
	if len(got) != 2 || got[0].Subject != "one" || got[1].Subject != "two" {
		t.Fatalf("Messages = %+v, want one then two", got)
	}
	if got[0].Headers["X-Kind"] != "reset" {
		t.Errorf("stored header = %q, want %q", got[0].Headers["X-Kind"], "reset")
	}

	// Neither can a reader change the Outbox through what it returned.
	got[0].Subject = "mutated"
	got[0].Headers["X-Kind"] = "mutated"
	again := o.Messages()
	if again[0].Subject != "one" || again[0].Headers["X-Kind"] != "reset" {
		t.Errorf("Messages after mutating a returned copy = %+v", again[0])
	}
}

func TestOutboxSendCancelled(t *testing.T) {
	var o Outbox
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, Message{To: "a@example.org"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with cancelled context = %v, want context.Canceled", err)
	}
	if n := len(o.Messages()); n != 0 {
		t.Errorf("cancelled Send stored %d messages, want 0", n)
	}
}

func TestOutboxWaitAlreadyThere(t *testing.T) {
	var o Outbox
	o.Send(context.Background(), Message{To: "a@example.org"})
	msgs, err := o.Wait(context.Background(), 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Wait(1) = %d messages, %v; want 1, nil", len(msgs), err)
	}
	msgs, err = o.Wait(context.Background(), 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Wait(0) = %d messages, %v; want 1, nil", len(msgs), err)
	}
}

func TestOutboxWaitForSenders(t *testing.T) {
	var o Outbox
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * time.Millisecond)
			if err := o.Send(context.Background(), Message{To: "a@example.org", Text: string(rune('a' + i))}); err != nil {
				t.Errorf("Send = %v", err)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := o.Wait(ctx, n)
	if err != nil {
		t.Fatalf("Wait(%d) = %v", n, err)
	}
	if len(msgs) < n {
		t.Fatalf("Wait(%d) returned %d messages", n, len(msgs))
	}
	wg.Wait()
}

func TestOutboxWaitTimesOut(t *testing.T) {
	var o Outbox
	o.Send(context.Background(), Message{To: "a@example.org"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	msgs, err := o.Wait(ctx, 2)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait(2) with one message = %v, want context.DeadlineExceeded", err)
	}
	if len(msgs) != 1 {
		t.Errorf("Wait returned %d messages on timeout, want the 1 sent so far", len(msgs))
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    string // "" means refused
		wantErr string // substring of the error, when refused
	}{
		{"ada@example.org", "ada@example.org", ""},
		{"  ada@example.org\n", "ada@example.org", ""},
		{"Ada.Lovelace+papers@mail.example.co.uk", "Ada.Lovelace+papers@mail.example.co.uk", ""},
		{"o'brien@example.ie", "o'brien@example.ie", ""},
		{"δοκιμή@παράδειγμα.δοκιμή", "δοκιμή@παράδειγμα.δοκιμή", ""},
		{strings.Repeat("a", 64) + "@example.org", strings.Repeat("a", 64) + "@example.org", ""},
		{"a@" + strings.Repeat("b", 250) + ".org", "", "too long"},
		{strings.Repeat("a", 65) + "@example.org", "", "before the @ is too long"},

		{"", "", "Please enter"},
		{"   ", "", "Please enter"},
		{"ada", "", "no @ sign"},
		{"ada@", "", "should look like ada@example.org"},
		{"@example.org", "", "should look like ada@example.org"},
		{"ada@@example.org", "", "should look like ada@example.org"},
		{"ada @example.org", "", "should look like ada@example.org"},
		{"Ada <ada@example.org>", "", "without a name"},
		{"<ada@example.org>", "", "without a name"},
		{`"Ada" <ada@example.org>`, "", "without a name"},
		{"ada@example.org (Ada)", "", "without a name"},
		{`"ada lovelace"@example.org`, "", "without a name, quotes"},
		{"ada@example.org, bob@example.org", "", "should look like ada@example.org"},
		{"ada@localhost", "", "full domain name"},
		{"ada@example", "", "full domain name"},
		{"ada@example..org", "", "should look like ada@example.org"},
		{"ada@.example.org", "", "should look like ada@example.org"},
		{"ada@example.org.", "", "should look like ada@example.org"},
		{"ada@[192.0.2.1]", "", "domain name"},
		{"ada@exa\x00mple.org", "", "characters"},
		{"ada@example.org\r\nBcc: eve@example.org", "", "characters"},
		{"ada\t@example.org", "", "characters"},
		{"ada@exam\u0085ple.org", "", "characters"},
		{"ada@\xffexample.org", "", "characters"},
	}
	for _, tc := range tests {
		got, err := CheckAddress(tc.in)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckAddress(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckAddress(%q) = %q, nil; want an error", tc.in, got)
			continue
		}
		if got != "" {
			t.Errorf("CheckAddress(%q) returned %q along with error %v", tc.in, got, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.wantErr) {
			t.Errorf("CheckAddress(%q) error %q does not mention %q", tc.in, msg, tc.wantErr)
		}
		if !strings.HasSuffix(msg, ".") || strings.Contains(msg, "mail:") {
			t.Errorf("CheckAddress(%q) error %q is not a user-facing sentence", tc.in, msg)
		}
		if tc.in != "" && strings.TrimSpace(tc.in) != "" && !strings.HasPrefix(msg, "That email address is not valid: ") {
			t.Errorf("CheckAddress(%q) error %q does not start with the standard wording", tc.in, msg)
		}
	}
}
