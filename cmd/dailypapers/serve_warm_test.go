package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// The papers serve keeps the similar papers of are exactly those of the
// feed's newest seven days with papers, the demo's included (its feed ends
// in the past).
func TestNewestFeedPapers(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ps, err := newestFeedPapers(ctx, st, 7); err != nil || len(ps) != 0 {
		t.Fatalf("an empty feed: %d papers, %v", len(ps), err)
	}
	if _, _, err := demo.LoadIfEmpty(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	last, err := st.LatestFeedDay(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse(time.DateOnly, last)
	first := day.AddDate(0, 0, -6).Format(time.DateOnly)
	want, err := st.FeedCount(ctx, first, last)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := newestFeedPapers(ctx, st, 7)
	if err != nil || len(ps) != want || want == 0 {
		t.Fatalf("%d papers, %v; the feed has %d from %s to %s", len(ps), err, want, first, last)
	}
	before, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: day.AddDate(0, 0, -7).Format(time.DateOnly), Limit: 1})
	if err != nil || len(before) == 0 {
		t.Fatalf("the demo feed has nothing before the newest week: %v", err)
	}
	for _, p := range ps {
		if p.ID == before[0].Paper.ID {
			t.Errorf("%s, of an older day, is among the newest week's papers", p.ID)
		}
	}
}

// A job that runs longer than the lease keeps it: no other process can
// take the lead meanwhile, and the lease is free to take once it ends and
// runs out.
func TestWhileLeadingRenewsTheLease(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const every = 100 * time.Millisecond // a lease of 300 ms
	othersLed := 0
	err = whileLeading(ctx, &lease{st: st, name: "harvest", holder: "a", every: every, log: slog.Default()}, func(ctx context.Context) error {
		for range 10 { // 600 ms, two leases
			time.Sleep(60 * time.Millisecond)
			if lead, err := st.Lead(ctx, "harvest", "b", time.Now(), 3*every); err != nil || lead {
				othersLed++
			}
		}
		return ctx.Err()
	})
	if err != nil || othersLed != 0 {
		t.Errorf("whileLeading: %v; another process led %d times of 10 during the job", err, othersLed)
	}
	time.Sleep(4 * every)
	if lead, err := st.Lead(ctx, "harvest", "b", time.Now(), 3*every); err != nil || !lead {
		t.Errorf("after the job the lease stayed taken: %v, %v", lead, err)
	}
}

// A process that stops releases the leases it holds, so another takes the
// job over at its next look rather than when the lease runs out; the log
// says who took, renewed, lost and released each.
func TestLeaseReleasedOnStop(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The lease lasts three intervals from its last renewal: long enough
	// that a renewal late by a loaded machine's scheduling does not let
	// b take a live lease.
	const every = 250 * time.Millisecond
	a := &lease{st: st, name: "digests", holder: "host/1/a", every: every, log: log}
	ctx, stop := context.WithCancel(t.Context())
	ran := make(chan struct{}, 1)
	done := make(chan error)
	go func() {
		err := whileLeading(ctx, a, func(ctx context.Context) error {
			ran <- struct{}{}
			<-ctx.Done() // a job that runs until the process stops
			return nil
		})
		a.release() // as serve does on its way out, before the test looks
		done <- err
	}()
	<-ran
	time.Sleep(2 * every) // renewed meanwhile
	ls, err := st.Leases(t.Context())
	if err != nil || len(ls) != 1 || ls[0].Holder != "host/1/a" {
		t.Fatalf("Leases while a runs = %+v, %v", ls, err)
	}
	b := &lease{st: st, name: "digests", holder: "host/2/b", every: time.Hour, log: log}
	if ok, err := b.take(t.Context()); err != nil || ok {
		t.Fatalf("b took a's live lease: %v, %v", ok, err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// An hour-long lease, had a kept it: b takes it at once.
	if ok, err := b.take(t.Context()); err != nil || !ok {
		t.Errorf("b cannot take the lease a released on stopping: %v, %v", ok, err)
	}
	// a, still thinking it leads, finds it lost.
	a.held = true
	if ok, err := a.take(t.Context()); err != nil || ok {
		t.Errorf("a took b's lease: %v, %v", ok, err)
	}
	for _, want := range []string{
		`level=INFO msg="lease taken" job=digests holder=host/1/a`,
		`level=DEBUG msg="lease renewed" job=digests holder=host/1/a`,
		`level=INFO msg="lease held by another process" job=digests holder=host/1/a`,
		`level=INFO msg="lease released" job=digests holder=host/1/a`,
		`level=INFO msg="lease taken" job=digests holder=host/2/b`,
		`level=WARN msg="lease lost" job=digests holder=host/1/a taken_by=host/2/b`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log has no %s:\n%s", want, logs.String())
		}
	}
}
