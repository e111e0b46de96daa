package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// MissingVectors lists papers without a current vector of model.
func (s *Store) MissingVectors(ctx context.Context, model string, after store.Cursor, limit int) ([]store.EmbedTask, error) {
	return afterCursor(after, limit, func(where string, args []any, n int) ([]store.EmbedTask, error) {
		return queryAll(ctx, s.r, "missing vectors", func(scan func(dest ...any) error) (store.EmbedTask, error) {
			var t store.EmbedTask
			err := scan(&t.ID, &t.Rev, &t.Title, &t.Abstract, &t.Cursor.Seq)
			t.Cursor.Rev = t.Rev
			return t, err
		}, `SELECT p.id, p.rev, p.title, p.abstract, p.seq FROM papers p
			LEFT JOIN paper_vectors v ON v.model = ? AND v.paper_seq = p.seq
			WHERE `+where+` AND (v.paper_seq IS NULL OR v.rev < p.rev)
			ORDER BY p.rev, p.seq LIMIT ?`, append(append([]any{model}, args...), n)...)
	})
}

// PutVectors stores vectors in one transaction, each with the next seq.
func (s *Store) PutVectors(ctx context.Context, model string, vs []store.Vector) (err error) {
	defer wrap(&err, "put vectors")
	if len(vs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM paper_vectors WHERE model = ?`, model).Scan(&seq); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO paper_vectors (model, paper_seq, rev, seq, vec)
			SELECT ?, p.seq, ?, ?, ? FROM papers p WHERE p.id = ?
			ON CONFLICT (model, paper_seq) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, vec = excluded.vec
			WHERE excluded.rev >= paper_vectors.rev`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, v := range vs {
			seq++
			if _, err := stmt.ExecContext(ctx, model, v.Rev, seq, store.PackVector(v.Vec), string(v.ID)); err != nil {
				return fmt.Errorf("vector of %s: %w", v.ID, err)
			}
		}
		return nil
	})
}

// ChangedVectors reads a model's vectors after seq.
func (s *Store) ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]store.Vector, error) {
	out, err := queryAll(ctx, s.r, "changed vectors", func(scan func(dest ...any) error) (store.Vector, error) {
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
		WHERE v.model = ? AND v.seq > ? ORDER BY v.seq LIMIT ?`, model, after, limit)
	if out == nil && err == nil {
		out = []store.Vector{}
	}
	return out, err
}
