package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// paperCols is the column list every paper query selects, in rows.ScanPaper's order.
const paperCols = `p.id, p.title, p.abstract, p.authors, p.categories, p.versions, p.published_at, p.updated_at,
	p.listed, p.doi, p.journal_ref, p.comments, p.withdrawn, p.github_repo, p.github_stars, p.project_page,
	p.upvotes, p.num_comments, p.as_of, p.ai_summary, p.ai_keywords, p.ai_model`

// The statements that write a paper, as an import or a submission writes
// it: rows.PaperArgs, then created_at (insert only), modified_at, rev (and the
// seq to update).
const (
	insertPaperSQL = `INSERT INTO papers (id, title, abstract, authors, categories, versions, published_at, updated_at,
		listed, doi, journal_ref, comments, withdrawn, github_repo, github_stars, project_page, upvotes, num_comments, as_of,
		ai_summary, ai_keywords, ai_model,
		created_at, modified_at, rev)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25) RETURNING seq`
	updatePaperSQL = `UPDATE papers SET id = $1, title = $2, abstract = $3, authors = $4, categories = $5, versions = $6,
		published_at = $7, updated_at = $8, listed = $9, doi = $10, journal_ref = $11, comments = $12, withdrawn = $13,
		github_repo = $14, github_stars = $15, project_page = $16, upvotes = $17, num_comments = $18, as_of = $19,
		ai_summary = $20, ai_keywords = $21, ai_model = $22, modified_at = $23, rev = $24
		WHERE seq = $25`
)

// paperSeq finds a paper's seq; a missing paper is pgx.ErrNoRows, which
// the caller's deferred wrap, naming the paper, reads as store.ErrNotFound.
func paperSeq(ctx context.Context, tx pgx.Tx, id paper.ID) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `SELECT seq FROM papers WHERE id = $1`, string(id)).Scan(&seq)
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
	p, err := rows.ScanPaper(s.pool.QueryRow(ctx, `SELECT `+paperCols+` FROM papers p WHERE p.id = $1`, string(id)).Scan)
	if err != nil {
		return paper.Paper{}, err // not the partial row
	}
	return p, nil
}

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (st store.Stats, err error) {
	defer wrap(&err, "stats")
	var first, last sql.NullString
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM papers), (SELECT count(*) FROM feed_entries),
		(SELECT count(*) FROM users) + (SELECT count(DISTINCT lower(imported_submitter)) FROM feed_entries WHERE imported_submitter <> ''),
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
	// One more than asked says whether there is a next page. Papers an
	// admin hid from the feed are not listed (notHidden).
	query := `SELECT ` + paperCols + `, coalesce(p.published_at, 0), p.seq FROM papers p
		WHERE ` + notHidden + `
		ORDER BY coalesce(p.published_at, 0) DESC, p.seq DESC LIMIT $1`
	args := []any{limit + 1}
	if after != (store.PaperCursor{}) {
		query = `SELECT ` + paperCols + `, coalesce(p.published_at, 0), p.seq FROM papers p
		WHERE (coalesce(p.published_at, 0), p.seq) < ($2, $3) AND ` + notHidden + `
		ORDER BY coalesce(p.published_at, 0) DESC, p.seq DESC LIMIT $1`
		args = append(args, after.Published, after.Seq)
	}
	rows, err := queryAll(ctx, s.pool, "latest papers", scan, query, args...)
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
