package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// feedCols follows paperCols in feed queries; rows.ScanFeedItem reads both.
const feedCols = paperCols + `, f.day, f.submitted_at, u.id, u.username, u.fullname, u.avatar_url, f.imported_submitter, f.imported_fullname`

const feedFrom = ` FROM feed_entries f
	JOIN papers p ON p.seq = f.paper_seq
	LEFT JOIN users u ON u.id = f.submitter_id`

func (s *Store) feedItems(ctx context.Context, what, query string, args ...any) ([]store.FeedItem, error) {
	return queryAll(ctx, s.pool, what, rows.ScanFeedItem, query, args...)
}

// Feed lists visible feed entries between two days, most upvoted first.
func (s *Store) Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "feed "+q.From+".."+q.To, `SELECT `+feedCols+feedFrom+`
		WHERE f.day BETWEEN $1 AND $2 AND NOT f.hidden
		ORDER BY p.upvotes DESC, f.submitted_at DESC, p.id
		LIMIT $3 OFFSET $4`, q.From, q.To, sqlLimit(q.Limit), max(q.Offset, 0))
}

// FeedCount counts visible feed entries between two days.
func (s *Store) FeedCount(ctx context.Context, from, to string) (n int, err error) {
	defer wrap(&err, "feed count")
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM feed_entries WHERE day BETWEEN $1 AND $2 AND NOT hidden`, from, to).Scan(&n)
	return n, err
}

// FeedDays counts visible papers per day.
func (s *Store) FeedDays(ctx context.Context, from, to string) ([]store.DayCount, error) {
	return queryAll(ctx, s.pool, "feed days", func(scan func(dest ...any) error) (store.DayCount, error) {
		var d store.DayCount
		err := scan(&d.Day, &d.Papers)
		return d, err
	}, `SELECT day, count(*) FROM feed_entries
		WHERE day BETWEEN $1 AND $2 AND NOT hidden GROUP BY day ORDER BY day`, from, to)
}

// LatestFeedDay is the newest day with visible papers.
func (s *Store) LatestFeedDay(ctx context.Context) (_ string, err error) {
	defer wrap(&err, "latest feed day")
	var day sql.NullString
	if err := s.pool.QueryRow(ctx, `SELECT max(day) FROM feed_entries WHERE NOT hidden`).Scan(&day); err != nil {
		return "", err
	}
	if !day.Valid {
		return "", store.ErrNotFound
	}
	return day.String, nil
}

// AdjacentFeedDays finds the nearest days with visible papers around day.
func (s *Store) AdjacentFeedDays(ctx context.Context, day string) (_, _ string, err error) {
	defer wrap(&err, "days around %s", day)
	var prev, next sql.NullString
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT max(day) FROM feed_entries WHERE day < $1 AND NOT hidden),
		(SELECT min(day) FROM feed_entries WHERE day > $1 AND NOT hidden)`, day).Scan(&prev, &next)
	return prev.String, next.String, err
}

// SubmittedSince lists visible feed entries submitted at or after t.
func (s *Store) SubmittedSince(ctx context.Context, t time.Time) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "submitted since", `SELECT `+feedCols+feedFrom+`
		WHERE f.submitted_at >= $1 AND NOT f.hidden`, t.UnixMilli())
}

// LatestSubmission is the time of the newest visible feed entry.
func (s *Store) LatestSubmission(ctx context.Context) (_ time.Time, err error) {
	defer wrap(&err, "latest submission")
	var ms sql.NullInt64
	if err := s.pool.QueryRow(ctx, `SELECT max(submitted_at) FROM feed_entries WHERE NOT hidden`).Scan(&ms); err != nil {
		return time.Time{}, err
	}
	if !ms.Valid {
		return time.Time{}, store.ErrNotFound
	}
	return time.UnixMilli(ms.Int64).UTC(), nil
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
	items, err := queryAll(ctx, s.pool, "papers by id", rows.ScanMaybeFeedItem,
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
