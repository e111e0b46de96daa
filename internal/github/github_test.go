package github

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// recording is one recorded response: testdata/<name>.headers.txt (request
// line, "HTTP <status>", then one header a line) and, for most,
// testdata/<name>.body.json.
type recording struct {
	status int
	header http.Header
	body   []byte
}

// framing are recorded headers that described the original connection and
// encoding, not the response: the stored bodies are decoded, so replaying
// Content-Encoding: gzip or a Transfer-Encoding would misdescribe them,
// and the test server sets Content-Length itself.
var framing = map[string]bool{
	"Content-Length":    true,
	"Content-Encoding":  true,
	"Transfer-Encoding": true,
	"Connection":        true,
}

// record reads the recorded headers of name and, when bodyName is not
// empty, the recorded body bodyName (usually the same exchange's).
func record(t testing.TB, name, bodyName string) recording {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(t, name+".headers.txt")))
	rec := recording{header: http.Header{}}
	for n := 0; sc.Scan(); n++ {
		line := sc.Text()
		switch n {
		case 0: // the request, e.g. "GET https://api.github.com/user"
			continue
		case 1:
			code, ok := strings.CutPrefix(line, "HTTP ")
			var err error
			if rec.status, err = strconv.Atoi(code); !ok || err != nil {
				t.Fatalf("%s: bad status line %q", name, line)
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", name, line)
		}
		if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); !framing[k] {
			rec.header.Add(k, strings.TrimSpace(v))
		}
	}
	if bodyName != "" {
		rec.body = readTestdata(t, bodyName+".body.json")
	}
	return rec
}

// with returns a copy of rec with header k set to v (or removed when v is
// empty); tests say why when they change a recording.
func (rec recording) with(k, v string) recording {
	rec.header = rec.header.Clone()
	if v == "" {
		rec.header.Del(k)
	} else {
		rec.header.Set(k, v)
	}
	return rec
}

func (rec recording) serve(w http.ResponseWriter, r *http.Request) {
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body)
}

// The recordings used.
const (
	// GET /repos/PyGithub/PyGithub -> 200, 2025; stargazers_count 7122.
	pyGithubRepo = "PyGithub/Repository.setUp.0.GET_200"
	// GET /repos/octokit-fixture-org/hello-world -> 200, 2022.
	octokitRepo = "octokit-fixtures/get-repository.0.GET_200"
	// GET /user -> 200, 2012: a user, not a repository.
	pyGithubUser = "PyGithub/Exceptions.testUnknownObject.0.GET_200"
	// GET /repos/jacquev6/Xxx -> 404, 2012.
	notFound = "PyGithub/Exceptions.testUnknownObject.1.GET_404"
	// GET /users/jacquev6 -> 200 with x-ratelimit-remaining: 0, 2013.
	lastOf60 = "PyGithub/SpecificExceptions.testRateLimitExceeded.0.GET_200"
	// the next request -> 403, x-ratelimit-remaining: 0, no reset header.
	primary403 = "PyGithub/SpecificExceptions.testRateLimitExceeded.1.GET_403"
	// GET /search/code -> 403 abuse (secondary) limit, Retry-After: 60, 2018.
	secondary403 = "PyGithub/SpecificExceptions.testAuthenticatedRateLimitExceeded.1.GET_403"
)

// fakeClock stands in for time: sleeping records the duration and moves
// the clock on instead of waiting.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: date("2026-05-01T12:00:00Z")} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	return ctx.Err()
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

// hit is a request the test server received, and the fake time it came.
type hit struct {
	path   string
	header http.Header
	at     time.Time
}

// scripted is a test server that answers with its steps in turn, the last
// one for ever, and logs the requests.
type scripted struct {
	*httptest.Server
	clk  *fakeClock
	mu   sync.Mutex
	hits []hit
}

func newScripted(t *testing.T, clk *fakeClock, steps ...http.HandlerFunc) *scripted {
	s := &scripted{clk: clk}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, hit{r.URL.Path, r.Header.Clone(), clk.now()})
		n := len(s.hits)
		s.mu.Unlock()
		steps[min(n, len(steps))-1](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) log() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

func (s *scripted) client() *Client {
	c := &Client{BaseURL: s.URL, HTTP: s.Client(), Timeout: 2 * time.Second}
	c.now, c.sleep = s.clk.now, s.clk.sleep
	return c
}

func serveJSON(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		w.Write([]byte(body))
	}
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

var pyGithubWant = Repo{
	FullName: "PyGithub/PyGithub",
	Stars:    7122,
	PushedAt: date("2024-12-19T12:01:11Z"),
	HTMLURL:  "https://github.com/PyGithub/PyGithub",
}

func TestRepoRecorded(t *testing.T) {
	for _, tc := range []struct {
		rec       string
		name      string
		want      Repo
		remaining int
		resetIn   time.Duration // X-RateLimit-Reset minus the recorded Date
	}{
		{pyGithubRepo, "PyGithub/PyGithub", pyGithubWant, 4999, 3600 * time.Second},
		{octokitRepo, "octokit-fixture-org/hello-world", Repo{
			FullName: "octokit-fixture-org/hello-world",
			Stars:    0,
			PushedAt: date("2017-11-03T20:11:46Z"),
			HTMLURL:  "https://github.com/octokit-fixture-org/hello-world",
		}, 4962, 3530 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv := newScripted(t, clk, record(t, tc.rec, tc.rec).serve)
			c := srv.client()
			if n, reset := c.Remaining(); n != -1 || !reset.IsZero() {
				t.Errorf("Remaining before any request = %d, %v; want -1, zero", n, reset)
			}
			got, err := c.Repo(context.Background(), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Repo = %+v\nwant   %+v", got, tc.want)
			}
			hits := srv.log()
			if len(hits) != 1 {
				t.Fatalf("%d requests; want 1", len(hits))
			}
			h := hits[0]
			if want := "/repos/" + tc.name; h.path != want {
				t.Errorf("path %q; want %q", h.path, want)
			}
			for k, want := range map[string]string{
				"Accept":               "application/vnd.github+json",
				"X-Github-Api-Version": "2022-11-28",
				"User-Agent":           DefaultUserAgent,
				"Authorization":        "",
			} {
				if got := h.header.Get(k); got != want {
					t.Errorf("request header %s = %q; want %q", k, got, want)
				}
			}
			if s := clk.recorded(); len(s) != 0 {
				t.Errorf("slept %v; want no sleep", s)
			}
			// The recorded Date is years before the fake clock: the reset
			// is measured from it, not from the local clock.
			n, reset := c.Remaining()
			if n != tc.remaining || !reset.Equal(clk.now().Add(tc.resetIn)) {
				t.Errorf("Remaining = %d, %v; want %d, %v", n, reset, tc.remaining, clk.now().Add(tc.resetIn))
			}
		})
	}
}

func TestRepoNotFound(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, record(t, notFound, notFound).serve)
	c := srv.client()
	_, err := c.Repo(context.Background(), "jacquev6/Xxx")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v; want ErrNotFound", err)
	}
	for _, want := range []string{"GET /repos/jacquev6/Xxx (attempt 1 of 4)", "404 Not Found: Not Found"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := len(srv.log()); n != 1 {
		t.Errorf("%d requests; a 404 must not be retried", n)
	}
	// 2012: x-ratelimit-remaining and -limit, but no reset yet.
	if n, reset := c.Remaining(); n != 4970 || !reset.IsZero() {
		t.Errorf("Remaining = %d, %v; want 4970, zero", n, reset)
	}
}

func TestRepoNotARepository(t *testing.T) {
	srv := newScripted(t, newFakeClock(), record(t, pyGithubUser, pyGithubUser).serve)
	_, err := srv.client().Repo(context.Background(), "jacquev6/jacquev6")
	if err == nil || !strings.Contains(err.Error(), "no full_name") {
		t.Fatalf("error = %v; a user's JSON must not pass for a repository", err)
	}
	if n := len(srv.log()); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

// A 403 with X-RateLimit-Remaining: 0 is the primary limit: wait for the
// reset, then retry.
func TestRepoPrimaryRateLimit(t *testing.T) {
	rec := record(t, primary403, primary403)
	recDate, err := http.ParseTime(rec.header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	// The 2013 recording predates X-RateLimit-Reset; these add one, 20
	// minutes after the recorded Date, to what is otherwise the recording.
	withReset := rec.with("X-RateLimit-Reset", strconv.FormatInt(recDate.Add(20*time.Minute).Unix(), 10))

	t.Run("recorded, no reset", func(t *testing.T) {
		clk := newFakeClock()
		srv := newScripted(t, clk, rec.serve, record(t, pyGithubRepo, pyGithubRepo).serve)
		got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
		if err != nil || got != pyGithubWant {
			t.Fatalf("Repo = %+v, %v", got, err)
		}
		// Without a reset, GitHub's advice: wait a minute.
		if s := clk.recorded(); !slices.Equal(s, []time.Duration{time.Minute}) {
			t.Errorf("slept %v; want [1m]", s)
		}
		if h := srv.log(); len(h) != 2 || h[1].at.Sub(h[0].at) < time.Minute {
			t.Errorf("requests %v; want 2, a minute apart", h)
		}
	})
	t.Run("with reset", func(t *testing.T) {
		clk := newFakeClock()
		srv := newScripted(t, clk, withReset.serve, record(t, pyGithubRepo, pyGithubRepo).serve)
		got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
		if err != nil || got != pyGithubWant {
			t.Fatalf("Repo = %+v, %v", got, err)
		}
		want := 20*time.Minute + resetSlack
		if s := clk.recorded(); !slices.Equal(s, []time.Duration{want}) {
			t.Errorf("slept %v; want [%v]", s, want)
		}
		if h := srv.log(); len(h) != 2 || h[1].at.Sub(h[0].at) < 20*time.Minute {
			t.Errorf("requests %v; want the retry after the reset", h)
		}
	})
	t.Run("reset beyond MaxWait", func(t *testing.T) {
		clk := newFakeClock()
		srv := newScripted(t, clk, withReset.serve, record(t, pyGithubRepo, pyGithubRepo).serve)
		c := srv.client()
		c.MaxWait = 10 * time.Minute
		start := clk.now()
		_, err := c.Repo(context.Background(), "PyGithub/PyGithub")
		var rl *RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("error = %v; want a *RateLimitError", err)
		}
		if want := start.Add(20*time.Minute + resetSlack); !rl.Reset.Equal(want) {
			t.Errorf("Reset = %v; want %v", rl.Reset, want)
		}
		if !strings.Contains(err.Error(), "API Rate Limit Exceeded for 92.104.200.119") {
			t.Errorf("error %q does not give GitHub's message", err)
		}
		if n := len(srv.log()); n != 1 {
			t.Errorf("%d requests; want 1, no retry before the reset", n)
		}
		if s := clk.recorded(); len(s) != 0 {
			t.Errorf("slept %v; want no sleep", s)
		}
	})
}

// A 403 with Retry-After is a secondary limit: wait that long, then retry.
func TestRepoSecondaryRateLimit(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, record(t, secondary403, secondary403).serve, record(t, pyGithubRepo, pyGithubRepo).serve)
	got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
	if err != nil || got != pyGithubWant {
		t.Fatalf("Repo = %+v, %v", got, err)
	}
	if s := clk.recorded(); !slices.Equal(s, []time.Duration{60 * time.Second}) {
		t.Errorf("slept %v; want [1m0s] as Retry-After: 60 asks", s)
	}
	if h := srv.log(); len(h) != 2 || h[1].at.Sub(h[0].at) < 60*time.Second {
		t.Errorf("requests %v; want 2, 60s apart", h)
	}
}

func TestRepoSecondaryRateLimitGivesUp(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, record(t, secondary403, secondary403).serve)
	c := srv.client()
	c.Attempts = 2
	_, err := c.Repo(context.Background(), "PyGithub/PyGithub")
	var rl *RateLimitError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), "(attempt 2 of 2)") ||
		!strings.Contains(err.Error(), "abuse detection mechanism") {
		t.Fatalf("error = %v; want a *RateLimitError after 2 attempts", err)
	}
	if !rl.Reset.Equal(clk.now().Add(60 * time.Second)) {
		t.Errorf("Reset = %v; want 60s after the last refusal", rl.Reset)
	}
}

// No 429 is among the recordings; these are written from GitHub's
// documentation.
func TestRepo429(t *testing.T) {
	for name, tc := range map[string]struct {
		header []string
		want   time.Duration
	}{
		"Retry-After": {[]string{"Retry-After", "30"}, 30 * time.Second},
		"no headers":  {nil, time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			srv := newScripted(t, clk,
				serveJSON(429, `{"message":"You have exceeded a secondary rate limit."}`, tc.header...),
				record(t, pyGithubRepo, pyGithubRepo).serve)
			got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
			if err != nil || got != pyGithubWant {
				t.Fatalf("Repo = %+v, %v", got, err)
			}
			if s := clk.recorded(); !slices.Equal(s, []time.Duration{tc.want}) {
				t.Errorf("slept %v; want [%v]", s, tc.want)
			}
		})
	}
}

// X-RateLimit-Remaining: 0 on a successful answer holds back the next
// request, whoever sends it, until the reset.
func TestRepoRemainingZeroDelaysNextCall(t *testing.T) {
	repoBody := record(t, pyGithubRepo, pyGithubRepo)
	for name, tc := range map[string]struct {
		first recording
		want  time.Duration
	}{
		// The 2013 headers of the last request of 60 (no reset header)
		// on the repository body.
		"recorded 2013 headers": {record(t, lastOf60, pyGithubRepo), time.Minute},
		// The 2025 recording with the remaining count changed to 0: its
		// reset is 3600s after its Date, which the default MaxWait (1h)
		// sits through.
		"2025 headers, remaining 0": {repoBody.with("X-RateLimit-Remaining", "0"), time.Hour + resetSlack},
	} {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			srv := newScripted(t, clk, tc.first.serve, repoBody.serve)
			c := srv.client()
			if got, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil || got != pyGithubWant {
				t.Fatalf("first Repo = %+v, %v", got, err)
			}
			if s := clk.recorded(); len(s) != 0 {
				t.Fatalf("first call slept %v; want no sleep", s)
			}
			if n, _ := c.Remaining(); n != 0 {
				t.Errorf("Remaining = %d; want 0", n)
			}
			if got, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil || got != pyGithubWant {
				t.Fatalf("second Repo = %+v, %v", got, err)
			}
			if s := clk.recorded(); !slices.Equal(s, []time.Duration{tc.want}) {
				t.Errorf("slept %v; want [%v]", s, tc.want)
			}
			if h := srv.log(); len(h) != 2 || h[1].at.Sub(h[0].at) < tc.want {
				t.Errorf("requests %v; want the second %v after the first", h, tc.want)
			}
		})
	}
}

// Goroutines share the hold: none sends before it ends.
func TestRepoRemainingZeroHoldsAllGoroutines(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, record(t, lastOf60, pyGithubRepo).serve, record(t, pyGithubRepo, pyGithubRepo).serve)
	c := srv.client()
	if _, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
		t.Fatal(err)
	}
	holdEnds := clk.now().Add(time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	hits := srv.log()
	if len(hits) != 9 {
		t.Fatalf("%d requests; want 9", len(hits))
	}
	for i, h := range hits[1:] {
		if h.at.Before(holdEnds) {
			t.Errorf("request %d sent at %v, before the hold ended at %v", i+2, h.at, holdEnds)
		}
	}
}

// A wait longer than MaxWait ends the call before it sends anything.
func TestRepoWaitBeyondMaxWait(t *testing.T) {
	clk := newFakeClock()
	// As above: the 2025 recording with the remaining count changed to 0.
	first := record(t, pyGithubRepo, pyGithubRepo).with("X-RateLimit-Remaining", "0")
	srv := newScripted(t, clk, first.serve)
	c := srv.client()
	c.MaxWait = 30 * time.Minute
	if _, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Repo(context.Background(), "PyGithub/PyGithub")
	var rl *RateLimitError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("error = %v; want a *RateLimitError, not sent", err)
	}
	if want := clk.now().Add(time.Hour + resetSlack); !rl.Reset.Equal(want) {
		t.Errorf("Reset = %v; want %v", rl.Reset, want)
	}
	if n := len(srv.log()); n != 1 {
		t.Errorf("%d requests; want only the first", n)
	}
	if s := clk.recorded(); len(s) != 0 {
		t.Errorf("slept %v; want no sleep", s)
	}
}

func TestRepoWaitCanceled(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, record(t, lastOf60, pyGithubRepo).serve)
	c := srv.client()
	if _, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Repo(ctx, "PyGithub/PyGithub"); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v; want context.Canceled", err)
	}
	if n := len(srv.log()); n != 1 {
		t.Errorf("%d requests; want only the first", n)
	}
}

func TestRepoServerErrorRetried(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, serveJSON(502, `{"message":"Server Error"}`), record(t, pyGithubRepo, pyGithubRepo).serve)
	got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
	if err != nil || got != pyGithubWant {
		t.Fatalf("Repo = %+v, %v", got, err)
	}
	s := clk.recorded()
	if len(s) != 1 || s[0] < backoffBase/2 || s[0] > backoffBase {
		t.Errorf("slept %v; want one backoff in [%v, %v]", s, backoffBase/2, backoffBase)
	}
}

func TestRepoServerErrorRetryAfter(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, serveJSON(503, `{}`, "Retry-After", "10"), record(t, pyGithubRepo, pyGithubRepo).serve)
	if _, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
		t.Fatal(err)
	}
	if h := srv.log(); len(h) != 2 || h[1].at.Sub(h[0].at) < 10*time.Second {
		t.Errorf("requests %v; want the retry 10s after", h)
	}
}

func TestRepoServerErrorGivesUp(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, serveJSON(503, `{"message":"Service Unavailable"}`))
	_, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
	if err == nil || !strings.Contains(err.Error(), "(attempt 4 of 4): HTTP 503 Service Unavailable") {
		t.Fatalf("error = %v; want a 503 after 4 attempts", err)
	}
	if n := len(srv.log()); n != 4 {
		t.Errorf("%d requests; want 4", n)
	}
	// Backoff doubles: [0.5s,1s], [1s,2s], [2s,4s].
	s := clk.recorded()
	if len(s) != 3 {
		t.Fatalf("slept %v; want 3 backoffs", s)
	}
	for i, d := range s {
		if lo, hi := backoffBase<<i/2, backoffBase<<i; d < lo || d > hi {
			t.Errorf("backoff %d = %v; want in [%v, %v]", i+1, d, lo, hi)
		}
	}
}

func TestRepoNetworkErrorRetried(t *testing.T) {
	clk := newFakeClock()
	srv := newScripted(t, clk, hangUp, record(t, pyGithubRepo, pyGithubRepo).serve)
	got, err := srv.client().Repo(context.Background(), "PyGithub/PyGithub")
	if err != nil || got != pyGithubWant {
		t.Fatalf("Repo = %+v, %v", got, err)
	}
	if n := len(srv.log()); n != 2 {
		t.Errorf("%d requests; want 2", n)
	}
}

// A 403 that is not a rate limit (a blocked or forbidden repository) is
// final. The body is GitHub's message for a repository blocked for its
// terms of service; no such answer is among the recordings.
func TestRepoForbidden(t *testing.T) {
	srv := newScripted(t, newFakeClock(), serveJSON(403, `{"message":"Repository access blocked","block":{"reason":"tos"}}`,
		"X-RateLimit-Remaining", "4998"))
	_, err := srv.client().Repo(context.Background(), "some/repo")
	var rl *RateLimitError
	if err == nil || errors.As(err, &rl) || errors.Is(err, ErrNotFound) ||
		!strings.Contains(err.Error(), "403 Forbidden: Repository access blocked") {
		t.Fatalf("error = %v; want a plain 403 error", err)
	}
	if n := len(srv.log()); n != 1 {
		t.Errorf("%d requests; a forbidden repository must not be retried", n)
	}
}

func TestRepoBadName(t *testing.T) {
	srv := newScripted(t, newFakeClock(), record(t, pyGithubRepo, pyGithubRepo).serve)
	c := srv.client()
	for _, name := range []string{
		"", "PyGithub", "PyGithub/", "/PyGithub", "a/b/c", "-a/b", "a-/b", "a--b/c", "a_b/c", "a.b/c",
		strings.Repeat("a", 40) + "/b", "a/" + strings.Repeat("b", 101), "a/.", "a/..",
		"a b/c", "a/b c", "ä/b", "a/bä", "a/b?x", "a/b#x", "a/%2e%2e", "../b",
		"https://github.com/a/b",
	} {
		if _, err := c.Repo(context.Background(), name); !errors.Is(err, ErrBadName) {
			t.Errorf("Repo(%q) error = %v; want ErrBadName", name, err)
		}
	}
	if n := len(srv.log()); n != 0 {
		t.Errorf("%d requests; bad names must be refused without one", n)
	}
}

func TestSplitNameValid(t *testing.T) {
	for _, name := range []string{
		"a/b", "PyGithub/PyGithub", "a-b-c/d.e_f-g", "0/0", "a/.github", "a/...", "a/-", "a/_",
		strings.Repeat("a", 39) + "/" + strings.Repeat("b", 100),
	} {
		if owner, repo, err := splitName(name); err != nil || owner+"/"+repo != name {
			t.Errorf("splitName(%q) = %q, %q, %v", name, owner, repo, err)
		}
	}
}

func TestRepoToken(t *testing.T) {
	for token, want := range map[string]string{"": "", "ghp_example": "Bearer ghp_example"} {
		srv := newScripted(t, newFakeClock(), record(t, pyGithubRepo, pyGithubRepo).serve)
		c := srv.client()
		c.Token = token
		if _, err := c.Repo(context.Background(), "PyGithub/PyGithub"); err != nil {
			t.Fatal(err)
		}
		h := srv.log()[0].header
		if _, sent := h["Authorization"]; sent != (want != "") || h.Get("Authorization") != want {
			t.Errorf("Token %q: Authorization %q; want %q", token, h.Get("Authorization"), want)
		}
	}
}

// GitHub answers 301 for a renamed or transferred repository, pointing at
// /repositories/<id>; the client follows it and reports the new name. The
// 301 is written from GitHub's documentation: none is among the
// recordings.
func TestRepoRenamed(t *testing.T) {
	clk := newFakeClock()
	var srv *scripted
	srv = newScripted(t, clk, func(w http.ResponseWriter, r *http.Request) {
		loc := srv.URL + "/repositories/3544490"
		w.Header().Set("Location", loc)
		serveJSON(301, `{"message":"Moved Permanently","url":"`+loc+`","documentation_url":"https://docs.github.com/v3/#http-redirects"}`)(w, r)
	}, record(t, pyGithubRepo, pyGithubRepo).serve)
	c := srv.client()
	c.Token = "ghp_example"
	got, err := c.Repo(context.Background(), "jacquev6/PyGithub")
	if err != nil || got != pyGithubWant {
		t.Fatalf("Repo = %+v, %v; want the renamed repository", got, err)
	}
	hits := srv.log()
	if len(hits) != 2 || hits[0].path != "/repos/jacquev6/PyGithub" || hits[1].path != "/repositories/3544490" {
		t.Fatalf("requests %v; want the old name, then the redirect", hits)
	}
	for _, k := range []string{"Authorization", "Accept", "X-Github-Api-Version"} {
		if got, want := hits[1].header.Get(k), hits[0].header.Get(k); got != want {
			t.Errorf("redirected request: %s = %q; want %q", k, got, want)
		}
	}
}
