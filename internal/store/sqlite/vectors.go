package sqlite

import (
	"context"
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
func (s *Store) PutVectors(ctx context.Context, model string, vs []store.Vector) error {
	if len(vs) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: put vectors: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM paper_vectors WHERE model = ?`, model).Scan(&seq); err != nil {
		return fmt.Errorf("store: put vectors: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO paper_vectors (model, paper_seq, rev, seq, vec)
		SELECT ?, p.seq, ?, ?, ? FROM papers p WHERE p.id = ?
		ON CONFLICT (model, paper_seq) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, vec = excluded.vec
		WHERE excluded.rev >= paper_vectors.rev`)
	if err != nil {
		return fmt.Errorf("store: put vectors: %w", err)
	}
	defer stmt.Close()
	for _, v := range vs {
		seq++
		if _, err := stmt.ExecContext(ctx, model, v.Rev, seq, store.PackVector(v.Vec), string(v.ID)); err != nil {
			return fmt.Errorf("store: put vector of %s: %w", v.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: put vectors: %w", err)
	}
	return nil
}

// ChangedVectors reads a model's vectors after seq.
func (s *Store) ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]store.Vector, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, v.rev, v.seq, v.vec FROM paper_vectors v
		JOIN papers p ON p.seq = v.paper_seq
		WHERE v.model = ? AND v.seq > ? ORDER BY v.seq LIMIT ?`, model, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changed vectors: %w", err)
	}
	defer rows.Close()
	out := make([]store.Vector, 0, min(limit, 4096))
	for rows.Next() {
		var (
			v      store.Vector
			id     string
			packed []byte
		)
		if err := rows.Scan(&id, &v.Rev, &v.Seq, &packed); err != nil {
			return nil, fmt.Errorf("store: changed vectors: %w", err)
		}
		v.ID = paper.ID(id)
		if v.Vec, err = store.UnpackVector(packed); err != nil {
			return nil, fmt.Errorf("store: vector of %s: %w", id, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changed vectors: %w", err)
	}
	return out, nil
}
