package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

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
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc { c.DataFlags(fs); return runMigrate },
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
	defer st.Close()
	ms, err := st.Migrations(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "database  %s\n", cfg.DatabaseName())
	var now int
	for _, m := range ms {
		note := ""
		if m.AppliedAt.UnixMilli() >= start {
			note = "  (applied now)"
			now++
		}
		fmt.Fprintf(stdout, "%04d  %-28s %s%s\n", m.Version, m.Name, m.AppliedAt.Format("2006-01-02 15:04:05 UTC"), note)
	}
	plural := "s"
	if len(ms) == 1 {
		plural = ""
	}
	fmt.Fprintf(stdout, "up to date: %d migration%s, %d applied now\n", len(ms), plural, now)
	return nil
}
