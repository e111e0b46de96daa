package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("scrape: %d\n%s", w.Code, w.Body)
	}
	return w.Body.String()
}

func wantLines(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w+"\n") {
			t.Errorf("the metrics lack %q", w)
		}
	}
}

// TestScrapedState reads the state of a real store and search index at
// scrape time: the connection pools, the mail queue by state, the index's
// size and its lag behind the change feed, which closes when it catches up.
func TestScrapedState(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(id string) {
		im, err := st.BeginImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Write(ctx, []store.Record{{Paper: paper.Paper{ID: paper.ID(id), Title: "Paper " + id, Abstract: "About " + id}}}); err != nil {
			t.Fatal(err)
		}
		if err := im.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	put("2501.00001")
	idx := search.NewService(st, nil)
	if err := idx.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	sub, _, err := st.Subscribe(ctx, store.Subscription{Email: "ann@example.org", Frequency: store.Daily})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnqueueDigests(ctx, "daily:2025-09-03", []int64{sub.ID}, time.Now()); err != nil {
		t.Fatal(err)
	}

	m := metrics.New()
	m.Pools(st)
	m.Index(func() metrics.IndexStatus {
		ready, papers, version, vectors := idx.Status()
		return metrics.IndexStatus{Ready: ready, Papers: papers, Version: version, Vectors: vectors}
	}, st.Version)
	m.MailJobs(st.MailJobCounts)
	m.JobRun("harvest", true, time.Unix(1700000000, 0))
	m.JobRun("stars", false, time.Now())
	m.Mail("sent")
	m.RateLimited("vote")

	body := scrape(t, m)
	wantLines(t, body,
		`dailypapers_search_index_papers 1`,
		`dailypapers_search_index_ready 1`,
		`dailypapers_search_index_lag_versions 0`,
		`dailypapers_digest_jobs{state="queued"} 1`,
		`dailypapers_db_connections_max{pool="write"} 1`,
		`dailypapers_job_runs_total{job="harvest",result="ok"} 1`,
		`dailypapers_job_runs_total{job="stars",result="failed"} 1`,
		`dailypapers_job_last_success_timestamp_seconds{job="harvest"} 1.7e+09`,
		`dailypapers_digest_mails_total{result="sent"} 1`,
		`dailypapers_rate_limited_total{what="vote"} 1`,
	)
	if strings.Contains(body, "embedding_queue_papers") {
		t.Error("an embedding queue without an embedder")
	}

	put("2501.00002")
	wantLines(t, scrape(t, m), `dailypapers_search_index_lag_versions 1`, `dailypapers_search_index_papers 1`)
	if _, err := idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	wantLines(t, scrape(t, m), `dailypapers_search_index_lag_versions 0`, `dailypapers_search_index_papers 2`)
}

// A read that fails at scrape time leaves its metric out; the others are
// served.
func TestFailedReadServesTheRest(t *testing.T) {
	m := metrics.New()
	m.GaugeFunc("broken", "Always fails.", nil, func(context.Context) ([]metrics.Sample, error) {
		return nil, errors.New("database gone")
	})
	m.GaugeFunc("fine", "Always 7.", nil, func(context.Context) ([]metrics.Sample, error) { return metrics.One(7), nil })
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(w.Body.String(), "dailypapers_fine 7\n") {
		t.Errorf("a failed read hid the other metrics: %d\n%s", w.Code, w.Body)
	}
}

// A nil *Metrics counts nothing and does not panic: parts run without.
func TestNilMetrics(t *testing.T) {
	var m *metrics.Metrics
	m.Request("GET /{$}", "GET", 200, 10, time.Millisecond)
	m.CacheLookup(true)
	m.Search("hybrid", time.Millisecond)
	m.Mail("sent")
	m.JobRun("harvest", true, time.Now())
	m.RateLimited("vote")
	m.StoreUnavailable()
	m.GaugeFunc("x", "x", nil, nil)
}
