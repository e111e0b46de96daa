package postgres

import (
	"context"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// ChangedPapers reads the change feed: papers by (rev, seq) after a cursor.
// Writers take versions in commit order (see the package comment), so a
// reader that follows the cursor never skips a change that commits late.
func (s *Store) ChangedPapers(ctx context.Context, after store.Cursor, limit int) ([]store.ChangedPaper, error) {
	out, err := queryAll(ctx, s.pool, "changed papers", func(scan func(dest ...any) error) (store.ChangedPaper, error) {
		var c store.ChangedPaper
		var err error
		c.Paper, err = rows.ScanPaper(scan, &c.Cursor.Rev, &c.Cursor.Seq)
		return c, err
	}, `SELECT `+paperCols+`, p.rev, p.seq FROM papers p
		WHERE (p.rev, p.seq) > ($1, $2) ORDER BY p.rev, p.seq LIMIT $3`, after.Rev, after.Seq, max(limit, 0))
	if out == nil && err == nil {
		out = []store.ChangedPaper{}
	}
	return out, err
}
