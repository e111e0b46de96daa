package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
	return queryAll(ctx, s.r, what, rows.ScanFeedItem, query, args...)
}

// Feed lists visible feed entries between two days, most upvoted first.
func (s *Store) Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "feed "+q.From+".."+q.To, `SELECT `+feedCols+feedFrom+`
		WHERE f.day BETWEEN ? AND ? AND f.hidden = 0
		ORDER BY p.upvotes DESC, f.submitted_at DESC, p.id
		LIMIT ? OFFSET ?`, q.From, q.To, sqlLimit(q.Limit), max(q.Offset, 0))
}

// FeedCount counts visible feed entries between two days.
func (s *Store) FeedCount(ctx context.Context, from, to string) (n int, err error) {
	defer wrap(&err, "feed count")
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM feed_entries WHERE day BETWEEN ? AND ? AND hidden = 0`, from, to).Scan(&n)
	return n, err
}

// FeedDays counts visible papers per day.
func (s *Store) FeedDays(ctx context.Context, from, to string) ([]store.DayCount, error) {
	return queryAll(ctx, s.r, "feed days", func(scan func(dest ...any) error) (store.DayCount, error) {
		var d store.DayCount
		err := scan(&d.Day, &d.Papers)
		return d, err
	}, `SELECT day, count(*) FROM feed_entries
		WHERE day BETWEEN ? AND ? AND hidden = 0 GROUP BY day ORDER BY day`, from, to)
}

// LatestFeedDay is the newest day with visible papers.
func (s *Store) LatestFeedDay(ctx context.Context) (_ string, err error) {
	defer wrap(&err, "latest feed day")
	var day sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT max(day) FROM feed_entries WHERE hidden = 0`).Scan(&day); err != nil {
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
	err = s.r.QueryRowContext(ctx, `SELECT
		(SELECT max(day) FROM feed_entries WHERE day < ?1 AND hidden = 0),
		(SELECT min(day) FROM feed_entries WHERE day > ?1 AND hidden = 0)`, day).Scan(&prev, &next)
	return prev.String, next.String, err
}

// SubmittedSince lists visible feed entries submitted at or after t.
func (s *Store) SubmittedSince(ctx context.Context, t time.Time) ([]store.FeedItem, error) {
	return s.feedItems(ctx, "submitted since", `SELECT `+feedCols+feedFrom+`
		WHERE f.submitted_at >= ? AND f.hidden = 0`, t.UnixMilli())
}

// LatestSubmission is the time of the newest visible feed entry.
func (s *Store) LatestSubmission(ctx context.Context) (_ time.Time, err error) {
	defer wrap(&err, "latest submission")
	var ms sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT max(submitted_at) FROM feed_entries WHERE hidden = 0`).Scan(&ms); err != nil {
		return time.Time{}, err
	}
	if !ms.Valid {
		return time.Time{}, store.ErrNotFound
	}
	return time.UnixMilli(ms.Int64).UTC(), nil
}

// Submissions lists the feed entries of one paper, oldest first.
func (s *Store) Submissions(ctx context.Context, id paper.ID) ([]store.FeedItem, error) {
	rs, err := s.submissionsOf.QueryContext(ctx, string(id))
	return collect("submissions of "+string(id), rs, err, rows.ScanFeedItem)
}

// notHidden keeps a listing of papers p to those an admin has not hidden
// from the feed (HidePaper hides every entry of a paper): hidden means
// hidden from every listing, the feed's, search's and the API's alike.
// The feed entries' primary key (paper_seq, day) answers it.
const notHidden = `NOT EXISTS (SELECT 1 FROM feed_entries h WHERE h.paper_seq = p.seq AND h.hidden <> 0)`

// PapersOnFeed reads papers by id with their first feed entry, in one
// query a thousand ids; papers hidden from the feed are left out.
func (s *Store) PapersOnFeed(ctx context.Context, ids []paper.ID) ([]store.FeedItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// The ids go in as one JSON array, so that one prepared statement
	// serves any number of them.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: papers by id: %w", err)
	}
	rs, err := s.papersByIDs.QueryContext(ctx, string(list))
	items, err := collect("papers by id", rs, err, rows.ScanMaybeFeedItem)
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
