// Package github reads repositories from the GitHub REST API, to keep the
// star counts of papers' code repositories fresh, and finds links to
// GitHub repositories in free text (FindRepo).
//
// The client obeys GitHub's rate limits as its documentation asks
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
// once a response says no requests remain, nothing more is sent, from any
// goroutine, until the limit resets; a refusal for a secondary limit is
// retried only after its Retry-After.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/retry"
)

// Defaults of the Client's zero fields.
const (
	DefaultBaseURL   = "https://api.github.com"
	DefaultTimeout   = 15 * time.Second
	DefaultAttempts  = 4
	DefaultUserAgent = "dailypapers (+https://github.com/dailypapers/dailypapers)"
	// DefaultMaxWait sits through any primary rate limit: GitHub's windows
	// are an hour long, so a reset is never further away than that.
	DefaultMaxWait = time.Hour
)

const (
	// apiVersion pins the REST API version, so that a new default version
	// cannot change the answers under us.
	apiVersion = "2022-11-28"

	backoffBase = time.Second
	backoffMax  = 30 * time.Second
	maxBody     = 4 << 20

	// unknownLimitWait is how long to hold off when GitHub says we are
	// rate limited but not until when (no usable X-RateLimit-Reset or
	// Retry-After): its documentation says to wait at least a minute.
	unknownLimitWait = time.Minute

	// resetSlack is added to a wait for X-RateLimit-Reset. The reset is in
	// whole seconds, so a request sent on the second may still be counted
	// in the old window and refused.
	resetSlack = time.Second
)

var (
	// ErrNotFound means GitHub has no repository of that name, or none the
	// token may see: GitHub answers 404 for private repositories too.
	ErrNotFound = errors.New("github: no such repository")
	// ErrBadName means a repository name is not of the form "owner/name"
	// with GitHub's syntax; no request was made.
	ErrBadName = errors.New("github: bad repository name")
)

// RateLimitError means GitHub's rate limit stopped a request: either the
// wait until requests may be sent again is longer than the Client's
// MaxWait, so the request was not sent, or GitHub kept refusing it for
// its rate limits until the Client ran out of attempts. Callers can try
// again after Reset.
type RateLimitError struct {
	// Reset is when requests may be sent again, by the local clock.
	Reset time.Time
}

func (e *RateLimitError) Error() string {
	return "github: rate limited until " + e.Reset.UTC().Format(time.RFC3339)
}

// Repo is what the star tracker needs of a repository.
type Repo struct {
	// FullName is "owner/name" as GitHub has it now: after a rename or a
	// transfer it differs from the name asked for.
	FullName string
	// Stars is the stargazers_count.
	Stars    int
	Archived bool
	Fork     bool
	// PushedAt is the time of the last push; zero for an empty repository.
	PushedAt time.Time
	HTMLURL  string
}

// Client reads repositories from the GitHub REST API. Its zero value is
// ready to use; set fields before the first call and do not change them
// afterwards. A Client is safe for concurrent use, and its goroutines
// share what GitHub said of the rate limit: when one learns that no
// requests remain, all of them wait.
type Client struct {
	// BaseURL is the API root; DefaultBaseURL when empty.
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	// Unauthenticated clients get 60 requests an hour, tokens 5000.
	Token string
	// HTTP sends the requests; http.DefaultClient when nil. It must follow
	// redirects (the default does), as GitHub answers 301 for renamed and
	// transferred repositories.
	HTTP *http.Client
	// Timeout bounds each attempt; DefaultTimeout when zero.
	Timeout time.Duration
	// Attempts is how many times a request is tried, rate-limit retries
	// included; DefaultAttempts when zero or negative.
	Attempts int
	// UserAgent is sent with every request (GitHub refuses requests
	// without one); DefaultUserAgent when empty.
	UserAgent string
	// MaxWait is the longest rate-limit wait a call sits through; a
	// longer one makes it return a *RateLimitError instead, without
	// sending. DefaultMaxWait when zero; when negative, no wait at all is
	// sat through.
	MaxWait time.Duration

	// now and sleep are the clock; tests replace them. sleep returns early
	// with ctx.Err() when ctx ends.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu        sync.Mutex
	seen      bool          // a response has reported the rate limit
	remaining int           // X-RateLimit-Remaining of the latest response
	reset     time.Time     // its X-RateLimit-Reset, by the local clock
	hold      time.Time     // no request may start before this, as GitHub asked
	holdPad   time.Duration // slack added to hold when a call waits for it
}

// Remaining reports the rate limit as the latest response gave it: the
// requests left in the window and when the window resets, by the local
// clock (zero if the response gave no reset). It returns -1 and the zero
// time before any response carried X-RateLimit-Remaining.
func (c *Client) Remaining() (int, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen {
		return -1, time.Time{}
	}
	return c.remaining, c.reset
}

// Repo returns the repository fullName ("owner/name").
//
// It returns an error wrapping ErrBadName, without a request, when the
// name is not valid GitHub syntax, and one wrapping ErrNotFound when
// GitHub answers 404. Renamed and transferred repositories are followed:
// the Repo's FullName is then the new name.
//
// Rate limits: a 403 or 429 saying no requests remain is retried once the
// limit resets (a minute later when it does not say when), one with
// Retry-After (a secondary limit) after that
// delay; a 429 saying neither after a minute. A wait longer than MaxWait,
// whether learnt now or from an earlier response, ends the call with an
// error wrapping a *RateLimitError. Network errors, timeouts and 5xx
// answers are retried with exponential backoff and jitter. All retries
// count towards Attempts. Other answers, a 403 for a blocked repository
// among them, are not retried. Errors name the request and the attempt
// that failed.
func (c *Client) Repo(ctx context.Context, fullName string) (Repo, error) {
	owner, name, err := splitName(fullName)
	if err != nil {
		return Repo{}, fmt.Errorf("github: repo %q: %w", fullName, err)
	}
	path := "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	var lastErr error
	for n := 1; n <= attempts; n++ {
		if n > 1 && needsBackoff(lastErr) {
			if err := c.doSleep(ctx, retry.Backoff(n-1, backoffBase, backoffMax)); err != nil {
				return Repo{}, fail(path, n-1, attempts, errors.Join(lastErr, err))
			}
		}
		if err := c.waitTurn(ctx); err != nil {
			var rl *RateLimitError
			switch {
			case lastErr == nil:
				return Repo{}, fail(path, n, attempts, fmt.Errorf("not sent: %w", err))
			case errors.As(lastErr, &rl) && errors.As(err, &rl):
				// Report the refusal itself, with GitHub's message; it
				// carries the same reset.
				return Repo{}, fail(path, n-1, attempts, fmt.Errorf("%w (not retried: longer wait than MaxWait)", lastErr))
			default:
				return Repo{}, fail(path, n-1, attempts, fmt.Errorf("%w; not retried: %w", lastErr, err))
			}
		}
		r, err := c.attempt(ctx, path)
		if err == nil {
			return r, nil
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			return Repo{}, fail(path, n, attempts, err)
		}
	}
	return Repo{}, fail(path, attempts, attempts, lastErr)
}

func fail(path string, n, of int, err error) error {
	return fmt.Errorf("github: GET %s (attempt %d of %d): %w", path, n, of, err)
}

// attempt makes one request and reads its answer.
func (c *Client) attempt(ctx context.Context, path string) (Repo, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, strings.TrimRight(base, "/")+path, nil)
	if err != nil {
		return Repo{}, err
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Repo{}, netError{err}
	}
	defer resp.Body.Close()
	// The headers count even when the body is lost.
	limited := c.observe(resp)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Repo{}, netError{fmt.Errorf("reading response: %w", err)}
	}

	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		return parseRepo(body)
	case code == http.StatusNotFound:
		return Repo{}, fmt.Errorf("%w: HTTP %s%s", ErrNotFound, resp.Status, message(body))
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if limited == nil && code == http.StatusTooManyRequests {
			// 429 is a rate limit whatever the headers say; GitHub's
			// advice without them is to wait a minute.
			limited = c.holdFor(unknownLimitWait, 0)
		}
		if limited != nil {
			return Repo{}, fmt.Errorf("HTTP %s%s: %w", resp.Status, message(body), limited)
		}
		return Repo{}, fmt.Errorf("HTTP %s%s", resp.Status, message(body))
	case code >= 500:
		return Repo{}, statusError{resp.Status + message(body)}
	default:
		return Repo{}, fmt.Errorf("HTTP %s%s", resp.Status, message(body))
	}
}

// observe records the rate limit a response reports. When the response
// says to hold off — no requests remain, or (on a 403, 429 or 5xx) a
// Retry-After — it holds back all requests for that long and returns the
// *RateLimitError a refusal should carry; otherwise nil.
func (c *Client) observe(resp *http.Response) *RateLimitError {
	now := c.clock()
	h := resp.Header
	remaining, remOK := atoi(h.Get("X-RateLimit-Remaining"))
	resetWait, resetOK := resetIn(h, now)

	c.mu.Lock()
	if remOK {
		c.seen = true
		c.remaining = remaining
		c.reset = time.Time{}
		if resetOK {
			c.reset = now.Add(resetWait)
		}
	}
	c.mu.Unlock()

	var limited *RateLimitError
	if remOK && remaining == 0 {
		// GitHub: do not send another request until the reset. Without
		// a reset, GitHub's fallback advice: a minute.
		if resetOK {
			limited = c.holdFor(resetWait, resetSlack)
		} else {
			limited = c.holdFor(unknownLimitWait, 0)
		}
	}
	code := resp.StatusCode
	if code == http.StatusForbidden || code == http.StatusTooManyRequests || code >= 500 {
		if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), now); ok {
			limited = c.holdFor(d, 0)
		}
	}
	return limited
}

// holdFor holds back every request for d from now, plus pad when the wait
// is sat through, unless a longer hold is already in place. It returns the
// RateLimitError for the resulting hold.
func (c *Client) holdFor(d, pad time.Duration) *RateLimitError {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.clock().Add(d); t.After(c.hold) {
		c.hold, c.holdPad = t, pad
	}
	return &RateLimitError{Reset: c.hold.Add(c.holdPad)}
}

// waitTurn waits until the rate limit lets a request go: until the
// latest hold has passed. A hold further away than MaxWait is not sat
// through; it returns a *RateLimitError instead. The hold is checked
// again after each wait, as another goroutine may have extended it.
func (c *Client) waitTurn(ctx context.Context) error {
	maxWait := c.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	for {
		c.mu.Lock()
		hold, pad := c.hold, c.holdPad
		c.mu.Unlock()
		now := c.clock()
		wait := hold.Add(pad).Sub(now)
		if wait <= 0 {
			return ctx.Err()
		}
		// MaxWait is measured against the wait GitHub asked for, not our
		// slack, so that the default sits through any full window.
		if hold.Sub(now) > maxWait {
			return &RateLimitError{Reset: hold.Add(pad)}
		}
		if err := c.doSleep(ctx, wait); err != nil {
			return err
		}
	}
}

// resetIn reads X-RateLimit-Reset as the time from now until the reset.
// The reset is an instant by GitHub's clock, so it is measured from the
// response's Date when there is one: a local clock that is off by minutes
// would otherwise send requests before the reset, or wait far too long.
func resetIn(h http.Header, now time.Time) (time.Duration, bool) {
	secs, ok := atoi(h.Get("X-RateLimit-Reset"))
	if !ok {
		return 0, false
	}
	reset := time.Unix(int64(secs), 0)
	serverNow := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		serverNow = d
	}
	return max(reset.Sub(serverNow), 0), true
}

// atoi reads a non-negative decimal header value.
func atoi(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 0
}

// parseRepo reads a 200 answer.
func parseRepo(body []byte) (Repo, error) {
	var v struct {
		FullName string    `json:"full_name"`
		Stars    int       `json:"stargazers_count"`
		Archived bool      `json:"archived"`
		Fork     bool      `json:"fork"`
		PushedAt time.Time `json:"pushed_at"` // null for an empty repository
		HTMLURL  string    `json:"html_url"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return Repo{}, fmt.Errorf("decoding repository: %w", err)
	}
	if v.FullName == "" {
		// Every repository has one; a body without it is something else,
		// and its zero star count must not be taken for the real one.
		return Repo{}, errors.New("decoding repository: no full_name in the response")
	}
	return Repo{
		FullName: v.FullName,
		Stars:    v.Stars,
		Archived: v.Archived,
		Fork:     v.Fork,
		PushedAt: v.PushedAt,
		HTMLURL:  v.HTMLURL,
	}, nil
}

// message returns GitHub's explanation in an error body as ": message",
// or "" when there is none.
func message(body []byte) string {
	var v struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil || v.Message == "" {
		return ""
	}
	return ": " + v.Message
}

func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *Client) doSleep(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

// netError is a failure to get a response: connection errors, timeouts,
// a body cut short. Such failures are retried.
type netError struct{ err error }

func (e netError) Error() string { return e.err.Error() }
func (e netError) Unwrap() error { return e.err }

// statusError is a retryable HTTP status: 5xx.
type statusError struct{ status string }

func (e statusError) Error() string { return "HTTP " + e.status }

func retryable(err error) bool {
	var ne netError
	var se statusError
	var rl *RateLimitError
	return errors.As(err, &ne) || errors.As(err, &se) || errors.As(err, &rl)
}

// needsBackoff reports whether the retry after err backs off. Rate-limit
// refusals do not: their hold already says how long to wait.
func needsBackoff(err error) bool {
	var rl *RateLimitError
	return !errors.As(err, &rl)
}

// splitName splits "owner/name" and checks both against GitHub's syntax.
func splitName(fullName string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok {
		return "", "", fmt.Errorf("%w: want owner/name", ErrBadName)
	}
	if !validOwner(owner) {
		return "", "", fmt.Errorf("%w: owner %q: want letters, digits and single inner hyphens, at most 39", ErrBadName, owner)
	}
	if !validRepoName(name) {
		return "", "", fmt.Errorf("%w: name %q: want letters, digits, '.', '_' and '-', at most 100, not . or ..", ErrBadName, name)
	}
	return owner, name, nil
}

// validOwner reports whether s is a GitHub user or organisation name:
// ASCII letters and digits with single hyphens between them, at most 39.
func validOwner(s string) bool {
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// validRepoName reports whether s is a GitHub repository name: ASCII
// letters, digits, '.', '_' and '-', at most 100, and not "." or "..".
func validRepoName(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isRepoByte(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func isRepoByte(b byte) bool {
	return isAlnum(b) || b == '.' || b == '_' || b == '-'
}
