package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Deliverer sends a mail in two steps: it calls commit once the mail
// server holds the whole message, and tells it to deliver only if commit
// succeeds (mail.SMTPSender.Deliver).
type Deliverer interface {
	Deliver(ctx context.Context, m mail.Message, commit func() error) error
}

// SendOnly makes a one-step Sender (such as the development log sender) a
// Deliverer: it commits, then sends.
type SendOnly struct{ mail.Sender }

// Deliver commits, then sends.
func (s SendOnly) Deliver(ctx context.Context, m mail.Message, commit func() error) error {
	if err := commit(); err != nil {
		return err
	}
	return s.Send(ctx, m)
}

// Store is what a Runner needs of the store: the subscriptions it queues
// for, the mail queue it works through, and the records of its runs. It is
// declared here, where it is used, so that the store methods of other
// features do not reach this package; each method keeps the contract
// documented on store.Digests, and store.Store satisfies it.
type Store interface {
	ActiveSubscriptions(ctx context.Context, f store.Frequency, after int64, limit int) ([]store.Subscription, error)
	SubscriptionByID(ctx context.Context, id int64) (store.Subscription, error)

	EnqueueDigests(ctx context.Context, period string, subscriptionIDs []int64, now time.Time) (int, error)
	ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (store.MailJob, error)
	MarkSending(ctx context.Context, jobID int64, claim, messageID string) error
	MarkSent(ctx context.Context, jobID int64, claim string, at time.Time) error
	RetryMailJob(ctx context.Context, jobID int64, claim string, next time.Time, reason string) error
	FailMailJob(ctx context.Context, jobID int64, claim, reason string, maxFailures int) error
	ExpireSending(ctx context.Context, now time.Time) (int, error)

	StartDigestRun(ctx context.Context, r store.DigestRun) (store.DigestRun, error)
	FinishDigestRun(ctx context.Context, r store.DigestRun) error
}

// Runner queues and sends digests through the store's mail queue. Every
// (subscription, period) digest is queued once (the queue's key), claimed
// by one process at a time (a lease and a claim token), recorded as
// "sending" before the mail server is told to deliver it, and never sent
// again after that record, whatever stops in between.
type Runner struct {
	Store    Store
	Composer *Composer
	Mail     Deliverer
	Log      *slog.Logger
	// Lease is how long a claimed job stays with its process; 2 minutes
	// when 0. MaxAttempts (6) bounds the tries after temporary failures;
	// MaxFailures (3) permanent failures in a row block an address.
	Lease       time.Duration
	MaxAttempts int
	MaxFailures int
	// Crash, when set, is called between the steps of sending, named
	// "claimed", "committed" and "delivered"; the crash test kills the
	// process there.
	Crash func(step string)
	// Metrics, when set, counts each mail's outcome.
	Metrics *metrics.Metrics
	// Workers is how many digests Send composes and sends at once (1
	// when 0), each claiming its own jobs: composing a digest with a
	// For-you section is CPU work, and one worker leaves a second core
	// idle while it waits on the store and the mail server. Mail must
	// then be safe for concurrent use (mail.SMTPSender is).
	Workers int
}

// Counts says what a run did.
type Counts struct {
	Queued, Sent, Failed, Skipped, Retried int
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

func (r *Runner) crash(step string) {
	if r.Crash != nil {
		r.Crash(step)
	}
}

// Queue adds a job for every active subscription of the period's
// frequency that has none for it. A period without papers queues nothing:
// every subscriber is skipped.
func (r *Runner) Queue(ctx context.Context, p Period, now time.Time) (Counts, error) {
	var c Counts
	ed, err := r.Composer.Edition(ctx, p)
	if err != nil {
		return c, err
	}
	var after int64
	for {
		subs, err := r.Store.ActiveSubscriptions(ctx, p.Frequency, after, 1000)
		if err != nil {
			return c, err
		}
		if len(subs) == 0 {
			return c, nil
		}
		after = subs[len(subs)-1].ID
		if len(ed.All) == 0 {
			c.Skipped += len(subs)
			continue
		}
		ids := make([]int64, len(subs))
		for i := range subs {
			ids[i] = subs[i].ID
		}
		n, err := r.Store.EnqueueDigests(ctx, p.Key, ids, now)
		if err != nil {
			return c, err
		}
		c.Queued += n
	}
}

// Send sends queued jobs until none is due, and returns what it did.
// With Workers above 1, each worker claims jobs under its own claim, as
// separate senders do; an error that stops one stops the others from
// claiming more once their digest in hand is done (never in the middle
// of one: a mail cut off while the server is told to deliver it is lost).
func (r *Runner) Send(ctx context.Context, now func() time.Time) (Counts, error) {
	var c Counts
	if n, err := r.Store.ExpireSending(ctx, now()); err != nil {
		return c, err
	} else if n > 0 {
		r.log().Warn("digests stopped while being sent are not sent again", "jobs", n)
	}
	eds := &editions{m: map[string]*Edition{}}
	var (
		mu       sync.Mutex // guards c and failure
		failure  error
		stopping atomic.Bool
		wg       sync.WaitGroup
	)
	for range max(r.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claim := newClaim()
			for ctx.Err() == nil && !stopping.Load() {
				job, err := r.Store.ClaimMailJob(ctx, claim, now(), r.lease())
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err == nil {
					r.crash("claimed")
					err = r.sendJob(ctx, &job, claim, eds, now)
				}
				mu.Lock()
				switch {
				case err == nil:
					c.Sent++
					r.Metrics.Mail("sent")
				case errors.Is(err, errRetry):
					c.Retried++
					r.Metrics.Mail("retried")
				case errors.Is(err, errFailed):
					c.Failed++
					r.Metrics.Mail("failed")
				default:
					if failure == nil {
						failure = err
					}
					stopping.Store(true)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		return c, failure
	}
	return c, ctx.Err()
}

// editions are the editions a Send has loaded, by period key, shared by
// its workers: an Edition is safe for concurrent use.
type editions struct {
	mu sync.Mutex
	m  map[string]*Edition
}

// get loads the period's edition once.
func (e *editions) get(ctx context.Context, c *Composer, p Period) (*Edition, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ed, ok := e.m[p.Key]; ok {
		return ed, nil
	}
	ed, err := c.Edition(ctx, p)
	if err != nil {
		return nil, err
	}
	e.m[p.Key] = ed
	return ed, nil
}

var (
	errRetry  = errors.New("retry later")
	errFailed = errors.New("failed")
)

func (r *Runner) sendJob(ctx context.Context, job *store.MailJob, claim string, eds *editions, now func() time.Time) error {
	sub, err := r.Store.SubscriptionByID(ctx, job.SubscriptionID)
	if err != nil {
		return err
	}
	p, err := ParsePeriod(job.Period)
	if err != nil {
		return r.fail(ctx, job, claim, &sub, err.Error())
	}
	ed, err := eds.get(ctx, r.Composer, p)
	if err != nil {
		return err
	}
	d, err := r.Composer.Compose(ctx, ed, &sub, now())
	var msg mail.Message
	if err == nil {
		msg, err = r.Composer.Message(d, &sub, now())
	}
	if err != nil {
		// One digest that cannot be made (a saved search while the index
		// loads) must not hold up the others: it waits its turn again.
		return r.retry(ctx, job, claim, &sub, now().Add(backoff(job.Attempts)), "composing: "+err.Error())
	}
	commit := func() error {
		if err := r.Store.MarkSending(ctx, job.ID, claim, msg.MessageID); err != nil {
			return err
		}
		r.crash("committed")
		return nil
	}
	err = r.Mail.Deliver(ctx, msg, commit)
	r.crash("delivered")
	switch {
	case err == nil:
		if err := r.Store.MarkSent(ctx, job.ID, claim, now()); errors.Is(err, store.ErrConflict) {
			// Delivered, but the lease ran out and the job was marked
			// unknown meanwhile: it is not sent again either way.
			r.log().Warn("digest delivered after its lease ran out", "period", job.Period, "subscription", sub.ID)
			return nil
		} else if err != nil {
			return err
		}
		r.log().Info("digest sent", "period", job.Period, "subscription", sub.ID)
		return nil
	case errors.Is(err, store.ErrConflict):
		// The lease ran out and another process holds the job now.
		return errRetry
	case errors.Is(err, mail.ErrUncertain):
		// The server was told to deliver; whether it did is unknown. The
		// job stays "sending" and is never sent again.
		r.log().Warn("digest may or may not have been delivered", "period", job.Period, "subscription", sub.ID, "err", err)
		return errFailed
	case mail.IsPermanent(err):
		return r.fail(ctx, job, claim, &sub, err.Error())
	default: // temporary: a 4xx answer, a network error
		if job.Attempts >= r.maxAttempts() {
			return r.fail(ctx, job, claim, &sub, fmt.Sprintf("gave up after %d attempts: %v", job.Attempts, err))
		}
		return r.retry(ctx, job, claim, &sub, now().Add(backoff(job.Attempts)), err.Error())
	}
}

// retry puts a job back in the queue until next.
func (r *Runner) retry(ctx context.Context, job *store.MailJob, claim string, sub *store.Subscription, next time.Time, reason string) error {
	if err := r.Store.RetryMailJob(ctx, job.ID, claim, next, reason); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	r.log().Info("digest will be retried", "period", job.Period, "subscription", sub.ID, "at", next, "reason", reason)
	return errRetry
}

func (r *Runner) fail(ctx context.Context, job *store.MailJob, claim string, sub *store.Subscription, reason string) error {
	// A conflict means the job is no longer this process's (its lease ran
	// out): whoever holds it now decides.
	if err := r.Store.FailMailJob(ctx, job.ID, claim, reason, r.maxFailures()); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	r.log().Warn("digest failed", "period", job.Period, "subscription", sub.ID, "reason", reason)
	return errFailed
}

// backoff is the wait before attempt n+1: 1, 4, 16, 64 minutes, at most 2 hours.
func backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 2*time.Hour; i++ {
		d *= 4
	}
	return min(d, 2*time.Hour)
}

func (r *Runner) lease() time.Duration {
	if r.Lease <= 0 {
		return 2 * time.Minute
	}
	return r.Lease
}

func (r *Runner) maxAttempts() int {
	if r.MaxAttempts <= 0 {
		return 6
	}
	return r.MaxAttempts
}

func (r *Runner) maxFailures() int {
	if r.MaxFailures <= 0 {
		return 3
	}
	return r.MaxFailures
}

func newClaim() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// retryNote is the note of a run that queued its period and left jobs to
// retry; any other note but "" is the error that ended the run.
const retryNote = "%d to retry"

// Completed reports whether a run queued its whole period: it finished
// without an error. A period with a completed run is not run again, by
// any process: what it left in the queue is sent by later passes of Send.
func Completed(r store.DigestRun) bool {
	var n int
	_, err := fmt.Sscanf(r.Note, retryNote, &n)
	return !r.FinishedAt.IsZero() && (r.Note == "" || err == nil && fmt.Sprintf(retryNote, n) == r.Note)
}

// Run queues the periods due at now and sends what is queued, recording
// a run per period for the admin page.
func (r *Runner) Run(ctx context.Context, periods []Period, now func() time.Time) (Counts, error) {
	var total Counts
	for _, p := range periods {
		run, err := r.Store.StartDigestRun(ctx, store.DigestRun{Period: p.Key, StartedAt: now()})
		if err != nil {
			return total, err
		}
		q, qerr := r.Queue(ctx, p, now())
		var s Counts
		var serr error
		if qerr == nil {
			s, serr = r.Send(ctx, now)
		}
		run.FinishedAt, run.Queued, run.Skipped = now(), q.Queued, q.Skipped
		run.Sent, run.Failed = s.Sent, s.Failed
		if err := errors.Join(qerr, serr); err != nil {
			run.Note = err.Error()
		} else if s.Retried > 0 {
			run.Note = fmt.Sprintf(retryNote, s.Retried)
		}
		if err := r.Store.FinishDigestRun(ctx, run); err != nil {
			return total, err
		}
		if err := errors.Join(qerr, serr); err != nil {
			return total, err
		}
		total.Queued += q.Queued
		total.Skipped += q.Skipped
		total.Sent += s.Sent
		total.Failed += s.Failed
		total.Retried += s.Retried
	}
	return total, nil
}
