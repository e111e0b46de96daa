package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/store"
)

// forYouPageSize is how many papers a For-you page shows.
const forYouPageSize = 20

// forYouPage is the reader's ranking of the last days' papers.
type forYouPage struct {
	layout
	Days    int
	Windows []int
	Items   []forYouItem
	Total   int
	Offset  int
	From    string
	To      string
	Newer   *navLink
	Older   *navLink
	// Note says why the page is not personal (trending instead).
	Note    string
	Paused  bool
	Signals int
}

// forYouItem is a paper with why it is there and what the reader told
// about it.
type forYouItem struct {
	store.FeedItem
	Reason string
}

// forYouParams reads ?days= and ?page=.
func forYouParams(r *http.Request) (days, pageNo int, err error) {
	days, pageNo = recommend.DefaultWindow, 1
	q := r.URL.Query()
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(recommend.Windows, n) {
			return 0, 0, badRequest(fmt.Sprintf("days must be one of %v", recommend.Windows))
		}
		days = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return 0, 0, badRequest("page must be a number from 1")
		}
		pageNo = n
	}
	return days, pageNo, nil
}

func (s *Server) forYouShow(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, r.URL.RequestURI(), "foryou")
		return nil
	}
	if s.recs == nil {
		return notFound("For you needs the search index, which this site runs without.")
	}
	days, pageNo, err := forYouParams(r)
	if err != nil {
		return err
	}
	page := forYouPage{layout: s.layout(r, "For you", "For you"), Days: days, Windows: recommend.Windows,
		Offset: (pageNo - 1) * forYouPageSize}
	res, err := s.recs.Rank(r.Context(), *a, days, page.Offset, forYouPageSize)
	switch {
	case errors.Is(err, recommend.ErrNotReady):
		return &httpError{status: http.StatusServiceUnavailable, msg: "The search index is still loading; For you will be ready in a moment.", err: err}
	case err != nil:
		return err
	}
	page.Total, page.From, page.To, page.Paused, page.Signals = res.Total, res.From, res.To, res.Paused, res.Signals
	if res.Cold {
		page.Note = "You have not told us what you like yet, so these are the trending papers. Upvote papers, ask for more like one, or pick a few topics to start your own ranking."
		switch {
		case res.Paused:
			page.Note = "Personalisation is paused, so these are the trending papers. Resume it on your For-you settings page."
		case res.Preparing:
			page.Note = "Your ranking is being prepared from what you told us; meanwhile these are the trending papers. Reload in a few seconds."
		}
		if err := s.forYouTrending(r.Context(), &page); err != nil {
			return err
		}
	} else {
		for _, p := range res.Papers {
			page.Items = append(page.Items, forYouItem{FeedItem: p.Item, Reason: p.Reason})
		}
		path := func(n int) string { return fmt.Sprintf("/for-you?days=%d&page=%d", days, n) }
		if pageNo > 1 {
			page.Newer = &navLink{"Previous page", path(pageNo - 1)}
		}
		if page.Offset+len(page.Items) < page.Total {
			page.Older = &navLink{"Next page", path(pageNo + 1)}
		}
	}
	ids := make([]paper.ID, len(page.Items))
	for i := range page.Items {
		ids[i] = page.Items[i].Paper.ID
	}
	if err := s.markVotes(r, &page.layout, ids); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return s.render(w, http.StatusOK, "foryou", &page)
}

// forYouTrending fills a page that cannot be personal with trending.
func (s *Server) forYouTrending(ctx context.Context, page *forYouPage) error {
	latest, err := s.store.LatestSubmission(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ref := rank.Reference(s.now(), latest)
	items, err := s.trendingItems(ctx, ref)
	if err != nil {
		return err
	}
	for _, sc := range rank.Trending(items, ref, forYouPageSize) {
		page.Items = append(page.Items, forYouItem{FeedItem: sc.FeedItem, Reason: "trending"})
	}
	page.Total = len(page.Items)
	return nil
}
