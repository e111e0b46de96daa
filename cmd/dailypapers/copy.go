package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store/dbcopy"
)

// copyCmd's flags fill a dbcopy.Options of their own.
var copyCmd = command{
	name:    "copy",
	args:    "--from FILE.db --to postgres://...",
	summary: "copy a site's SQLite database into PostgreSQL",
	help: `Copy moves a site from its SQLite file to PostgreSQL with nothing lost: every
table, row for row, with ids, sequence numbers and times as they are, so that
links, sessions and API tokens keep working, and new rows get new ids. Stop
the site first (or at least its writes): copy reads the file read-only, in one
snapshot, and what is written after that is not copied.

The target must be an empty PostgreSQL database (or schema, with
?search_path=NAME in the URL); copy creates the tables as serve would. Each
table is copied in batches of --batch rows, each batch in one transaction that
also records how far the copy got (in a table copy_progress), so a copy that
is interrupted (Ctrl-C, a lost connection) continues where it stopped when the
same command runs again.

At the end copy compares the two databases table by table: the number of rows
and a SHA-256 over the values of every row, read back from each side. It exits
with status 1 if any table differs. Then start the site with --db (or
DAILYPAPERS_DB) naming the new database, and keep the file as a backup.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var o dbcopy.Options
		fs.StringVar(&o.From, "from", "", "the SQLite file to copy: dailypapers.db in the site's --data directory (required)")
		fs.StringVar(&o.To, "to", "", "the PostgreSQL database to copy into, postgres://user:pass@host/dbname (required)")
		fs.IntVar(&o.Batch, "batch", 5000, "rows per transaction")
		return func(ctx context.Context, _ *config.Config, args []string, stdout, stderr io.Writer) error {
			return runCopy(ctx, o, args, stdout, stderr)
		}
	},
}

func runCopy(ctx context.Context, o dbcopy.Options, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("copy takes flags only, got %q", args)}
	}
	if o.From == "" {
		return usageError{errors.New("copy: give the SQLite file to copy with --from, such as --from data/dailypapers.db")}
	}
	if !strings.HasPrefix(o.To, "postgres://") && !strings.HasPrefix(o.To, "postgresql://") {
		return usageError{errors.New("copy: --to: want a PostgreSQL URL such as postgres://user:pass@host/dbname")}
	}
	if o.Batch < 1 {
		return usageError{fmt.Errorf("copy: --batch %d: want 1 or more", o.Batch)}
	}
	// The target as the other commands name a database, without its password.
	o.Target = (&config.Config{DB: o.To}).DatabaseName()
	if s := os.Getenv(dbcopy.StopAfterEnv); s != "" {
		o.StopAfter, _ = strconv.Atoi(s)
	}
	o.Bar = func(n int, what string) (func(int), func()) { return countBar(stderr, n, what) }
	if err := dbcopy.Copy(ctx, o, stdout); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}
