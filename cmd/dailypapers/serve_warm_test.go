package main

import (
	"context"
	"path/filepath"
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
	err = whileLeading(ctx, st, "harvest", "a", every, func(ctx context.Context) error {
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
