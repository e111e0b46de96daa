package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/store"
)

// trendingPage lists the papers rising fastest.
type trendingPage struct {
	layout
	InWords string // how the ranking works, in words
	Formula string // and as a formula, for those who ask
	Items   []rank.Scored
	Since   string // the first day of the window, for the empty message
}

func (s *Server) trending(w http.ResponseWriter, r *http.Request) error {
	page := trendingPage{layout: s.layout(r, "Trending", "Trending"), InWords: rank.InWords, Formula: rank.Formula}
	page.Canonical = "/papers/trending"
	page.Feeds = s.trendingFeeds()
	var err error
	if page.Items, err = s.trendingNow(r.Context(), pageSize); err != nil {
		return err
	}
	ids := make([]paper.ID, len(page.Items))
	for i := range page.Items {
		ids[i] = page.Items[i].Paper.ID
	}
	if err := s.markVotes(r, &page.layout, ids); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trending", &page)
}

// trendingNow is the first n papers of trending as the trending page
// shows them now, for the page and the MCP tools; none when nothing was
// ever submitted.
func (s *Server) trendingNow(ctx context.Context, n int) ([]rank.Scored, error) {
	latest, err := s.store.LatestSubmission(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ref := rank.Reference(s.now(), latest)
	items, err := s.trendingItems(ctx, ref)
	if err != nil {
		return nil, err
	}
	return rank.Trending(items, ref, n), nil
}

// trendingItems reads the feed entries of the trending window that ends
// at ref, with the stars their repositories gained in it.
func (s *Server) trendingItems(ctx context.Context, ref time.Time) ([]store.FeedItem, error) {
	since := ref.Add(-rank.TrendWindow)
	items, err := s.store.SubmittedSince(ctx, since)
	if err != nil {
		return nil, err
	}
	return items, s.addStarsGained(ctx, items, since)
}

// addStarsGained fills in what the items' repositories gained in stars
// since the given time, for trending.
func (s *Server) addStarsGained(ctx context.Context, items []store.FeedItem, since time.Time) error {
	var repos []string
	seen := map[string]bool{}
	for _, it := range items {
		if r := it.Paper.GitHubRepo; r != "" && !seen[r] {
			seen[r] = true
			repos = append(repos, r)
		}
	}
	if len(repos) == 0 {
		return nil
	}
	gained, err := s.store.StarsGained(ctx, repos, since)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].StarsGained = gained[items[i].Paper.GitHubRepo]
	}
	return nil
}
