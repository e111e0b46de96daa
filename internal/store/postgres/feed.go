package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// feedCols follows paperCols in feed queries; scanFeedItem reads both.
const feedCols = paperCols + `, f.day, f.submitted_at, u.id, u.username, u.fullname, u.avatar_url, f.imported_submitter, f.imported_fullname`

const feedFrom = ` FROM feed_entries f
	JOIN papers p ON p.seq = f.paper_seq
	LEFT JOIN users u ON u.id = f.submitter_id`

// scanFeedItem reads feedCols.
func scanFeedItem(sc scanner) (store.FeedItem, error) {
	var (
		it                    store.FeedItem
		submitted             int64
		uid                   *int64
		uname, ufull, uavatar *string
		iname, ifull          string
	)
	p, err := scanPaper(sc, &it.Day, &submitted, &uid, &uname, &ufull, &uavatar, &iname, &ifull)
	if err != nil {
		return it, err
	}
	it.Paper = p
	it.SubmittedAt = time.UnixMilli(submitted).UTC()
	it.Submitter = submitter(uid, uname, ufull, uavatar, iname, ifull)
	return it, nil
}

// submitter is a feed entry's submitter: its account, or the one an
// imported feed named, or nil.
func submitter(uid *int64, uname, ufull, uavatar *string, iname, ifull string) *store.User {
	switch {
	case uid != nil:
		return &store.User{ID: *uid, Username: deref(uname), Fullname: deref(ufull), AvatarURL: deref(uavatar)}
	case iname != "" || ifull != "":
		return &store.User{Username: iname, Fullname: ifull, Imported: true}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Store) feedItems(ctx context.Context, what, query string, args ...any) ([]store.FeedItem, error) {
	return queryAll(ctx, s.pool, what, func(r pgx.Rows) (store.FeedItem, error) { return scanFeedItem(r) }, query, args...)
}

// Feed lists visible feed entries between two days, most upvoted first.
func (s *Store) Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "feed "+q.From+".."+q.To, `SELECT `+feedCols+feedFrom+`
		WHERE f.day BETWEEN $1 AND $2 AND NOT f.hidden
		ORDER BY p.upvotes DESC, f.submitted_at DESC, p.id
		LIMIT $3 OFFSET $4`, q.From, q.To, sqlLimit(q.Limit), max(q.Offset, 0))
}

// FeedCount counts visible feed entries between two days.
func (s *Store) FeedCount(ctx context.Context, from, to string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM feed_entries WHERE day BETWEEN $1 AND $2 AND NOT hidden`, from, to).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: feed count: %w", err)
	}
	return n, nil
}

// FeedDays counts visible papers per day.
func (s *Store) FeedDays(ctx context.Context, from, to string) ([]store.DayCount, error) {
	return queryAll(ctx, s.pool, "feed days", func(r pgx.Rows) (store.DayCount, error) {
		var d store.DayCount
		err := r.Scan(&d.Day, &d.Papers)
		return d, err
	}, `SELECT day, count(*) FROM feed_entries
		WHERE day BETWEEN $1 AND $2 AND NOT hidden GROUP BY day ORDER BY day`, from, to)
}

// LatestFeedDay is the newest day with visible papers.
func (s *Store) LatestFeedDay(ctx context.Context) (string, error) {
	var day *string
	if err := s.pool.QueryRow(ctx, `SELECT max(day) FROM feed_entries WHERE NOT hidden`).Scan(&day); err != nil {
		return "", fmt.Errorf("store: latest feed day: %w", err)
	}
	if day == nil {
		return "", fmt.Errorf("store: latest feed day: %w", store.ErrNotFound)
	}
	return *day, nil
}

// AdjacentFeedDays finds the nearest days with visible papers around day.
func (s *Store) AdjacentFeedDays(ctx context.Context, day string) (string, string, error) {
	var prev, next *string
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT max(day) FROM feed_entries WHERE day < $1 AND NOT hidden),
		(SELECT min(day) FROM feed_entries WHERE day > $1 AND NOT hidden)`, day).Scan(&prev, &next)
	if err != nil {
		return "", "", fmt.Errorf("store: days around %s: %w", day, err)
	}
	return deref(prev), deref(next), nil
}

// SubmittedSince lists visible feed entries submitted at or after t.
func (s *Store) SubmittedSince(ctx context.Context, t time.Time) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "submitted since", `SELECT `+feedCols+feedFrom+`
		WHERE f.submitted_at >= $1 AND NOT f.hidden`, t.UnixMilli())
}

// LatestSubmission is the time of the newest visible feed entry.
func (s *Store) LatestSubmission(ctx context.Context) (time.Time, error) {
	var v *int64
	if err := s.pool.QueryRow(ctx, `SELECT max(submitted_at) FROM feed_entries WHERE NOT hidden`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("store: latest submission: %w", err)
	}
	if v == nil {
		return time.Time{}, fmt.Errorf("store: latest submission: %w", store.ErrNotFound)
	}
	return fromMs(v), nil
}

// Submissions lists the feed entries of one paper, oldest first.
func (s *Store) Submissions(ctx context.Context, id paper.ID) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "submissions of "+string(id), `SELECT `+feedCols+feedFrom+`
		WHERE p.id = $1 ORDER BY f.day`, string(id))
}

// notHidden keeps a listing of papers p to those an admin has not hidden
// from the feed (HidePaper hides every entry of a paper): hidden means
// hidden from every listing, the feed's, search's and the API's alike.
const notHidden = `NOT EXISTS (SELECT 1 FROM feed_entries h WHERE h.paper_seq = p.seq AND h.hidden)`

// PapersOnFeed reads papers by id with their first feed entry, in one
// query; papers hidden from the feed are left out.
func (s *Store) PapersOnFeed(ctx context.Context, ids []paper.ID) ([]store.FeedItem, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	items, err := queryAll(ctx, s.pool, "papers by id", func(r pgx.Rows) (store.FeedItem, error) { return scanMaybeFeedItem(r) },
		`SELECT `+feedCols+` FROM papers p
		LEFT JOIN LATERAL (SELECT * FROM feed_entries e WHERE e.paper_seq = p.seq ORDER BY e.day LIMIT 1) f ON TRUE
		LEFT JOIN users u ON u.id = f.submitter_id
		WHERE p.id = ANY($1) AND `+notHidden, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[paper.ID]store.FeedItem, len(items))
	for _, it := range items {
		found[it.Paper.ID] = it
	}
	out := make([]store.FeedItem, 0, len(found))
	for _, id := range ids {
		if it, ok := found[id]; ok {
			out = append(out, it)
			delete(found, id) // an id asked twice is answered once
		}
	}
	return out, nil
}

// scanMaybeFeedItem is scanFeedItem for a paper that may have no entry.
func scanMaybeFeedItem(sc scanner) (store.FeedItem, error) {
	var (
		it                    store.FeedItem
		day                   *string
		submitted, uid        *int64
		uname, ufull, uavatar *string
		iname, ifull          *string
	)
	p, err := scanPaper(sc, &day, &submitted, &uid, &uname, &ufull, &uavatar, &iname, &ifull)
	if err != nil {
		return it, err
	}
	it.Paper, it.Day = p, deref(day)
	if submitted != nil {
		it.SubmittedAt = time.UnixMilli(*submitted).UTC()
	}
	it.Submitter = submitter(uid, uname, ufull, uavatar, deref(iname), deref(ifull))
	return it, nil
}
