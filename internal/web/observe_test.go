package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/search"
)

const testMetricsToken = "0123456789abcdef-metrics"

// observedSite is the demo site, with search when withSearch, metrics on
// the public port behind testMetricsToken, and the access log, as JSON
// lines, in logs.
func observedSite(t *testing.T, accessLog, withSearch bool) (h http.Handler, logs *bytes.Buffer) {
	t.Helper()
	st := newStore(t, true)
	var svc *search.Service
	if withSearch {
		svc = search.NewService(st, nil)
		if err := svc.Build(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	logs = &bytes.Buffer{}
	s, err := New(st, Options{Search: svc, Now: func() time.Time { return clock }, Metrics: metrics.New(),
		MetricsToken: testMetricsToken, AccessLog: accessLog,
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler(), logs
}

func do(h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil) // from 192.0.2.1, a trusted proxy
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestMetrics scrapes /metrics after a few requests: requests are counted
// by route pattern (never by path), method and status, with their
// latency; page-cache hits and misses, searches by mode and Go's runtime
// are there; and the metrics answer only the bearer token.
func TestMetrics(t *testing.T) {
	h, _ := observedSite(t, false, true)
	do(h, "GET", "/")
	do(h, "GET", "/") // from the cache
	do(h, "GET", "/no/such/page")
	do(h, "GET", "/reset/a-secret-token")
	do(h, "GET", "/search?q=transformers&mode=lexical")
	do(h, "POST", "/vote", "Sec-Fetch-Site", "cross-site") // refused before routing

	if w := do(h, "GET", "/metrics"); w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("/metrics without the token: %d, want 401 with WWW-Authenticate", w.Code)
	}
	if w := do(h, "GET", "/metrics", "Authorization", "Bearer wrong-token-of-some-length"); w.Code != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d, want 401", w.Code)
	}
	w := do(h, "GET", "/metrics", "Authorization", "Bearer "+testMetricsToken)
	if w.Code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`dailypapers_http_requests_total{code="200",method="GET",route="GET /{$}"} 2`,
		`dailypapers_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`dailypapers_http_requests_total{code="200",method="GET",route="GET /reset/{token}"} 1`,
		`dailypapers_http_requests_total{code="200",method="GET",route="GET /search"} 1`,
		`dailypapers_http_requests_total{code="403",method="POST",route="POST /vote"} 1`,
		`dailypapers_http_request_duration_seconds_count{route="GET /{$}"} 2`,
		`dailypapers_page_cache_lookups_total{result="hit"} 1`,
		`dailypapers_page_cache_lookups_total{result="miss"} 1`,
		`dailypapers_search_duration_seconds_count{mode="lexical"} 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the metrics lack %s\n%s", want, grepLines(body, "dailypapers_"))
		}
	}
	if strings.Contains(body, "a-secret-token") || strings.Contains(body, "no/such") {
		t.Error("a path is in the metrics")
	}
}

// TestNoMetricsRoute: without a token the public port has no /metrics.
func TestNoMetricsRoute(t *testing.T) {
	st := newStore(t, false)
	s, err := New(st, Options{Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	if w := do(s.Handler(), "GET", "/metrics"); w.Code != http.StatusNotFound {
		t.Errorf("/metrics on the public port without a token: %d, want 404", w.Code)
	}
}

// TestAccessLog: one line per request with its method, route pattern,
// status, bytes, duration and the client address as the rate limits see
// it (through trusted proxies); no path, so no token of a link is
// logged; none at all when the access log is off.
func TestAccessLog(t *testing.T) {
	h, logs := observedSite(t, true, false)
	home := do(h, "GET", "/", "X-Forwarded-For", "203.0.113.9")
	do(h, "GET", "/reset/a-secret-token")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec["msg"] == "request" {
			lines = append(lines, rec)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d access log lines for 2 requests:\n%s", len(lines), logs)
	}
	first := lines[0]
	for k, want := range map[string]any{"level": "INFO", "method": "GET", "route": "GET /{$}", "status": 200.0,
		"bytes": float64(home.Body.Len()), "client": "203.0.113.9"} {
		if first[k] != want {
			t.Errorf("access log %s = %v, want %v (%v)", k, first[k], want, first)
		}
	}
	if d, ok := first["duration"].(float64); !ok || d <= 0 {
		t.Errorf("access log duration = %v, want a positive number of nanoseconds", first["duration"])
	}
	if lines[1]["client"] != "192.0.2.1" || lines[1]["route"] != "GET /reset/{token}" {
		t.Errorf("second line = %v, want the proxy's own address and the reset route", lines[1])
	}
	if strings.Contains(logs.String(), "a-secret-token") {
		t.Error("the access log holds a reset token")
	}

	h, logs = observedSite(t, false, false)
	do(h, "GET", "/")
	if strings.Contains(logs.String(), `"msg":"request"`) {
		t.Errorf("access log off, yet:\n%s", logs)
	}
}

// BenchmarkCachedPage serves the home page from the page cache in
// process, the cheapest page there is and so the one where the metrics'
// and the access log's share of a request is largest:
//
//	go test ./internal/web -run '^$' -bench CachedPage -count 6
func BenchmarkCachedPage(b *testing.B) {
	st := newStore(&testing.T{}, true)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"none", Options{Logger: quiet}},
		{"metrics", Options{Logger: quiet, Metrics: metrics.New()}},
		{"metrics+log", Options{Logger: quiet, Metrics: metrics.New(), AccessLog: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.opt.Now = func() time.Time { return clock }
			s, err := New(st, c.opt)
			if err != nil {
				b.Fatal(err)
			}
			h := s.Handler()
			do(h, "GET", "/")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if w := do(h, "GET", "/"); w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// BenchmarkObserve is what observe adds to a request, alone: around a
// handler that writes a few bytes, with metrics and without, and with the
// access log. The machine's noise is far smaller here than on a page.
func BenchmarkObserve(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"none", Options{Logger: quiet}},
		{"metrics", Options{Logger: quiet, Metrics: metrics.New()}},
		{"metrics+log", Options{Logger: quiet, Metrics: metrics.New(), AccessLog: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := &Server{log: c.opt.Logger, metrics: c.opt.Metrics, accessLog: c.opt.AccessLog}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /papers/date/{day}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("a feed page")) })
			h := s.observe(mux, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, pattern := mux.Handler(r)
				setRoute(w, pattern)
				mux.ServeHTTP(w, r)
			}))
			req := httptest.NewRequest("GET", "/papers/date/2026-11-27", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				h.ServeHTTP(w, req)
			}
		})
	}
}
