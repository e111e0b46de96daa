package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/config"
)

var migrateCmd = command{
	name:    "migrate",
	summary: "bring the database's schema up to date and list its migrations",
	help: `Migrate applies the migrations the database lacks, then lists every applied
migration and says the schema is up to date. Serve and the other commands
migrate too when they open the database, so running migrate is optional: use
it to update the schema before starting a new version's processes, or to see
where a database stands. Processes that start at once are safe: on PostgreSQL
the migrations run under an advisory lock, on SQLite in write transactions
that look again at what is applied, so each migration runs once.`,
	flags: func(c *config.Config, fs *flag.FlagSet) { c.DataFlags(fs) },
	run:   runMigrate,
}

type migration struct {
	version int64
	name    string
	applied int64 // unix ms
}

func runMigrate(ctx context.Context, cfg *config.Config, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("migrate takes flags only, got %q", args)}
	}
	start := time.Now().UnixMilli()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	st.Close()
	ms, err := readMigrations(ctx, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "database  %s\n", cfg.DatabaseName())
	var now int
	for _, m := range ms {
		note := ""
		if m.applied >= start {
			note = "  (applied now)"
			now++
		}
		fmt.Fprintf(stdout, "%04d  %-28s %s%s\n", m.version, m.name,
			time.UnixMilli(m.applied).UTC().Format("2006-01-02 15:04:05 UTC"), note)
	}
	plural := "s"
	if len(ms) == 1 {
		plural = ""
	}
	fmt.Fprintf(stdout, "up to date: %d migration%s, %d applied now\n", len(ms), plural, now)
	return nil
}

// readMigrations lists schema_migrations by version.
func readMigrations(ctx context.Context, cfg *config.Config) ([]migration, error) {
	const q = `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`
	var out []migration
	if cfg.Postgres() {
		conn, err := pgx.Connect(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var m migration
			if err := rows.Scan(&m.version, &m.name, &m.applied); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, rows.Err()
	}
	// Not read-only: as the last connection it tidies the -wal and -shm files away.
	db, err := openSQLite(ctx, cfg.DBPath(), false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.DBPath(), err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m migration
		if err := rows.Scan(&m.version, &m.name, &m.applied); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
