// Package dbcopy copies a site's SQLite database into PostgreSQL with
// nothing lost: every table, row for row, with ids, sequence numbers and
// times as they are, in batches that a copy run again resumes, and then
// compares the two databases table by table.
//
// What it copies is read from the two schemas as migrated (SQLite's
// sqlite_master and table_info, PostgreSQL's information_schema), not kept
// in a list of its own: a table or column a migration adds to both is
// carried, and one only the file has stops the copy before it starts.
package dbcopy

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// StopAfterEnv is a test hook, not a setting: DAILYPAPERS_COPY_STOP_AFTER=N
// makes copy fail after N committed batches, as if it had been interrupted,
// so that tests can resume it.
const StopAfterEnv = "DAILYPAPERS_COPY_STOP_AFTER"

// Options say what to copy where.
type Options struct {
	From   string // the SQLite file
	To     string // the PostgreSQL database, postgres://user:pass@host/dbname
	Target string // To as it may be shown, without its password
	Batch  int    // rows per transaction, 1 or more
	// StopAfter is StopAfterEnv's value: fail after this many batches; 0 is off.
	StopAfter int
	// Bar starts a progress bar of n items; nil draws none.
	Bar func(n int, what string) (progress func(int), done func())
}

// copyLock is the advisory lock (with the schema's hash) a copy holds, so
// that two copies into one schema do not run at once ("dp-c").
const copyLock = 0x64702d63

// Copy copies the SQLite file o.From into the PostgreSQL database o.To,
// migrating it first as serve would, then compares the two and says so on
// stdout. It fails when any table differs. The errors name the file and
// the target as the command's --from and --to.
func Copy(ctx context.Context, o Options, stdout io.Writer) error {
	bar := o.Bar
	if bar == nil {
		bar = func(int, string) (func(int), func()) { return func(int) {}, func() {} }
	}
	src, err := openFile(ctx, o.From)
	if err != nil {
		return fmt.Errorf("--from %s: %w", o.From, err)
	}
	defer src.Close()
	lite, err := readLite(ctx, src)
	if err != nil {
		return fmt.Errorf("--from %s: %w", o.From, err)
	}

	target := o.Target
	// The target gets its schema the way serve would make it.
	st, err := postgres.Open(ctx, o.To)
	if err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	st.Close()
	conn, err := pgx.Connect(ctx, o.To)
	if err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, int32(copyLock)).Scan(&locked); err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	if !locked {
		return fmt.Errorf("another copy into %s is running", target)
	}
	pg, err := readPG(ctx, conn)
	if err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	tables, err := plan(lite, pg)
	if err != nil {
		return fmt.Errorf("--from %s: %w", o.From, err)
	}
	progress, resuming, err := loadProgress(ctx, conn)
	if err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	if !resuming {
		if err := checkEmpty(ctx, conn, tables); err != nil {
			return fmt.Errorf("--to %s: %w", target, err)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE copy_progress (
			tbl TEXT PRIMARY KEY, last_key TEXT NOT NULL, rows BIGINT NOT NULL, done BOOLEAN NOT NULL)`); err != nil {
			return fmt.Errorf("--to %s: %w", target, err)
		}
	}

	// One read transaction: every batch and the checksums read the same snapshot.
	tx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("--from %s: %w", o.From, err)
	}
	defer tx.Rollback()
	var total, before int64
	for _, t := range tables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return fmt.Errorf("--from %s: %w", o.From, err)
		}
		total += n
		before += min(progress[t.name].rows, n)
	}
	fmt.Fprintf(stdout, "copying %s (%d rows) to %s\n", o.From, total, target)
	if resuming {
		var done []string
		for _, t := range tables {
			if p := progress[t.name]; p.done {
				done = append(done, t.name)
			} else if p.rows > 0 {
				fmt.Fprintf(stdout, "resuming: %s continues after %d rows\n", t.name, p.rows)
			}
		}
		if len(done) > 0 {
			fmt.Fprintf(stdout, "resuming: %d tables were copied already (%s)\n", len(done), strings.Join(done, ", "))
		}
	}

	c := &copier{src: tx, dst: conn, batch: o.Batch, stopAfter: o.StopAfter, progress: progress}
	set, barDone := bar(int(total), "copying")
	c.bar = func() { set(int(before + c.copied)) }
	c.bar()
	start := time.Now()
	for i := range tables {
		if err := c.copyTable(ctx, &tables[i]); err != nil {
			barDone()
			if ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			return fmt.Errorf("%w\n%d rows copied in this run; what was committed stays: run the same command again to continue", err, c.copied)
		}
	}
	barDone()
	took := time.Since(start)
	fmt.Fprintf(stdout, "copied %d rows in %.1fs (%.0f rows/s)\n", c.copied, took.Seconds(), float64(c.copied)/max(took.Seconds(), 1e-9))

	if err := finishTarget(ctx, conn, tables); err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}

	// Compare: the same rows, in the same order, through the same code.
	set, barDone = bar(int(2*total), "checking")
	var checked int64
	tick := func() {
		checked++
		if checked%1000 == 0 {
			set(int(checked))
		}
	}
	var differ []string
	fmt.Fprintf(stdout, "\n%-16s %10s %10s  %-9s  %s\n", "table", "sqlite", "postgres", "result", "sha-256 (first 16 digits)")
	var lines []string
	for i := range tables {
		t := &tables[i]
		rows, err := tx.QueryContext(ctx, `SELECT `+t.liteCols(len(t.cols))+` FROM `+t.name+` ORDER BY `+t.liteCols(t.nkey))
		if err != nil {
			barDone()
			return fmt.Errorf("checking %s in SQLite: %w", t.name, err)
		}
		ln, lsum, err := sumRows(rows, t, tick)
		rows.Close()
		if err != nil {
			barDone()
			return fmt.Errorf("checking %s in SQLite: %w", t.name, err)
		}
		prows, err := conn.Query(ctx, `SELECT `+t.pgCols()+` FROM `+t.name+` ORDER BY `+t.pgKeys())
		if err != nil {
			barDone()
			return fmt.Errorf("checking %s in PostgreSQL: %w", t.name, err)
		}
		pn, psum, err := sumRows(prows, t, tick)
		prows.Close()
		if err != nil {
			barDone()
			return fmt.Errorf("checking %s in PostgreSQL: %w", t.name, err)
		}
		result, sum := "OK", hex.EncodeToString(lsum)[:16]
		if ln != pn || !bytes.Equal(lsum, psum) {
			result = "DIFFERENT"
			sum = "sqlite " + sum + ", postgres " + hex.EncodeToString(psum)[:16]
			differ = append(differ, t.name)
		}
		lines = append(lines, fmt.Sprintf("%-16s %10d %10d  %-9s  %s\n", t.name, ln, pn, result, sum))
	}
	barDone()
	for _, l := range lines {
		io.WriteString(stdout, l)
	}
	if len(differ) > 0 {
		what := fmt.Sprintf("%d tables differ", len(differ))
		if len(differ) == 1 {
			what = "1 table differs"
		}
		return fmt.Errorf("%s (%s): copy again into a new, empty database", what, strings.Join(differ, ", "))
	}
	// The copy is whole: the progress table has done its work.
	if _, err := conn.Exec(ctx, `DROP TABLE copy_progress`); err != nil {
		return fmt.Errorf("--to %s: %w", target, err)
	}
	fmt.Fprintf(stdout, "\nall %d tables are the same in both. Run the site with --db %s\n", len(tables), target)
	return nil
}

// openFile opens the SQLite file to copy, read-only.
func openFile(ctx context.Context, path string) (*sql.DB, error) {
	return sqlite.OpenFile(ctx, path, true)
}

// liteCols is the SQLite select list of the first n columns (the key's,
// for ORDER BY, when n is nkey).
func (t *copyTable) liteCols(n int) string {
	var b []string
	for _, c := range t.cols[:n] {
		if c.lite != "" {
			b = append(b, c.lite)
		} else {
			b = append(b, c.name)
		}
	}
	return strings.Join(b, ", ")
}

// pgCols is the PostgreSQL select list: JSONB is read as text, so that
// both sides reach the checksum as strings.
func (t *copyTable) pgCols() string {
	var b []string
	for _, c := range t.cols {
		if c.kind == kJSON {
			b = append(b, c.name+"::text")
		} else {
			b = append(b, c.name)
		}
	}
	return strings.Join(b, ", ")
}

// pgKeys orders rows as SQLite does: text by its bytes (COLLATE "C"; bytea
// compares as SQLite's BLOBs do).
func (t *copyTable) pgKeys() string {
	var b []string
	for _, c := range t.cols[:t.nkey] {
		if c.kind == kText {
			b = append(b, c.name+` COLLATE "C"`)
		} else {
			b = append(b, c.name)
		}
	}
	return strings.Join(b, ", ")
}

func (t *copyTable) names() []string {
	var b []string
	for _, c := range t.cols {
		b = append(b, c.name)
	}
	return b
}

// finishTarget moves every sequence past the copied values, so that new
// rows get new ids, and gathers the planner's statistics.
func finishTarget(ctx context.Context, conn *pgx.Conn, tables []copyTable) error {
	for _, t := range tables {
		for _, col := range t.serials {
			if _, err := conn.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1, false) FROM %s`,
				t.name, col, col, t.name)); err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.name, col, err)
			}
		}
	}
	for _, s := range loneSequences {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`SELECT setval('%s', coalesce(max(%s), 0) + 1, false) FROM %s`, s.seq, s.col, s.table)); err != nil {
			return fmt.Errorf("sequence %s: %w", s.seq, err)
		}
	}
	for _, t := range tables {
		if _, err := conn.Exec(ctx, `ANALYZE `+t.name); err != nil {
			return err
		}
	}
	return nil
}
