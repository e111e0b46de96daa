package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// vectorsLock is the advisory lock key PutVectors holds while it takes
// seqs, so that vectors commit in seq order ("dp-vecs").
const vectorsLock = 0x64702d7665637300

// MissingVectors lists papers without a current vector of model.
func (s *Store) MissingVectors(ctx context.Context, model string, after store.Cursor, limit int) ([]store.EmbedTask, error) {
	return queryAll(ctx, s.pool, "missing vectors", func(scan func(dest ...any) error) (store.EmbedTask, error) {
		var t store.EmbedTask
		var id string
		err := scan(&id, &t.Rev, &t.Title, &t.Abstract, &t.Cursor.Seq)
		t.ID = paper.ID(id)
		t.Cursor.Rev = t.Rev
		return t, err
	}, `SELECT p.id, p.rev, p.title, p.abstract, p.seq FROM papers p
		LEFT JOIN paper_vectors v ON v.model = $1 AND v.paper_seq = p.seq
		WHERE (p.rev, p.seq) > ($2, $3) AND (v.paper_seq IS NULL OR v.rev < p.rev)
		ORDER BY p.rev, p.seq LIMIT $4`, model, after.Rev, after.Seq, max(limit, 0))
}

// PutVectors stores vectors in one transaction, each with the next seq.
// The advisory lock, taken before the seqs, keeps the transaction's seqs
// from committing before an earlier one's, so that a reader following
// ChangedVectors by seq never skips a vector.
func (s *Store) PutVectors(ctx context.Context, model string, vs []store.Vector) (err error) {
	defer wrap(&err, "put vectors")
	if len(vs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(vectorsLock)); err != nil {
			return err
		}
		var b pgx.Batch
		for _, v := range vs {
			b.Queue(`INSERT INTO paper_vectors (model, paper_seq, rev, seq, vec)
				SELECT $1, p.seq, $2, nextval('paper_vectors_seq_gen'), $3 FROM papers p WHERE p.id = $4
				ON CONFLICT (model, paper_seq) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, vec = excluded.vec
				WHERE excluded.rev >= paper_vectors.rev`, model, v.Rev, store.PackVector(v.Vec), string(v.ID))
		}
		br := tx.SendBatch(ctx, &b)
		for _, v := range vs {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return fmt.Errorf("vector of %s: %w", v.ID, err)
			}
		}
		return br.Close()
	})
}

// ChangedVectors reads a model's vectors after seq.
func (s *Store) ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]store.Vector, error) {
	out, err := queryAll(ctx, s.pool, "changed vectors", func(scan func(dest ...any) error) (store.Vector, error) {
		var (
			v      store.Vector
			id     string
			packed []byte
		)
		if err := scan(&id, &v.Rev, &v.Seq, &packed); err != nil {
			return v, err
		}
		v.ID = paper.ID(id)
		var err error
		if v.Vec, err = store.UnpackVector(packed); err != nil {
			return v, fmt.Errorf("vector of %s: %w", id, err)
		}
		return v, nil
	}, `SELECT p.id, v.rev, v.seq, v.vec FROM paper_vectors v
		JOIN papers p ON p.seq = v.paper_seq
		WHERE v.model = $1 AND v.seq > $2 ORDER BY v.seq LIMIT $3`, model, after, max(limit, 0))
	if out == nil && err == nil {
		out = []store.Vector{}
	}
	return out, err
}
