package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Limits bound how often one account and one address may do the things
// that cost the site (a password hash, a request to arXiv, a mail) or that
// spam would abuse. Each action has a limit per account (or, before
// sign-in, per email address typed) and a looser one per client address,
// which people behind one NAT share.
//
// Sign-in is the exception, since a limit per account would let anyone
// lock its owner out by guessing wrong on purpose: every attempt counts
// against the client address, and failed ones against the account typed
// from that address (SignInAccount), so a stranger's wrong guesses use up
// only the stranger's own tries.
type Limits struct {
	SignInAccount, SignInAddress   ratelimit.Limit
	SignUpAddress                  ratelimit.Limit
	ResetAccount, ResetAddress     ratelimit.Limit
	SubmitAccount, SubmitAddress   ratelimit.Limit
	CommentAccount, CommentAddress ratelimit.Limit
	// Subscribing sends a mail: per address typed, and per client.
	SubscribeAccount, SubscribeAddress ratelimit.Limit
	// Votes, from the pages and the API alike.
	VoteAccount, VoteAddress ratelimit.Limit
	// LibraryAccount counts an account's writes to its library (saves,
	// collections and their papers, from the pages and the API alike): a
	// change to a public collection moves the store's version, which
	// empties the page cache, so a script must not do it without end.
	LibraryAccount ratelimit.Limit
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
	// A person upvoting a whole day's feed, and changing their mind on a
	// few, stays far below 100 votes in ten minutes (a burst of 100, then
	// one every 6 s); an address shared by a lab gets three times that.
	VoteAccount: ratelimit.Limit{Events: 100, Per: 10 * time.Minute},
	VoteAddress: ratelimit.Limit{Events: 300, Per: 10 * time.Minute},
	// A person filing papers by hand stays far below 600 in ten minutes; a
	// script filling a collection of 2,000 takes half an hour.
	LibraryAccount: ratelimit.Limit{Events: 600, Per: 10 * time.Minute},
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

// bucket is the limit as the store counts it; peek asks without counting.
func (k limitKey) bucket(peek bool) store.Bucket {
	l := k.limit
	if l.Events <= 0 || l.Per <= 0 {
		return store.Bucket{} // no limit
	}
	return store.Bucket{Key: k.name + ":" + strings.ToLower(k.key), Burst: l.Events, Every: l.Per / time.Duration(l.Events), Peek: peek}
}

// allow asks every limit; the request goes ahead, and counts against each
// of them, only if all agree: a limit that refuses does not use up the
// others (a stranger refused for their address must not spend the tries of
// the account they typed). The counts live in the store, so every process
// serving the site counts against the same limits. The error is a 429
// that says how long to wait.
func (s *Server) allow(ctx context.Context, what string, keys ...limitKey) error {
	return s.allowPeeking(ctx, what, keys, nil)
}

// allowPeeking is allow that also asks the limits in peek without counting
// the request against them: limits of failures, which count is told of
// once a failure has happened.
func (s *Server) allowPeeking(ctx context.Context, what string, keys, peek []limitKey) error {
	buckets := make([]store.Bucket, 0, len(keys)+len(peek))
	for _, k := range keys {
		buckets = append(buckets, k.bucket(false))
	}
	for _, k := range peek {
		buckets = append(buckets, k.bucket(true))
	}
	ok, wait, err := s.store.ThrottleAll(ctx, s.now(), buckets...)
	if err != nil || ok {
		return err
	}
	s.metrics.RateLimited(limitName(keys))
	return &httpError{status: http.StatusTooManyRequests, retryAfter: wait,
		msg: fmt.Sprintf("Too many %s from you for now. Please try again in %s.", what, humanWait(wait))}
}

// count counts an event that has happened against one limit, whatever
// the limit says: a failure, which allowPeeking then sees.
func (s *Server) count(ctx context.Context, k limitKey) error {
	b := k.bucket(false)
	if b.Burst == 0 {
		return nil
	}
	_, _, err := s.store.Throttle(ctx, b.Key, b.Burst, b.Every, s.now())
	return err
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
