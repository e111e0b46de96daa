package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

// maxRecommendations bounds ?limit= of the API and the private feed.
const maxRecommendations = 100

// apiRecommendation is one paper of GET /api/recommendations.
type apiRecommendation struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Authors []string `json:"authors"`
	Reason  string   `json:"reason"`
}

// apiRecommendations is the answer of GET /api/recommendations.
type apiRecommendations struct {
	Days     int                 `json:"days"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	Personal bool                `json:"personal"`
	Note     string              `json:"note,omitempty"`
	Papers   []apiRecommendation `json:"papers"`
}

// apiRecommendationsGet answers GET /api/recommendations?days=&limit=,
// the token holder's For-you ranking.
func (s *Server) apiRecommendationsGet(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	if s.recs == nil {
		return notFound("Recommendations need the search index, which this site runs without.")
	}
	q := r.URL.Query()
	days, limit := recommend.DefaultWindow, 20
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(recommend.Windows, n) {
			return badRequest(fmt.Sprintf("days must be one of %v", recommend.Windows))
		}
		days = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRecommendations {
			return badRequest(fmt.Sprintf("limit must be a number from 1 to %d", maxRecommendations))
		}
		limit = n
	}
	items, res, note, err := s.recommendations(r.Context(), *a, days, 0, limit)
	if err != nil {
		return err
	}
	out := apiRecommendations{Days: days, From: res.From, To: res.To, Personal: !res.Cold, Note: note, Papers: []apiRecommendation{}}
	for _, it := range items {
		out.Papers = append(out.Papers, apiRecommendation{ID: string(it.Paper.ID), Title: it.Paper.Title, Summary: it.Paper.Abstract,
			Authors: it.Paper.AuthorNames(), Reason: it.Reason})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// recommendations is limit papers of a reader's ranking from offset, or
// of trending with a note when it cannot be personal.
func (s *Server) recommendations(ctx context.Context, a store.Account, days, offset, limit int) ([]forYouItem, recommend.Result, string, error) {
	res, err := s.recs.Rank(ctx, a, days, offset, limit)
	switch {
	case errors.Is(err, recommend.ErrDisabled):
		return nil, res, "", forbidden("This account is disabled.")
	case errors.Is(err, recommend.ErrNotReady):
		return nil, res, "", &httpError{status: http.StatusServiceUnavailable, msg: "The search index is still loading; try again in a moment.", err: err}
	case err != nil:
		return nil, res, "", err
	}
	if res.Cold {
		page := forYouPage{}
		if err := s.forYouTrending(ctx, &page); err != nil {
			return nil, res, "", err
		}
		note := "No signals yet: these are the trending papers."
		switch {
		case res.Paused:
			note = "Personalisation is paused: these are the trending papers."
		case res.Preparing:
			note = "Your ranking is being prepared: these are the trending papers meanwhile."
		}
		res.Total = len(page.Items) // trending's, not the window's
		from := min(offset, len(page.Items))
		return page.Items[from:min(from+limit, len(page.Items))], res, note, nil
	}
	var items []forYouItem
	for _, p := range res.Papers {
		items = append(items, forYouItem{FeedItem: p.Item, Reason: p.Reason})
	}
	return items, res, "", nil
}

// feedForYou serves a reader's private For-you feed,
// /feeds/for-you/SECRET.atom (or .rss, .json): the secret names the
// reader, so the feed is private to whoever holds the address.
func (s *Server) feedForYou(w http.ResponseWriter, r *http.Request) error {
	secret, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok || s.recs == nil {
		return notFound(noFeedHere)
	}
	a, err := s.store.ReaderByFeedToken(r.Context(), auth.HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no For-you feed at this address: it may have been reset.")
	}
	if err != nil {
		return err
	}
	items, _, note, err := s.recommendations(r.Context(), a, recommend.DefaultWindow, 0, 50)
	if err != nil {
		return err
	}
	desc := "Papers of the last week ranked for " + a.Username + " on " + s.siteName + "."
	if note != "" {
		desc += " " + note
	}
	feed := &syndication.Feed{Title: "For you · " + s.siteName, Description: desc, Path: "/feeds/for-you/" + secret, Home: "/for-you"}
	for _, it := range items {
		e := s.synEntryOf(&it.Paper, it.SubmittedAt, it.SubmittedAt)
		feed.Entries = append(feed.Entries, e)
	}
	if err := s.finishSyn(r.Context(), feed); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("X-Robots-Tag", "noindex")
	return s.writeSyn(w, feed, f)
}

// newFeedSecret makes a private feed's secret: 32 random bytes.
func newFeedSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
