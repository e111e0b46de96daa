package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A known address asked with a method it does not take is 405 with the
// methods it does take, in JSON for the API; an unknown address is 404
// whatever the method; the static files are served but not listed.
func TestMethodsAndMissingPages(t *testing.T) {
	h, _ := newSite(t, false)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
		json         bool
	}{
		{"DELETE", "/", http.StatusMethodNotAllowed, "GET, HEAD", false},
		{"POST", "/papers/trending", http.StatusMethodNotAllowed, "GET, HEAD", false},
		{"PUT", "/search", http.StatusMethodNotAllowed, "GET, HEAD", false},
		{"GET", "/vote", http.StatusMethodNotAllowed, "POST", false},
		{"PATCH", "/api/papers/search", http.StatusMethodNotAllowed, "GET, HEAD, OPTIONS", true},
		{"GET", "/no/such/page", http.StatusNotFound, "", false},
		{"POST", "/no/such/page", http.StatusNotFound, "", false},
		{"DELETE", "/no/such/page", http.StatusNotFound, "", false},
		{"GET", "/api/no/such", http.StatusNotFound, "", true},
		{"GET", "/static/", http.StatusNotFound, "", false},
		{"GET", "/static/no-such.css", http.StatusNotFound, "", false},
		{"GET", "/static/app.js", http.StatusOK, "", false},
		{"HEAD", "/", http.StatusOK, "", false},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		body := rec.Body.String()
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q; want %d, Allow %q\n%.300s", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow, body)
			continue
		}
		if strings.Contains(body, `href="app.js"`) {
			t.Errorf("%s %s lists the static files:\n%s", tc.method, tc.path, body)
		}
		if tc.status == http.StatusOK {
			continue
		}
		if tc.json {
			var e struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("%s %s: not a JSON error (%v):\n%s", tc.method, tc.path, err, body)
			}
		} else if tc.method != "HEAD" && !strings.HasPrefix(tc.path, "/static/") && !strings.Contains(body, "<html") {
			t.Errorf("%s %s: not the error page:\n%.300s", tc.method, tc.path, body)
		}
	}
}

// logRecords is a slog handler that keeps what is logged, for tests.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
	return nil
}

// take returns what was logged since the last take, as "LEVEL message".
func (l *logRecords) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		out = append(out, r.Level.String()+" "+r.Message)
	}
	l.recs = nil
	return out
}

// A missing page is logged as not found, not as a refusal; a client that
// hung up is logged at debug level, not as a failed request.
func TestErrorsAreLoggedAsWhatTheyAre(t *testing.T) {
	logs := &logRecords{}
	s, err := New(newStore(t, true), Options{Logger: slog.New(logs), Now: func() time.Time { return clock }, PageCacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	logs.take() // whatever New logged

	get(t, h, "/no/such/page", http.StatusNotFound)
	if got := logs.take(); len(got) != 1 || got[0] != "INFO not found" {
		t.Errorf("a missing page logged %q, want [INFO not found]", got)
	}

	get(t, h, "/papers/date/2025-13-45", http.StatusBadRequest)
	if got := logs.take(); len(got) != 1 || got[0] != "INFO request refused" {
		t.Errorf("a bad date logged %q, want [INFO request refused]", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has gone by the time the page asks the store
	for _, path := range []string{"/", "/papers/trending", "/api/daily_papers"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
		if got := logs.take(); len(got) != 1 || got[0] != "DEBUG client went away" {
			t.Errorf("GET %s by a client that hung up logged %q, want [DEBUG client went away]", path, got)
		}
	}
}
