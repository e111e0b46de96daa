package web

import (
	"net/http"
)

// Handler returns every route of the site. All routes live here.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.cached(s.feedLatest)))
	mux.Handle("GET /papers/date/{day}", s.handle(s.cached(s.feedDay)))
	mux.Handle("GET /papers/week/{week}", s.handle(s.cached(s.feedWeek)))
	mux.Handle("GET /papers/month/{month}", s.handle(s.cached(s.feedMonth)))
	mux.Handle("GET /papers/date", s.handle(s.feedJump)) // the date picker's form
	mux.Handle("GET /papers/week", s.handle(s.latestPeriod(weekPeriod)))
	mux.Handle("GET /papers/month", s.handle(s.latestPeriod(monthPeriod)))
	mux.Handle("GET /papers/trending", s.handle(s.cached(s.trending)))
	mux.Handle("GET /papers/{id...}", s.handle(s.cached(s.paperShow)))
	mux.Handle("GET /search", s.handle(s.searchShow))
	mux.Handle("GET /static/", s.staticFiles())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("/", s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("There is no page at this address.")
	}))
	return securityHeaders(mux)
}

// securityHeaders sets the headers every response carries. The pages use
// no inline script or style, so the policy can forbid both.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// ready answers load balancers: 200 once the database answers and the
// search index is loaded, 503 with the reason before.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.Version(r.Context()); err != nil {
		s.log.Warn("not ready: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.search != nil && !s.search.Ready() {
		http.Error(w, "search index loading", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
