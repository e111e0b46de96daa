package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// TestDatabaseGoneIs503 takes PostgreSQL away from a running site (the
// store reaches it through a relay that the test stops): a signed-in vote
// from a form, a vote through the API and a page view are each answered
// 503 with Retry-After (JSON for the API), not 500 "Something went wrong",
// so that clients know to try again; the metrics count them.
func TestDatabaseGoneIs503(t *testing.T) {
	if onPostgres {
		t.Skip("runs once, in the first pass")
	}
	ctx := context.Background()
	proxy := pgtest.NewProxy(t, pgtest.Schema(t))
	st, err := postgres.Open(ctx, proxy.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := paperOf("2509.00001", "A paper to vote on", "Its abstract.", "Ada")
	if _, err := im.Write(ctx, []store.Record{{Paper: p, Submission: &store.Submission{Day: "2025-09-01", SubmittedAt: p.Published}}}); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	site, err := New(st, Options{Now: func() time.Time { return clock }, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	c := &community{t: t, st: st}
	c.srv = httptest.NewServer(site.Handler())
	t.Cleanup(c.srv.Close)
	pat := c.browser()
	pat.signUp("pat")
	token := pat.post("/settings/tokens", form("name", "bot")).want(t, "create token", http.StatusOK).text(".notice code.token")
	id := string(paper.ID("2509.00001"))
	pat.post("/vote", form("paper", id)).want(t, "a vote while the database is there", http.StatusSeeOther)

	proxy.Stop()

	wantRetry := func(what string, a answer) {
		t.Helper()
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503\n%s", what, a.status, a.body)
		}
		if got := a.header.Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After %q, want 5", what, got)
		}
	}
	vote := pat.post("/vote", form("paper", id))
	wantRetry("a vote from the form", vote)
	if !strings.Contains(vote.text("main"), "database cannot be reached") || vote.text("h1") != "Back in a moment" {
		t.Errorf("the vote's page does not say what happened: %q", vote.text("main"))
	}
	req, _ := http.NewRequest("POST", c.srv.URL+"/api/papers/"+id+"/upvote", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	api := c.browser().do(req)
	wantRetry("a vote through the API", api)
	var body struct{ Error string }
	if err := json.Unmarshal([]byte(api.body), &body); err != nil || body.Error == "" {
		t.Errorf("the API's 503 is not a JSON error: %q (%v)", api.body, err)
	}
	wantRetry("the home page", c.browser().get("/"))

	scrape := httptest.NewRecorder()
	m.Handler().ServeHTTP(scrape, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(scrape.Body.String(), "dailypapers_store_unavailable_total 3") {
		t.Errorf("the metrics do not count the three 503s:\n%s", grepLines(scrape.Body.String(), "unavailable"))
	}
}

// grepLines keeps the lines of s that hold sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
