package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// None of the writes of this file change the store version: pages do not
// show subscriptions or mail jobs.

// subscriptionCols are the subscriptions columns of rows.ScanSubscription, for a
// query that names the table s.
const subscriptionCols = `s.id, s.email, s.user_id, s.frequency, s.categories, s.keywords, s.query, s.created_at,
	s.confirmed_at, s.paused_at, s.unsubscribed_at, s.failures, s.blocked_at, s.for_you`

// subscriptionByIDSQL reads one subscription by id.
const subscriptionByIDSQL = `SELECT ` + subscriptionCols + ` FROM subscriptions s WHERE s.id = ?`

// subscriptionByEmailSQL finds an address's row; the column is COLLATE
// NOCASE, so the comparison ignores case.
const subscriptionByEmailSQL = `SELECT ` + subscriptionCols + ` FROM subscriptions s WHERE s.email = ?`

// Subscribe adds an unconfirmed subscription, or starts an unsubscribed one
// anew. The lookup and the write share a transaction, so two requests for
// one address make one row.
func (s *Store) Subscribe(ctx context.Context, sub store.Subscription) (_ store.Subscription, _ bool, err error) {
	defer wrap(&err, "subscribe <%s>", sub.Email)
	frequency, categories, keywords, err := rows.SubscriptionArgs(sub)
	if err != nil {
		return store.Subscription{}, false, err
	}
	created := rows.OrNow(sub.CreatedAt).UnixMilli()
	var (
		out   store.Subscription
		added bool
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := rows.ScanSubscription(tx.QueryRowContext(ctx, subscriptionByEmailSQL, sub.Email).Scan)
		var id int64
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `INSERT INTO subscriptions (email, user_id, frequency, categories, keywords, query, created_at, for_you)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				sub.Email, rows.NullID(sub.UserID), frequency, categories, keywords, sub.Query, created, sub.ForYou).Scan(&id); err != nil {
				return err
			}
		case err != nil:
			return err
		case old.UnsubscribedAt.IsZero():
			out = old
			return nil
		default:
			// Starting again: the new choices, unconfirmed, no failures.
			// A blocked address stays blocked; the account it was made
			// from stays when none is given now.
			id = old.ID
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET email = ?, user_id = coalesce(?, user_id),
				frequency = ?, categories = ?, keywords = ?, query = ?, created_at = ?, for_you = ?,
				confirmed_at = NULL, paused_at = NULL, unsubscribed_at = NULL, failures = 0
				WHERE id = ?`, sub.Email, rows.NullID(sub.UserID), frequency, categories, keywords, sub.Query, created, sub.ForYou, id); err != nil {
				return err
			}
		}
		added = true
		out, err = rows.ScanSubscription(tx.QueryRowContext(ctx, subscriptionByIDSQL, id).Scan)
		return err
	})
	if err != nil {
		return store.Subscription{}, false, err
	}
	return out, added, nil
}

// SubscriptionByID returns one subscription.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (_ store.Subscription, err error) {
	defer wrap(&err, "subscription %d", id)
	sub, err := rows.ScanSubscription(s.r.QueryRowContext(ctx, subscriptionByIDSQL, id).Scan)
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// SubscriptionByEmail finds the subscription of an address, ignoring case.
func (s *Store) SubscriptionByEmail(ctx context.Context, email string) (_ store.Subscription, err error) {
	defer wrap(&err, "subscription <%s>", email)
	sub, err := rows.ScanSubscription(s.r.QueryRowContext(ctx, subscriptionByEmailSQL, email).Scan)
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// ConfirmSubscription confirms a subscription; a confirmed one keeps its
// first confirmation time.
func (s *Store) ConfirmSubscription(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "confirm subscription %d", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// SQLite counts the rows an UPDATE matched, changed or not.
		return updateOne(ctx, tx, `UPDATE subscriptions SET confirmed_at = coalesce(confirmed_at, ?) WHERE id = ?`,
			rows.OrNow(at).UnixMilli(), id)
	})
}

// UpdateSubscription replaces the frequency, the filters and PausedAt.
func (s *Store) UpdateSubscription(ctx context.Context, sub store.Subscription) (err error) {
	defer wrap(&err, "update subscription %d", sub.ID)
	frequency, categories, keywords, err := rows.SubscriptionArgs(sub)
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			return updateOne(ctx, tx, `UPDATE subscriptions SET frequency = ?, categories = ?, keywords = ?, query = ?, paused_at = ?,
				for_you = ? WHERE id = ?`, frequency, categories, keywords, sub.Query, rows.NullMillis(sub.PausedAt), sub.ForYou, sub.ID)
		})
	}
	return err
}

// Unsubscribe ends a subscription, keeping the first time it ended, and
// fails its jobs that no process is sending yet. A holder of a claimed job
// finds out at MarkSending.
func (s *Store) Unsubscribe(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "unsubscribe %d", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, ?) WHERE id = ?`,
			rows.OrNow(at).UnixMilli(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = 'unsubscribed'
			WHERE subscription_id = ? AND state IN ('queued', 'claimed')`, id)
		return err
	})
}

// ActiveSubscriptions lists active subscriptions of a frequency by id,
// from the partial index subscriptions_active.
func (s *Store) ActiveSubscriptions(ctx context.Context, f store.Frequency, after int64, limit int) ([]store.Subscription, error) {
	return queryAll(ctx, s.r, fmt.Sprintf("active %s subscriptions", f), rows.ScanSubscription, `SELECT `+subscriptionCols+` FROM subscriptions s
		WHERE s.frequency = ? AND s.id > ?
		AND s.confirmed_at IS NOT NULL AND s.paused_at IS NULL AND s.unsubscribed_at IS NULL AND s.blocked_at IS NULL
		ORDER BY s.id LIMIT ?`, string(f), after, sqlLimit(limit))
}

// EnqueueDigests queues a job per known subscription in one transaction;
// the UNIQUE (subscription_id, period) makes a second one for a period a
// row that INSERT OR IGNORE leaves out.
func (s *Store) EnqueueDigests(ctx context.Context, period string, subscriptionIDs []int64, now time.Time) (_ int, err error) {
	defer wrap(&err, "enqueue digests of %s", period)
	at := rows.OrNow(now).UnixMilli()
	added := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Selecting from subscriptions skips unknown ids, which a foreign
		// key error would otherwise refuse (OR IGNORE does not cover those).
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO mail_jobs (subscription_id, period, state, next_at, created_at)
			SELECT id, ?, 'queued', ?, ? FROM subscriptions WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range subscriptionIDs {
			res, err := stmt.ExecContext(ctx, period, at, at, id)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// jobCols are the mail_jobs columns of rows.ScanJob; they name no table, so
// that RETURNING can use them.
const jobCols = `id, subscription_id, period, state, attempts, next_at, lease_until, claim, message_id, last_error, created_at, sent_at`

// claimNextSQL picks the job ClaimMailJob takes: the oldest due queued job
// or claimed job whose lease ran out, by (next_at, id), with whether its
// subscription is active. Each side of the UNION reads mail_jobs_state in
// order and stops at its first row, however many jobs are due.
const claimNextSQL = `SELECT j.id, s.confirmed_at IS NOT NULL AND s.paused_at IS NULL AND s.unsubscribed_at IS NULL AND s.blocked_at IS NULL
	FROM (
		SELECT * FROM (SELECT id, subscription_id, next_at FROM mail_jobs
			WHERE state = 'queued' AND next_at <= ?1 ORDER BY next_at, id LIMIT 1)
		UNION ALL
		SELECT * FROM (SELECT id, subscription_id, next_at FROM mail_jobs
			WHERE state = 'claimed' AND lease_until <= ?1 ORDER BY next_at, id LIMIT 1)
	) j JOIN subscriptions s ON s.id = j.subscription_id
	ORDER BY j.next_at, j.id LIMIT 1`

// ClaimMailJob claims the next job in one write transaction: SQLite's one
// writer makes the pick and the claim atomic, across processes too. Jobs
// of subscriptions that are no longer active (paused, unsubscribed,
// blocked) are failed on the way, and stay failed when no job is left.
func (s *Store) ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (_ store.MailJob, err error) {
	defer wrap(&err, "claim mail job")
	now = rows.OrNow(now)
	var (
		job   store.MailJob
		found bool
	)
	err = s.inQueueTx(ctx, func(tx *sql.Tx) error {
		for {
			var (
				id     int64
				active bool
			)
			err := tx.QueryRowContext(ctx, claimNextSQL, now.UnixMilli()).Scan(&id, &active)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if !active {
				if _, err := tx.ExecContext(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = 'subscription not active'
					WHERE id = ?`, id); err != nil {
					return err
				}
				continue
			}
			job, err = rows.ScanJob(tx.QueryRowContext(ctx, `UPDATE mail_jobs SET state = 'claimed', claim = ?, lease_until = ?,
				attempts = attempts + 1 WHERE id = ? RETURNING `+jobCols, claim, now.Add(lease).UnixMilli(), id).Scan)

			found = err == nil
			return err
		}
	})
	if err != nil {
		return store.MailJob{}, err
	}
	if !found {
		return store.MailJob{}, store.ErrNotFound
	}
	return job, nil
}

// errNotHeld is what the writes of a job's holder return when the job is
// not in the state they expect under their claim.
var errNotHeld = fmt.Errorf("%w: the job is not held under the claim", store.ErrConflict)

// holderUpdate runs an UPDATE of one job by its holder; matching no row is
// errNotHeld.
func holderUpdate(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotHeld
	}
	return nil
}

// inQueueTx runs fn in a write transaction committed with
// synchronous=NORMAL, for the steps every mail takes (claim, sending,
// sent). In WAL mode such a commit is in the file, for every process and
// the next start, as soon as it returns: it survives a crash of the
// process, not a power loss, which could take back the last few (a claim,
// a "sending" mark: the job would then be sent again after its lease).
// FULL adds an fsync to each, and a process killed during the fsync of
// "sending" is the worst moment of all: the mark may stand while the
// message never got its final dot, a digest lost for good (see
// store.JobUnknown). NORMAL takes that fsync out of the gap, and three out
// of each mail's cost (BENCHMARKS.md, "Digests through crashes").
func (s *Store) inQueueTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	conn, err := s.w.Conn(ctx) // the writer's one connection, until Close
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = `+s.queueSync()); err != nil {
		return err
	}
	// Back to FULL for every other write, whatever happens to ctx.
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// MarkSending moves a claimed job to sending. A claim whose lease ran out
// but which nobody took over is still the caller's.
func (s *Store) MarkSending(ctx context.Context, jobID int64, claim, messageID string) (err error) {
	defer wrap(&err, "mark mail job %d sending", jobID)
	return s.inQueueTx(ctx, func(tx *sql.Tx) error {
		return holderUpdate(ctx, tx, `UPDATE mail_jobs SET state = 'sending', message_id = ?
			WHERE id = ? AND claim = ? AND state = 'claimed'`, messageID, jobID, claim)
	})
}

// MarkSent records a delivered job and resets its subscription's count of
// failures.
func (s *Store) MarkSent(ctx context.Context, jobID int64, claim string, at time.Time) (err error) {
	defer wrap(&err, "mark mail job %d sent", jobID)
	return s.inQueueTx(ctx, func(tx *sql.Tx) error {
		var subID int64
		err := tx.QueryRowContext(ctx, `UPDATE mail_jobs SET state = 'sent', sent_at = ?
			WHERE id = ? AND claim = ? AND state = 'sending' RETURNING subscription_id`,
			rows.OrNow(at).UnixMilli(), jobID, claim).Scan(&subID)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotHeld
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET failures = 0 WHERE id = ? AND failures <> 0`, subID)
		return err
	})
}

// RetryMailJob queues a claimed or sending job again from next, without a
// claim.
func (s *Store) RetryMailJob(ctx context.Context, jobID int64, claim string, next time.Time, reason string) (err error) {
	defer wrap(&err, "retry mail job %d", jobID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return holderUpdate(ctx, tx, `UPDATE mail_jobs SET state = 'queued', next_at = ?, last_error = ?, claim = '', lease_until = NULL
			WHERE id = ? AND claim = ? AND state IN ('claimed', 'sending')`, rows.OrNow(next).UnixMilli(), reason, jobID, claim)
	})
}

// FailMailJob fails a claimed or sending job and counts a failure on its
// subscription, blocking it at maxFailures in a row (never when
// maxFailures is 0 or less). A blocked subscription keeps its first
// blocking time.
func (s *Store) FailMailJob(ctx context.Context, jobID int64, claim, reason string, maxFailures int) (err error) {
	defer wrap(&err, "fail mail job %d", jobID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var subID int64
		err := tx.QueryRowContext(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = ?
			WHERE id = ? AND claim = ? AND state IN ('claimed', 'sending') RETURNING subscription_id`,
			reason, jobID, claim).Scan(&subID)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotHeld
		}
		if err != nil {
			return err
		}
		// SET expressions read the row as it was before the UPDATE.
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET failures = failures + 1,
			blocked_at = CASE WHEN ?1 > 0 AND failures + 1 >= ?1 THEN coalesce(blocked_at, ?2) ELSE blocked_at END
			WHERE id = ?3`, maxFailures, rows.Now().UnixMilli(), subID)
		return err
	})
}

// ExpireSending marks sending jobs whose lease ran out by now as unknown.
func (s *Store) ExpireSending(ctx context.Context, now time.Time) (_ int, err error) {
	defer wrap(&err, "expire sending mail jobs")
	res, err := s.w.ExecContext(ctx, `UPDATE mail_jobs SET state = 'unknown', last_error = 'the lease ran out while sending'
		WHERE state = 'sending' AND lease_until <= ?`, rows.OrNow(now).UnixMilli())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// MailJobs lists a period's jobs by id.
func (s *Store) MailJobs(ctx context.Context, period string) ([]store.MailJob, error) {
	return queryAll(ctx, s.r, "mail jobs of "+period, rows.ScanJob, `SELECT `+jobCols+` FROM mail_jobs WHERE period = ? ORDER BY id`, period)
}

// MailJobCounts counts jobs by state; mail_jobs_state (state, next_at)
// covers the grouping, so the count reads the index, not the table.
func (s *Store) MailJobCounts(ctx context.Context) (map[string]int, error) {
	type count struct {
		state string
		n     int
	}
	cs, err := queryAll(ctx, s.r, "mail jobs by state", func(scan func(dest ...any) error) (c count, err error) {
		return c, scan(&c.state, &c.n)
	}, `SELECT state, count(*) FROM mail_jobs GROUP BY state`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(cs))
	for _, c := range cs {
		out[c.state] = c.n
	}
	return out, nil
}

// StartDigestRun records a run; its StartedAt is the one given, or now
// when that is zero.
func (s *Store) StartDigestRun(ctx context.Context, r store.DigestRun) (_ store.DigestRun, err error) {
	defer wrap(&err, "start digest run of %s", r.Period)
	r.StartedAt = rows.OrNow(r.StartedAt)
	if !r.FinishedAt.IsZero() {
		r.FinishedAt = rows.OrNow(r.FinishedAt)
	}
	err = s.w.QueryRowContext(ctx, `INSERT INTO digest_runs (period, started_at, finished_at, queued, sent, failed, skipped, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Period, r.StartedAt.UnixMilli(), rows.NullMillis(r.FinishedAt),
		r.Queued, r.Sent, r.Failed, r.Skipped, r.Note).Scan(&r.ID)
	if err != nil {
		return store.DigestRun{}, err
	}
	return r, nil
}

// FinishDigestRun records the end of a run and its counts: FinishedAt (now
// when zero), Queued, Sent, Failed, Skipped and Note replace the stored ones.
func (s *Store) FinishDigestRun(ctx context.Context, r store.DigestRun) (err error) {
	defer wrap(&err, "finish digest run %d", r.ID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return updateOne(ctx, tx, `UPDATE digest_runs SET finished_at = ?, queued = ?, sent = ?, failed = ?, skipped = ?, note = ?
			WHERE id = ?`, rows.OrNow(r.FinishedAt).UnixMilli(), r.Queued, r.Sent, r.Failed, r.Skipped, r.Note, r.ID)
	})
}

// DigestRuns lists the latest runs, newest first.
func (s *Store) DigestRuns(ctx context.Context, limit int) ([]store.DigestRun, error) {
	return queryAll(ctx, s.r, "digest runs", func(scan func(dest ...any) error) (store.DigestRun, error) {
		var r store.DigestRun
		err := scan(&r.ID, &r.Period, rows.Millis(&r.StartedAt), rows.Millis(&r.FinishedAt), &r.Queued, &r.Sent, &r.Failed, &r.Skipped, &r.Note)
		return r, err
	}, `SELECT id, period, started_at, finished_at, queued, sent, failed, skipped, note
		FROM digest_runs ORDER BY id DESC LIMIT ?`, sqlLimit(limit))
}

// Lead takes or renews a lease in one statement: the upsert only replaces
// a lease that ran out or is the holder's own. Since stays while the
// holder renews a live lease, and starts again when it takes one.
func (s *Store) Lead(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (_ bool, err error) {
	defer wrap(&err, "lead %s", name)
	var got string
	err = s.w.QueryRowContext(ctx, `INSERT INTO leaders (name, holder, until, since) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until,
			since = CASE WHEN leaders.holder = excluded.holder AND leaders.until > ?4 THEN leaders.since ELSE excluded.since END
			WHERE leaders.until <= ?4 OR leaders.holder = excluded.holder
		RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli()).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) { // another holds a live lease
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return got == holder, nil
}

// ReleaseLease deletes holder's lease on name, if it still has it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) (err error) {
	defer wrap(&err, "release lease %s", name)
	_, err = s.w.ExecContext(ctx, `DELETE FROM leaders WHERE name = ? AND holder = ?`, name, holder)
	return err
}

// Leases lists the leases by name.
func (s *Store) Leases(ctx context.Context) ([]store.Lease, error) {
	return queryAll(ctx, s.r, "leases", func(scan func(dest ...any) error) (store.Lease, error) {
		var l store.Lease
		err := scan(&l.Name, &l.Holder, rows.Millis(&l.Since), rows.Millis(&l.Until))
		return l, err
	}, `SELECT name, holder, NULLIF(since, 0), until FROM leaders ORDER BY name`)
}

// MailJobStates counts the periods' jobs by state in one query.
func (s *Store) MailJobStates(ctx context.Context, periods []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	if len(periods) == 0 {
		return out, nil
	}
	type stateCount struct {
		period, state string
		n             int
	}
	scanState := func(scan func(dest ...any) error) (stateCount, error) {
		var c stateCount
		err := scan(&c.period, &c.state, &c.n)
		return c, err
	}
	list, err := json.Marshal(periods)
	if err != nil {
		return nil, err
	}
	rs, err := queryAll(ctx, s.r, "mail job states", scanState, `SELECT period, state, count(*) FROM mail_jobs
		WHERE period IN (SELECT value FROM json_each(?)) GROUP BY period, state`, string(list))
	if err != nil {
		return nil, err
	}
	for _, c := range rs {
		if out[c.period] == nil {
			out[c.period] = map[string]int{}
		}
		out[c.period][c.state] = c.n
	}
	return out, nil
}
