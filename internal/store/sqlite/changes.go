package sqlite

import (
	"context"
	"fmt"

	"github.com/dailypapers/dailypapers/internal/store"
)

// ChangedPapers reads the change feed: papers by (rev, seq) after a cursor.
func (s *Store) ChangedPapers(ctx context.Context, after store.Cursor, limit int) ([]store.ChangedPaper, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+paperCols+`, p.rev, p.seq FROM papers p
		WHERE (p.rev, p.seq) > (?, ?) ORDER BY p.rev, p.seq LIMIT ?`, after.Rev, after.Seq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changed papers: %w", err)
	}
	defer rows.Close()
	out := make([]store.ChangedPaper, 0, min(limit, 4096))
	for rows.Next() {
		var c store.ChangedPaper
		if c.Paper, err = scanPaper(rows, &c.Cursor.Rev, &c.Cursor.Seq); err != nil {
			return nil, fmt.Errorf("store: changed papers: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changed papers: %w", err)
	}
	return out, nil
}
