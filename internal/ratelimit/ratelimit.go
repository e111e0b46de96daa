// Package ratelimit limits how often something may happen per key, such as
// sign-in attempts per account or sign-ups per client address.
//
// A Limiter holds one token bucket (a golang.org/x/time/rate.Limiter) per
// key. Buckets for keys that have been idle long enough to have refilled
// completely are dropped, since a fresh bucket behaves exactly the same, and
// the number of keys is capped so that an attacker who sprays requests from
// many addresses cannot grow memory without bound.
//
// Callers pass the current time to Allow, so tests can drive a Limiter with a
// fake clock.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a rate of Events events per Per, with bursts of up to Events at
// once: a key starts with Events tokens, each event takes one, and tokens
// come back at Events per Per up to that maximum. For example
// Limit{10, time.Minute} allows 10 events straight away and then one more
// every 6 seconds; a key left alone for a minute has its 10 back.
//
// A Limit with Events <= 0 or Per <= 0 is no limit at all.
type Limit struct {
	Events int
	Per    time.Duration
}

// unlimited reports whether l allows everything.
func (l Limit) unlimited() bool { return l.Events <= 0 || l.Per <= 0 }

// maxKeys bounds the number of keys a Limiter tracks. When a new key would
// exceed it, the least recently used half of the keys is dropped. A dropped
// key starts again with a full bucket, so under a flood of more than
// maxKeys distinct keys per refill period some keys get a little more than
// their due; memory stays bounded, which matters more.
const maxKeys = 100_000

// sweepInterval is how often, at most, Allow looks for idle keys to drop.
const sweepInterval = time.Minute

// Limiter enforces a Limit separately for each key. It is safe for
// concurrent use. A nil *Limiter allows everything.
type Limiter struct {
	limit Limit

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
	maxKeys   int // maxKeys, except in tests
}

type bucket struct {
	tokens   *rate.Limiter
	lastSeen time.Time // latest time passed to Allow for this key
}

// New returns a Limiter that allows each key l.Events events per l.Per.
func New(l Limit) *Limiter {
	return &Limiter{
		limit:   l,
		buckets: make(map[string]*bucket),
		maxKeys: maxKeys,
	}
}

// Allow reports whether an event for key may happen at time now, and if so
// counts it. If not, retryAfter is how long from now until the key has a
// token again (always > 0; round it up to whole seconds for a Retry-After
// header). A refused event is not counted.
//
// now should not go backwards by much between calls; a time earlier than one
// already seen for the key is treated as that time.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil || l.limit.unlimited() {
		return true, 0
	}

	l.mu.Lock()
	defer l.mu.Unlock()

	if now.Sub(l.lastSweep) >= sweepInterval || now.Before(l.lastSweep) {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.sweep(now)
			if len(l.buckets) >= l.maxKeys {
				l.dropOldestHalf()
			}
		}
		perSecond := rate.Limit(float64(l.limit.Events) / l.limit.Per.Seconds())
		b = &bucket{tokens: rate.NewLimiter(perSecond, l.limit.Events)}
		l.buckets[key] = b
	}
	if now.After(b.lastSeen) {
		b.lastSeen = now
	}

	if b.tokens.AllowN(now, 1) {
		return true, 0
	}
	// Less than one token left: wait for the missing fraction to refill,
	// at Per/Events per token.
	missing := 1 - b.tokens.TokensAt(now)
	perToken := float64(l.limit.Per) / float64(l.limit.Events)
	return false, max(time.Duration(math.Ceil(missing*perToken)), time.Nanosecond)
}

// sweep drops the buckets that have been idle for longer than it takes a
// bucket to refill completely (Per): such a bucket is full, so dropping it
// changes nothing. l.mu must be held.
func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	for key, b := range l.buckets {
		if now.Sub(b.lastSeen) > l.limit.Per {
			delete(l.buckets, key)
		}
	}
}

// dropOldestHalf drops the least recently used half of the buckets. l.mu
// must be held.
func (l *Limiter) dropOldestHalf() {
	type aged struct {
		key      string
		lastSeen time.Time
	}
	all := make([]aged, 0, len(l.buckets))
	for key, b := range l.buckets {
		all = append(all, aged{key, b.lastSeen})
	}
	slices.SortFunc(all, func(a, b aged) int { return a.lastSeen.Compare(b.lastSeen) })
	for _, a := range all[:(len(all)+1)/2] {
		delete(l.buckets, a.key)
	}
}

// len returns the number of keys being tracked.
func (l *Limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientIP returns a rate-limiting key for the client that sent r: its IP
// address, as a string.
//
// The address is r.RemoteAddr's, unless that is inside one of
// trustedProxies. Then the request came through our own proxies, each of
// which appended the address it received the request from to
// X-Forwarded-For; ClientIP walks that header from the right and returns the
// first address that is not a trusted proxy. Entries further left were
// written by the client and could be anything, so they are never used. If
// the entry that would be chosen, or any to its right, is malformed, the
// header is ignored and the proxy's own address is used.
//
// IPv4 addresses are returned whole ("203.0.113.9"). IPv6 addresses are
// reduced to their /64 prefix ("2001:db8:1:2::/64"), because a single
// subscriber is routinely given a whole /64 and could otherwise rotate
// through addresses in it. IPv4-mapped IPv6 addresses count as IPv4.
//
// IPv4 proxies should be listed as IPv4 prefixes ("10.0.0.0/8"). If
// RemoteAddr cannot be parsed it is returned unchanged.
func ClientIP(r *http.Request, trustedProxies []netip.Prefix) string {
	remote, ok := parseRemoteAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !isTrusted(remote, trustedProxies) {
		return clientKey(remote)
	}

	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			return clientKey(remote)
		}
		client = hop
		if !isTrusted(hop, trustedProxies) {
			break
		}
	}
	return clientKey(client)
}

// parseRemoteAddr parses an http.Request.RemoteAddr, which is normally
// "host:port" but may lack the port (for example when set by a test or by
// middleware).
func parseRemoteAddr(s string) (netip.Addr, bool) {
	host := s
	if h, _, err := net.SplitHostPort(s); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return normalize(a), true
}

// parseHop parses one X-Forwarded-For entry: an address, optionally with a
// port ("192.0.2.1:1234", "[2001:db8::1]:443").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr()), true
	}
	return netip.Addr{}, false
}

// normalize drops any IPv6 zone and turns IPv4-mapped IPv6 addresses into
// IPv4 ones.
func normalize(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
}

// clientKey is the key for address a: IPv4 whole, IPv6 by /64.
func clientKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
