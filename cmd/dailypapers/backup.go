package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// postgresBackups is what backup and restore say of a PostgreSQL site,
// whose own tools do the job better than any copy this program could make.
const postgresBackups = `the database is PostgreSQL: back it up with its own tools, which take a
consistent copy while the site runs and writes:
    pg_dump --format=custom --file=dailypapers.dump 'postgres://...'
and restore into an empty database with
    pg_restore --no-owner --dbname='postgres://.../new' dailypapers.dump
(dailypapers copy moves a site's SQLite file into PostgreSQL)`

var backupCmd = command{
	name:    "backup",
	args:    "--to FILE",
	summary: "copy the SQLite database, consistently, while the site runs",
	help: `Backup writes a consistent copy of the site's SQLite database to FILE while
serve runs and writes: the copy holds every change committed before it began
(a vote that was acknowledged, an import that finished) and nothing after,
and the site is not held up. FILE must not exist; it appears only when the
copy is whole and read back. Restore it with "dailypapers restore".

The signing key of mail links, secret.key in --data, is not in the copy:
keep it with the backups, or set --secret (DAILYPAPERS_SECRET).

On PostgreSQL (--db) use pg_dump and pg_restore instead; backup says how.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		c.DataFlags(fs)
		to := fs.String("to", "", "the new file to write the copy to (required)")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, _ io.Writer) error {
			return runBackup(ctx, cfg, *to, args, stdout)
		}
	},
}

func runBackup(ctx context.Context, cfg *config.Config, to string, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("backup takes flags only, got %q", args)}
	}
	if cfg.Postgres() {
		return errors.New("backup: " + postgresBackups)
	}
	if to == "" {
		return usageError{errors.New("backup: name the new file with --to, such as --to dailypapers-2026-12-06.db")}
	}
	start := time.Now()
	info, err := sqlite.Backup(ctx, cfg.DBPath(), to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %s, schema %d, in %.1fs\n", cfg.DBPath(), to, mib(info.Bytes), info.Schema, time.Since(start).Seconds())
	return nil
}

var restoreCmd = command{
	name:    "restore",
	args:    "--from FILE",
	summary: "put a backup in place as the database of an empty data directory",
	help: `Restore makes the backup FILE (made by "dailypapers backup") the database of
--data, which must hold none: it never replaces a database, so it cannot
overwrite the file of a running site. It first checks that FILE is whole
(PRAGMA integrity_check, which reads every page) and of a schema this build
knows, not a newer one; an older one is migrated when serve starts. Then
start serve on --data. Put back secret.key too, if the backup was kept with
one, so that links in mail already sent keep working.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		c.DataFlags(fs)
		from := fs.String("from", "", "the backup to restore (required)")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, _ io.Writer) error {
			return runRestore(ctx, cfg, *from, args, stdout)
		}
	},
}

func runRestore(ctx context.Context, cfg *config.Config, from string, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("restore takes flags only, got %q", args)}
	}
	if cfg.Postgres() {
		return errors.New("restore: " + postgresBackups)
	}
	if from == "" {
		return usageError{errors.New("restore: name the backup with --from")}
	}
	start := time.Now()
	info, err := sqlite.Restore(ctx, from, cfg.DBPath())
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s to %s: %s, schema %d (this build: %d), checked whole, in %.1fs\n",
		from, cfg.DBPath(), mib(info.Bytes), info.Schema, sqlite.SchemaVersion(), time.Since(start).Seconds())
	return nil
}

// mib writes a size in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
