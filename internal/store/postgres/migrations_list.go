package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Migrations lists the applied migrations by version.
func (s *Store) Migrations(ctx context.Context) ([]store.Migration, error) {
	return queryAll(ctx, s.pool, "migrations", func(r pgx.Rows) (store.Migration, error) {
		var m store.Migration
		var at int64
		err := r.Scan(&m.Version, &m.Name, &at)
		m.AppliedAt = fromMs(&at)
		return m, err
	}, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
}
