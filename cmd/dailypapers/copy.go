package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
)

var copyFlags struct {
	from, to string
	batch    int
}

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
	flags: func(c *config.Config, fs *flag.FlagSet) {
		fs.StringVar(&copyFlags.from, "from", "", "the SQLite file to copy: dailypapers.db in the site's --data directory (required)")
		fs.StringVar(&copyFlags.to, "to", "", "the PostgreSQL database to copy into, postgres://user:pass@host/dbname (required)")
		fs.IntVar(&copyFlags.batch, "batch", 5000, "rows per transaction")
	},
	run: runCopy,
}

// copyStopEnv is a test hook, not a setting: DAILYPAPERS_COPY_STOP_AFTER=N
// makes copy fail after N committed batches, as if it had been interrupted,
// so that tests can resume it.
const copyStopEnv = "DAILYPAPERS_COPY_STOP_AFTER"

// colKind is how a column's values are converted from SQLite to PostgreSQL.
type colKind uint8

const (
	kInt   colKind = iota // INTEGER -> BIGINT or INTEGER
	kText                 // TEXT -> TEXT
	kBool                 // INTEGER 0 or 1 -> BOOLEAN
	kJSON                 // TEXT holding JSON -> JSONB
	kBytes                // BLOB -> BYTEA
)

var kindNames = map[string]colKind{"int": kInt, "text": kText, "bool": kBool, "json": kJSON, "bytes": kBytes}

type copyCol struct {
	name string  // in PostgreSQL, and in SQLite unless lite says otherwise
	kind colKind // NULL is allowed in every kind and kept
	lite string  // the SQLite expression, when not the column (votes.n is the rowid)
}

// copyTable is a table copy knows, with the key it batches and orders by.
type copyTable struct {
	name   string
	cols   []copyCol // the key's columns first
	nkey   int
	serial string // the BIGSERIAL column whose sequence must follow the copied values
	// replace: migrating fills the table (store_version's one row), so the
	// first batch deletes what is there.
	replace bool
}

// spec reads "name:kind name:kind=sqlite-expression ..."; kind defaults to int.
func spec(name string, nkey int, serial string, cols string) copyTable {
	t := copyTable{name: name, nkey: nkey, serial: serial, replace: name == "store_version"}
	for _, f := range strings.Fields(cols) {
		var c copyCol
		c.name, c.lite, _ = strings.Cut(f, "=")
		var kind string
		c.name, kind, _ = strings.Cut(c.name, ":")
		k, ok := kindNames[or(kind, "int")]
		if !ok {
			panic("copy: bad kind in " + f)
		}
		c.kind = k
		t.cols = append(t.cols, c)
	}
	return t
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// copyTables lists every table of the schema in an order that copies a
// row's references before it (comments by id: a reply's parent comes
// first), with each table's key. The columns must be those of both
// schemas, which copy checks before it starts, so that a column added by a
// later migration cannot be silently left behind.
var copyTables = []copyTable{
	spec("papers", 1, "seq", `seq id:text title:text abstract:text authors:json categories:text versions:json
		published_at updated_at listed:text doi:text journal_ref:text comments:text withdrawn:bool github_repo:text
		github_stars project_page:text upvotes num_comments as_of created_at modified_at rev
		ai_summary:text ai_keywords:json ai_model:text`),
	spec("users", 1, "id", `id username:text fullname:text avatar_url:text created_at email:text password_hash:text
		admin:bool disabled_at`),
	spec("feed_entries", 2, "", `paper_seq day:text submitter_id submitted_at hidden:bool imported_submitter:text
		imported_fullname:text`),
	spec("store_version", 1, "", `id v`),
	spec("paper_vectors", 2, "", `model:text paper_seq rev seq vec:bytes`),
	spec("sessions", 1, "", `token_hash:bytes user_id created_at expires_at`),
	// votes.n orders votes cast in the same millisecond, as SQLite's rowid does.
	spec("votes", 1, "n", `n=rowid user_id paper_seq created_at`),
	spec("comments", 1, "id", `id paper_seq parent_id user_id body:text created_at edited_at deleted_at hidden:bool
		client_key:text html:text`),
	spec("comment_reports", 1, "id", `id comment_id reporter_id reason:text created_at resolved_at`),
	spec("api_tokens", 1, "id", `id user_id name:text prefix:text token_hash:bytes created_at last_used_at revoked_at`),
	spec("password_resets", 1, "", `token_hash:bytes user_id created_at expires_at used_at`),
	spec("subscriptions", 1, "id", `id email:text user_id frequency:text categories:text keywords:json query:text
		created_at confirmed_at paused_at unsubscribed_at failures blocked_at`),
	spec("mail_jobs", 1, "id", `id subscription_id period:text state:text attempts next_at lease_until claim:text
		message_id:text last_error:text created_at sent_at`),
	spec("digest_runs", 1, "id", `id period:text started_at finished_at queued sent failed skipped note:text`),
	spec("leaders", 1, "", `name:text holder:text until`),
	spec("rate_limits", 1, "", `key:text tat`),
	spec("harvests", 1, "", `source:text run_from:text run_until:text token:text done:text pages records updated_at`),
	spec("repos", 1, "", `repo:text checked_at found:bool`),
	spec("star_counts", 2, "", `repo:text day:text stars`),
}

// liteCols is the SQLite select list; keys is its ORDER BY.
func (t *copyTable) liteCols(n int) string {
	var b []string
	for _, c := range t.cols[:n] {
		b = append(b, or(c.lite, c.name))
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

// copyLock is the advisory lock (with the schema's hash) a copy holds, so
// that two copies into one schema do not run at once ("dp-c").
const copyLock = 0x64702d63

func runCopy(ctx context.Context, _ *config.Config, args []string, stdout, stderr io.Writer) error {
	f := copyFlags
	if len(args) > 0 {
		return usageError{fmt.Errorf("copy takes flags only, got %q", args)}
	}
	if f.from == "" {
		return usageError{errors.New("copy: give the SQLite file to copy with --from, such as --from data/dailypapers.db")}
	}
	if !strings.HasPrefix(f.to, "postgres://") && !strings.HasPrefix(f.to, "postgresql://") {
		return usageError{errors.New("copy: --to: want a PostgreSQL URL such as postgres://user:pass@host/dbname")}
	}
	if f.batch < 1 {
		return usageError{fmt.Errorf("copy: --batch %d: want 1 or more", f.batch)}
	}
	stopAfter := 0
	if s := os.Getenv(copyStopEnv); s != "" {
		stopAfter, _ = strconv.Atoi(s)
	}

	src, err := openSQLite(ctx, f.from, true)
	if err != nil {
		return fmt.Errorf("copy: --from %s: %w", f.from, err)
	}
	defer src.Close()
	if err := checkLiteSchema(ctx, src); err != nil {
		return fmt.Errorf("copy: --from %s: %w", f.from, err)
	}

	target := redacted(f.to)
	// The target gets its schema the way serve would make it.
	st, err := postgres.Open(ctx, f.to)
	if err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	st.Close()
	conn, err := pgx.Connect(ctx, f.to)
	if err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, int32(copyLock)).Scan(&locked); err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	if !locked {
		return fmt.Errorf("copy: another copy into %s is running", target)
	}
	if err := checkPGSchema(ctx, conn); err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	progress, resuming, err := loadProgress(ctx, conn)
	if err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	if !resuming {
		if err := checkEmpty(ctx, conn); err != nil {
			return fmt.Errorf("copy: --to %s: %w", target, err)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE copy_progress (
			tbl TEXT PRIMARY KEY, last_key TEXT NOT NULL, rows BIGINT NOT NULL, done BOOLEAN NOT NULL)`); err != nil {
			return fmt.Errorf("copy: --to %s: %w", target, err)
		}
	}

	// One read transaction: every batch and the checksums read the same snapshot.
	tx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("copy: --from %s: %w", f.from, err)
	}
	defer tx.Rollback()
	var total, before int64
	for _, t := range copyTables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return fmt.Errorf("copy: --from %s: %w", f.from, err)
		}
		total += n
		before += min(progress[t.name].rows, n)
	}
	fmt.Fprintf(stdout, "copying %s (%d rows) to %s\n", f.from, total, target)
	if resuming {
		var done []string
		for _, t := range copyTables {
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

	c := &copier{src: tx, dst: conn, batch: f.batch, stopAfter: stopAfter, progress: progress}
	bar, barDone := countBar(stderr, int(total), "copying")
	c.bar = func() { bar(int(before + c.copied)) }
	c.bar()
	start := time.Now()
	for i := range copyTables {
		if err := c.copyTable(ctx, &copyTables[i]); err != nil {
			barDone()
			if ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			return fmt.Errorf("copy: %w\n%d rows copied in this run; what was committed stays: run the same command again to continue", err, c.copied)
		}
	}
	barDone()
	took := time.Since(start)
	fmt.Fprintf(stdout, "copied %d rows in %.1fs (%.0f rows/s)\n", c.copied, took.Seconds(), float64(c.copied)/max(took.Seconds(), 1e-9))

	if err := finishTarget(ctx, conn); err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}

	// Compare: the same rows, in the same order, through the same code.
	bar, barDone = countBar(stderr, int(2*total), "checking")
	var checked int64
	tick := func() {
		checked++
		if checked%1000 == 0 {
			bar(int(checked))
		}
	}
	var differ []string
	fmt.Fprintf(stdout, "\n%-16s %10s %10s  %-9s  %s\n", "table", "sqlite", "postgres", "result", "sha-256 (first 16 digits)")
	var lines []string
	for i := range copyTables {
		t := &copyTables[i]
		rows, err := tx.QueryContext(ctx, `SELECT `+t.liteCols(len(t.cols))+` FROM `+t.name+` ORDER BY `+t.liteCols(t.nkey))
		if err != nil {
			barDone()
			return fmt.Errorf("copy: checking %s in SQLite: %w", t.name, err)
		}
		ln, lsum, err := sumRows(rows, t, tick)
		rows.Close()
		if err != nil {
			barDone()
			return fmt.Errorf("copy: checking %s in SQLite: %w", t.name, err)
		}
		prows, err := conn.Query(ctx, `SELECT `+t.pgCols()+` FROM `+t.name+` ORDER BY `+t.pgKeys())
		if err != nil {
			barDone()
			return fmt.Errorf("copy: checking %s in PostgreSQL: %w", t.name, err)
		}
		pn, psum, err := sumRows(prows, t, tick)
		prows.Close()
		if err != nil {
			barDone()
			return fmt.Errorf("copy: checking %s in PostgreSQL: %w", t.name, err)
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
		return fmt.Errorf("copy: %s (%s): copy again into a new, empty database", what, strings.Join(differ, ", "))
	}
	// The copy is whole: the progress table has done its work.
	if _, err := conn.Exec(ctx, `DROP TABLE copy_progress`); err != nil {
		return fmt.Errorf("copy: --to %s: %w", target, err)
	}
	fmt.Fprintf(stdout, "\nall %d tables are the same in both. Run the site with --db %s\n", len(copyTables), target)
	return nil
}

// redacted is a database URL without its password.
func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "PostgreSQL"
}

// openSQLite opens a SQLite database file, read-only if asked, after
// checking that it is one. (A read-only connection cannot remove the -wal
// and -shm files when it closes; they are harmless.)
func openSQLite(ctx context.Context, path string, readOnly bool) (*sql.DB, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("no such file")
		}
		return nil, err
	}
	head := make([]byte, 16)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "SQLite format 3\x00" {
		return nil, errors.New("not a SQLite database")
	}
	q := url.Values{}
	if readOnly {
		q.Set("mode", "ro")
	}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkLiteSchema makes sure the file has exactly the tables and columns
// copy knows, so that nothing is left behind.
func checkLiteSchema(ctx context.Context, db *sql.DB) error {
	tables, err := queryStrings(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return err
	}
	if !slices.Contains(tables, "schema_migrations") {
		return errors.New("not a dailypapers database (no schema_migrations table)")
	}
	for _, t := range tables {
		if t != "schema_migrations" && !slices.ContainsFunc(copyTables, func(c copyTable) bool { return c.name == t }) {
			return fmt.Errorf("table %s is unknown to this version of dailypapers, which would leave it behind", t)
		}
	}
	for _, t := range copyTables {
		if !slices.Contains(tables, t.name) {
			return fmt.Errorf("no table %s: bring the file up to date first with this version's dailypapers migrate --data DIR", t.name)
		}
		have, err := queryStrings(ctx, db, `SELECT name FROM pragma_table_info(?)`, t.name)
		if err != nil {
			return err
		}
		var want []string
		for _, c := range t.cols {
			if c.lite == "" {
				want = append(want, c.name)
			}
		}
		if err := sameColumns(t.name, have, want); err != nil {
			return fmt.Errorf("%w: bring the file up to date first with this version's dailypapers migrate --data DIR", err)
		}
	}
	return nil
}

func checkPGSchema(ctx context.Context, conn *pgx.Conn) error {
	for _, t := range copyTables {
		rows, err := conn.Query(ctx, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, t.name)
		if err != nil {
			return err
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if err := sameColumns(t.name, have, t.names()); err != nil {
			return fmt.Errorf("%w: is the database made by another version of dailypapers?", err)
		}
	}
	return nil
}

func sameColumns(table string, have, want []string) error {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			extra = append(extra, h)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("table %s lacks the columns %s", table, strings.Join(missing, ", "))
	case len(extra) > 0:
		return fmt.Errorf("table %s has columns unknown to copy: %s", table, strings.Join(extra, ", "))
	}
	return nil
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// tableProgress is a table's row of copy_progress.
type tableProgress struct {
	lastKey string // encodeKey of the last row copied; "" before the first
	rows    int64
	done    bool
	known   bool // the row exists
}

// loadProgress reads copy_progress; resuming is whether it exists.
func loadProgress(ctx context.Context, conn *pgx.Conn) (map[string]tableProgress, bool, error) {
	out := map[string]tableProgress{}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('copy_progress') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return out, false, err
	}
	rows, err := conn.Query(ctx, `SELECT tbl, last_key, rows, done FROM copy_progress`)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var p tableProgress
		if err := rows.Scan(&name, &p.lastKey, &p.rows, &p.done); err != nil {
			return nil, false, err
		}
		p.known = true
		out[name] = p
	}
	return out, true, rows.Err()
}

// checkEmpty refuses a target that holds data (store_version's row aside)
// without a copy to resume.
func checkEmpty(ctx context.Context, conn *pgx.Conn) error {
	var papers int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM papers`).Scan(&papers); err != nil {
		return err
	}
	if papers > 0 {
		return fmt.Errorf("the target already holds %d papers; copy into an empty database", papers)
	}
	for _, t := range copyTables {
		if t.replace {
			continue
		}
		var some bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&some); err != nil {
			return err
		}
		if some {
			return fmt.Errorf("the target already holds rows in %s; copy into an empty database", t.name)
		}
	}
	return nil
}

// copier copies tables in batches, each committed with its progress.
type copier struct {
	src       *sql.Tx
	dst       *pgx.Conn
	batch     int
	stopAfter int // the test hook (copyStopEnv); 0 is off
	batches   int
	copied    int64
	progress  map[string]tableProgress
	bar       func()
}

func (c *copier) copyTable(ctx context.Context, t *copyTable) error {
	p := c.progress[t.name]
	if p.done {
		return nil
	}
	var after []any
	if p.lastKey != "" {
		var err error
		if after, err = decodeKey(p.lastKey, t); err != nil {
			return fmt.Errorf("%s: copy_progress: %w", t.name, err)
		}
	}
	sel := `SELECT ` + t.liteCols(len(t.cols)) + ` FROM ` + t.name
	order := ` ORDER BY ` + t.liteCols(t.nkey) + ` LIMIT ?`
	first := sel + order
	next := sel + ` WHERE (` + t.liteCols(t.nkey) + `) > (` + strings.TrimSuffix(strings.Repeat("?, ", t.nkey), ", ") + `)` + order
	for {
		q, args := first, []any{c.batch}
		if after != nil {
			q, args = next, append(slices.Clone(after), c.batch)
		}
		rows, err := c.readBatch(ctx, t, q, args)
		if err != nil {
			return err
		}
		done := len(rows) < c.batch
		from := "the start"
		if p.lastKey != "" {
			from = "key " + p.lastKey
		}
		if len(rows) > 0 {
			after = rows[len(rows)-1][:t.nkey]
			p.lastKey = encodeKey(after)
		}
		p.rows += int64(len(rows))
		p.done = done
		if err := c.write(ctx, t, rows, p); err != nil {
			return fmt.Errorf("%s, the batch from %s: %w", t.name, from, err)
		}
		p.known = true
		c.progress[t.name] = p
		c.copied += int64(len(rows))
		c.bar()
		c.batches++
		if c.stopAfter > 0 && c.batches >= c.stopAfter {
			return fmt.Errorf("stopped after %d batches (%s)", c.batches, copyStopEnv)
		}
		if done {
			return nil
		}
	}
}

// readBatch reads one batch from SQLite, converting every value.
func (c *copier) readBatch(ctx context.Context, t *copyTable, q string, args []any) ([][]any, error) {
	rows, err := c.src.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
	}
	defer rows.Close()
	var out [][]any
	ptrs := make([]any, len(t.cols))
	for rows.Next() {
		vals := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
		}
		for i, col := range t.cols {
			v, err := pgValue(col.kind, vals[i])
			if err != nil {
				return nil, fmt.Errorf("%s, the row with %s = %v: column %s: %w", t.name, t.cols[0].name, vals[0], col.name, err)
			}
			vals[i] = v
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
	}
	return out, nil
}

// write commits a batch and the table's progress in one transaction.
func (c *copier) write(ctx context.Context, t *copyTable, rows [][]any, p tableProgress) error {
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if t.replace && !p.known {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t.name); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.names(), pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO copy_progress (tbl, last_key, rows, done) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tbl) DO UPDATE SET last_key = excluded.last_key, rows = excluded.rows, done = excluded.done`,
		t.name, p.lastKey, p.rows, p.done); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// encodeKey writes a row's key for copy_progress: a JSON array (bytes in
// base64, as encoding/json writes them).
func encodeKey(key []any) string {
	b, _ := json.Marshal(key)
	return string(b)
}

func decodeKey(s string, t *copyTable) ([]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var raw []any
	if err := d.Decode(&raw); err != nil || len(raw) != t.nkey {
		return nil, fmt.Errorf("bad key %q", s)
	}
	out := make([]any, t.nkey)
	for i, c := range t.cols[:t.nkey] {
		var err error
		switch c.kind {
		case kInt:
			n, _ := raw[i].(json.Number)
			out[i], err = n.Int64()
		case kText:
			var ok bool
			if out[i], ok = raw[i].(string); !ok {
				err = errors.New("not a string")
			}
		case kBytes:
			s, _ := raw[i].(string)
			out[i], err = base64.StdEncoding.DecodeString(s)
		default:
			err = errors.New("not a key kind")
		}
		if err != nil {
			return nil, fmt.Errorf("bad key %q: %v", s, err)
		}
	}
	return out, nil
}

// pgValue converts a value as a driver read it (SQLite's or PostgreSQL's)
// to the Go value written to PostgreSQL and checksummed: int64, string,
// bool, []byte or nil. A value that does not fit its column is an error,
// not a guess.
func pgValue(k colKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		}
	case kBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case kText, kJSON:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("%T %v is not text", v, v)
		}
		if !utf8.ValidString(s) {
			return nil, errors.New("text that is not UTF-8, which PostgreSQL cannot store")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return nil, errors.New("text with a NUL character, which PostgreSQL cannot store")
		}
		if k == kJSON {
			if !json.Valid([]byte(s)) {
				return nil, fmt.Errorf("%.40q is not JSON", s)
			}
			if strings.Contains(s, `\u0000`) {
				return nil, errors.New(`JSON with \u0000, which PostgreSQL's JSONB cannot store`)
			}
		}
		return s, nil
	case kBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("%T %v does not fit the column", v, v)
}

// rowIter is what both *sql.Rows and pgx.Rows are.
type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// sumRows counts rows and hashes their values in a canonical form: each
// value converted by pgValue, then a tag, its length and its bytes (JSON
// with sorted keys and numbers by value, as JSONB keeps it).
func sumRows(rows rowIter, t *copyTable, tick func()) (int64, []byte, error) {
	h := sha256.New()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	var buf []byte
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, err
		}
		buf = buf[:0]
		for i, col := range t.cols {
			v, err := pgValue(col.kind, vals[i])
			if err != nil {
				return 0, nil, fmt.Errorf("column %s: %w", col.name, err)
			}
			buf = appendCanon(buf, col.kind, v)
		}
		h.Write(buf)
		n++
		tick()
	}
	return n, h.Sum(nil), rows.Err()
}

func appendCanon(b []byte, k colKind, v any) []byte {
	var tag byte
	var val []byte
	switch x := v.(type) {
	case nil:
		return append(b, 'N')
	case int64:
		tag, val = 'i', strconv.AppendInt(nil, x, 10)
	case bool:
		tag, val = 'b', []byte{'0'}
		if x {
			val[0] = '1'
		}
	case string:
		tag, val = 't', []byte(x)
		if k == kJSON {
			tag, val = 'j', canonJSON(x)
		}
	case []byte:
		tag, val = 'x', x
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(val)))
	return append(b, val...)
}

// canonJSON writes JSON so that equal documents are equal bytes: what
// JSONB changes (spaces, key order, duplicate keys, how a number is
// written) does not show.
func canonJSON(s string) []byte {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return []byte(s)
	}
	var b bytes.Buffer
	writeCanon(&b, v)
	return b.Bytes()
}

func writeCanon(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeCanon(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanon(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(string(x))
		}
	default:
		jb, _ := json.Marshal(x)
		b.Write(jb)
	}
}

// finishTarget moves every sequence past the copied values, so that new
// rows get new ids, and gathers the planner's statistics.
func finishTarget(ctx context.Context, conn *pgx.Conn) error {
	for _, t := range copyTables {
		if t.serial != "" {
			if _, err := conn.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1, false) FROM %s`,
				t.name, t.serial, t.serial, t.name)); err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.name, t.serial, err)
			}
		}
	}
	// PutVectors numbers vectors from this sequence.
	if _, err := conn.Exec(ctx, `SELECT setval('paper_vectors_seq_gen', coalesce(max(seq), 0) + 1, false) FROM paper_vectors`); err != nil {
		return fmt.Errorf("sequence paper_vectors_seq_gen: %w", err)
	}
	for _, t := range copyTables {
		if _, err := conn.Exec(ctx, `ANALYZE `+t.name); err != nil {
			return err
		}
	}
	return nil
}
