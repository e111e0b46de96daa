package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// searchEndpoints are the ways a query comes in, each with q= to append.
var searchEndpoints = []string{"/search?q=", "/search.atom?q=", "/search.rss?q=", "/search.json?q=", "/api/papers/search?q="}

// prefixQuery is the review's costly query, ab* ac* ad* ..., of about n
// characters.
func prefixQuery(n int) string {
	var b strings.Builder
	for c1 := 'a'; c1 <= 'z' && b.Len()+4 <= n; c1++ {
		for c2 := 'a'; c2 <= 'z' && b.Len()+4 <= n; c2++ {
			if c1 != c2 {
				fmt.Fprintf(&b, "%c%c* ", c1, c2)
			}
		}
	}
	return strings.TrimSpace(b.String())
}

func fetch(h http.Handler, path, remote string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	if remote != "" {
		req.RemoteAddr = remote
	}
	h.ServeHTTP(rec, req)
	return rec
}

// One length limit, one 400, on every search endpoint; the answer does
// not repeat the query (a 1 MB query was answered with a 4.2 MB page).
func TestSearchQueryLimitEverywhere(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	megabyte := strings.Repeat("attention ", 100_000)
	for _, base := range searchEndpoints {
		for _, tc := range []struct {
			name, q string
		}{
			{"1 MB", megabyte},
			{"one character over", strings.Repeat("a", search.MaxQueryLen+1)},
			{"invalid UTF-8", "model \xff"},
		} {
			rec := fetch(h, base+url.QueryEscape(tc.q), "")
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s %s: status %d, want 400", base, tc.name, rec.Code)
			}
			if len(body) > 32<<10 || strings.Contains(body, "attention attention") || strings.Contains(body, "aaaaaaaaaa") {
				t.Errorf("%s %s: a %d-byte answer that repeats the query", base, tc.name, len(body))
			}
			if strings.HasPrefix(base, "/api/") {
				var e struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Errorf("%s %s: %q, want a JSON error", base, tc.name, body)
				}
			}
			if tc.name != "invalid UTF-8" && !strings.Contains(body, fmt.Sprint(search.MaxQueryLen)) {
				t.Errorf("%s %s: the answer does not say the limit:\n%.500s", base, tc.name, body)
			}
		}
		// At the limit, a query is searched (the budget then cuts it to
		// its first words).
		q := strings.Repeat("a", search.MaxQueryLen-len("model "))
		if rec := fetch(h, base+url.QueryEscape("model "+q), ""); rec.Code != http.StatusOK {
			t.Errorf("%s a query of %d characters: status %d, want 200", base, search.MaxQueryLen, rec.Code)
		}
	}
}

// A query over the budget is searched in part with a note on the page;
// feeds and the API, whose readers see no notes, answer 400 with the
// reason.
func TestSearchQueryOverBudget(t *testing.T) {
	t.Parallel()
	h, _, _ := newSearchSite(t, true)
	for _, n := range []int{250, search.MaxQueryLen - 1} {
		q := url.QueryEscape(prefixQuery(n))
		_, doc := get(t, h, "/search?q="+q, http.StatusOK)
		if got := text(doc, ".note"); !strings.Contains(got, "left out") || !strings.Contains(got, "“ae*”") {
			t.Errorf("/search, %d characters of prefixes: note %q, want what was left out", n, got)
		}
		for _, base := range searchEndpoints[1:] {
			rec := fetch(h, base+q, "")
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "more than one search does at once") {
				t.Errorf("%s, %d characters of prefixes: %d, want 400 with the reason\n%.500s", base, n, rec.Code, rec.Body.String())
			}
		}
	}
}

// Searches are counted per client address, across the pages, the feeds
// and the API, and refused with 429 and Retry-After over the limit.
func TestSearchRateLimit(t *testing.T) {
	t.Parallel()
	st := newStore(t, true)
	svc := search.NewService(st, nil)
	if err := svc.Build(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	limits := DefaultLimits
	limits.SearchAddress = ratelimit.Limit{Events: len(searchEndpoints), Per: time.Hour}
	s, err := New(st, Options{Search: svc, Limits: &limits, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	const person, other = "192.0.2.7:1234", "198.51.100.9:1234"
	for i, base := range searchEndpoints { // the limit's worth, one each
		if rec := fetch(h, base+fmt.Sprint("model", i), person); rec.Code != http.StatusOK {
			t.Fatalf("%s within the limit: %d", base, rec.Code)
		}
	}
	for _, base := range searchEndpoints {
		rec := fetch(h, base+"graph", person)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s over the limit: %d, Retry-After %q; want 429 with it", base, rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := fetch(h, base+"graph", other); rec.Code != http.StatusOK {
			t.Errorf("%s from another address: %d, want 200", base, rec.Code)
		}
	}
	// Refused input costs nothing.
	if rec := fetch(h, "/search.atom?q=", other); rec.Code != http.StatusBadRequest {
		t.Errorf("an empty feed query: %d, want 400", rec.Code)
	}
}

// A paper an admin hid from the feed is in no listing: not in search
// results (the page, the search feeds, the API) nor in the API's
// catalogue, where it showed as a feed item with its submitter. Its page
// stays.
func TestHiddenPaperListedNowhere(t *testing.T) {
	t.Parallel()
	h, st, _ := newSearchSite(t, true)
	ctx := context.Background()
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var it store.FeedItem
	for _, c := range items {
		if c.Submitter != nil {
			it = c
			break
		}
	}
	if it.Submitter == nil {
		t.Fatal("no demo paper with a submitter")
	}
	id := string(it.Paper.ID)
	q := url.QueryEscape(it.Paper.Title)
	listings := func() map[string]bool {
		t.Helper()
		in := map[string]bool{}
		_, doc := get(t, h, "/search?q="+q+"&mode=lexical", http.StatusOK)
		in["/search"] = slices.Contains(resultIDs(doc), id)
		for _, path := range []string{"/search.json?mode=lexical&q=" + q, "/api/papers/search?q=" + q} {
			rec := fetch(h, path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			in[strings.Split(path, "?")[0]] = strings.Contains(rec.Body.String(), id)
		}
		next := "/api/papers?limit=100"
		for next != "" {
			rec := fetch(h, next, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", next, rec.Code)
			}
			in["/api/papers"] = in["/api/papers"] || strings.Contains(rec.Body.String(), `"id":"`+id+`"`)
			next = ""
			if l := rec.Header().Get("Link"); l != "" {
				u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(strings.Split(l, ";")[0], "<"), ">"))
				if err != nil {
					t.Fatal(err)
				}
				next = u.RequestURI()
			}
		}
		return in
	}
	for where, ok := range listings() {
		if !ok {
			t.Fatalf("%s does not list %s before it is hidden; the test proves nothing", where, id)
		}
	}
	if err := st.HidePaper(ctx, it.Paper.ID, true); err != nil {
		t.Fatal(err)
	}
	for where, ok := range listings() {
		if ok {
			t.Errorf("%s lists %s, which an admin hid", where, id)
		}
	}
	get(t, h, "/papers/"+id, http.StatusOK)
}
