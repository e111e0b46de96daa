// Package sqlite is the embedded store of Daily Papers: one SQLite file in
// WAL mode, written through a single connection and read through a pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite implementation of store.Store.
type Store struct {
	// SQLite allows one writer at a time; giving writes their own
	// one-connection pool queues them in Go instead of in busy retries.
	w *sql.DB
	r *sql.DB
	// importing are the imports begun and not yet ended; Close rolls back
	// the transactions of those that have begun writing (w has one
	// connection, so one at most).
	mu        sync.Mutex
	importing map[*importTx]bool
	// Statements every page runs are prepared once: version (every cached
	// page view reads it), and a paper and its feed entries by id (paper
	// pages, search results, the API), which SQLite would otherwise parse
	// again on every call.
	version, paperByID, submissionsOf, papersByIDs *sql.Stmt
	// throttled counts the events Throttle let through, to prune its
	// table now and then.
	throttled atomic.Uint64
	// fullQueueSync commits the mail queue's steps with synchronous=FULL
	// as every other write, for the benchmark that measures what NORMAL
	// saves (see inQueueTx).
	fullQueueSync bool
	closed        bool // by Close, under mu: an import begins no transaction after it
	// stmts holds statements by their text, prepared at first use (stmt):
	// the newest-first streams (newest.go), of which a Following page runs
	// one for each thing its reader follows, and the list pages' queries
	// of papers (queryPrepared). Parsing them again each time was most of
	// the streams' cost and a tenth of a list page's. Only queries of
	// constant text are kept, so the set stays small.
	stmts sync.Map // string -> *sql.Stmt
}

// importWriting reports whether an import holds the write connection.
func (s *Store) importWriting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for im := range s.importing {
		if im.tx != nil {
			return true
		}
	}
	return false
}

func (s *Store) queueSync() string {
	if s.fullQueueSync {
		return "FULL"
	}
	return "NORMAL"
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and migrates it.
//
// Processes that create the same new file at the same moment can find it
// locked while one of them switches it to WAL (SQLite does not wait for
// that lock as it waits for others); opening is then tried again, for up
// to ten seconds.
func Open(ctx context.Context, path string) (*Store, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := open(ctx, path)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: data directory: %w", err)
		}
	}
	dsn := func(extra string) string {
		q := url.Values{}
		// page_size only takes effect when the file is created (before WAL);
		// 8 KiB pages halve the writes of an import against the 4 KiB default.
		// synchronous FULL makes a commit survive power loss, not only a
		// crash of the process; commits are few (an import is one).
		// The driver runs _pragma values sorted by name, which would put
		// journal_mode before page_size; its own key runs after them.
		for _, p := range []string{"page_size(8192)", "busy_timeout(10000)", "foreign_keys(1)",
			"synchronous(FULL)", "temp_store(MEMORY)", "cache_size(-65536)"} {
			q.Add("_pragma", p)
		}
		q.Set("_journal_mode", "WAL")
		return "file:" + uriPath.Replace(path) + "?" + q.Encode() + extra
	}
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Readers take pages straight from a memory map of the file (up to
	// the 2 GiB this build of SQLite allows) instead of a pread each, which
	// was an eighth of a search request's time. The writer does not: an
	// import would map, and count in its RSS, every page it touches.
	r, err := sql.Open("sqlite", dsn("&_pragma=mmap_size(2147418112)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	s := &Store{w: w, r: r}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.version, `SELECT v FROM store_version WHERE id = 1`},
		{&s.paperByID, `SELECT ` + paperCols + ` FROM papers p WHERE p.id = ?`},
		{&s.submissionsOf, `SELECT ` + feedCols + feedFrom + ` WHERE p.id = ? ORDER BY f.day`},
		{&s.papersByIDs, `SELECT ` + feedCols + ` FROM papers p
			LEFT JOIN feed_entries f ON f.paper_seq = p.seq
				AND f.day = (SELECT min(day) FROM feed_entries e WHERE e.paper_seq = p.seq)
			LEFT JOIN users u ON u.id = f.submitter_id
			WHERE p.id IN (SELECT value FROM json_each(?)) AND ` + notHidden},
	} {
		if *p.stmt, err = r.PrepareContext(ctx, p.query); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
	}
	return s, nil
}

// uriPath escapes what SQLite's URI parser would read as a query, a
// fragment or an escape in a file name.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Close closes both pools, rolling back an import left open: otherwise its
// connection would keep the write lock, and could still commit, after Close.
func (s *Store) Close() error {
	s.mu.Lock()
	var txs []*sql.Tx
	for im := range s.importing {
		if im.tx != nil {
			txs = append(txs, im.tx)
		}
	}
	s.importing = nil
	s.closed = true
	s.mu.Unlock()
	for _, tx := range txs {
		tx.Rollback()
	}
	for _, st := range []*sql.Stmt{s.version, s.paperByID, s.submissionsOf, s.papersByIDs} {
		if st != nil {
			st.Close()
		}
	}
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return errors.Join(s.r.Close(), s.w.Close())
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction. Migrations are forward-only: 0002_x.sql follows 0001_y.sql.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, version, base, string(body)); err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, version int, name, body string) error {
	// Look first without a write transaction: another process (an import)
	// may hold the write lock for minutes, and opening must not wait for it.
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Again inside the transaction: another process may have applied it meanwhile.
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if fill := migrationFills[version]; fill != nil {
		if err := fill(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		version, name, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// mapErr turns driver errors into the store's sentinels.
func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY: // a reference to a row that does not exist
			return fmt.Errorf("%w: %v", store.ErrNotFound, err)
		}
		if unavailable(se.Code()) {
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
	}
	return err
}

// unavailable reports whether an SQLite result code says the database
// cannot be used for now rather than that the statement was wrong: the
// write lock held past busy_timeout (a long import in another process),
// a file that cannot be opened, read or written (removed or moved while
// open: SQLITE_READONLY_DBMOVED; a read-only remount; an I/O error), or
// a full disk.
func unavailable(code int) bool {
	switch code & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

// wrap, deferred at the top of a method with what the method does, maps
// the error leaving it to the store's sentinels and says what failed.
func wrap(errp *error, format string, args ...any) {
	rows.Wrap(errp, mapErr, format, args...)
}

// inTx runs fn in a write transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// queryAll runs a query on db and reads every row with scan. Errors say
// what was being read, mapped to the store's sentinels as wrap maps them.
func queryAll[T any](ctx context.Context, db *sql.DB, what string, scan func(scan func(dest ...any) error) (T, error), query string, args ...any) ([]T, error) {
	rs, err := db.QueryContext(ctx, query, args...)
	return collect(what, rs, err, scan)
}

// queryPrepared is queryAll through the reader's statement of query,
// prepared once (Store.stmt); query must be of constant text.
func queryPrepared[T any](ctx context.Context, s *Store, what string, scan func(scan func(dest ...any) error) (T, error), query string, args ...any) ([]T, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return collect[T](what, nil, err, scan)
	}
	rs, err := st.QueryContext(ctx, args...)
	return collect(what, rs, err, scan)
}

// collect reads every row of a query's result with scan; it wraps as
// queryAll does, so a caller returns its error as it is.
func collect[T any](what string, rs *sql.Rows, qerr error, scan func(scan func(dest ...any) error) (T, error)) (_ []T, err error) {
	defer wrap(&err, "%s", what)
	if qerr != nil {
		return nil, qerr
	}
	defer rs.Close()
	return rows.All(rs, scan)
}

// sqlLimit turns "0 or less: no limit" into SQLite's LIMIT.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// PoolStats tells how the reader's and the writer's pools are used.
func (s *Store) PoolStats() []store.PoolStats {
	out := make([]store.PoolStats, 0, 2)
	for _, p := range []struct {
		name string
		db   *sql.DB
	}{{"read", s.r}, {"write", s.w}} {
		st := p.db.Stats()
		out = append(out, store.PoolStats{Pool: p.name, MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections,
			InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount, WaitDuration: st.WaitDuration})
	}
	return out
}
