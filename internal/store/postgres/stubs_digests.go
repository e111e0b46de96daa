package postgres

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Not yet written: digests.
// Each is replaced by its implementation; the file goes when it is empty.

func (s *Store) Subscribe(ctx context.Context, sub store.Subscription) (store.Subscription, bool, error) {
	return store.Subscription{}, false, errNotYet
}

func (s *Store) SubscriptionByID(ctx context.Context, id int64) (store.Subscription, error) {
	return store.Subscription{}, errNotYet
}

func (s *Store) SubscriptionByEmail(ctx context.Context, email string) (store.Subscription, error) {
	return store.Subscription{}, errNotYet
}

func (s *Store) ConfirmSubscription(ctx context.Context, id int64, at time.Time) error {
	return errNotYet
}

func (s *Store) UpdateSubscription(ctx context.Context, sub store.Subscription) error {
	return errNotYet
}

func (s *Store) Unsubscribe(ctx context.Context, id int64, at time.Time) error {
	return errNotYet
}

func (s *Store) ActiveSubscriptions(ctx context.Context, f store.Frequency, after int64, limit int) ([]store.Subscription, error) {
	return nil, errNotYet
}

func (s *Store) EnqueueDigests(ctx context.Context, period string, subscriptionIDs []int64, now time.Time) (int, error) {
	return 0, errNotYet
}

func (s *Store) ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (store.MailJob, error) {
	return store.MailJob{}, errNotYet
}

func (s *Store) MarkSending(ctx context.Context, jobID int64, claim, messageID string) error {
	return errNotYet
}

func (s *Store) MarkSent(ctx context.Context, jobID int64, claim string, at time.Time) error {
	return errNotYet
}

func (s *Store) RetryMailJob(ctx context.Context, jobID int64, claim string, next time.Time, reason string) error {
	return errNotYet
}

func (s *Store) FailMailJob(ctx context.Context, jobID int64, claim, reason string, maxFailures int) error {
	return errNotYet
}

func (s *Store) ExpireSending(ctx context.Context, now time.Time) (int, error) {
	return 0, errNotYet
}

func (s *Store) MailJobs(ctx context.Context, period string) ([]store.MailJob, error) {
	return nil, errNotYet
}

func (s *Store) StartDigestRun(ctx context.Context, r store.DigestRun) (store.DigestRun, error) {
	return store.DigestRun{}, errNotYet
}

func (s *Store) FinishDigestRun(ctx context.Context, r store.DigestRun) error {
	return errNotYet
}

func (s *Store) DigestRuns(ctx context.Context, limit int) ([]store.DigestRun, error) {
	return nil, errNotYet
}
