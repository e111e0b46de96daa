package arxiv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Defaults of the Client's zero fields.
const (
	DefaultBaseURL     = "https://export.arxiv.org/api/query"
	DefaultTimeout     = 15 * time.Second
	DefaultMinInterval = 3 * time.Second // arXiv asks for one request every three seconds
	DefaultAttempts    = 4
	DefaultUserAgent   = "dailypapers (+https://github.com/dailypapers/dailypapers)"
)

const (
	backoffBase   = time.Second
	backoffMax    = 30 * time.Second
	maxRetryAfter = 2 * time.Minute // a longer Retry-After ends the retries
	maxBody       = 8 << 20
)

var (
	// ErrNotFound means arXiv has no paper with the id.
	ErrNotFound = errors.New("arxiv: no such paper")
	// ErrBadID means arXiv rejected the id. It is paper.ErrBadID, so one
	// errors.Is check covers ids refused locally and by arXiv; the error
	// also wraps the *APIError when arXiv explained why.
	ErrBadID = paper.ErrBadID
)

// Client fetches metadata from the arXiv API. Its zero value is ready to
// use; set fields before the first call and do not change them afterwards.
// A Client is safe for concurrent use and keeps its requests, from all
// goroutines, at least MinInterval apart.
type Client struct {
	// BaseURL is the query endpoint; DefaultBaseURL when empty.
	BaseURL string
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Timeout bounds each attempt; DefaultTimeout when zero.
	Timeout time.Duration
	// MinInterval is the least time between the starts of two requests;
	// DefaultMinInterval when zero, no pacing when negative.
	MinInterval time.Duration
	// Attempts is how many times a request is tried; DefaultAttempts when
	// zero or negative.
	Attempts int
	// UserAgent is sent with every request; DefaultUserAgent when empty.
	UserAgent string

	// now and sleep are the clock; tests replace them. sleep returns early
	// with ctx.Err() when ctx ends.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // earliest start of the next request
}

// Fetch returns the metadata of the paper with the given canonical id.
// It returns an error wrapping ErrNotFound when arXiv has no such paper and
// ErrBadID when arXiv rejects the id. Network errors, timeouts, HTTP 429
// and 5xx answers are retried, up to Attempts tries in all, with
// exponential backoff and jitter, waiting at least as long as a
// Retry-After header asks; other HTTP errors are not retried. Errors name
// the id and the attempt that failed.
func (c *Client) Fetch(ctx context.Context, id paper.ID) (paper.Paper, error) {
	if id == "" {
		return paper.Paper{}, fmt.Errorf("arxiv: fetch: %w: empty id", ErrBadID)
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	var lastErr error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			wait := backoff(n - 1)
			var ra retryAfterError
			if errors.As(lastErr, &ra) {
				if ra.d > maxRetryAfter {
					return paper.Paper{}, c.fail(id, n-1, attempts, lastErr)
				}
				wait = max(wait, ra.d)
				c.deferUntil(c.clock().Add(ra.d))
			}
			if err := c.doSleep(ctx, wait); err != nil {
				return paper.Paper{}, c.fail(id, n-1, attempts, errors.Join(lastErr, err))
			}
		}
		f, err := c.attempt(ctx, id)
		if err == nil {
			for _, p := range f.Papers {
				if p.ID == id {
					return p, nil
				}
			}
			return paper.Paper{}, c.fail(id, n, attempts, ErrNotFound)
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			return paper.Paper{}, c.fail(id, n, attempts, err)
		}
	}
	return paper.Paper{}, c.fail(id, attempts, attempts, lastErr)
}

func (c *Client) fail(id paper.ID, n, of int, err error) error {
	return fmt.Errorf("arxiv: fetching %s (attempt %d of %d): %w", id, n, of, err)
}

// attempt makes one request and parses its answer.
func (c *Client) attempt(ctx context.Context, id paper.ID) (Feed, error) {
	if err := c.pace(ctx); err != nil {
		return Feed{}, err
	}
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
	u := base + "?" + url.Values{"id_list": {string(id)}, "max_results": {"1"}}.Encode()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return Feed{}, err
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/atom+xml")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Feed{}, netError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Feed{}, netError{fmt.Errorf("reading response: %w", err)}
	}

	switch {
	case resp.StatusCode == http.StatusOK:
		f, err := ParseFeed(bytes.NewReader(body))
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return Feed{}, fmt.Errorf("%w: %w", ErrBadID, apiErr)
		}
		return f, err
	case resp.StatusCode == http.StatusBadRequest:
		_, err := ParseFeed(bytes.NewReader(body))
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return Feed{}, fmt.Errorf("%w: %w", ErrBadID, apiErr)
		}
		return Feed{}, fmt.Errorf("%w: HTTP %s", ErrBadID, resp.Status)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		err := statusError{resp.Status}
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock()); ok {
			return Feed{}, retryAfterError{err, d}
		}
		return Feed{}, err
	default:
		return Feed{}, fmt.Errorf("HTTP %s", resp.Status)
	}
}

// pace waits for this request's turn: requests start at least MinInterval
// apart, whichever goroutine sends them.
func (c *Client) pace(ctx context.Context) error {
	interval := c.MinInterval
	if interval == 0 {
		interval = DefaultMinInterval
	}
	c.mu.Lock()
	now := c.clock()
	start := now
	if c.next.After(start) {
		start = c.next
	}
	if interval > 0 {
		c.next = start.Add(interval)
	} else {
		c.next = start
	}
	c.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		return c.doSleep(ctx, wait)
	}
	return nil
}

// deferUntil holds back every request until t, as a Retry-After asks.
func (c *Client) deferUntil(t time.Time) {
	c.mu.Lock()
	if t.After(c.next) {
		c.next = t
	}
	c.mu.Unlock()
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
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is the wait before retry n (1, 2, ...): backoffBase doubled each
// time, capped at backoffMax, with the upper half jittered.
func backoff(n int) time.Duration {
	d := backoffBase << min(n-1, 10)
	d = min(d, backoffMax)
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
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

// netError is a failure to get a response: connection errors, timeouts,
// a body cut short. Such failures are retried.
type netError struct{ err error }

func (e netError) Error() string { return e.err.Error() }
func (e netError) Unwrap() error { return e.err }

// statusError is a retryable HTTP status: 429 or 5xx.
type statusError struct{ status string }

func (e statusError) Error() string { return "HTTP " + e.status }

// retryAfterError is a statusError whose response had a Retry-After.
type retryAfterError struct {
	statusError
	d time.Duration
}

func (e retryAfterError) Error() string {
	return fmt.Sprintf("%s (retry after %s)", e.statusError.Error(), e.d)
}

func retryable(err error) bool {
	var ne netError
	var se statusError
	var ra retryAfterError
	return errors.As(err, &ne) || errors.As(err, &se) || errors.As(err, &ra)
}
