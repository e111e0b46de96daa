package embed

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks the OpenAI embeddings API: each text becomes a vector
// of its length and its first byte, answered in reverse order (the API
// allows any order: clients must use "index").
type fakeServer struct {
	mu      sync.Mutex
	batches []int
	auth    string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":"bad request line"}`, http.StatusNotFound)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "nomic-embed-text" {
		http.Error(w, `{"error":{"message":"bad body","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.batches = append(f.batches, len(req.Input))
	f.auth = r.Header.Get("Authorization")
	f.mu.Unlock()
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var data []item
	for i := len(req.Input) - 1; i >= 0; i-- {
		t := req.Input[i]
		data = append(data, item{"embedding", i, []float32{float32(len(t)), float32(t[0]), 0}})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
}

func newTestHTTP(t *testing.T, url string, mod func(*HTTPConfig)) *HTTP {
	t.Helper()
	cfg := HTTPConfig{URL: url + "/v1/", Model: "nomic-embed-text", Key: "sekret", BatchSize: 3, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.wait = func(time.Duration) <-chan time.Time { return time.After(time.Millisecond) } // no real backoff in tests
	return h
}

func TestHTTPEmbedsInBatchesAndOrder(t *testing.T) {
	fake := &fakeServer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	h := newTestHTTP(t, srv.URL, nil)
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g"}
	vecs, err := h.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		// The fake's vector (len, first byte, 0), normalised.
		n, c := float64(len(texts[i])), float64(texts[i][0])
		norm := math.Sqrt(n*n + c*c)
		if math.Abs(float64(v[0])-n/norm) > 1e-6 || math.Abs(float64(v[1])-c/norm) > 1e-6 {
			t.Errorf("vector %d = %v, want (%v, %v, 0)", i, v, n/norm, c/norm)
		}
	}
	if got := fake.batches; len(got) != 3 || got[0] != 3 || got[1] != 3 || got[2] != 1 {
		t.Errorf("batches %v, want [3 3 1]", got)
	}
	if fake.auth != "Bearer sekret" {
		t.Errorf("Authorization %q", fake.auth)
	}
	if h.Dim() != 3 || h.Name() != "openai:nomic-embed-text" {
		t.Errorf("Dim %d, Name %q", h.Dim(), h.Name())
	}
}

func TestHTTPErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"openai", `{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error"}}`, 400, "maximum context length is 8192"},
		{"ollama", `{"error":"model \"nomic\" not found, try pulling it first"}`, 404, `model "nomic" not found`},
		{"plain", `upstream connect error`, 400, "upstream connect error"},
		{"empty", ``, 401, "(no message)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := newTestHTTP(t, srv.URL, nil).Embed(context.Background(), []string{"x"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
			if calls.Load() != 1 {
				t.Errorf("a %d answer was tried %d times, want once", tc.status, calls.Load())
			}
		})
	}
}

func TestHTTPRetriesTemporaryFailures(t *testing.T) {
	var calls atomic.Int32
	fake := &fakeServer{}
	var waited []time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"message":"rate limited"}}`))
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			fake.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	h := newTestHTTP(t, srv.URL, nil)
	h.wait = func(d time.Duration) <-chan time.Time {
		waited = append(waited, d)
		return time.After(time.Millisecond)
	}
	vecs, err := h.Embed(context.Background(), []string{"hello"})
	if err != nil || len(vecs) != 1 {
		t.Fatalf("Embed after two temporary failures: %v", err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3", calls.Load())
	}
	if len(waited) != 2 || waited[0] != 7*time.Second || waited[1] < time.Second || waited[1] > 1500*time.Millisecond {
		t.Errorf("waits %v, want Retry-After's 7s, then about 1s of backoff", waited)
	}

	// A server that keeps failing is given up on after the attempts.
	calls.Store(0)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer failing.Close()
	_, err = newTestHTTP(t, failing.URL, func(c *HTTPConfig) { c.Attempts = 3 }).Embed(context.Background(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "502") || calls.Load() != 3 {
		t.Errorf("after %d calls: %v; want 3 calls and the 502", calls.Load(), err)
	}
}

func TestHTTPSlowAndDeadServers(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	start := time.Now()
	_, err := newTestHTTP(t, slow.URL, func(c *HTTPConfig) { c.Timeout = 50 * time.Millisecond; c.Attempts = 2 }).
		Embed(context.Background(), []string{"x"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("slow server: %v after %v, want a deadline error soon", err, time.Since(start))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	if _, err := newTestHTTP(t, dead, nil).Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("dead server: %v, want connection refused", err)
	}

	// Cancelling stops the retries at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newTestHTTP(t, dead, nil).Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHTTPMalformedAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `<html>`,
		"too few":         `{"data":[]}`,
		"index twice":     `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`,
		"index too big":   `{"data":[{"index":5,"embedding":[1]},{"index":0,"embedding":[1]}]}`,
		"empty vector":    `{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[1]}]}`,
		"dims disagree":   `{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[1]}]}`,
		"wrong json type": `{"data":[{"index":"0","embedding":[1]},{"index":1,"embedding":[1]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Write([]byte(body))
			}))
			defer srv.Close()
			_, err := newTestHTTP(t, srv.URL, nil).Embed(context.Background(), []string{"a", "b"})
			if !errors.Is(err, errBadAnswer) || calls.Load() != 1 {
				t.Errorf("%v after %d calls; want a malformed-answer error, not retried", err, calls.Load())
			}
		})
	}
}

func TestNewHTTPValidates(t *testing.T) {
	for _, cfg := range []HTTPConfig{{URL: "localhost:11434", Model: "m"}, {URL: "http://x/v1"}, {}} {
		if _, err := NewHTTP(cfg); err == nil {
			t.Errorf("NewHTTP(%+v) accepted", cfg)
		}
	}
}
