package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Throttle is the generic cell rate algorithm in one upsert: the row's
// theoretical arrival time (tat) moves on by every for each event let
// through, and an event is refused when tat is further ahead of now than
// the burst allows. The WHERE of the upsert leaves a refused key as it
// was, and RETURNING then gives no row. The upsert locks the key's row,
// so concurrent events from every process are counted one after another.
func (s *Store) Throttle(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (_ bool, _ time.Duration, err error) {
	defer wrap(&err, "throttle %s", key)
	if burst <= 0 || every <= 0 {
		return true, 0, nil
	}
	t, step := now.UnixMicro(), every.Microseconds()
	tolerance := int64(burst-1) * step
	err = s.pool.QueryRow(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $2::bigint + $3::bigint)
		ON CONFLICT (key) DO UPDATE SET tat = greatest(rate_limits.tat, $2::bigint) + $3::bigint
			WHERE rate_limits.tat - $2::bigint <= $4::bigint
		RETURNING tat`, key, t, step, tolerance).Scan(new(int64))
	if err == nil {
		if s.throttled.Add(1)%pruneEvery == 0 {
			// Housekeeping: a failure leaves the rows for the next prune and
			// must not turn the allowed event into an error.
			_, _ = s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE tat < $1`, t)
		}
		return true, 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, err
	}
	var tat int64
	if err := s.pool.QueryRow(ctx, `SELECT tat FROM rate_limits WHERE key = $1`, key).Scan(&tat); err != nil {
		return false, 0, err
	}
	return false, max(time.Duration(tat-t-tolerance)*time.Microsecond, time.Microsecond), nil
}

// pruneEvery is how many events pass between deletions of the rows whose
// time has passed (full buckets, the same as no row).
const pruneEvery = 1024

// ThrottleAll asks every bucket in one transaction, charging each by the
// same upsert as Throttle's and rolling all of them back when one refuses.
// The buckets are charged in key order, so that two events locking the
// same rows lock them in the same order and never wait on each other.
func (s *Store) ThrottleAll(ctx context.Context, now time.Time, buckets ...store.Bucket) (_ bool, _ time.Duration, err error) {
	defer wrap(&err, "throttle")
	buckets = slices.Clone(buckets)
	slices.SortFunc(buckets, func(a, b store.Bucket) int { return strings.Compare(a.Key, b.Key) })
	t := now.UnixMicro()
	var wait time.Duration
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for _, b := range buckets {
			if b.Burst <= 0 || b.Every <= 0 {
				continue
			}
			step := b.Every.Microseconds()
			tolerance := int64(b.Burst-1) * step
			if !b.Peek {
				err := tx.QueryRow(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $2::bigint + $3::bigint)
					ON CONFLICT (key) DO UPDATE SET tat = greatest(rate_limits.tat, $2::bigint) + $3::bigint
						WHERE rate_limits.tat - $2::bigint <= $4::bigint
					RETURNING tat`, b.Key, t, step, tolerance).Scan(new(int64))
				if err == nil {
					continue
				}
				if !errors.Is(err, pgx.ErrNoRows) {
					return fmt.Errorf("bucket %s: %w", b.Key, err)
				}
			}
			var tat int64
			err := tx.QueryRow(ctx, `SELECT tat FROM rate_limits WHERE key = $1`, b.Key).Scan(&tat)
			if errors.Is(err, pgx.ErrNoRows) {
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
		_, _ = s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE tat < $1`, t)
	}
	return true, 0, nil
}

// errRefused rolls back the charges of a refused ThrottleAll.
var errRefused = errors.New("refused")
