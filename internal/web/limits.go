package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/ratelimit"
)

// Limits bound how often one account and one address may do the things
// that cost the site (a password hash, a request to arXiv, a mail) or that
// spam would abuse. Each action has a limit per account (or, before
// sign-in, per email address typed) and a looser one per client address,
// which people behind one NAT share.
type Limits struct {
	SignInAccount, SignInAddress   ratelimit.Limit
	SignUpAddress                  ratelimit.Limit
	ResetAccount, ResetAddress     ratelimit.Limit
	SubmitAccount, SubmitAddress   ratelimit.Limit
	CommentAccount, CommentAddress ratelimit.Limit
	// Subscribing sends a mail: per address typed, and per client.
	SubscribeAccount, SubscribeAddress ratelimit.Limit
	// SearchAddress counts the searches a client address runs (pages,
	// feeds and the API; answers from the page cache are free). The query
	// budget bounds each one; this bounds how many one client may ask for.
	SearchAddress ratelimit.Limit
}

// DefaultLimits are generous for people and tight for scripts.
var DefaultLimits = Limits{
	SignInAccount:    ratelimit.Limit{Events: 10, Per: 15 * time.Minute},
	SignInAddress:    ratelimit.Limit{Events: 30, Per: 15 * time.Minute},
	SignUpAddress:    ratelimit.Limit{Events: 5, Per: time.Hour},
	ResetAccount:     ratelimit.Limit{Events: 3, Per: time.Hour},
	ResetAddress:     ratelimit.Limit{Events: 10, Per: time.Hour},
	SubmitAccount:    ratelimit.Limit{Events: 20, Per: time.Hour},
	SubmitAddress:    ratelimit.Limit{Events: 60, Per: time.Hour},
	CommentAccount:   ratelimit.Limit{Events: 20, Per: 10 * time.Minute},
	CommentAddress:   ratelimit.Limit{Events: 60, Per: 10 * time.Minute},
	SubscribeAccount: ratelimit.Limit{Events: 3, Per: time.Hour},
	SubscribeAddress: ratelimit.Limit{Events: 20, Per: time.Hour},
	// 600 at once, then one a second: more than a person reading results
	// or a feed reader polling, less than a script in a loop.
	SearchAddress: ratelimit.Limit{Events: 600, Per: 10 * time.Minute},
}

// limitKey is one limit asked about one key; name keeps apart the keys
// of different limits in the store.
type limitKey struct {
	name  string
	limit ratelimit.Limit
	key   string
}

// allow asks every limit; the request goes ahead only if all agree. The
// counts live in the store, so every process serving the site counts
// against the same limits. The error is a 429 that says how long to wait.
func (s *Server) allow(ctx context.Context, what string, keys ...limitKey) error {
	now := s.now()
	var wait time.Duration
	for _, k := range keys {
		l := k.limit
		if l.Events <= 0 || l.Per <= 0 {
			continue
		}
		ok, retry, err := s.store.Throttle(ctx, k.name+":"+strings.ToLower(k.key), l.Events, l.Per/time.Duration(l.Events), now)
		if err != nil {
			return err
		}
		if !ok {
			wait = max(wait, retry)
		}
	}
	if wait == 0 {
		return nil
	}
	return &httpError{status: http.StatusTooManyRequests, retryAfter: wait,
		msg: fmt.Sprintf("Too many %s from you for now. Please try again in %s.", what, humanWait(wait))}
}

// clientIP is the address rate limits count a request against.
func (s *Server) clientIP(r *http.Request) string {
	return ratelimit.ClientIP(r, s.trustedProxies)
}

// humanWait writes a wait as people say it: "a minute", "12 minutes".
func humanWait(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return "a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
	default:
		return fmt.Sprintf("%d hours", int(math.Ceil(d.Hours())))
	}
}
