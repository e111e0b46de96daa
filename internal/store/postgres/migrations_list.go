package postgres

import (
	"context"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// Migrations lists the applied migrations by version.
func (s *Store) Migrations(ctx context.Context) ([]store.Migration, error) {
	return queryAll(ctx, s.pool, "migrations", func(scan func(dest ...any) error) (store.Migration, error) {
		var m store.Migration
		err := scan(&m.Version, &m.Name, rows.Millis(&m.AppliedAt))
		return m, err
	}, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
}
