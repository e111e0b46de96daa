// Package ratelimit names rate limits and the client a request counts
// against. The counting itself is the store's (store.Community.Throttle),
// so that every process serving a site shares it.
package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
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
