package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// None of the writes of this file change the store version: pages do not
// show subscriptions or mail jobs.
//
// Locks are taken in one order, a mail job before its subscription
// (ClaimMailJob, MarkSent, FailMailJob, Unsubscribe), so that writers of
// the queue do not deadlock one another.

// subscriptionCols are the subscriptions columns of rows.ScanSubscription, for a
// query that names the table s.
const subscriptionCols = `s.id, s.email, s.user_id, s.frequency, s.categories, s.keywords, s.query, s.created_at,
	s.confirmed_at, s.paused_at, s.unsubscribed_at, s.failures, s.blocked_at, s.for_you`

// subscriptionByIDSQL reads one subscription by id.
const subscriptionByIDSQL = `SELECT ` + subscriptionCols + ` FROM subscriptions s WHERE s.id = $1`

// subscriptionByEmailSQL finds an address's row by the unique index on
// lower(email).
const subscriptionByEmailSQL = `SELECT ` + subscriptionCols + ` FROM subscriptions s WHERE lower(s.email) = lower($1)`

// Subscribe adds an unconfirmed subscription, or starts an unsubscribed one
// anew. Two requests for one address make one row: the insert leaves out a
// row another transaction added meanwhile (ON CONFLICT DO NOTHING waits for
// that transaction), and the loop then finds that row.
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
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for {
			old, err := rows.ScanSubscription(tx.QueryRow(ctx, subscriptionByEmailSQL+` FOR UPDATE`, sub.Email).Scan)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				var id int64
				err := tx.QueryRow(ctx, `INSERT INTO subscriptions (email, user_id, frequency, categories, keywords, query, created_at, for_you)
					VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
					ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
					sub.Email, rows.NullID(sub.UserID), frequency, categories, keywords, sub.Query, created, sub.ForYou).Scan(&id)
				if errors.Is(err, pgx.ErrNoRows) {
					continue // another transaction added the address
				}
				if err != nil {
					return err
				}
				added = true
				out, err = rows.ScanSubscription(tx.QueryRow(ctx, subscriptionByIDSQL, id).Scan)
				return err
			case err != nil:
				return err
			case old.UnsubscribedAt.IsZero():
				out = old
				return nil
			default:
				// Starting again: the new choices, unconfirmed, no failures.
				// A blocked address stays blocked; the account it was made
				// from stays when none is given now.
				added = true
				out, err = rows.ScanSubscription(tx.QueryRow(ctx, `UPDATE subscriptions s SET email = $1, user_id = coalesce($2, user_id),
					frequency = $3, categories = $4, keywords = $5::jsonb, query = $6, created_at = $7, for_you = $9,
					confirmed_at = NULL, paused_at = NULL, unsubscribed_at = NULL, failures = 0
					WHERE id = $8 RETURNING `+subscriptionCols,
					sub.Email, rows.NullID(sub.UserID), frequency, categories, keywords, sub.Query, created, old.ID, sub.ForYou).Scan)

				return err
			}
		}
	})
	if err != nil {
		return store.Subscription{}, false, err
	}
	return out, added, nil
}

// SubscriptionByID returns one subscription.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (_ store.Subscription, err error) {
	defer wrap(&err, "subscription %d", id)
	sub, err := rows.ScanSubscription(s.pool.QueryRow(ctx, subscriptionByIDSQL, id).Scan)
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// SubscriptionByEmail finds the subscription of an address, ignoring case.
func (s *Store) SubscriptionByEmail(ctx context.Context, email string) (_ store.Subscription, err error) {
	defer wrap(&err, "subscription <%s>", email)
	sub, err := rows.ScanSubscription(s.pool.QueryRow(ctx, subscriptionByEmailSQL, email).Scan)
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// ConfirmSubscription confirms a subscription; a confirmed one keeps its
// first confirmation time.
func (s *Store) ConfirmSubscription(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "confirm subscription %d", id)
	// PostgreSQL counts the rows an UPDATE matched, changed or not.
	err = updateOne(ctx, s.pool, `UPDATE subscriptions SET confirmed_at = coalesce(confirmed_at, $1) WHERE id = $2`,
		rows.OrNow(at).UnixMilli(), id)
	return err
}

// UpdateSubscription replaces the frequency, the filters and PausedAt.
func (s *Store) UpdateSubscription(ctx context.Context, sub store.Subscription) (err error) {
	defer wrap(&err, "update subscription %d", sub.ID)
	frequency, categories, keywords, err := rows.SubscriptionArgs(sub)
	if err == nil {
		err = updateOne(ctx, s.pool, `UPDATE subscriptions SET frequency = $1, categories = $2, keywords = $3::jsonb, query = $4,
			paused_at = $5, for_you = $7 WHERE id = $6`, frequency, categories, keywords, sub.Query, rows.NullMillis(sub.PausedAt), sub.ID, sub.ForYou)
	}
	return err
}

// Unsubscribe ends a subscription, keeping the first time it ended, and
// fails its jobs that no process is sending yet. A holder of a claimed job
// finds out at MarkSending. The jobs are written before the subscription,
// in the order of the other writers of the queue.
func (s *Store) Unsubscribe(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "unsubscribe %d", id)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = 'unsubscribed'
			WHERE subscription_id = $1 AND state IN ('queued', 'claimed')`, id); err != nil {
			return err
		}
		return updateOne(ctx, tx, `UPDATE subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, $1) WHERE id = $2`,
			rows.OrNow(at).UnixMilli(), id)
	})
}

// ActiveSubscriptions lists active subscriptions of a frequency by id,
// from the partial index subscriptions_active.
func (s *Store) ActiveSubscriptions(ctx context.Context, f store.Frequency, after int64, limit int) ([]store.Subscription, error) {
	return queryAll(ctx, s.pool, fmt.Sprintf("active %s subscriptions", f), rows.ScanSubscription, `SELECT `+subscriptionCols+` FROM subscriptions s
		WHERE s.frequency = $1 AND s.id > $2
		AND s.confirmed_at IS NOT NULL AND s.paused_at IS NULL AND s.unsubscribed_at IS NULL AND s.blocked_at IS NULL
		ORDER BY s.id LIMIT $3`, string(f), after, sqlLimit(limit))
}

// EnqueueDigests queues a job per known subscription in one statement:
// selecting from subscriptions skips unknown ids (which the foreign key
// would refuse), and the UNIQUE (subscription_id, period) makes a second
// job for a period a row that ON CONFLICT DO NOTHING leaves out, also when
// another process queues the same period at once. The rows go in by
// subscription id, whatever the order given: two processes queueing
// overlapping lists then wait for one another in one order, never in a
// deadlock.
func (s *Store) EnqueueDigests(ctx context.Context, period string, subscriptionIDs []int64, now time.Time) (_ int, err error) {
	defer wrap(&err, "enqueue digests of %s", period)
	at := rows.OrNow(now).UnixMilli()
	ids := slices.Clone(subscriptionIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO mail_jobs (subscription_id, period, state, next_at, created_at)
		SELECT id, $1, 'queued', $2, $2 FROM subscriptions WHERE id = ANY($3::bigint[]) ORDER BY id
		ON CONFLICT (subscription_id, period) DO NOTHING`, period, at, ids)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// jobCols are the mail_jobs columns of rows.ScanJob; they name no table, so
// that RETURNING can use them.
const jobCols = `id, subscription_id, period, state, attempts, next_at, lease_until, claim, message_id, last_error, created_at, sent_at`

// claimActive is whether the subscription s of a job is active.
const claimActive = `s.confirmed_at IS NOT NULL AND s.paused_at IS NULL AND s.unsubscribed_at IS NULL AND s.blocked_at IS NULL`

// claimQueuedSQL locks the oldest due queued job, by (next_at, id), that
// no other transaction holds, reading mail_jobs_state in order and stopping
// at the first such row however many jobs are due.
const claimQueuedSQL = `SELECT j.id, j.next_at, ` + claimActive + `
	FROM mail_jobs j JOIN subscriptions s ON s.id = j.subscription_id
	WHERE j.state = 'queued' AND j.next_at <= $1
	ORDER BY j.next_at, j.id LIMIT 1
	FOR UPDATE OF j SKIP LOCKED`

// claimExpiredSQL locks the oldest claimed job whose lease ran out and
// which comes before (next_at, id) = ($2, $3). Claimed jobs are few: one
// per process at work, and those of processes that stopped.
const claimExpiredSQL = `SELECT j.id, j.next_at, ` + claimActive + `
	FROM mail_jobs j JOIN subscriptions s ON s.id = j.subscription_id
	WHERE j.state = 'claimed' AND j.lease_until <= $1 AND (j.next_at, j.id) < ($2, $3)
	ORDER BY j.next_at, j.id LIMIT 1
	FOR UPDATE OF j SKIP LOCKED`

// ClaimMailJob claims the next job in one transaction, safe with any number
// of processes: the pick locks its row with FOR UPDATE SKIP LOCKED, so
// claimers at once take different jobs and none waits for another, and a
// row another transaction changed meanwhile is checked again against the
// query before it is taken. The next job is the older, by (next_at, id), of
// the oldest due queued job and the oldest claimed job whose lease ran out
// (the loser of the two stays locked until the transaction ends, a moment
// in which other claimers pass it by). Jobs of subscriptions that are no
// longer active (paused, unsubscribed, blocked) are failed on the way, and
// stay failed when no job is left.
func (s *Store) ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (_ store.MailJob, err error) {
	defer wrap(&err, "claim mail job")
	now = rows.OrNow(now)
	var (
		job   store.MailJob
		found bool
	)
	err = s.inQueueTx(ctx, func(tx pgx.Tx) error {
		for {
			var (
				id, next int64
				active   bool
			)
			err := tx.QueryRow(ctx, claimQueuedSQL, now.UnixMilli()).Scan(&id, &next, &active)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				// No due queued job: any expired claim will do.
				id, next = 0, 1<<62
			case err != nil:
				return err
			}
			var eid, enext int64
			var eactive bool
			err = tx.QueryRow(ctx, claimExpiredSQL, now.UnixMilli(), next, id).Scan(&eid, &enext, &eactive)
			switch {
			case err == nil:
				id, active = eid, eactive
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			case id == 0:
				return nil // nothing to claim
			}
			if !active {
				if _, err := tx.Exec(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = 'subscription not active'
					WHERE id = $1`, id); err != nil {
					return err
				}
				continue
			}
			job, err = rows.ScanJob(tx.QueryRow(ctx, `UPDATE mail_jobs SET state = 'claimed', claim = $1, lease_until = $2,
				attempts = attempts + 1 WHERE id = $3 RETURNING `+jobCols, claim, now.Add(lease).UnixMilli(), id).Scan)

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
func holderUpdate(ctx context.Context, q querier, query string, args ...any) error {
	tag, err := q.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errNotHeld
	}
	return nil
}

// inQueueTx runs fn in a transaction committed with synchronous_commit
// off, for the steps every mail takes (claim, sending, sent): the server
// answers the commit before its WAL is flushed. The change is visible and
// stays whatever happens to this process (a crash of the database server
// could take back the last few: a claim, or a "sending" mark, and the job
// would be sent again after its lease). With the flush, the wait for it
// lies between the "sending" mark and the message's final dot, where a
// process killed leaves a digest marked and never delivered (see
// store.JobUnknown); without, that gap is one round trip.
func (s *Store) inQueueTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = `+s.queueSync()); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (s *Store) queueSync() string {
	if s.fullQueueSync {
		return "on"
	}
	return "off"
}

// MarkSending moves a claimed job to sending. A claim whose lease ran out
// but which nobody took over is still the caller's.
func (s *Store) MarkSending(ctx context.Context, jobID int64, claim, messageID string) (err error) {
	defer wrap(&err, "mark mail job %d sending", jobID)
	return s.inQueueTx(ctx, func(tx pgx.Tx) error {
		return holderUpdate(ctx, tx, `UPDATE mail_jobs SET state = 'sending', message_id = $1
			WHERE id = $2 AND claim = $3 AND state = 'claimed'`, messageID, jobID, claim)
	})
}

// MarkSent records a delivered job and resets its subscription's count of
// failures.
func (s *Store) MarkSent(ctx context.Context, jobID int64, claim string, at time.Time) (err error) {
	defer wrap(&err, "mark mail job %d sent", jobID)
	return s.inQueueTx(ctx, func(tx pgx.Tx) error {
		var subID int64
		err := tx.QueryRow(ctx, `UPDATE mail_jobs SET state = 'sent', sent_at = $1
			WHERE id = $2 AND claim = $3 AND state = 'sending' RETURNING subscription_id`,
			rows.OrNow(at).UnixMilli(), jobID, claim).Scan(&subID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotHeld
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET failures = 0 WHERE id = $1 AND failures <> 0`, subID)
		return err
	})
}

// RetryMailJob queues a claimed or sending job again from next, without a
// claim.
func (s *Store) RetryMailJob(ctx context.Context, jobID int64, claim string, next time.Time, reason string) (err error) {
	defer wrap(&err, "retry mail job %d", jobID)
	return holderUpdate(ctx, s.pool, `UPDATE mail_jobs SET state = 'queued', next_at = $1, last_error = $2, claim = '', lease_until = NULL
		WHERE id = $3 AND claim = $4 AND state IN ('claimed', 'sending')`, rows.OrNow(next).UnixMilli(), reason, jobID, claim)
}

// FailMailJob fails a claimed or sending job and counts a failure on its
// subscription, blocking it at maxFailures in a row (never when
// maxFailures is 0 or less). A blocked subscription keeps its first
// blocking time.
func (s *Store) FailMailJob(ctx context.Context, jobID int64, claim, reason string, maxFailures int) (err error) {
	defer wrap(&err, "fail mail job %d", jobID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var subID int64
		err := tx.QueryRow(ctx, `UPDATE mail_jobs SET state = 'failed', last_error = $1
			WHERE id = $2 AND claim = $3 AND state IN ('claimed', 'sending') RETURNING subscription_id`,
			reason, jobID, claim).Scan(&subID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotHeld
		}
		if err != nil {
			return err
		}
		// SET expressions read the row as it was before the UPDATE.
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET failures = failures + 1,
			blocked_at = CASE WHEN $1::integer > 0 AND failures + 1 >= $1::integer THEN coalesce(blocked_at, $2) ELSE blocked_at END
			WHERE id = $3`, maxFailures, rows.OrNow(time.Time{}).UnixMilli(), subID)
		return err
	})
}

// ExpireSending marks sending jobs whose lease ran out by now as unknown.
func (s *Store) ExpireSending(ctx context.Context, now time.Time) (_ int, err error) {
	defer wrap(&err, "expire sending mail jobs")
	tag, err := s.pool.Exec(ctx, `UPDATE mail_jobs SET state = 'unknown', last_error = 'the lease ran out while sending'
		WHERE state = 'sending' AND lease_until <= $1`, rows.OrNow(now).UnixMilli())
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// MailJobs lists a period's jobs by id.
func (s *Store) MailJobs(ctx context.Context, period string) ([]store.MailJob, error) {
	return queryAll(ctx, s.pool, "mail jobs of "+period, rows.ScanJob, `SELECT `+jobCols+` FROM mail_jobs WHERE period = $1 ORDER BY id`, period)
}

// MailJobCounts counts jobs by state; mail_jobs_state (state, next_at)
// covers the grouping, so the count reads the index, not the table.
func (s *Store) MailJobCounts(ctx context.Context) (map[string]int, error) {
	type count struct {
		state string
		n     int
	}
	cs, err := queryAll(ctx, s.pool, "mail jobs by state", func(scan func(dest ...any) error) (c count, err error) {
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
	err = s.pool.QueryRow(ctx, `INSERT INTO digest_runs (period, started_at, finished_at, queued, sent, failed, skipped, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, r.Period, r.StartedAt.UnixMilli(), rows.NullMillis(r.FinishedAt),
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
	err = updateOne(ctx, s.pool, `UPDATE digest_runs SET finished_at = $1, queued = $2, sent = $3, failed = $4, skipped = $5, note = $6
		WHERE id = $7`, rows.OrNow(r.FinishedAt).UnixMilli(), r.Queued, r.Sent, r.Failed, r.Skipped, r.Note, r.ID)
	return err
}

// DigestRuns lists the latest runs, newest first.
func (s *Store) DigestRuns(ctx context.Context, limit int) ([]store.DigestRun, error) {
	return queryAll(ctx, s.pool, "digest runs", func(scan func(dest ...any) error) (store.DigestRun, error) {
		var r store.DigestRun
		err := scan(&r.ID, &r.Period, rows.Millis(&r.StartedAt), rows.Millis(&r.FinishedAt), &r.Queued, &r.Sent, &r.Failed, &r.Skipped, &r.Note)
		return r, err
	}, `SELECT id, period, started_at, finished_at, queued, sent, failed, skipped, note
		FROM digest_runs ORDER BY id DESC LIMIT $1`, sqlLimit(limit))
}

// Lead takes or renews a lease in one statement: the upsert only replaces
// a lease that ran out or is the holder's own. Since stays while the
// holder renews a live lease, and starts again when it takes one.
func (s *Store) Lead(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (_ bool, err error) {
	defer wrap(&err, "lead %s", name)
	var got string
	err = s.pool.QueryRow(ctx, `INSERT INTO leaders (name, holder, until, since) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until,
			since = CASE WHEN leaders.holder = excluded.holder AND leaders.until > $4 THEN leaders.since ELSE excluded.since END
			WHERE leaders.until <= $4 OR leaders.holder = excluded.holder
		RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) { // another holds a live lease
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
	_, err = s.pool.Exec(ctx, `DELETE FROM leaders WHERE name = $1 AND holder = $2`, name, holder)
	return err
}

// Leases lists the leases by name.
func (s *Store) Leases(ctx context.Context) ([]store.Lease, error) {
	return queryAll(ctx, s.pool, "leases", func(scan func(dest ...any) error) (store.Lease, error) {
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
	rs, err := queryAll(ctx, s.pool, "mail job states", scanState, `SELECT period, state, count(*) FROM mail_jobs
		WHERE period = ANY($1) GROUP BY period, state`, periods)
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
