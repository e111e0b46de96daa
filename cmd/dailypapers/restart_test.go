package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// balancer plays a load balancer in front of serve processes: it sends
// each request to the next backend that its health check (/readyz, every
// 50 ms) finds ready, and a request whose connection is refused to
// another one, as a balancer does. A request that was accepted (its
// connection made) and then failed, or answered 5xx, is lost.
type balancer struct {
	mu       sync.Mutex
	backends []*backend
	next     int
	client   *http.Client
	refused  atomic.Int64 // connections refused, sent elsewhere
	served   atomic.Int64
}

type backend struct {
	p  *dpProcess
	up atomic.Bool
}

func newBalancer(ps ...*dpProcess) *balancer {
	// A connection a request: a refused one is told apart from an
	// accepted one that failed.
	lb := &balancer{client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	for _, p := range ps {
		lb.backends = append(lb.backends, &backend{p: p})
	}
	return lb
}

// check runs the health checks until ctx ends.
func (lb *balancer) check(ctx context.Context) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for ctx.Err() == nil {
		lb.mu.Lock()
		bs := append([]*backend(nil), lb.backends...)
		lb.mu.Unlock()
		for _, b := range bs {
			status, _, err := httpDo(c, "GET", b.p.base+"/readyz", "", "", nil)
			b.up.Store(err == nil && status == http.StatusOK)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// replace puts p in the place of old, out of rotation until its health check passes.
func (lb *balancer) replace(old, p *dpProcess) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for i, b := range lb.backends {
		if b.p == old {
			lb.backends[i] = &backend{p: p}
		}
	}
}

func (lb *balancer) pick(ctx context.Context) (*backend, error) {
	for {
		lb.mu.Lock()
		for range lb.backends {
			b := lb.backends[lb.next%len(lb.backends)]
			lb.next++
			if b.up.Load() {
				lb.mu.Unlock()
				return b, nil
			}
		}
		lb.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// do sends a request through the balancer as client (addr) and returns the
// status and body; the error is that of a lost request.
func (lb *balancer) do(ctx context.Context, method, path, token, addr string) (int, []byte, error) {
	for {
		b, err := lb.pick(ctx)
		if err != nil {
			return 0, nil, err
		}
		var accepted atomic.Bool
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { accepted.Store(true) }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, b.p.base+path, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("X-Forwarded-For", addr)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := lb.client.Do(req)
		if err != nil && !accepted.Load() && ctx.Err() == nil {
			lb.refused.Add(1)
			b.up.Store(false) // until its health check says otherwise
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("%s %s on %s, accepted: %w", method, path, b.p.name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, nil, fmt.Errorf("%s %s on %s: reading the answer: %w", method, path, b.p.name, err)
		}
		if resp.StatusCode >= 500 {
			return 0, nil, fmt.Errorf("%s %s on %s: %d %s", method, path, b.p.name, resp.StatusCode, body)
		}
		lb.served.Add(1)
		return resp.StatusCode, body, nil
	}
}

// apiToken signs an account in on p and makes an API token for it.
func apiToken(t *testing.T, p *dpProcess, email, pw string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.PostForm(p.base+"/signin", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp, err = c.PostForm(p.base+"/settings/tokens", url.Values{"name": {"restart-test"}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(doc.Find(".notice code.token").First().Text())
	if tok == "" {
		t.Fatalf("no token for %s on %s: %d at %s", email, p.name, resp.StatusCode, resp.Request.URL)
	}
	return tok
}

// dueZone finds a fixed-offset time zone in which a digest period is due
// now at hour 0 and stays the same for the next minutes, so that serve's
// digest schedule has a period to run; "" when there is none (on
// Saturdays most of the day).
func dueZone(now time.Time) (string, []digest.Period) {
	for off := -14; off <= 12; off++ {
		name := fmt.Sprintf("Etc/GMT%+d", off)
		if off == 0 {
			name = "UTC"
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		due, later := digest.Due(now, loc, 0), digest.Due(now.Add(5*time.Minute), loc, 0)
		if len(due) > 0 && fmt.Sprint(due) == fmt.Sprint(later) {
			return name, due
		}
	}
	return "", nil
}

// TestRollingRestart restarts, one after the other, both of two serve
// processes on one PostgreSQL database while a load of page views and
// votes goes through a balancer: each stops on SIGTERM (drains, finishes
// what it holds, saves its index, releases its leases, exits 0) and a new
// one takes its place. No request that a process accepted is lost, every
// acknowledged vote is counted, and the digest schedule, which both run
// every 200 ms, runs each due period once in all.
func TestRollingRestart(t *testing.T) {
	dsn := pgtest.Schema(t)
	bin := buildBinary(t)
	seedDir := t.TempDir()
	if out, err := runBinaryStdin(t, bin, "", "import", "--db", dsn, "--data", seedDir, "../../internal/ingest/testdata/hf-daily-papers.jsonl"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	const accounts = 6
	for i := range accounts {
		if out, err := runBinaryStdin(t, bin, fmt.Sprintf("password-%d-long-enough\n", i), "user", "create", "--db", dsn, "--data", seedDir,
			"--email", fmt.Sprintf("r%d@example.org", i), "--username", fmt.Sprintf("r%d", i), "--password-stdin"); err != nil {
			t.Fatalf("user create: %v\n%s", err, out)
		}
	}
	zone, due := dueZone(time.Now())
	flags := []string{"--drain", "500ms", "--digest-every", "200ms", "--digest-hour", "0", "--harvest-categories", "", "--stars-every", "0"}
	if zone != "" {
		flags = append(flags, "--digest-timezone", zone)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	a := startServe(t, bin, "A", dsn, dirs[0], flags...)
	b := startServe(t, bin, "B", dsn, dirs[1], flags...)
	waitReady(t, a)
	waitReady(t, b)

	tokens := make([]string, accounts)
	for i := range tokens {
		tokens[i] = apiToken(t, a, fmt.Sprintf("r%d@example.org", i), fmt.Sprintf("password-%d-long-enough", i))
	}
	var latest []struct {
		ID      string `json:"id"`
		Upvotes int    `json:"upvotes"`
	}
	status, body, err := httpDo(http.DefaultClient, "GET", a.base+"/api/papers?limit=40", "", "", nil)
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &latest) != nil || len(latest) != 40 {
		t.Fatalf("/api/papers: %d %v %d papers", status, err, len(latest))
	}

	lb := newBalancer(a, b)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go lb.check(ctx)

	// The load: each account votes for every paper once, in turns with
	// page views, until stopped.
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		lost   []error
		acked  = map[string]int{} // paper -> acknowledged votes
		pauses = 10 * time.Millisecond
	)
	for i := range accounts {
		wg.Go(func() {
			addr := fmt.Sprintf("198.51.100.%d", i+1)
			for n := 0; ctx.Err() == nil; n++ {
				path, method, token := []string{"/", "/api/daily_papers", "/papers/" + latest[n%len(latest)].ID}[n%3], "GET", ""
				var voted string
				if n%2 == 1 && n/2 < len(latest) {
					voted = latest[n/2].ID
					path, method, token = "/api/papers/"+voted+"/upvote", "POST", tokens[i]
				}
				status, body, err := lb.do(ctx, method, path, token, addr)
				switch {
				case errors.Is(err, context.Canceled):
					return
				case err != nil:
					mu.Lock()
					lost = append(lost, err)
					mu.Unlock()
				case status != http.StatusOK:
					mu.Lock()
					lost = append(lost, fmt.Errorf("%s %s: %d %s", method, path, status, body))
					mu.Unlock()
				case voted != "":
					mu.Lock()
					acked[voted]++
					mu.Unlock()
				}
				time.Sleep(pauses)
			}
		})
	}

	// The rolling restart: each process in turn.
	time.Sleep(time.Second)
	procs := []*dpProcess{a, b}
	for i, old := range procs {
		servedBefore := lb.served.Load()
		if err := old.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-old.done:
		case <-time.After(40 * time.Second):
			t.Fatalf("%s did not stop within 40s of SIGTERM\n%s", old.name, old.logs())
		}
		if code := old.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0\n%s", old.name, code, old.logs())
		}
		if _, err := os.Stat(filepath.Join(dirs[i], "search.idx")); err != nil {
			t.Errorf("%s saved no search index: %v", old.name, err)
		}
		logs := old.logs()
		if strings.Contains(logs, `msg="lease taken"`) && !strings.Contains(logs, `msg="lease released"`) {
			t.Errorf("%s held a lease and did not release it\n%s", old.name, logs)
		}
		p := startServe(t, bin, old.name+"'", dsn, dirs[i], flags...)
		waitReady(t, p)
		lb.replace(old, p)
		procs[i] = p
		t.Logf("%s restarted; %d requests served meanwhile", old.name, lb.served.Load()-servedBefore)
		time.Sleep(time.Second)
	}
	stop()
	wg.Wait()
	t.Logf("%d requests served, %d connections refused and sent to the other process, %d lost", lb.served.Load(), lb.refused.Load(), len(lost))
	for _, err := range lost {
		t.Error("lost:", err)
	}

	// Every acknowledged vote counted, as both processes show.
	votes := 0
	for _, p := range latest {
		votes += acked[p.ID]
		for _, proc := range procs {
			var got struct{ Upvotes int }
			status, body, err := httpDo(http.DefaultClient, "GET", proc.base+"/api/papers/"+p.ID, "", "", nil)
			if err != nil || status != http.StatusOK || json.Unmarshal(body, &got) != nil {
				t.Fatalf("GET paper %s on %s: %d %v", p.ID, proc.name, status, err)
			}
			if got.Upvotes != p.Upvotes+acked[p.ID] {
				t.Errorf("%s has %d upvotes on %s, want %d+%d acknowledged", p.ID, got.Upvotes, proc.name, p.Upvotes, acked[p.ID])
			}
		}
	}
	if votes == 0 {
		t.Error("no vote went through")
	}

	// Each due digest period ran once, in one process.
	if zone == "" {
		t.Log("no digest period is due in any time zone now: the scheduled job was not checked")
		return
	}
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.DigestRuns(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	perPeriod := map[string]int{}
	for _, r := range runs {
		perPeriod[r.Period]++
	}
	for _, p := range due {
		if perPeriod[p.Key] != 1 {
			t.Errorf("period %s ran %d times, want once (zone %s)", p.Key, perPeriod[p.Key], zone)
		}
	}
}
