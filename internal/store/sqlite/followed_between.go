package sqlite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// FollowedPapersBetween lists the papers of what an account follows first
// published in [from, to), newest first. Each stream is bounded below by
// from and read from to down (a cursor before any paper of to), so a
// digest's period costs the period's rows of each stream, however many
// papers came after it.
func (s *Store) FollowedPapersBetween(ctx context.Context, userID int64, from, to time.Time, limit int) ([]store.FeedItem, error) {
	if limit <= 0 || !from.Before(to) {
		return nil, nil
	}
	streams, err := s.followStreams(ctx, userID)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("followed papers of user %d", userID)
	for i, st := range streams {
		streams[i] = stream{`SELECT published, paper_seq FROM (` + st.query + `) b WHERE published >= ?`,
			append(slices.Clone(st.args), from.UnixMilli())}
	}
	// published < to: the cursor's seq is below every paper's.
	merged, err := s.newestOf(ctx, what, streams, store.PaperCursor{Published: to.UnixMilli()}, limit)
	if err != nil {
		return nil, err
	}
	return s.feedItemsBySeq(ctx, what, merged[:min(limit, len(merged))])
}
