// Package rank holds the ranking formulas of the feed, each documented
// where it is defined so that the page explaining it and the code agree.
package rank

import (
	"math"
	"sort"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Trending constants. Gravity 1.5 is the classic news-aggregator value: a
// paper's score halves in its first few hours and keeps fading, so a day-old
// paper needs several times the votes of a new one to stay above it. A
// GitHub repository adds StarWeight·ln(1+stars): the log keeps a famous
// repository from outweighing the community's votes. Stars the repository
// gained during the window add GrowthWeight·ln(1+gained) on top: a
// repository people are starring now is momentum, where an old famous one
// is not.
const (
	Gravity      = 1.5
	StarWeight   = 2.0
	GrowthWeight = 2.0
	AgeOffset    = 2.0 // hours, so that a paper submitted a minute ago does not divide by ~0
	TrendWindow  = 7 * 24 * time.Hour
)

// Formula is Score as written for people, with the constants above.
const Formula = "(upvotes + 2·ln(1 + GitHub stars) + 2·ln(1 + stars gained this week)) ÷ (hours since submission + 2)^1.5"

// InWords says what Formula does without it, for the trending page, where
// the formula itself waits behind a "How is this ranked?".
const InWords = "Each paper of the last seven days gets its upvotes as points, plus a few for the GitHub stars of its code and for the stars it gained this week (on a log scale, so that a famous repository does not outweigh the votes). The points are then divided by the hours since it was submitted (to the power 1.5), so a fresh paper with momentum rises and an older one fades, even with many votes."

// Explanation is the one-sentence account of the formula, for the
// trending feeds' descriptions.
const Explanation = "Papers from the last seven days, ranked by " + Formula + ", so fresh papers with momentum rise and older ones fade."

// Scored is a feed item with its trending score.
type Scored struct {
	store.FeedItem
	Score float64
}

// Score is the trending score of one feed item at time now.
func Score(it store.FeedItem, now time.Time) float64 {
	hours := now.Sub(it.SubmittedAt).Hours()
	if hours < 0 {
		hours = 0
	}
	stars, gained := 0.0, 0.0
	if it.Paper.GitHubRepo != "" {
		stars = float64(max(it.Paper.GitHubStars, 0))
		gained = float64(max(it.StarsGained, 0))
	}
	points := float64(it.Paper.Upvotes) + StarWeight*math.Log1p(stars) + GrowthWeight*math.Log1p(gained)
	return points / math.Pow(hours+AgeOffset, Gravity)
}

// Trending scores items and returns the best first, at most limit of them.
// A paper on the feed twice counts once, with its best score.
func Trending(items []store.FeedItem, now time.Time, limit int) []Scored {
	best := make(map[string]int, len(items))
	var out []Scored
	for _, it := range items {
		s := Scored{FeedItem: it, Score: Score(it, now)}
		if i, ok := best[string(it.Paper.ID)]; ok {
			if s.Score > out[i].Score {
				out[i] = s
			}
			continue
		}
		best[string(it.Paper.ID)] = len(out)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Paper.ID < out[j].Paper.ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Reference is the time trending is computed at: now, unless the feed has
// been quiet for longer than the window (an archive, a demo), in which case
// it is the newest submission, so the page shows the feed's last week
// rather than nothing.
func Reference(now, latest time.Time) time.Time {
	if now.Sub(latest) > TrendWindow {
		return latest
	}
	return now
}
