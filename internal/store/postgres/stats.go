package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	var first, last sql.NullString
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM papers), (SELECT count(*) FROM feed_entries),
		(SELECT count(*) FROM users) + (SELECT count(DISTINCT lower(imported_submitter)) FROM feed_entries WHERE imported_submitter <> ''),
		(SELECT min(day) FROM feed_entries), (SELECT max(day) FROM feed_entries)`).
		Scan(&st.Papers, &st.FeedEntries, &st.Users, &first, &last)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	st.FirstDay, st.LastDay = first.String, last.String
	return st, nil
}
