package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// migrationFills are Go steps that run after a migration's SQL, in its
// transaction, for what SQL cannot compute.
var migrationFills = map[int]func(ctx context.Context, tx pgx.Tx) error{
	10: fillPaperTerms,
}

// termPaper is a paper to index and its seq.
type termPaper struct {
	seq int64
	p   *paper.Paper
}

// writeTerms indexes papers by author and category (0010) in a few
// set-based statements, replacing their rows when they had some.
func writeTerms(ctx context.Context, tx pgx.Tx, papers []termPaper, replace bool) error {
	if len(papers) == 0 {
		return nil
	}
	var (
		seqs                   []int64
		aKey, aName            []string
		aPub, aSeq, cPub, cSeq []int64
		aPos                   []int32
		cCat                   []string
	)
	for _, tp := range papers {
		seqs = append(seqs, tp.seq)
		authors, cats := rows.PaperTerms(tp.p)
		pub := rows.Published(tp.p)
		for _, a := range authors {
			aKey, aName, aPub, aSeq, aPos = append(aKey, a.Key), append(aName, a.Name), append(aPub, pub), append(aSeq, tp.seq), append(aPos, int32(a.Position))
		}
		for _, c := range cats {
			cCat, cPub, cSeq = append(cCat, c), append(cPub, pub), append(cSeq, tp.seq)
		}
	}
	if replace {
		if _, err := tx.Exec(ctx, `DELETE FROM paper_authors WHERE paper_seq = ANY($1)`, seqs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM paper_categories WHERE paper_seq = ANY($1)`, seqs); err != nil {
			return err
		}
	}
	if len(aKey) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO paper_authors (author_key, published, paper_seq, position, name)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::int[], $5::text[])
			ON CONFLICT DO NOTHING`, aKey, aPub, aSeq, aPos, aName); err != nil {
			return err
		}
	}
	if len(cCat) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO paper_categories (category, published, paper_seq)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			ON CONFLICT DO NOTHING`, cCat, cPub, cSeq); err != nil {
			return err
		}
	}
	return nil
}

// fillPaperTerms indexes every stored paper (migration 0010), a batch at a time.
func fillPaperTerms(ctx context.Context, tx pgx.Tx) error {
	var after int64
	for {
		batch, err := queryAll(ctx, tx, "index papers", func(scan func(dest ...any) error) (termPaper, error) {
			tp := termPaper{p: &paper.Paper{}}
			var authors, cats string
			var pub sql.NullInt64
			if err := scan(&tp.seq, &authors, &cats, &pub); err != nil {
				return tp, err
			}
			return tp, rows.PaperTermsOf(tp.p, authors, cats, pub)
		}, `SELECT seq, authors::text, categories, published_at FROM papers WHERE seq > $1 ORDER BY seq LIMIT 5000`, after)
		if err != nil || len(batch) == 0 {
			return err
		}
		if err := writeTerms(ctx, tx, batch, false); err != nil {
			return err
		}
		after = batch[len(batch)-1].seq
	}
}
