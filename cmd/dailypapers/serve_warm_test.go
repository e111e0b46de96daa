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
