package arxiv

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/retry"
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
	// ErrUnreachable means arXiv could not be reached at all: its name did
	// not resolve or no connection could be made (see retry.Unreachable),
	// as when the machine is offline. Such failures are retried all the
	// same: a network may come back.
	ErrUnreachable = errors.New("could not reach arXiv")
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

	pacer
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
	attempts := attemptsOr(c.Attempts)
	var p paper.Paper
	n, err := c.retry(ctx, attempts, func() error {
		f, err := c.attempt(ctx, id)
		if err != nil {
			return err
		}
		for _, fp := range f.Papers {
			if fp.ID == id {
				p = fp
				return nil
			}
		}
		return ErrNotFound
	})
	if err != nil {
		return paper.Paper{}, c.fail(id, n, attempts, err)
	}
	return p, nil
}

func (c *Client) fail(id paper.ID, n, of int, err error) error {
	return fmt.Errorf("arxiv: fetching %s (attempt %d of %d): %w", id, n, of, err)
}

// attempt makes one request and parses its answer.
func (c *Client) attempt(ctx context.Context, id paper.ID) (Feed, error) {
	if err := c.pace(ctx, c.MinInterval); err != nil {
		return Feed{}, err
	}
	base := cmp.Or(c.BaseURL, DefaultBaseURL)
	u := base + "?" + url.Values{"id_list": {string(id)}, "max_results": {"1"}}.Encode()
	resp, body, err := get(ctx, getRequest{
		client: c.HTTP, url: u, userAgent: c.UserAgent, accept: "application/atom+xml",
		timeout: cmp.Or(max(c.Timeout, 0), DefaultTimeout), limit: maxBody,
	})
	if err != nil {
		return Feed{}, err
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
		return Feed{}, c.retryableStatus(resp)
	default:
		return Feed{}, fmt.Errorf("HTTP %s", resp.Status)
	}
}

// pacer spaces out the requests of a client and retries failed ones. It is
// embedded in Client and Harvester, so that each keeps its own schedule.
type pacer struct {
	// now and sleep are the clock; tests replace them. sleep returns early
	// with ctx.Err() when ctx ends.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // earliest start of the next request
}

// pace waits for this request's turn: requests start at least interval
// apart, whichever goroutine sends them. An interval of zero means
// DefaultMinInterval, a negative one no pacing.
func (p *pacer) pace(ctx context.Context, interval time.Duration) error {
	if interval == 0 {
		interval = DefaultMinInterval
	}
	p.mu.Lock()
	now := p.clock()
	start := now
	if p.next.After(start) {
		start = p.next
	}
	if interval > 0 {
		p.next = start.Add(interval)
	} else {
		p.next = start
	}
	p.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		return p.doSleep(ctx, wait)
	}
	return nil
}

// deferUntil holds back every request until t, as a Retry-After asks.
func (p *pacer) deferUntil(t time.Time) {
	p.mu.Lock()
	if t.After(p.next) {
		p.next = t
	}
	p.mu.Unlock()
}

// retry calls try until it succeeds, fails with an error that is not
// retryable, or has been called attempts times. Before each retry it waits
// with exponential backoff and jitter, or as long as a Retry-After asked if
// that is longer, and holds back the pacer's other requests as long too. A
// Retry-After beyond maxRetryAfter ends the retries. retry returns the
// number of the last try and its error.
func (p *pacer) retry(ctx context.Context, attempts int, try func() error) (int, error) {
	var lastErr error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			wait := retry.Backoff(n-1, backoffBase, backoffMax)
			var ra retryAfterError
			if errors.As(lastErr, &ra) {
				if ra.d > maxRetryAfter {
					return n - 1, lastErr
				}
				wait = max(wait, ra.d)
				p.deferUntil(p.clock().Add(ra.d))
			}
			if err := p.doSleep(ctx, wait); err != nil {
				return n - 1, errors.Join(lastErr, err)
			}
		}
		err := try()
		if err == nil {
			return n, nil
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			return n, err
		}
	}
	return attempts, lastErr
}

// retryableStatus is the error of a 429 or 5xx response, with the wait its
// Retry-After header asks for.
func (p *pacer) retryableStatus(resp *http.Response) error {
	err := statusError{resp.Status}
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), p.clock()); ok {
		return retryAfterError{err, d}
	}
	return err
}

func (p *pacer) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

func (p *pacer) doSleep(ctx context.Context, d time.Duration) error {
	if p.sleep != nil {
		return p.sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

// attemptsOr is the number of tries a client configured with n makes.
func attemptsOr(n int) int {
	if n <= 0 {
		return DefaultAttempts
	}
	return n
}

// getRequest is one GET of get.
type getRequest struct {
	client    *http.Client // http.DefaultClient when nil
	url       string
	userAgent string // DefaultUserAgent when empty
	accept    string
	timeout   time.Duration // bounds the request and the reading of the body
	limit     int64         // largest body accepted
}

// get sends one GET request and reads the whole response body, which it
// returns with the response (whose Body is then closed). Failures to get
// a complete response, a body cut short included, are netErrors; a body
// larger than the limit is an error that is not retried.
func get(ctx context.Context, r getRequest) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", cmp.Or(r.userAgent, DefaultUserAgent))
	req.Header.Set("Accept", r.accept)
	hc := r.client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if retry.Unreachable(err) {
			err = fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return nil, nil, netError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.limit+1))
	if err != nil {
		return nil, nil, netError{fmt.Errorf("reading response: %w", err)}
	}
	if int64(len(body)) > r.limit {
		return nil, nil, fmt.Errorf("response larger than %d bytes", r.limit)
	}
	return resp, body, nil
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
