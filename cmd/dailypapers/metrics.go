package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// newMetrics makes serve's metrics when they are asked for (--metrics-addr
// or --metrics-token), with the collectors that read the store's pools,
// the search index and the mail queue at scrape time; nil otherwise, and
// nothing is counted.
func newMetrics(cfg *config.Config, st store.Store, idx *search.Service) *metrics.Metrics {
	if cfg.MetricsAddr == "" && cfg.MetricsToken == "" {
		return nil
	}
	m := metrics.New()
	if p, ok := st.(store.Pooled); ok {
		m.Pools(p)
	}
	m.Index(func() metrics.IndexStatus {
		ready, papers, version, vectors := idx.Status()
		return metrics.IndexStatus{Ready: ready, Papers: papers, Version: version, Vectors: vectors}
	}, st.Version)
	m.MailJobs(st.MailJobCounts)
	return m
}

// serveMetrics serves /metrics alone on addr, a port of its own that
// need not be reachable from outside; the returned func stops it.
func serveMetrics(addr string, m *metrics.Metrics, stdout io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("metrics listener failed", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "Metrics are at http://%s/metrics\n", ln.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
