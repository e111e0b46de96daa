package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Throttle is the generic cell rate algorithm in one upsert: the row's
// theoretical arrival time (tat) moves on by every for each event let
// through, and an event is refused when tat is further ahead of now than
// the burst allows. The WHERE of the upsert leaves a refused key as it
// was, and RETURNING then gives no row.
func (s *Store) Throttle(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (_ bool, _ time.Duration, err error) {
	defer wrap(&err, "throttle %s", key)
	if burst <= 0 || every <= 0 {
		return true, 0, nil
	}
	t, step := now.UnixMicro(), every.Microseconds()
	tolerance := int64(burst-1) * step
	err = s.w.QueryRowContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES (?1, ?2 + ?3)
		ON CONFLICT (key) DO UPDATE SET tat = max(rate_limits.tat, ?2) + ?3
			WHERE rate_limits.tat - ?2 <= ?4
		RETURNING tat`, key, t, step, tolerance).Scan(new(int64))
	if err == nil {
		if s.throttled.Add(1)%pruneEvery == 0 {
			// Housekeeping: a failure leaves the rows for the next prune and
			// must not turn the allowed event into an error.
			_, _ = s.w.ExecContext(ctx, `DELETE FROM rate_limits WHERE tat < ?`, t)
		}
		return true, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, err
	}
	var tat int64
	if err := s.w.QueryRowContext(ctx, `SELECT tat FROM rate_limits WHERE key = ?`, key).Scan(&tat); err != nil {
		return false, 0, err
	}
	return false, max(time.Duration(tat-t-tolerance)*time.Microsecond, time.Microsecond), nil
}

// pruneEvery is how many events pass between deletions of the rows whose
// time has passed (full buckets, the same as no row).
const pruneEvery = 1024

// ThrottleAll asks every bucket in one write transaction, which SQLite's
// single writer runs alone: each bucket is charged by the same upsert as
// Throttle's, and the transaction is rolled back, charging nothing, when
// one of them refuses.
func (s *Store) ThrottleAll(ctx context.Context, now time.Time, buckets ...store.Bucket) (_ bool, _ time.Duration, err error) {
	defer wrap(&err, "throttle")
	t := now.UnixMicro()
	var wait time.Duration
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, b := range buckets {
			if b.Burst <= 0 || b.Every <= 0 {
				continue
			}
			step := b.Every.Microseconds()
			tolerance := int64(b.Burst-1) * step
			if !b.Peek {
				err := tx.QueryRowContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES (?1, ?2 + ?3)
					ON CONFLICT (key) DO UPDATE SET tat = max(rate_limits.tat, ?2) + ?3
						WHERE rate_limits.tat - ?2 <= ?4
					RETURNING tat`, b.Key, t, step, tolerance).Scan(new(int64))
				if err == nil {
					continue
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("bucket %s: %w", b.Key, err)
				}
			}
			var tat int64
			err := tx.QueryRowContext(ctx, `SELECT tat FROM rate_limits WHERE key = ?`, b.Key).Scan(&tat)
			if errors.Is(err, sql.ErrNoRows) {
				continue // a peek at a key never used: a full bucket
			}
			if err != nil {
				return fmt.Errorf("bucket %s: %w", b.Key, err)
			}
			if tat-t > tolerance {
				wait = max(wait, time.Duration(tat-t-tolerance)*time.Microsecond)
			}
		}
		if wait > 0 {
			return errRefused
		}
		return nil
	})
	switch {
	case errors.Is(err, errRefused):
		return false, wait, nil
	case err != nil:
		return false, 0, err
	}
	if s.throttled.Add(1)%pruneEvery == 0 {
		// Housekeeping, as in Throttle.
		_, _ = s.w.ExecContext(ctx, `DELETE FROM rate_limits WHERE tat < ?`, t)
	}
	return true, 0, nil
}

// errRefused rolls back the charges of a refused ThrottleAll.
var errRefused = errors.New("refused")
