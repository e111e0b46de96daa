package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// migrationFills are Go steps that run after a migration's SQL, in its
// transaction, for what SQL cannot compute.
var migrationFills = map[int]func(ctx context.Context, tx *sql.Tx) error{
	17: fillPaperTerms,
}

// termStmts write the author and category indexes of papers (0017) in a
// write transaction. Rows are gathered and written termChunk at a time in
// one INSERT: a statement a row made an import of the arXiv files half as
// fast again.
type termStmts struct {
	tx                  *sql.Tx
	delAuthors, delCats *sql.Stmt
	addAuthors, addCats *sql.Stmt // termChunk rows each
	authors, cats       []any     // rows gathered, flattened
}

// termChunk is how many rows one INSERT writes: 5 columns of 200 rows keep
// far within SQLite's 32,766 parameters.
const termChunk = 200

const (
	authorTermSQL = `INSERT OR IGNORE INTO paper_authors (author_key, published, paper_seq, position, name) VALUES `
	catTermSQL    = `INSERT OR IGNORE INTO paper_categories (category, published, paper_seq) VALUES `
)

// valuesSQL is rows tuples of n parameters: (?,?),(?,?).
func valuesSQL(rows, n int) string {
	tuple := "(" + strings.Repeat("?,", n-1) + "?)"
	return strings.Repeat(tuple+",", rows-1) + tuple
}

func prepareTerms(ctx context.Context, tx *sql.Tx) (_ *termStmts, err error) {
	t := &termStmts{tx: tx}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&t.delAuthors, `DELETE FROM paper_authors WHERE paper_seq = ?`},
		{&t.delCats, `DELETE FROM paper_categories WHERE paper_seq = ?`},
		{&t.addAuthors, authorTermSQL + valuesSQL(termChunk, 5)},
		{&t.addCats, catTermSQL + valuesSQL(termChunk, 3)},
	} {
		if *p.st, err = tx.PrepareContext(ctx, p.q); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

func (t *termStmts) Close() {
	for _, st := range []*sql.Stmt{t.delAuthors, t.delCats, t.addAuthors, t.addCats} {
		if st != nil {
			st.Close()
		}
	}
}

// write indexes paper p of seq, replacing its rows when it had some. The
// new rows are written by the next flush, which must come before the
// transaction ends.
func (t *termStmts) write(ctx context.Context, seq int64, p *paper.Paper, replace bool) error {
	if replace {
		// Rows of this paper still gathered would be written after the delete.
		if err := t.flush(ctx); err != nil {
			return err
		}
		if _, err := t.delAuthors.ExecContext(ctx, seq); err != nil {
			return err
		}
		if _, err := t.delCats.ExecContext(ctx, seq); err != nil {
			return err
		}
	}
	authors, cats := rows.PaperTerms(p)
	pub := rows.Published(p)
	for _, a := range authors {
		t.authors = append(t.authors, a.Key, pub, seq, a.Position, a.Name)
	}
	for _, c := range cats {
		t.cats = append(t.cats, c, pub, seq)
	}
	if len(t.authors) >= 5*termChunk || len(t.cats) >= 3*termChunk {
		return t.flushFull(ctx)
	}
	return nil
}

// flushFull writes the whole chunks gathered.
func (t *termStmts) flushFull(ctx context.Context) error {
	for len(t.authors) >= 5*termChunk {
		if _, err := t.addAuthors.ExecContext(ctx, t.authors[:5*termChunk]...); err != nil {
			return err
		}
		t.authors = append(t.authors[:0], t.authors[5*termChunk:]...)
	}
	for len(t.cats) >= 3*termChunk {
		if _, err := t.addCats.ExecContext(ctx, t.cats[:3*termChunk]...); err != nil {
			return err
		}
		t.cats = append(t.cats[:0], t.cats[3*termChunk:]...)
	}
	return nil
}

// flush writes every row gathered.
func (t *termStmts) flush(ctx context.Context) error {
	if err := t.flushFull(ctx); err != nil {
		return err
	}
	if n := len(t.authors) / 5; n > 0 {
		if _, err := t.tx.ExecContext(ctx, authorTermSQL+valuesSQL(n, 5), t.authors...); err != nil {
			return err
		}
		t.authors = t.authors[:0]
	}
	if n := len(t.cats) / 3; n > 0 {
		if _, err := t.tx.ExecContext(ctx, catTermSQL+valuesSQL(n, 3), t.cats...); err != nil {
			return err
		}
		t.cats = t.cats[:0]
	}
	return nil
}

// fillPaperTerms indexes every stored paper (migration 0017).
func fillPaperTerms(ctx context.Context, tx *sql.Tx) error {
	t, err := prepareTerms(ctx, tx)
	if err != nil {
		return err
	}
	defer t.Close()
	// Through the rows in seq order, a batch at a time: one query over
	// every paper would hold its cursor open while the same
	// connection writes.
	var after int64
	for {
		rs, err := tx.QueryContext(ctx, `SELECT seq, authors, categories, published_at FROM papers WHERE seq > ? ORDER BY seq LIMIT 5000`, after)
		if err != nil {
			return err
		}
		type row struct {
			seq int64
			p   paper.Paper
		}
		batch, err := rows.All(rs, func(scan func(dest ...any) error) (row, error) {
			var r row
			var authors, cats string
			var pub sql.NullInt64
			if err := scan(&r.seq, &authors, &cats, &pub); err != nil {
				return r, err
			}
			err := rows.PaperTermsOf(&r.p, authors, cats, pub)
			return r, err
		})
		rs.Close()
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for i := range batch {
			if err := t.write(ctx, batch[i].seq, &batch[i].p, false); err != nil {
				return err
			}
		}
		if err := t.flush(ctx); err != nil {
			return err
		}
		after = batch[len(batch)-1].seq
	}
}
