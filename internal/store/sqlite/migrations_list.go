package sqlite

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Migrations lists the applied migrations by version.
func (s *Store) Migrations(ctx context.Context) ([]store.Migration, error) {
	return queryAll(ctx, s.r, "migrations", func(sc scanner) (store.Migration, error) {
		var m store.Migration
		var at int64
		err := sc.Scan(&m.Version, &m.Name, &at)
		m.AppliedAt = time.UnixMilli(at).UTC()
		return m, err
	}, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
}
