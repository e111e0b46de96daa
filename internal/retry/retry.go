// Package retry holds what the clients of outside services (arXiv, GitHub)
// share about trying again: how long to back off, and what a Retry-After
// header asks for.
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is the wait before retry n (1, 2, ...): base doubled each time,
// capped at most, with the upper half jittered so that clients that failed
// together do not retry together.
func Backoff(n int, base, most time.Duration) time.Duration {
	d := min(base<<min(n-1, 10), most)
	return d/2 + rand.N(d/2+1)
}

// ParseRetryAfter reads a Retry-After header's value, delay seconds or an
// HTTP date, as a wait from now (never negative); ok is false when there is
// none or it cannot be read.
func ParseRetryAfter(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, 1<<20)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// Sleep waits for d, or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Unreachable reports whether err is a failure to reach a server at all:
// its name did not resolve, or no connection to it could be made (refused,
// no route). Offline, every request fails so. A server that was reached
// and then was slow or broke off is not unreachable, nor is a request
// whose context ended while it was connecting.
func Unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
