package sqlite

import (
	"context"
	"database/sql"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// migrationFills are Go steps that run after a migration's SQL, in its
// transaction, for what SQL cannot compute.
var migrationFills = map[int]func(ctx context.Context, tx *sql.Tx) error{
	17: fillPaperTerms,
}

// termStmts write the author and category indexes of papers (0017) in a
// write transaction.
type termStmts struct {
	delAuthors, delCats, addAuthor, addCat *sql.Stmt
}

func prepareTerms(ctx context.Context, tx *sql.Tx) (_ *termStmts, err error) {
	t := &termStmts{}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&t.delAuthors, `DELETE FROM paper_authors WHERE paper_seq = ?`},
		{&t.delCats, `DELETE FROM paper_categories WHERE paper_seq = ?`},
		{&t.addAuthor, `INSERT OR IGNORE INTO paper_authors (author_key, published, paper_seq, position, name) VALUES (?, ?, ?, ?, ?)`},
		{&t.addCat, `INSERT OR IGNORE INTO paper_categories (category, published, paper_seq) VALUES (?, ?, ?)`},
	} {
		if *p.st, err = tx.PrepareContext(ctx, p.q); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

func (t *termStmts) Close() {
	for _, st := range []*sql.Stmt{t.delAuthors, t.delCats, t.addAuthor, t.addCat} {
		if st != nil {
			st.Close()
		}
	}
}

// write indexes paper p of seq, replacing its rows when it had some.
func (t *termStmts) write(ctx context.Context, seq int64, p *paper.Paper, replace bool) error {
	if replace {
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
		if _, err := t.addAuthor.ExecContext(ctx, a.Key, pub, seq, a.Position, a.Name); err != nil {
			return err
		}
	}
	for _, c := range cats {
		if _, err := t.addCat.ExecContext(ctx, c, pub, seq); err != nil {
			return err
		}
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
		after = batch[len(batch)-1].seq
	}
}
