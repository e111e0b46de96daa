package retry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0":                             0,
		" 60 ":                          time.Minute,
		"120":                           2 * time.Minute,
		"Fri, 01 May 2026 12:00:30 GMT": 30 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat): 0, // a date gone by: at once
	} {
		if got, ok := ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon", "1.5"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("ParseRetryAfter(%q) accepted", in)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 60: 30 * time.Second} {
		for range 100 {
			if got := Backoff(n, time.Second, 30*time.Second); got < want/2 || got > want {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", n, got, want/2, want)
			}
		}
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); err != context.Canceled || time.Since(start) > time.Second {
		t.Errorf("Sleep with a cancelled context: %v after %v", err, time.Since(start))
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, refused := net.Dial("tcp", closed)
	_, noHost := net.LookupHost("export.arxiv.invalid")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, cancelled := (&net.Dialer{}).DialContext(ctx, "tcp", closed)
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", refused, true},
		{"no such host", noHost, true},
		{"wrapped", fmt.Errorf("fetching: %w", refused), true},
		{"dial cancelled", cancelled, false},
		{"timeout", context.DeadlineExceeded, false},
		{"other", errors.New("HTTP 503"), false},
	} {
		if got := Unreachable(tc.err); got != tc.want {
			t.Errorf("%s (%v): Unreachable = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
