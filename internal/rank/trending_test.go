package rank

import (
	"math"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

func item(id string, upvotes, stars int, repo string, at time.Time) store.FeedItem {
	return store.FeedItem{Paper: paper.Paper{ID: paper.ID(id), Upvotes: upvotes, GitHubStars: stars, GitHubRepo: repo}, SubmittedAt: at}
}

func TestScoreFormula(t *testing.T) {
	now := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	// 10 upvotes, no repo, 2 hours old: 10 / (2+2)^1.5 = 10/8.
	if got := Score(item("a", 10, 0, "", now.Add(-2*time.Hour)), now); got != 1.25 {
		t.Errorf("Score = %v, want 1.25", got)
	}
	// 1 upvote, 6 stars and 6 gained, 2 hours old: (1 + 2·ln 7 + 2·ln 7)/8.
	grown := item("a", 1, 0, "https://github.com/x/y", now.Add(-2*time.Hour))
	grown.Paper.GitHubStars = 6
	grown.StarsGained = grown.Paper.GitHubStars
	if got, want := Score(grown, now), (1+4*math.Log(7))/8; math.Abs(got-want) > 1e-12 {
		t.Errorf("Score with stars gained = %v, want %v", got, want)
	}
	// A repository gaining stars this week ranks above one that has as
	// many but gained none.
	steady := grown
	steady.StarsGained = 0
	if Score(grown, now) <= Score(steady, now) {
		t.Errorf("stars gained did not raise the score")
	}
	// Stars without a repository do not count.
	if a, b := Score(item("a", 10, 500, "", now), now), Score(item("a", 10, 0, "", now), now); a != b {
		t.Errorf("stars without repo changed the score: %v vs %v", a, b)
	}
}

func TestTrendingOrder(t *testing.T) {
	now := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	items := []store.FeedItem{
		item("old-popular", 60, 0, "", now.Add(-72*time.Hour)),
		item("new-modest", 12, 0, "", now.Add(-3*time.Hour)),
		item("new-starred", 12, 5000, "https://github.com/x/y", now.Add(-3*time.Hour)),
		item("new-modest", 12, 0, "", now.Add(-30*time.Hour)), // the same paper on an older day
	}
	got := Trending(items, now, 10)
	var ids []string
	for _, s := range got {
		ids = append(ids, string(s.Paper.ID))
	}
	want := []string{"new-starred", "new-modest", "old-popular"}
	if len(ids) != len(want) {
		t.Fatalf("Trending = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("Trending = %v, want %v", ids, want)
		}
	}
	if got := Trending(items, now, 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d items", len(got))
	}
}

func TestReference(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	recent := now.Add(-24 * time.Hour)
	if got := Reference(now, recent); !got.Equal(now) {
		t.Errorf("active feed: Reference = %v, want now", got)
	}
	quiet := now.Add(-60 * 24 * time.Hour)
	if got := Reference(now, quiet); !got.Equal(quiet) {
		t.Errorf("quiet feed: Reference = %v, want the last submission", got)
	}
}
