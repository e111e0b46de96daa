package web

import (
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
}

// limiters are the live buckets of Limits.
type limiters struct {
	signInAccount, signInAddress       *ratelimit.Limiter
	signUpAddress                      *ratelimit.Limiter
	resetAccount, resetAddress         *ratelimit.Limiter
	submitAccount, submitAddress       *ratelimit.Limiter
	commentAccount, commentAddress     *ratelimit.Limiter
	subscribeAccount, subscribeAddress *ratelimit.Limiter
}

func newLimiters(l Limits) *limiters {
	return &limiters{
		signInAccount: ratelimit.New(l.SignInAccount), signInAddress: ratelimit.New(l.SignInAddress),
		signUpAddress: ratelimit.New(l.SignUpAddress),
		resetAccount:  ratelimit.New(l.ResetAccount), resetAddress: ratelimit.New(l.ResetAddress),
		submitAccount: ratelimit.New(l.SubmitAccount), submitAddress: ratelimit.New(l.SubmitAddress),
		commentAccount: ratelimit.New(l.CommentAccount), commentAddress: ratelimit.New(l.CommentAddress),
		subscribeAccount: ratelimit.New(l.SubscribeAccount), subscribeAddress: ratelimit.New(l.SubscribeAddress),
	}
}

// limitKey pairs a limiter with the key it is asked about.
type limitKey struct {
	l   *ratelimit.Limiter
	key string
}

// allow asks every limiter; the request goes ahead only if all agree. The
// error is a 429 that says how long to wait.
func (s *Server) allow(what string, keys ...limitKey) error {
	now := s.now()
	var wait time.Duration
	for _, k := range keys {
		if ok, retry := k.l.Allow(strings.ToLower(k.key), now); !ok {
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
