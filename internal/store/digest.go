package store

import (
	"context"
	"time"
)

// Frequency is how often a subscriber gets a digest.
type Frequency string

const (
	Daily  Frequency = "daily"  // each weekday
	Weekly Frequency = "weekly" // each Monday, for the week before
)

// Subscription is an address that asked for digests, and what about.
type Subscription struct {
	ID         int64
	Email      string
	UserID     int64 // 0 when subscribed without an account
	Frequency  Frequency
	Categories []string // arXiv categories or archives ("cs.CL", "cs"); empty: any
	Keywords   []string // words or phrases; empty: none
	Query      string   // a saved search query; "" for none
	// ForYou asks for a "For you" section: the period's papers ranked
	// for the subscriber's account (UserID) by its reader model.
	ForYou    bool
	CreatedAt time.Time
	// ConfirmedAt is when the confirmation link was followed; until then
	// nothing but the confirmation mail is sent (double opt-in).
	ConfirmedAt time.Time
	PausedAt    time.Time // zero unless paused from the manage page
	// UnsubscribedAt is set by unsubscribing; the row stays, so that a
	// token of an old mail still finds it and changes nothing.
	UnsubscribedAt time.Time
	// Failures counts permanent delivery failures in a row; BlockedAt is
	// set when there were too many, and no more mail goes to the address.
	Failures  int
	BlockedAt time.Time
}

// Active reports whether digests go to the subscription.
func (s *Subscription) Active() bool {
	return !s.ConfirmedAt.IsZero() && s.PausedAt.IsZero() && s.UnsubscribedAt.IsZero() && s.BlockedAt.IsZero()
}

// Mail job states. A job goes queued -> claimed -> sending -> sent, or
// back to queued (a temporary failure, or a claim whose lease ran out
// before anything was committed to the mail server), or to failed (a
// permanent failure) or unknown (the process stopped after it marked the
// job sending and before it learnt the mail server's answer).
//
// Unknown jobs are never sent again: digests go at most once. Resending
// with the same Message-ID was the other choice, but few mail systems
// drop a second message by its Message-ID, so a resend would reach the
// subscriber twice whenever the first had arrived, which is nearly always:
// the gap in which a killed process loses a digest it marked (after the
// mark, before the message's final dot) is a commit's return and one
// write, and the queue's commits keep their disk flush out of it (see
// the backends' inQueueTx). A lost digest is the one of a day; two of the
// same are noise the subscriber did not ask for. The kill test counts
// both (BENCHMARKS.md).
const (
	JobQueued  = "queued"
	JobClaimed = "claimed"
	JobSending = "sending"
	JobSent    = "sent"
	JobFailed  = "failed"
	JobUnknown = "unknown"
)

// MailJob is one digest for one subscription and period. (Subscription,
// Period) is unique: a period's digest can be queued only once.
type MailJob struct {
	ID             int64
	SubscriptionID int64
	Period         string // "daily:2025-09-03" or "weekly:2025-W36"
	State          string
	Attempts       int
	NextAt         time.Time // when a queued job may be claimed
	LeaseUntil     time.Time // when a claim ends if its holder says nothing
	Claim          string    // the holder's random claim token; fences a late holder out
	MessageID      string
	LastError      string
	CreatedAt      time.Time
	SentAt         time.Time
}

// DigestRun is one pass of queueing and sending digests, for the admin page.
type DigestRun struct {
	ID         int64
	Period     string
	StartedAt  time.Time
	FinishedAt time.Time
	Queued     int
	Sent       int
	Failed     int
	Skipped    int
	Note       string
}

// Lease is one process's hold on a cluster-wide job (see Digests.Lead).
type Lease struct {
	Name   string
	Holder string    // host/pid/random of the process
	Since  time.Time // when Holder took it; zero when unknown
	Until  time.Time // when it runs out unless renewed
}

// Digests is what the store keeps for email digests: subscriptions and a
// durable queue of mail jobs shared by every process on the database.
type Digests interface {
	// Subscribe adds a subscription for an address, unconfirmed. An address
	// already subscribed (in any case) returns the existing subscription
	// and false, unchanged, unless it had unsubscribed: then it starts
	// again, unconfirmed, with the new choices, and Subscribe returns true.
	Subscribe(ctx context.Context, s Subscription) (Subscription, bool, error)
	// Subscription returns one subscription, or ErrNotFound.
	SubscriptionByID(ctx context.Context, id int64) (Subscription, error)
	// SubscriptionByEmail finds the subscription of an address, in any case.
	SubscriptionByEmail(ctx context.Context, email string) (Subscription, error)
	// ConfirmSubscription confirms a subscription (once: a second call
	// keeps the first time).
	ConfirmSubscription(ctx context.Context, id int64, at time.Time) error
	// UpdateSubscription replaces the frequency, filters, ForYou and
	// PausedAt.
	UpdateSubscription(ctx context.Context, s Subscription) error
	// Unsubscribe ends a subscription at once; its queued and claimed jobs
	// are dropped (failed, "unsubscribed"). Unsubscribing twice is fine.
	Unsubscribe(ctx context.Context, id int64, at time.Time) error
	// ActiveSubscriptions lists active subscriptions of a frequency with
	// ids above after, by id, at most limit.
	ActiveSubscriptions(ctx context.Context, f Frequency, after int64, limit int) ([]Subscription, error)

	// EnqueueDigests queues one job per subscription for period, skipping
	// subscriptions that have one for it already; it returns how many it
	// added.
	EnqueueDigests(ctx context.Context, period string, subscriptionIDs []int64, now time.Time) (int, error)
	// ClaimMailJob takes the oldest queued job whose NextAt has come (or
	// a claimed one whose lease ran out), marks it claimed with the claim
	// token until now+lease and returns it; ErrNotFound when there is none.
	ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (MailJob, error)
	// MarkSending records, before the mail server is told to deliver,
	// that the job is being sent, with its Message-ID. It fails with
	// ErrConflict when the claim is no longer the caller's (its lease ran
	// out and another process took the job): the caller must then not
	// deliver.
	MarkSending(ctx context.Context, jobID int64, claim, messageID string) error
	// MarkSent records a delivered job.
	MarkSent(ctx context.Context, jobID int64, claim string, at time.Time) error
	// RetryMailJob puts a job back in the queue after a temporary failure.
	RetryMailJob(ctx context.Context, jobID int64, claim string, next time.Time, reason string) error
	// FailMailJob ends a job after a permanent failure; it counts a
	// failure on the subscription and blocks it at maxFailures in a row.
	// A sent job resets the count.
	FailMailJob(ctx context.Context, jobID int64, claim, reason string, maxFailures int) error
	// ExpireSending marks jobs still sending when their lease ran out
	// before now as unknown (see JobUnknown) and returns how many.
	ExpireSending(ctx context.Context, now time.Time) (int, error)
	// MailJobs lists the jobs of a period, by id.
	MailJobs(ctx context.Context, period string) ([]MailJob, error)
	// MailJobCounts counts the jobs of every period by state, for
	// metrics; a state without jobs is left out.
	MailJobCounts(ctx context.Context) (map[string]int, error)
	// MailJobStates counts the jobs of each period by state (JobSent,
	// JobUnknown, ...), for the admin page and metrics; a period without
	// jobs is left out.
	MailJobStates(ctx context.Context, periods []string) (map[string]map[string]int, error)

	// Lead takes or renews the lease on the cluster-wide job name for
	// holder until now+ttl, and reports whether holder has it: it does when
	// nobody held it, the lease ran out, or holder held it already.
	Lead(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up holder's lease on name, so that another process
	// can take it at once rather than when it runs out; a lease holder no
	// longer has is left alone.
	ReleaseLease(ctx context.Context, name, holder string) error
	// Leases lists the leases on cluster-wide jobs by name, those run out
	// included (with their last holder).
	Leases(ctx context.Context) ([]Lease, error)

	// StartDigestRun and FinishDigestRun record runs for the admin page.
	StartDigestRun(ctx context.Context, r DigestRun) (DigestRun, error)
	FinishDigestRun(ctx context.Context, r DigestRun) error
	// DigestRuns lists the latest runs, newest first.
	DigestRuns(ctx context.Context, limit int) ([]DigestRun, error)
}
