package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// openPair opens two stores on one new, empty schema of the test database,
// as two processes sharing a database would; the schema is dropped when the
// test ends, after both are closed.
func openPair(t *testing.T) (store.Store, store.Store) {
	t.Helper()
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	open := func() store.Store {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	// Opened at once, as processes starting together: the migrations run
	// once, under their advisory lock.
	var (
		wg     sync.WaitGroup
		s1, s2 store.Store
	)
	wg.Go(func() { s1 = open() })
	wg.Go(func() { s2 = open() })
	wg.Wait()
	if s1 == nil || s2 == nil {
		t.FailNow()
	}
	return s1, s2
}

// TestMailQueueTwoProcesses has two stores on one database, each with four
// workers, drain a queue of 500 jobs: every job is claimed exactly once
// overall, and all are sent.
func TestMailQueueTwoProcesses(t *testing.T) {
	const n, workers, period = 500, 4, "daily:2025-09-03"
	a, b := openPair(t)
	ctx := t.Context()
	now := time.Date(2025, 9, 3, 6, 0, 0, 0, time.UTC)
	ids := make([]int64, n)
	for i := range ids {
		sub, added, err := a.Subscribe(ctx, store.Subscription{Email: fmt.Sprintf("reader%03d@example.org", i), Frequency: store.Daily})
		if err != nil || !added {
			t.Fatalf("Subscribe(%d) = %v, %v", i, added, err)
		}
		if err := a.ConfirmSubscription(ctx, sub.ID, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		ids[i] = sub.ID
	}
	if got, err := b.EnqueueDigests(ctx, period, ids, now); err != nil || got != n {
		t.Fatalf("EnqueueDigests = %d, %v; want %d", got, err, n)
	}

	var (
		mu       sync.Mutex
		claims   = map[int64][]string{} // job -> the claims that took it
		byStore  = map[string]int{}
		wg       sync.WaitGroup
		stopping = make(chan struct{})
		stopOnce sync.Once
	)
	stop := func() { stopOnce.Do(func() { close(stopping) }) }
	for si, st := range []store.Store{a, b} {
		for w := range workers {
			wg.Go(func() {
				name := fmt.Sprintf("store%d", si+1)
				claim := fmt.Sprintf("%s-worker%d", name, w)
				for {
					select {
					case <-stopping:
						return
					default:
					}
					j, err := st.ClaimMailJob(ctx, claim, now, time.Hour)
					if errors.Is(err, store.ErrNotFound) {
						return
					}
					if err != nil {
						t.Errorf("%s: ClaimMailJob: %v", claim, err)
						stop()
						return
					}
					mu.Lock()
					claims[j.ID] = append(claims[j.ID], claim)
					byStore[name]++
					mu.Unlock()
					if err := st.MarkSending(ctx, j.ID, claim, fmt.Sprintf("<%d@x>", j.ID)); err != nil {
						t.Errorf("%s: MarkSending(%d): %v", claim, j.ID, err)
						stop()
						return
					}
					if err := st.MarkSent(ctx, j.ID, claim, now); err != nil {
						t.Errorf("%s: MarkSent(%d): %v", claim, j.ID, err)
						stop()
						return
					}
				}
			})
		}
	}
	wg.Wait()
	t.Logf("jobs claimed by store: %v", byStore)
	if byStore["store1"] == 0 || byStore["store2"] == 0 {
		t.Errorf("jobs claimed by store: %v; want both stores at work", byStore)
	}

	jobs, err := a.MailJobs(ctx, period)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != n || len(claims) != n {
		t.Errorf("%d jobs, %d of them claimed; want %d and %d", len(jobs), len(claims), n, n)
	}
	for _, j := range jobs {
		c := claims[j.ID]
		if len(c) != 1 {
			t.Errorf("job %d claimed %d times (%q), want once", j.ID, len(c), c)
			continue
		}
		if j.State != store.JobSent || j.Attempts != 1 || j.Claim != c[0] || j.MessageID != fmt.Sprintf("<%d@x>", j.ID) ||
			!j.SentAt.Equal(now) {
			t.Errorf("job %d = %+v; want sent once under %s", j.ID, j, c[0])
		}
	}
	for _, st := range []store.Store{a, b} {
		if j, err := st.ClaimMailJob(ctx, "late", now.Add(48*time.Hour), time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ClaimMailJob after the queue drained = job %d, %v; want ErrNotFound", j.ID, err)
		}
	}
}

// BenchmarkMailJobSteps measures the three writes every digest takes
// (ClaimMailJob, MarkSending, MarkSent) committed with
// synchronous_commit on, waiting for the WAL flush each, and off, as the
// store commits them:
//
//	DAILYPAPERS_TEST_POSTGRES=... go test ./internal/store/postgres -run '^$' -bench MailJobSteps -benchtime 2000x -count 3
func BenchmarkMailJobSteps(b *testing.B) {
	for _, mode := range []struct {
		name string
		full bool
	}{{"synchronous_commit=on", true}, {"synchronous_commit=off", false}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := b.Context()
			s, err := postgres.Open(ctx, pgtest.Schema(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.SetFullQueueSync(mode.full)
			ids := make([]int64, b.N)
			now := time.Now()
			for i := range ids {
				sub, _, err := s.Subscribe(ctx, store.Subscription{Email: fmt.Sprintf("s%d@example.org", i), Frequency: store.Daily})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.ConfirmSubscription(ctx, sub.ID, now); err != nil {
					b.Fatal(err)
				}
				ids[i] = sub.ID
			}
			if _, err := s.EnqueueDigests(ctx, "daily:2025-09-03", ids, now); err != nil {
				b.Fatal(err)
			}
			var sending time.Duration
			b.ResetTimer()
			for range b.N {
				job, err := s.ClaimMailJob(ctx, "bench", time.Now(), time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := s.MarkSending(ctx, job.ID, "bench", "<m@example.org>"); err != nil {
					b.Fatal(err)
				}
				sending += time.Since(start)
				if err := s.MarkSent(ctx, job.ID, "bench", time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sending.Microseconds())/float64(b.N), "µs-sending/op")
		})
	}
}
