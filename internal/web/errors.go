package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// handlerFunc is a page handler that reports failure by returning an error;
// handle turns errors into pages.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with a status and a message that is safe to show.
type httpError struct {
	status int
	msg    string
	err    error // the cause, for the log
	// retryAfter, when set, is sent as Retry-After (a 429 or a 503).
	retryAfter time.Duration
}

func (e *httpError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.msg, e.err)
	}
	return fmt.Sprintf("%d %s", e.status, e.msg)
}

func (e *httpError) Unwrap() error { return e.err }

func notFound(msg string) error   { return &httpError{status: http.StatusNotFound, msg: msg} }
func badRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }
func forbidden(msg string) error  { return &httpError{status: http.StatusForbidden, msg: msg} }

// errorPage is the page shown for any error.
type errorPage struct {
	layout
	Status  int
	Message string
	Hint    string // extra guidance, such as a link to arXiv
	HintURL string
}

// handle adapts a handlerFunc: 5xx are logged with the request at error
// level and shown as a generic message, 4xx are logged at info and shown
// with their message.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var he *httpError
		if !errors.As(err, &he) {
			switch {
			case errors.Is(err, store.ErrNotFound):
				he = &httpError{status: http.StatusNotFound, msg: "There is nothing here.", err: err}
			case errors.Is(err, store.ErrUnavailable):
				// Nothing is broken for good: the client should try
				// again, and Retry-After says when.
				s.metrics.StoreUnavailable()
				he = &httpError{status: http.StatusServiceUnavailable, retryAfter: unavailableRetry, err: err,
					msg: "The database cannot be reached for the moment. Please try again in a few seconds."}
			default:
				he = &httpError{status: http.StatusInternalServerError, msg: "Something went wrong on our side. Please try again in a moment.", err: err}
			}
		}
		switch {
		case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
			// The client hung up: nothing failed, and no one is left to
			// answer.
			s.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
			return
		case he.status >= 500:
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		case he.status == http.StatusNotFound:
			s.log.Info("not found", "method", r.Method, "path", r.URL.Path, "err", err)
		default:
			s.log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", he.status, "err", err)
		}
		if he.retryAfter > 0 {
			setRetryAfter(w, he.retryAfter)
		}
		if wantsJSON(r) {
			writeJSON(w, he.status, map[string]string{"error": he.msg})
			return
		}
		s.serveError(w, r, he)
	})
}

// unrouted answers a request that no route takes, through handle so that
// the API's answers are JSON: 405 with Allow when its path has routes for
// other methods, else 404. The mux knows which; asked for the handler of
// such a request, it gives one that writes the status and Allow, which is
// run against a recorder of them.
func (s *Server) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		setRoute(w, pattern)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := statusProbe{header: http.Header{}}
		h.ServeHTTP(&probe, r)
		s.handle(func(w http.ResponseWriter, r *http.Request) error {
			// Every /api/ address answers CORS preflights (OPTIONS /api/):
			// one that answers nothing else does not exist.
			if allow := probe.header.Get("Allow"); probe.status == http.StatusMethodNotAllowed && allow != http.MethodOptions {
				w.Header().Set("Allow", allow)
				return &httpError{status: http.StatusMethodNotAllowed, msg: "This address does not take " + r.Method + " requests."}
			}
			return notFound("There is no page at this address.")
		}).ServeHTTP(w, r)
	})
}

// unavailableRetry is the Retry-After of a 503 for a database that cannot
// be reached: about what a restart of the database or a failover takes.
const unavailableRetry = 5 * time.Second

// statusProbe records a response's status and headers and drops its body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

// setRetryAfter tells a client how long to wait, in whole seconds
// rounded up.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
}

// wantsJSON reports whether a request is the API's or a script's that
// asked for JSON, so that its errors are JSON too.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) serveError(w http.ResponseWriter, r *http.Request, he *httpError) {
	page := errorPage{layout: s.layout(r, http.StatusText(he.status), ""), Status: he.status, Message: he.msg}
	if he.status == http.StatusBadRequest {
		// Not back to a refused address after signing in, nor its query
		// repeated in the page (a query of a megabyte, say).
		page.Here = localPath(r.URL.Path)
	}
	var nf *notFoundPaper
	if errors.As(he, &nf) {
		page.Hint, page.HintURL = "See it on arXiv", nf.id.AbsURL()
	}
	if err := s.render(w, he.status, "error", &page); err != nil {
		s.log.Error("rendering the error page", "err", err)
		http.Error(w, he.msg, he.status)
	}
}

// notFoundPaper is a valid arXiv id that is not in the catalogue.
type notFoundPaper struct{ id paper.ID }

func (e *notFoundPaper) Error() string { return "paper not in the catalogue" }
