package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// getUntil asks url until it answers, for a server that is starting.
func getUntil(t *testing.T, url string) (int, string) {
	t.Helper()
	var err error
	for range 100 {
		var resp *http.Response
		if resp, err = http.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(err)
	return 0, ""
}

// With --metrics-addr, serve answers /metrics on that address alone,
// with the store's pools and the search index read at scrape time and
// the site's requests counted; the public address has no /metrics.
func TestServeMetricsAddr(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", addr, "--demo=false", "--embedder", "none",
			"--harvest-categories", "", "--stars-every", "0", "--metrics-addr", metricsAddr}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	}()
	getUntil(t, "http://"+addr+"/healthz")
	if code, _ := getUntil(t, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the public address: %d, want 404", code)
	}
	code, body := getUntil(t, "http://"+metricsAddr+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics on --metrics-addr: %d\n%s", code, body)
	}
	for _, want := range []string{
		`dailypapers_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`dailypapers_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`dailypapers_db_connections_max{pool="write"} 1`,
		`dailypapers_search_index_papers 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
}
