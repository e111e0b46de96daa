package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// paperCols is the column list every paper query selects, in rows.ScanPaper's order.
const paperCols = `p.id, p.title, p.abstract, p.authors, p.categories, p.versions, p.published_at, p.updated_at,
	p.listed, p.doi, p.journal_ref, p.comments, p.withdrawn, p.github_repo, p.github_stars, p.project_page,
	p.upvotes, p.num_comments, p.as_of, p.ai_summary, p.ai_keywords, p.ai_model`

// paperSeq finds a paper's seq; a missing paper is sql.ErrNoRows, which
// the caller's deferred wrap, naming the paper, reads as store.ErrNotFound.
func paperSeq(ctx context.Context, tx *sql.Tx, id paper.ID) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM papers WHERE id = ?`, string(id)).Scan(&seq)
	return seq, err
}

// storedTimes rounds a record's times down to the milliseconds the store
// keeps, so that merging it into what was stored from it finds no change.
func storedTimes(p paper.Paper) paper.Paper {
	p.Published = p.Published.Truncate(time.Millisecond)
	p.Updated = p.Updated.Truncate(time.Millisecond)
	p.AsOf = p.AsOf.Truncate(time.Millisecond)
	return p
}

// Paper returns one paper by canonical id.
func (s *Store) Paper(ctx context.Context, id paper.ID) (_ paper.Paper, err error) {
	defer wrap(&err, "paper %q", id)
	row := s.paperByID.QueryRowContext(ctx, string(id))
	p, err := rows.ScanPaper(row.Scan)
	if err != nil {
		return paper.Paper{}, err // not the partial row
	}
	return p, nil
}

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (st store.Stats, err error) {
	defer wrap(&err, "stats")
	var first, last sql.NullString
	err = s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM papers), (SELECT count(*) FROM feed_entries),
		(SELECT count(*) FROM users) + (SELECT count(DISTINCT imported_submitter COLLATE NOCASE) FROM feed_entries WHERE imported_submitter <> ''),
		(SELECT min(day) FROM feed_entries), (SELECT max(day) FROM feed_entries)`).
		Scan(&st.Papers, &st.FeedEntries, &st.Users, &first, &last)
	if err != nil {
		return st, err
	}
	st.FirstDay, st.LastDay = first.String, last.String
	return st, nil
}

// LatestPapers pages through all papers, newest first.
func (s *Store) LatestPapers(ctx context.Context, after store.PaperCursor, limit int) ([]paper.Paper, store.PaperCursor, error) {
	if limit <= 0 {
		return nil, store.PaperCursor{}, nil
	}
	type row struct {
		p         paper.Paper
		published int64
		seq       int64
	}
	scan := func(scan func(dest ...any) error) (row, error) {
		var r row
		var err error
		r.p, err = rows.ScanPaper(scan, &r.published, &r.seq)
		return r, err
	}
	where := `WHERE ` + notHidden // papers hidden from the feed are not listed
	args := []any{}
	if after != (store.PaperCursor{}) {
		// Not the row value (coalesce(published_at, 0), seq) < (?, ?),
		// which SQLite reads through the index's first column only: every
		// page read the catalogue from its newest paper down to the cursor.
		where += ` AND coalesce(p.published_at, 0) <= ?1 AND (coalesce(p.published_at, 0) < ?1 OR p.seq < ?2)`
		args = append(args, after.Published, after.Seq)
	}
	// One more than asked says whether there is a next page.
	rows, err := queryAll(ctx, s.r, "latest papers", scan, `SELECT `+paperCols+`, coalesce(p.published_at, 0), p.seq FROM papers p `+where+`
		ORDER BY coalesce(p.published_at, 0) DESC, p.seq DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, store.PaperCursor{}, err
	}
	var next store.PaperCursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = store.PaperCursor{Published: last.published, Seq: last.seq}
	}
	out := make([]paper.Paper, len(rows))
	for i := range rows {
		out[i] = rows[i].p
	}
	return out, next, nil
}
