package main

import (
	"context"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// openStore opens the configured database: PostgreSQL when --db names one,
// else the SQLite file in --data. Both migrate at open.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Postgres() {
		return postgres.Open(ctx, cfg.DB)
	}
	return sqlite.Open(ctx, cfg.DBPath())
}
