package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// step is one call to Allow and what it should return.
type step struct {
	key   string
	at    time.Duration // since t0
	ok    bool
	retry time.Duration // expected retryAfter
}

func TestAllow(t *testing.T) {
	threePerMinute := Limit{Events: 3, Per: time.Minute} // a token every 20s
	tests := []struct {
		name  string
		limit Limit
		steps []step
	}{
		{"burst then refuse", threePerMinute, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, false, 20 * time.Second},
			{"a", 0, false, 20 * time.Second},
		}},
		{"retry after shrinks as time passes", threePerMinute, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 5 * time.Second, false, 15 * time.Second},
			{"a", 19 * time.Second, false, time.Second},
			{"a", 20 * time.Second, true, 0},
			{"a", 20 * time.Second, false, 20 * time.Second},
		}},
		{"refill one token at a time", threePerMinute, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 40 * time.Second, true, 0},
			{"a", 40 * time.Second, true, 0},
			{"a", 40 * time.Second, false, 20 * time.Second},
		}},
		{"full refill restores the burst but no more", threePerMinute, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", time.Hour, true, 0},
			{"a", time.Hour, true, 0},
			{"a", time.Hour, true, 0},
			{"a", time.Hour, false, 20 * time.Second},
		}},
		{"keys are independent", threePerMinute, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, false, 20 * time.Second},
			{"b", 0, true, 0},
			{"b", 0, true, 0},
			{"b", 0, true, 0},
			{"b", 0, false, 20 * time.Second},
			{"a", time.Second, false, 19 * time.Second},
		}},
		{"refused attempts are not counted", Limit{Events: 1, Per: 10 * time.Second}, []step{
			{"a", 0, true, 0},
			{"a", time.Second, false, 9 * time.Second},
			{"a", 2 * time.Second, false, 8 * time.Second},
			{"a", 10 * time.Second, true, 0},
		}},
		{"fractional token rounds up", Limit{Events: 3, Per: time.Second}, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, false, 333333334 * time.Nanosecond},
		}},
		{"time going backwards", threePerMinute, []step{
			{"a", time.Minute, true, 0},
			{"a", time.Minute, true, 0},
			{"a", time.Minute, true, 0},
			{"a", 0, false, 20 * time.Second},
		}},
		{"zero events is unlimited", Limit{Events: 0, Per: time.Minute}, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, true, 0},
		}},
		{"negative events is unlimited", Limit{Events: -1, Per: time.Minute}, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
		}},
		{"zero period is unlimited", Limit{Events: 1, Per: 0}, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := New(tc.limit)
			for i, s := range tc.steps {
				ok, retry := l.Allow(s.key, t0.Add(s.at))
				if ok != s.ok || retry != s.retry {
					t.Fatalf("step %d: Allow(%q, t0+%v) = %v, %v; want %v, %v",
						i, s.key, s.at, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

func TestNilLimiterAllows(t *testing.T) {
	var l *Limiter
	for range 3 {
		if ok, retry := l.Allow("a", t0); !ok || retry != 0 {
			t.Fatalf("nil Limiter: Allow = %v, %v; want true, 0", ok, retry)
		}
	}
}

func TestUnlimitedKeepsNoKeys(t *testing.T) {
	l := New(Limit{})
	for i := range 100 {
		l.Allow(strconv.Itoa(i), t0)
	}
	if n := l.len(); n != 0 {
		t.Errorf("unlimited Limiter tracks %d keys, want 0", n)
	}
}

func TestIdleKeysAreSwept(t *testing.T) {
	l := New(Limit{Events: 2, Per: time.Second})

	l.Allow("a", t0) // first call sweeps (an empty map) and starts the clock
	l.Allow("b", t0.Add(30*time.Second))
	if n := l.len(); n != 2 {
		t.Fatalf("after 30s: %d keys, want 2 (no sweep within a minute)", n)
	}

	// A minute after the last sweep, both a and b have been idle for
	// longer than Per and are dropped.
	l.Allow("c", t0.Add(61*time.Second))
	if n := l.len(); n != 1 {
		t.Fatalf("after 61s: %d keys, want 1", n)
	}

	// A key in use is kept.
	l.Allow("c", t0.Add(121*time.Second+time.Second/2))
	l.Allow("d", t0.Add(122*time.Second))
	if n := l.len(); n != 2 {
		t.Fatalf("after 122s: %d keys, want 2 (c still fresh)", n)
	}
}

func TestSweptKeyStartsFull(t *testing.T) {
	l := New(Limit{Events: 2, Per: time.Second})
	l.Allow("a", t0)
	l.Allow("a", t0)
	if ok, _ := l.Allow("a", t0); ok {
		t.Fatal("third event in a burst of 2 allowed")
	}
	later := t0.Add(2 * time.Minute)
	l.Allow("other", later) // sweeps a
	for i := range 2 {
		if ok, _ := l.Allow("a", later); !ok {
			t.Fatalf("event %d after sweep refused", i)
		}
	}
	if ok, _ := l.Allow("a", later); ok {
		t.Fatal("burst exceeded after sweep")
	}
}

func TestKeyCountIsBounded(t *testing.T) {
	l := New(Limit{Events: 5, Per: time.Hour})
	const n = 300_000
	for i := range n {
		// An address-spraying attacker: every request from a new key,
		// all well within the idle period, so sweeping alone cannot help.
		l.Allow(fmt.Sprintf("198.51.%d.%d", i/256, i%256), t0.Add(time.Duration(i)*time.Millisecond))
		if i%10_000 == 0 {
			if k := l.len(); k > maxKeys {
				t.Fatalf("after %d keys: tracking %d, cap is %d", i+1, k, maxKeys)
			}
		}
	}
	k := l.len()
	if k > maxKeys {
		t.Fatalf("after %d keys: tracking %d, cap is %d", n, k, maxKeys)
	}
	if k < maxKeys/2 {
		t.Errorf("after %d keys: tracking only %d, want at least half the cap (%d)", n, k, maxKeys/2)
	}
}

func TestCapDropsLeastRecentlyUsed(t *testing.T) {
	l := New(Limit{Events: 5, Per: time.Hour})
	l.maxKeys = 10
	for i := range 10 {
		l.Allow(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second))
	}
	l.Allow("0", t0.Add(20*time.Second)) // 0 is now the most recent
	l.Allow("new", t0.Add(21*time.Second))

	l.mu.Lock()
	defer l.mu.Unlock()
	var kept []string
	for key := range l.buckets {
		kept = append(kept, key)
	}
	want := map[string]bool{"0": true, "6": true, "7": true, "8": true, "9": true, "new": true}
	if len(kept) != len(want) {
		t.Fatalf("kept keys %q, want %v", kept, want)
	}
	for _, key := range kept {
		if !want[key] {
			t.Errorf("kept key %q, want only %v", key, want)
		}
	}
}

func TestConcurrentAllow(t *testing.T) {
	const events = 100
	l := New(Limit{Events: events, Per: time.Hour})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if ok, _ := l.Allow("shared", t0); ok {
					allowed.Add(1)
				}
				l.Allow(fmt.Sprintf("g%d-%d", g, i), t0.Add(time.Duration(i)*time.Second))
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != events {
		t.Errorf("allowed %d events on a shared key across goroutines, want exactly %d", got, events)
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string // X-Forwarded-For header lines
		trusted []netip.Prefix
		want    string
	}{
		{"direct ipv4", "203.0.113.9:51234", nil, trusted, "203.0.113.9"},
		{"port-less ipv4", "203.0.113.9", nil, trusted, "203.0.113.9"},
		{"direct ipv6 reduced to /64", "[2001:db8:1:2:3:4:5:6]:443", nil, trusted, "2001:db8:1:2::/64"},
		{"port-less ipv6", "2001:db8:1:2::7", nil, trusted, "2001:db8:1:2::/64"},
		{"bracketed port-less ipv6", "[2001:db8:1:2::7]", nil, trusted, "2001:db8:1:2::/64"},
		{"ipv6 zone dropped", "[fe80::1%eth0]:80", nil, nil, "fe80::/64"},
		{"ipv4-mapped ipv6 is ipv4", "[::ffff:203.0.113.9]:80", nil, trusted, "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:1", []string{"198.51.100.1"}, trusted, "203.0.113.9"},
		{"no trusted proxies configured", "10.0.0.1:1", []string{"198.51.100.1"}, nil, "10.0.0.1"},
		{"trusted proxy", "10.0.0.1:1", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"trusted proxy, spoofed left entries ignored", "10.0.0.1:1",
			[]string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"chain of trusted proxies", "10.0.0.1:1",
			[]string{"1.1.1.1, 198.51.100.1, 10.0.0.3, 10.0.0.2"}, trusted, "198.51.100.1"},
		{"chain across header lines", "127.0.0.1:1",
			[]string{"1.1.1.1, 198.51.100.1", "10.0.0.2"}, trusted, "198.51.100.1"},
		{"ipv6 client behind proxy", "10.0.0.1:1",
			[]string{"2001:db8:aa:bb:1::1"}, trusted, "2001:db8:aa:bb::/64"},
		{"ipv6 proxy", "[fd00::1]:8080", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"entries with ports", "10.0.0.1:1",
			[]string{"198.51.100.1:4711, [fd00::2]:80"}, trusted, "198.51.100.1"},
		{"spaces around entries", "10.0.0.1:1", []string{"  198.51.100.1  ,10.0.0.2 "}, trusted, "198.51.100.1"},
		{"all hops trusted", "10.0.0.1:1", []string{"10.0.0.3, 10.0.0.2"}, trusted, "10.0.0.3"},
		{"trusted proxy without header", "10.0.0.1:1", nil, trusted, "10.0.0.1"},
		{"empty header", "10.0.0.1:1", []string{""}, trusted, "10.0.0.1"},
		{"malformed entry", "10.0.0.1:1", []string{"not-an-ip"}, trusted, "10.0.0.1"},
		{"malformed entry after client", "10.0.0.1:1",
			[]string{"198.51.100.1, garbage"}, trusted, "10.0.0.1"},
		{"malformed entry left of client ignored", "10.0.0.1:1",
			[]string{"<script>, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"empty entry", "10.0.0.1:1", []string{"198.51.100.1,,10.0.0.2"}, trusted, "10.0.0.1"},
		{"unparseable remote addr", "somewhere", nil, trusted, "somewhere"},
		{"empty remote addr", "", nil, trusted, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.trusted); got != tc.want {
				t.Errorf("ClientIP(RemoteAddr=%q, XFF=%q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(Limit{Events: 10, Per: time.Minute})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
	}
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)], t0.Add(time.Duration(i)*time.Millisecond))
		i++
	}
}
