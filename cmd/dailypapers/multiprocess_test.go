package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// dpProcess is one running "dailypapers serve".
type dpProcess struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan struct{}
	mu   sync.Mutex
	log  bytes.Buffer // stderr
}

func (p *dpProcess) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

type lockedWriter struct{ p *dpProcess }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.log.Write(b)
}

// cleanEnv is the environment without DAILYPAPERS_ settings, as runBinary
// uses.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DAILYPAPERS_") {
			env = append(env, kv)
		}
	}
	return env
}

// runBinaryStdin runs the built command with stdin.
func runBinaryStdin(t *testing.T, bin, in string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// startServe starts "dailypapers serve" on 127.0.0.1:0, with extra flags
// if given, and reads the bound address from its stdout.
func startServe(t *testing.T, bin, name, dsn, dataDir string, extra ...string) *dpProcess {
	t.Helper()
	p := &dpProcess{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--db", dsn, "--data", dataDir, "--addr", "127.0.0.1:0", "--embedder", "none", "--demo=false",
		"--trusted-proxies", "127.0.0.1"}, extra...)...) // as behind a load balancer: each account's requests come from its own address
	p.cmd.Env = cleanEnv()
	p.cmd.Stderr = lockedWriter{p}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if !sent {
				if _, rest, ok := strings.Cut(line, "Daily Papers is serving "); ok {
					u, _, _ := strings.Cut(rest, " ")
					addrc <- strings.TrimSuffix(u, "/")
					sent = true
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s stderr:\n%s", p.name, p.logs())
		}
	})
	select {
	case p.base = <-addrc:
	case <-p.done:
		t.Fatalf("%s exited before serving: %v\n%s", name, p.cmd.ProcessState, p.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no address within 30s\n%s", name, p.logs())
	}
	return p
}

func waitReady(t *testing.T, p *dpProcess) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 30s (last: %v)\n%s", p.name, err, p.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpDo sends a request and returns the status and body; it never fails
// the test (goroutines call it).
func httpDo(c *http.Client, method, u, contentType, token string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// fromAddr sends requests as a load balancer forwards them from a client
// at addr.
type fromAddr struct{ addr string }

func (f fromAddr) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// TestTwoProcessesOnePostgres runs two "serve" processes on one PostgreSQL
// database and checks that what is written through one is seen, whole and
// once, through both: sessions, votes, comments and the search index; and
// that killing one leaves the other serving.
func TestTwoProcessesOnePostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	start := time.Now()
	bin := buildBinary(t)
	t.Logf("built in %v", time.Since(start).Round(time.Millisecond))

	// Seed: the hosted feed's slice, plus arXiv listings so that there are
	// more than 50 papers.
	seedDir := t.TempDir()
	for _, f := range []string{"../../internal/ingest/testdata/hf-daily-papers.jsonl", "../../internal/ingest/testdata/arxiv-daily.jsonl"} {
		if out, err := runBinaryStdin(t, bin, "", "import", "--db", dsn, "--data", seedDir, f); err != nil {
			t.Fatalf("import %s: %v\n%s", f, err, out)
		}
	}

	a := startServe(t, bin, "A", dsn, t.TempDir())
	b := startServe(t, bin, "B", dsn, t.TempDir())
	waitReady(t, a)
	waitReady(t, b)
	t.Logf("A at %s, B at %s; ready after %v", a.base, b.base, time.Since(start).Round(time.Millisecond))
	procs := []*dpProcess{a, b}

	anon := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	getJSON := func(p *dpProcess, path string, v any) {
		t.Helper()
		status, body, err := httpDo(anon, "GET", p.base+path, "", "", nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s on %s: %d %v\n%s", path, p.name, status, err, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s on %s: %v", path, p.name, err)
		}
	}
	getDoc := func(p *dpProcess, path string) *goquery.Document {
		t.Helper()
		status, body, err := httpDo(anon, "GET", p.base+path, "", "", nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s on %s: %d %v\n%s", path, p.name, status, err, body)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}

	// 1. Accounts, sessions and tokens.
	const nAccounts = 20
	phase := time.Now()
	tokens := make([]string, nAccounts)
	for i := range nAccounts {
		email, name, pw := fmt.Sprintf("u%d@example.org", i), fmt.Sprintf("u%d", i), fmt.Sprintf("password-%d-long-enough", i)
		if out, err := runBinaryStdin(t, bin, pw+"\n", "user", "create", "--db", dsn, "--data", seedDir,
			"--email", email, "--username", name, "--password-stdin"); err != nil {
			t.Fatalf("user create %s: %v\n%s", name, err, out)
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
		in, other := procs[i%2], procs[(i+1)%2]
		form := url.Values{"email": {email}, "password": {pw}}
		resp, err := c.PostForm(in.base+"/signin", form)
		if err != nil {
			t.Fatalf("sign in %s on %s: %v", name, in.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/signin" {
			t.Fatalf("sign in %s on %s: %d at %s", name, in.name, resp.StatusCode, resp.Request.URL)
		}
		if i == 0 {
			// The session made on one process works on the other.
			resp, err := c.Get(other.base + "/settings/tokens")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/settings/tokens" {
				t.Fatalf("session from %s on %s: %d at %s", in.name, other.name, resp.StatusCode, resp.Request.URL)
			}
		}
		// The token is made on the other process, with the session of the first.
		resp, err = c.PostForm(other.base+"/settings/tokens", url.Values{"name": {"multiprocess-test"}})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = strings.TrimSpace(doc.Find(".notice code.token").First().Text())
		if resp.StatusCode != http.StatusOK || tokens[i] == "" {
			t.Fatalf("token for %s on %s: %d at %s, no token on the page", name, other.name, resp.StatusCode, resp.Request.URL)
		}
	}
	t.Logf("accounts, sessions and tokens: %v", time.Since(phase).Round(time.Millisecond))

	// 2. Votes: 20 accounts × 50 papers, half through each process.
	var latest []struct {
		ID      string `json:"id"`
		Upvotes int    `json:"upvotes"`
	}
	getJSON(a, "/api/papers?limit=50", &latest)
	if len(latest) != 50 {
		t.Fatalf("/api/papers?limit=50 gave %d papers", len(latest))
	}
	type paperJSON struct {
		ID      string `json:"id"`
		Upvotes int    `json:"upvotes"`
	}
	upvotes := func(p *dpProcess, id string) int {
		t.Helper()
		var pj paperJSON
		getJSON(p, "/api/papers/"+id, &pj)
		return pj.Upvotes
	}
	ids := make([]string, len(latest))
	before := map[string]int{}
	for i, p := range latest {
		ids[i] = p.ID
		before[p.ID] = upvotes(a, p.ID)
		if n := upvotes(b, p.ID); n != before[p.ID] { // also fills both caches
			t.Fatalf("before voting %s has %d upvotes on A, %d on B", p.ID, before[p.ID], n)
		}
	}
	// Rate limits are shared by the processes: 1000 votes, or 100 comments,
	// from one address would pass the limits per address (300 votes, 60
	// comments in 10 minutes), so each account writes from its own, as its
	// X-Forwarded-For says.
	clients := make([]*http.Client, nAccounts)
	for a := range clients {
		clients[a] = &http.Client{Timeout: 20 * time.Second, Transport: fromAddr{fmt.Sprintf("192.0.2.%d", a+1)}}
	}
	phase = time.Now()
	type job struct{ acct, paper int }
	jobs := make(chan job)
	errs := make(chan error, nAccounts*len(ids))
	var sent [2]int
	var sentMu sync.Mutex
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p := procs[(j.acct*len(ids)+j.paper)%2]
				u := p.base + "/api/papers/" + ids[j.paper] + "/upvote"
				status, body, err := httpDo(clients[j.acct], "POST", u, "", tokens[j.acct], nil)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("%d %s", status, body)
				}
				if err != nil {
					errs <- fmt.Errorf("vote u%d on %s through %s: %v", j.acct, ids[j.paper], p.name, err)
					continue
				}
				sentMu.Lock()
				sent[(j.acct*len(ids)+j.paper)%2]++
				sentMu.Unlock()
			}
		}()
	}
	for acct := range nAccounts {
		for paper := range ids {
			jobs <- job{acct, paper}
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("1000 votes (%d through A, %d through B): %v", sent[0], sent[1], time.Since(phase).Round(time.Millisecond))
	after := map[string]int{}
	for _, id := range ids {
		for _, p := range procs {
			if n := upvotes(p, id); n != before[id]+nAccounts {
				t.Errorf("%s has %d upvotes on %s, want %d+%d", id, n, p.name, before[id], nAccounts)
			}
		}
		after[id] = before[id] + nAccounts
	}
	if t.Failed() {
		t.FailNow()
	}

	// 3. Comments: 100, over 10 papers, half through each process.
	const nComments, nCommented = 100, 10
	commented := ids[:nCommented]
	type pageCount struct{ count, articles int }
	pageCounts := func(p *dpProcess, id string) (pageCount, *goquery.Document) {
		t.Helper()
		doc := getDoc(p, "/papers/"+id)
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(doc.Find(".comments h2 .count").First().Text()), &n); err != nil {
			t.Fatalf("paper %s on %s: no comment count: %v", id, p.name, err)
		}
		return pageCount{n, doc.Find("article.comment").Length()}, doc
	}
	startCounts := map[string]pageCount{}
	for _, id := range commented {
		startCounts[id], _ = pageCounts(a, id)
		if c, _ := pageCounts(b, id); c != startCounts[id] {
			t.Fatalf("before commenting %s shows %+v on A, %+v on B", id, startCounts[id], c)
		}
	}
	phase = time.Now()
	errs = make(chan error, nComments)
	bodies := make([]string, nComments)
	for i := range nComments {
		bodies[i] = fmt.Sprintf("Multiprocess comment %03d by u%d", i, i%nAccounts)
	}
	for i := range nComments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := procs[i%2]
			id := commented[i%nCommented]
			req, _ := json.Marshal(map[string]string{"comment": bodies[i]})
			status, body, err := httpDo(clients[i%nAccounts], "POST", p.base+"/api/papers/"+id+"/comment", "application/json", tokens[i%nAccounts], bytes.NewReader(req))
			if err == nil && status != http.StatusCreated {
				err = fmt.Errorf("%d %s", status, body)
			}
			if err != nil {
				errs <- fmt.Errorf("comment %d on %s through %s: %v", i, id, p.name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("100 comments: %v", time.Since(phase).Round(time.Millisecond))
	perPaper := nComments / nCommented
	for k, id := range commented {
		for _, p := range procs {
			c, doc := pageCounts(p, id)
			want := pageCount{startCounts[id].count + perPaper, startCounts[id].articles + perPaper}
			if c != want {
				t.Errorf("%s on %s shows %+v, want %+v", id, p.name, c, want)
			}
			text := doc.Find("article.comment").Text()
			for i := k; i < nComments; i += nCommented {
				if n := strings.Count(text, bodies[i]); n != 1 {
					t.Errorf("%s on %s shows %q %d times", id, p.name, bodies[i], n)
				}
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// 4. A paper imported while both run is found by the search of both.
	const newID, word = "2512.04242", "Quokkaformer"
	rec := map[string]any{
		"arxiv_id": newID, "title": word + ": Marsupial Attention for Long Context Transformers",
		"abstract":   "We introduce a transformer whose attention hops between distant tokens. It is used to test that a paper written through one process is searchable on another.",
		"authors":    []string{"Ada Tester", "Grace Prober"},
		"categories": []string{"cs.CL", "cs.LG"}, "primary_category": "cs.CL", "comment": nil,
		"listing_date": "2025-12-04", "pdf": "https://arxiv.org/pdf/" + newID, "abs": "https://arxiv.org/abs/" + newID,
		"listing_dates_count": 1,
	}
	line, _ := json.Marshal(rec)
	newFile := filepath.Join(t.TempDir(), "new-paper.jsonl")
	if err := os.WriteFile(newFile, append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if doc := getDoc(p, "/search?q="+word); strings.Contains(doc.Find("article.result").Text(), newID) {
			t.Fatalf("%s finds %s before it is imported", p.name, newID)
		}
	}
	if out, err := runBinaryStdin(t, bin, "", "import", "--db", dsn, "--data", seedDir, newFile); err != nil {
		t.Fatalf("import %s: %v\n%s", newFile, err, out)
	}
	imported := time.Now()
	found := make([]time.Duration, len(procs))
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				status, body, err := httpDo(anon, "GET", p.base+"/search?q="+word, "", "", nil)
				if err == nil && status == http.StatusOK {
					doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
					if err == nil && strings.Contains(doc.Find("article.result").Text(), newID) {
						found[i] = time.Since(imported)
						return
					}
				}
				if time.Since(imported) > 5*time.Second {
					found[i] = -1
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	for i, p := range procs {
		switch {
		case found[i] < 0:
			t.Errorf("%s's search did not find %s within 5s of its import", p.name, newID)
		case found[i] > 2*time.Second:
			t.Errorf("%s's search found %s only after %v (want within 2s)", p.name, newID, found[i])
		default:
			t.Logf("%s's search found the new paper %v after its import", p.name, found[i].Round(time.Millisecond))
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// 5. B dies (SIGKILL); A goes on serving, with the same counts.
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		t.Fatal("B did not exit after SIGKILL")
	}
	status, body, err := httpDo(anon, "GET", a.base+"/readyz", "", "", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("A's /readyz after B was killed: %d %v %s", status, err, body)
	}
	var feed []json.RawMessage
	getJSON(a, "/api/daily_papers", &feed)
	if len(feed) == 0 {
		t.Error("A's /api/daily_papers is empty after B was killed")
	}
	if doc := getDoc(a, "/"); doc.Find("article").Length() == 0 {
		t.Error("A's front page shows no papers after B was killed")
	}
	for _, id := range ids {
		if n := upvotes(a, id); n != after[id] {
			t.Errorf("after B was killed, %s has %d upvotes on A, want %d", id, n, after[id])
		}
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}
