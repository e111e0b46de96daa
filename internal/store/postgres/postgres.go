// Package postgres is the PostgreSQL store of Daily Papers, for sites that
// run several processes on one database. It passes the same conformance
// suite (storetest) as the SQLite store.
//
// Writes that change what pages show take the next store version by
// updating store_version's single row first; the row stays locked until
// the transaction ends, so those transactions commit in version order and
// a reader that follows the change feed by (rev, seq) never skips a change
// that commits late.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool *pgxpool.Pool

	// open are the imports begun and not yet ended; Close rolls them back,
	// since the pool cannot close while they hold connections.
	mu   sync.Mutex
	open map[*importTx]bool
	// throttled counts the events Throttle let through, to prune its
	// table now and then.
	throttled atomic.Uint64
	// fullQueueSync commits the mail queue's steps with
	// synchronous_commit on, for the benchmark that measures what off
	// saves (see inQueueTx).
	fullQueueSync bool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (postgres://user:pass@host/db) and
// migrates it. Several processes may open the same database at once: the
// migrations run under an advisory lock.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close rolls back any import left open, then closes the connections.
func (s *Store) Close() error {
	s.mu.Lock()
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for im := range open {
		im.Rollback()
	}
	s.pool.Close()
	return nil
}

// migrationLock is the advisory lock key of migrations ("dp-migr").
const migrationLock = 0x64702d6d69677200

// migrate applies the embedded migrations not yet applied, each in its
// own transaction, holding an advisory lock so that processes starting
// together apply each once.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := name[strings.LastIndexByte(name, '/')+1:]
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			if fill := migrationFills[version]; fill != nil {
				if err := fill(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				version, base, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
	}
	return nil
}

// PostgreSQL error codes the store maps to its sentinels.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	checkViolation      = "23514"
	// Text PostgreSQL cannot hold: a NUL character, or bytes that are not
	// UTF-8 (SQLite stores both).
	untranslatableCharacter  = "22P05"
	characterNotInRepertoire = "22021"
)

// mapErr turns driver errors into the store's sentinels.
func mapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		case foreignKeyViolation:
			return fmt.Errorf("%w: %v", store.ErrNotFound, err)
		case checkViolation, untranslatableCharacter, characterNotInRepertoire:
			return fmt.Errorf("%w: %v", store.ErrInvalid, err)
		}
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

// unavailable reports whether err says the server cannot be reached or
// cannot serve for now, rather than that the statement was wrong: a
// connection that could not be made or was lost (refused, reset, closed
// mid-query), or a server that is shutting down, starting up, out of
// connections or out of disk (SQLSTATE classes 08 and 53, and 57P01-03).
// A context's deadline or cancellation is the caller's, not the
// database's, and stays as it is.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// wrap, deferred at the top of a method with what the method does, maps
// the error leaving it to the store's sentinels and says what failed.
func wrap(errp *error, format string, args ...any) {
	rows.Wrap(errp, mapErr, format, args...)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// querier runs queries: *pgxpool.Pool and pgx.Tx are.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// queryAll runs a query on q and reads every row with scan. Errors say
// what was being read, mapped to the store's sentinels as wrap maps them.
func queryAll[T any](ctx context.Context, q querier, what string, scan func(scan func(dest ...any) error) (T, error), query string, args ...any) (_ []T, err error) {
	defer wrap(&err, "%s", what)
	rs, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	return rows.All(rs, scan)
}

// sqlLimit turns "0 or less: no limit" into a LIMIT value (NULL is none).
func sqlLimit(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
}

// PoolStats tells how the connection pool is used.
func (s *Store) PoolStats() []store.PoolStats {
	st := s.pool.Stat()
	return []store.PoolStats{{Pool: "postgres", MaxOpen: int(st.MaxConns()), Open: int(st.TotalConns()),
		InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()), WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime()}}
}
