package web

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/search"
)

// observe measures every request for the metrics and writes the access
// log's line for it. The route is the pattern that took the request
// (unrouted says which), never the path: a path can hold a reset or
// subscription token, and a label per path would grow without bound.
func (s *Server) observe(mux *http.ServeMux, next http.Handler) http.Handler {
	if s.metrics == nil && !s.accessLog {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ow := &observedWriter{ResponseWriter: w}
		next.ServeHTTP(ow, r)
		d := time.Since(start)
		if ow.status == 0 {
			ow.status = http.StatusOK // nothing written: net/http sends 200
		}
		if ow.route == "" {
			// Refused before routing (a cross-site form, a form too big).
			if _, ow.route = mux.Handler(r); ow.route == "" {
				ow.route = "unmatched"
			}
		}
		s.metrics.Request(ow.route, r.Method, ow.status, ow.bytes, d)
		if s.accessLog && s.log.Enabled(r.Context(), slog.LevelInfo) {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("route", ow.route), slog.Int("status", ow.status),
				slog.Int64("bytes", ow.bytes), slog.Duration("duration", d), slog.String("client", s.clientIP(r)))
		}
	})
}

// observedWriter notes a response's status, size and route.
type observedWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	route  string // set by unrouted
}

func (w *observedWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *observedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// setRoute tells observe which route took a request.
func setRoute(w http.ResponseWriter, pattern string) {
	if ow, ok := w.(*observedWriter); ok {
		if pattern == "" {
			pattern = "unmatched"
		}
		ow.route = pattern
	}
}

// metricsHandler serves the metrics on the public port to a scraper that
// shows the token (Authorization: Bearer TOKEN); anyone else is told
// nothing is there.
func (s *Server) metricsHandler() http.Handler {
	h := s.metrics.Handler()
	want := []byte("Bearer " + s.metricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "a bearer token is needed for the metrics", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// runSearch runs a search and records how long it took to rank.
func (s *Server) runSearch(ctx context.Context, raw string, mode search.Mode, k, offset int) (*search.Query, search.Result, error) {
	start := time.Now()
	q, res, err := s.search.Search(ctx, raw, mode, k, offset)
	if err == nil {
		s.metrics.Search(string(mode), time.Since(start))
	}
	return q, res, err
}

// limitName is the name a rate limit is counted by in the metrics: the
// action of its first key ("vote" of "vote/account").
func limitName(keys []limitKey) string {
	if len(keys) == 0 {
		return ""
	}
	name, _, _ := strings.Cut(keys[0].name, "/")
	return name
}
