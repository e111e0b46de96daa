package ratelimit

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

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
