package web

import (
	"errors"
	"net/http"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/store"
)

// trendingPage lists the papers rising fastest.
type trendingPage struct {
	layout
	Explanation string
	Items       []rank.Scored
	Since       string // the first day of the window, for the empty message
}

func (s *Server) trending(w http.ResponseWriter, r *http.Request) error {
	page := trendingPage{layout: s.layout(r, "Trending", "Trending"), Explanation: rank.Explanation}
	page.Canonical = "/papers/trending"
	page.Feeds = s.trendingFeeds()
	latest, err := s.store.LatestSubmission(r.Context())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil {
		ref := rank.Reference(s.now(), latest)
		items, err := s.store.SubmittedSince(r.Context(), ref.Add(-rank.TrendWindow))
		if err != nil {
			return err
		}
		page.Items = rank.Trending(items, ref, pageSize)
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
