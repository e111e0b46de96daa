package storetest

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// subString prints a subscription for comparisons: every field, times as
// UTC instants (and a mark on a time not in UTC), nil and empty slices alike.
func subString(s store.Subscription) string {
	tm := func(t time.Time) string {
		if !t.IsZero() && t.Location() != time.UTC {
			return fmtTime(t) + "(not UTC)"
		}
		return fmtTime(t)
	}
	return fmt.Sprintf("#%d <%s> user %d %s categories %q keywords %q query %q created %s confirmed %s paused %s unsubscribed %s failures %d blocked %s",
		s.ID, s.Email, s.UserID, s.Frequency, nonNilStrings(s.Categories), nonNilStrings(s.Keywords), s.Query,
		tm(s.CreatedAt), tm(s.ConfirmedAt), tm(s.PausedAt), tm(s.UnsubscribedAt), s.Failures, tm(s.BlockedAt))
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func wantSub(t *testing.T, what string, got, want store.Subscription) {
	t.Helper()
	if g, w := subString(got), subString(want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// getSub reads a subscription by id.
func getSub(t *testing.T, s store.Store, id int64) store.Subscription {
	t.Helper()
	sub, err := s.SubscriptionByID(t.Context(), id)
	if err != nil {
		t.Fatalf("SubscriptionByID(%d): %v", id, err)
	}
	return sub
}

// subscribed adds a confirmed subscription of frequency f for the address
// and returns it.
func subscribed(t *testing.T, s store.Store, email string, f store.Frequency) store.Subscription {
	t.Helper()
	sub, added, err := s.Subscribe(t.Context(), store.Subscription{Email: email, Frequency: f,
		CreatedAt: ms("2025-09-01", 8, 0, 0, 0)})
	if err != nil || !added {
		t.Fatalf("Subscribe(%s) = %v, %v", email, added, err)
	}
	if err := s.ConfirmSubscription(t.Context(), sub.ID, ms("2025-09-01", 8, 5, 0, 0)); err != nil {
		t.Fatalf("ConfirmSubscription(%s): %v", email, err)
	}
	return getSub(t, s, sub.ID)
}

// emails lists the addresses of subscriptions.
func emails(subs []store.Subscription) []string {
	var out []string
	for _, sub := range subs {
		out = append(out, sub.Email)
	}
	return out
}

func testSubscriptions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	_, err := s.SubscriptionByEmail(ctx, "ada@example.org")
	wantErr(t, "SubscriptionByEmail in an empty store", err, store.ErrNotFound)

	created := ms("2025-09-01", 7, 30, 0, 250)
	want := store.Subscription{Email: "Ada@Example.org", UserID: ada.ID, Frequency: store.Daily,
		Categories: []string{"cs.CL", "cs"}, Keywords: []string{"diffusion", "large language models", "Çà et là"},
		Query: `transformer "speech recognition" -vision`, CreatedAt: created}
	sub, added, err := s.Subscribe(ctx, want)
	if err != nil || !added {
		t.Fatalf("Subscribe = %v, %v; want a new subscription", added, err)
	}
	if sub.ID == 0 {
		t.Fatalf("Subscribe returned id 0")
	}
	want.ID = sub.ID
	wantSub(t, "Subscribe", sub, want)
	wantSub(t, "SubscriptionByID", getSub(t, s, sub.ID), want)
	if got, err := s.SubscriptionByEmail(ctx, "ada@EXAMPLE.ORG"); err != nil {
		t.Errorf("SubscriptionByEmail in another case: %v", err)
	} else {
		wantSub(t, "SubscriptionByEmail", got, want)
	}
	if sub.Active() {
		t.Errorf("an unconfirmed subscription is active")
	}

	// The same address in another case returns the subscription, unchanged.
	again, added, err := s.Subscribe(ctx, store.Subscription{Email: "ADA@example.ORG", Frequency: store.Weekly,
		Categories: []string{"math.AG"}, CreatedAt: ms("2025-09-02", 0, 0, 0, 0)})
	if err != nil || added {
		t.Errorf("Subscribe of a subscribed address = %v, %v; want false, nil", added, err)
	}
	wantSub(t, "Subscribe of a subscribed address", again, want)
	wantSub(t, "after subscribing twice", getSub(t, s, sub.ID), want)

	// A store-made creation time; no account; nothing to filter by.
	bare, added, err := s.Subscribe(ctx, store.Subscription{Email: "bob@example.org", Frequency: store.Weekly})
	if err != nil || !added {
		t.Fatalf("Subscribe(bob) = %v, %v", added, err)
	}
	wantStoredNow(t, "CreatedAt of a subscription made without one", bare.CreatedAt)
	if bare.ID == sub.ID || bare.UserID != 0 || len(bare.Categories) != 0 || len(bare.Keywords) != 0 || bare.Query != "" {
		t.Errorf("bare subscription = %s", subString(bare))
	}
	_, _, err = s.Subscribe(ctx, store.Subscription{Email: "carol@example.org", Frequency: store.Daily, UserID: 99999})
	wantErr(t, "Subscribe with an unknown account", err, store.ErrNotFound)
	_, _, err = s.Subscribe(ctx, store.Subscription{Email: "dave@example.org", Frequency: "hourly"})
	wantErr(t, "Subscribe with an unknown frequency", err, store.ErrInvalid)
	for _, email := range []string{"carol@example.org", "dave@example.org"} {
		_, err = s.SubscriptionByEmail(ctx, email)
		wantErr(t, "a refused subscription", err, store.ErrNotFound)
	}

	// Confirming twice keeps the first time.
	confirmed := ms("2025-09-01", 7, 45, 0, 0)
	if err := s.ConfirmSubscription(ctx, sub.ID, confirmed); err != nil {
		t.Fatalf("ConfirmSubscription: %v", err)
	}
	if err := s.ConfirmSubscription(ctx, sub.ID, confirmed.Add(time.Hour)); err != nil {
		t.Errorf("confirming twice: %v", err)
	}
	want.ConfirmedAt = confirmed
	got := getSub(t, s, sub.ID)
	wantSub(t, "confirmed", got, want)
	if !got.Active() {
		t.Errorf("a confirmed subscription is not active")
	}
	wantErr(t, "confirming an unknown subscription", s.ConfirmSubscription(ctx, 99999, confirmed), store.ErrNotFound)

	// Updates replace the frequency, the filters and PausedAt, and nothing else.
	paused := ms("2025-09-05", 10, 0, 0, 0)
	upd := store.Subscription{ID: sub.ID, Email: "changed@example.org", UserID: 99999, Frequency: store.Weekly,
		Categories: []string{"stat.ML"}, Keywords: []string{"graph neural networks"}, Query: "",
		PausedAt: paused, CreatedAt: ms("2020-01-01", 0, 0, 0, 0), Failures: 7}
	if err := s.UpdateSubscription(ctx, upd); err != nil {
		t.Fatalf("UpdateSubscription: %v", err)
	}
	want.Frequency, want.Categories, want.Keywords, want.Query, want.PausedAt =
		store.Weekly, []string{"stat.ML"}, []string{"graph neural networks"}, "", paused
	got = getSub(t, s, sub.ID)
	wantSub(t, "updated and paused", got, want)
	if got.Active() {
		t.Errorf("a paused subscription is active")
	}
	upd.PausedAt, upd.Categories, upd.Keywords = time.Time{}, nil, nil
	if err := s.UpdateSubscription(ctx, upd); err != nil {
		t.Fatalf("UpdateSubscription: %v", err)
	}
	want.PausedAt, want.Categories, want.Keywords = time.Time{}, nil, nil
	wantSub(t, "resumed, without filters", getSub(t, s, sub.ID), want)
	wantErr(t, "updating an unknown subscription",
		s.UpdateSubscription(ctx, store.Subscription{ID: 99999, Frequency: store.Daily}), store.ErrNotFound)
	upd.Frequency = "monthly"
	wantErr(t, "updating to an unknown frequency", s.UpdateSubscription(ctx, upd), store.ErrInvalid)
	wantSub(t, "after a refused update", getSub(t, s, sub.ID), want)

	// Unsubscribing twice keeps the first time.
	unsubscribed := ms("2025-09-06", 9, 0, 0, 0)
	if err := s.Unsubscribe(ctx, sub.ID, unsubscribed); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if err := s.Unsubscribe(ctx, sub.ID, unsubscribed.Add(time.Hour)); err != nil {
		t.Errorf("unsubscribing twice: %v", err)
	}
	want.UnsubscribedAt = unsubscribed
	got = getSub(t, s, sub.ID)
	wantSub(t, "unsubscribed", got, want)
	if got.Active() {
		t.Errorf("an unsubscribed subscription is active")
	}
	wantErr(t, "unsubscribing an unknown subscription", s.Unsubscribe(ctx, 99999, unsubscribed), store.ErrNotFound)
	_, err = s.SubscriptionByID(ctx, 99999)
	wantErr(t, "SubscriptionByID of an unknown id", err, store.ErrNotFound)

	// Subscribing again starts anew: unconfirmed, with the new choices,
	// the same row; the account stays when none is given.
	restarted := ms("2025-09-07", 12, 0, 0, 0)
	re, added, err := s.Subscribe(ctx, store.Subscription{Email: "ada@example.org", Frequency: store.Daily,
		Categories: []string{"cs.LG"}, Keywords: []string{"mixture of experts"}, Query: "moe", CreatedAt: restarted})
	if err != nil || !added {
		t.Fatalf("Subscribe after unsubscribing = %v, %v; want true", added, err)
	}
	want = store.Subscription{ID: sub.ID, Email: "ada@example.org", UserID: ada.ID, Frequency: store.Daily,
		Categories: []string{"cs.LG"}, Keywords: []string{"mixture of experts"}, Query: "moe", CreatedAt: restarted}
	wantSub(t, "subscribed again", re, want)
	wantSub(t, "subscribed again, read back", getSub(t, s, sub.ID), want)
	if re.Active() {
		t.Errorf("a subscription started anew is active before it is confirmed")
	}
}

func testActiveSubscriptions(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := subscribed(t, s, "a@example.org", store.Daily)
	b := subscribed(t, s, "b@example.org", store.Weekly)
	if _, _, err := s.Subscribe(ctx, store.Subscription{Email: "c@example.org", Frequency: store.Daily}); err != nil {
		t.Fatal(err) // never confirmed
	}
	d := subscribed(t, s, "d@example.org", store.Daily)
	e := subscribed(t, s, "e@example.org", store.Daily)
	f := subscribed(t, s, "f@example.org", store.Daily)
	subscribed(t, s, "g@example.org", store.Daily)
	w := subscribed(t, s, "w@example.org", store.Weekly)
	d.PausedAt = ms("2025-09-02", 0, 0, 0, 0)
	if err := s.UpdateSubscription(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, e.ID, ms("2025-09-02", 0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	// w moves to daily.
	w.Frequency = store.Daily
	if err := s.UpdateSubscription(ctx, w); err != nil {
		t.Fatal(err)
	}

	list := func(f store.Frequency, after int64, limit int) []string {
		t.Helper()
		subs, err := s.ActiveSubscriptions(ctx, f, after, limit)
		if err != nil {
			t.Fatalf("ActiveSubscriptions: %v", err)
		}
		return emails(subs)
	}
	for _, tc := range []struct {
		f     store.Frequency
		after int64
		limit int
		want  []string
	}{
		{store.Daily, 0, 0, []string{"a@example.org", "f@example.org", "g@example.org", "w@example.org"}},
		{store.Daily, 0, 2, []string{"a@example.org", "f@example.org"}},
		{store.Daily, f.ID, 2, []string{"g@example.org", "w@example.org"}},
		{store.Daily, a.ID, 1, []string{"f@example.org"}},
		{store.Daily, w.ID, 2, nil},
		{store.Weekly, 0, 10, []string{"b@example.org"}},
		{store.Weekly, b.ID, 10, nil},
	} {
		if got := list(tc.f, tc.after, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("ActiveSubscriptions(%s, after %d, %d) = %q, want %q", tc.f, tc.after, tc.limit, got, tc.want)
		}
	}
	if subs, err := s.ActiveSubscriptions(ctx, store.Daily, 0, 1); err == nil && len(subs) == 1 {
		wantSub(t, "first active daily subscription", subs[0], a)
	}
}

// jobOf finds the job of a subscription for a period.
func jobOf(t *testing.T, s store.Store, period string, subID int64) store.MailJob {
	t.Helper()
	jobs, err := s.MailJobs(t.Context(), period)
	if err != nil {
		t.Fatalf("MailJobs(%s): %v", period, err)
	}
	for _, j := range jobs {
		if j.SubscriptionID == subID {
			return j
		}
	}
	t.Fatalf("no job of subscription %d for %s", subID, period)
	return store.MailJob{}
}

// claimJob claims a job and fails the test unless it is the subscription's.
func claimJob(t *testing.T, s store.Store, claim string, now time.Time, lease time.Duration, subID int64) store.MailJob {
	t.Helper()
	j, err := s.ClaimMailJob(t.Context(), claim, now, lease)
	if err != nil {
		t.Fatalf("ClaimMailJob(%s) at %s: %v; want the job of subscription %d", claim, fmtTime(now), err, subID)
	}
	if j.SubscriptionID != subID {
		t.Fatalf("ClaimMailJob(%s) at %s took job %d of subscription %d, want subscription %d",
			claim, fmtTime(now), j.ID, j.SubscriptionID, subID)
	}
	if j.State != store.JobClaimed || j.Claim != claim {
		t.Errorf("claimed job %d: state %s, claim %q; want claimed by %s", j.ID, j.State, j.Claim, claim)
	}
	wantTime(t, "LeaseUntil of a claimed job", j.LeaseUntil, now.Add(lease))
	return j
}

// wantNoClaim fails unless there is no job to claim at now.
func wantNoClaim(t *testing.T, s store.Store, what string, now time.Time) {
	t.Helper()
	j, err := s.ClaimMailJob(t.Context(), "nobody", now, time.Minute)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: ClaimMailJob at %s = job %d of subscription %d, %v; want ErrNotFound",
			what, fmtTime(now), j.ID, j.SubscriptionID, err)
	}
}

// wantJob fails unless the job's state, attempts and last error are these.
func wantJob(t *testing.T, what string, j store.MailJob, state string, attempts int, lastError string) {
	t.Helper()
	if j.State != state || j.Attempts != attempts || j.LastError != lastError {
		t.Errorf("%s: job %d is %s after %d attempts, last error %q; want %s after %d, %q",
			what, j.ID, j.State, j.Attempts, j.LastError, state, attempts, lastError)
	}
}

func enqueue(t *testing.T, s store.Store, period string, now time.Time, want int, ids ...int64) {
	t.Helper()
	if n, err := s.EnqueueDigests(t.Context(), period, ids, now); err != nil || n != want {
		t.Errorf("EnqueueDigests(%s, %v) = %d, %v; want %d", period, ids, n, err, want)
	}
}

func testMailQueue(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p1, p2 = "daily:2025-09-03", "daily:2025-09-04"
	s1 := subscribed(t, s, "one@example.org", store.Daily)
	s2 := subscribed(t, s, "two@example.org", store.Daily)
	s3 := subscribed(t, s, "three@example.org", store.Daily)
	now := ms("2025-09-03", 6, 0, 0, 0)
	const lease = 5 * time.Minute

	wantNoClaim(t, s, "an empty queue", now)
	// Unknown subscriptions are skipped; a period is queued once.
	enqueue(t, s, p1, now, 3, s1.ID, s2.ID, s3.ID, 99999)
	enqueue(t, s, p1, now.Add(time.Minute), 0, s3.ID, s2.ID, s1.ID)
	enqueue(t, s, p2, now.Add(24*time.Hour), 1, s1.ID, s1.ID)
	jobs, err := s.MailJobs(ctx, p1)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("MailJobs(%s) = %d jobs, want 3", p1, len(jobs))
	}
	for i, sub := range []store.Subscription{s1, s2, s3} {
		j := jobs[i]
		if j.ID == 0 || j.SubscriptionID != sub.ID || j.Period != p1 || j.Claim != "" || j.MessageID != "" || !j.SentAt.IsZero() {
			t.Errorf("job %d = %+v, want a fresh job of subscription %d", i, j, sub.ID)
		}
		wantJob(t, "a queued job", j, store.JobQueued, 0, "")
		wantTime(t, "NextAt of a queued job", j.NextAt, now)
		wantTime(t, "CreatedAt of a queued job", j.CreatedAt, now)
		wantTime(t, "LeaseUntil of a queued job", j.LeaseUntil, time.Time{})
	}
	if jobs, err := s.MailJobs(ctx, "daily:2025-09-05"); err != nil || len(jobs) != 0 {
		t.Errorf("MailJobs of a period without jobs = %v, %v", jobs, err)
	}
	if n, err := s.MailJobCounts(ctx); err != nil || !maps.Equal(n, map[string]int{store.JobQueued: 4}) {
		t.Errorf("MailJobCounts with four jobs queued = %v, %v; want 4 queued", n, err)
	}

	// Nothing is due before NextAt; then the jobs come oldest first, by id.
	wantNoClaim(t, s, "before the jobs are due", now.Add(-time.Millisecond))
	a := claimJob(t, s, "claim-a", now, lease, s1.ID)
	wantJob(t, "first claim", a, store.JobClaimed, 1, "")
	b := claimJob(t, s, "claim-b", now.Add(time.Second), lease, s2.ID)
	c := claimJob(t, s, "claim-c", now.Add(time.Second), lease, s3.ID)
	wantNoClaim(t, s, "all due jobs claimed", now.Add(time.Minute))
	if n, err := s.MailJobCounts(ctx); err != nil || !maps.Equal(n, map[string]int{store.JobClaimed: 3, store.JobQueued: 1}) {
		t.Errorf("MailJobCounts with three jobs claimed = %v, %v; want 3 claimed, 1 queued", n, err)
	}

	// The sent flow, fenced by the claim.
	wantErr(t, "MarkSending with another claim", s.MarkSending(ctx, a.ID, "claim-b", "<m1@example.org>"), store.ErrConflict)
	wantErr(t, "MarkSent of a job not sending", s.MarkSent(ctx, a.ID, "claim-a", now), store.ErrConflict)
	if err := s.MarkSending(ctx, a.ID, "claim-a", "<m1@example.org>"); err != nil {
		t.Fatalf("MarkSending: %v", err)
	}
	wantErr(t, "MarkSending twice", s.MarkSending(ctx, a.ID, "claim-a", "<m2@example.org>"), store.ErrConflict)
	wantErr(t, "MarkSent with another claim", s.MarkSent(ctx, a.ID, "claim-b", now), store.ErrConflict)
	sent := now.Add(2 * time.Second)
	if err := s.MarkSent(ctx, a.ID, "claim-a", sent); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	wantErr(t, "MarkSent twice", s.MarkSent(ctx, a.ID, "claim-a", sent), store.ErrConflict)
	wantErr(t, "RetryMailJob of a sent job", s.RetryMailJob(ctx, a.ID, "claim-a", now, "x"), store.ErrConflict)
	wantErr(t, "FailMailJob of a sent job", s.FailMailJob(ctx, a.ID, "claim-a", "x", 1), store.ErrConflict)
	wantErr(t, "MarkSending of an unknown job", s.MarkSending(ctx, 99999, "claim-a", "<m@x>"), store.ErrConflict)
	got := jobOf(t, s, p1, s1.ID)
	wantJob(t, "sent job", got, store.JobSent, 1, "")
	if got.MessageID != "<m1@example.org>" {
		t.Errorf("MessageID = %q, want <m1@example.org>", got.MessageID)
	}
	wantTime(t, "SentAt", got.SentAt, sent)
	if sub := getSub(t, s, s1.ID); sub.Failures != 0 || !sub.BlockedAt.IsZero() {
		t.Errorf("subscription after a sent job: %s", subString(sub))
	}

	// A temporary failure puts the job back, due at the time given.
	wantErr(t, "RetryMailJob with another claim", s.RetryMailJob(ctx, b.ID, "claim-a", now, "x"), store.ErrConflict)
	retry := now.Add(10 * time.Minute)
	if err := s.RetryMailJob(ctx, b.ID, "claim-b", retry, "421 try again later"); err != nil {
		t.Fatalf("RetryMailJob: %v", err)
	}
	got = jobOf(t, s, p1, s2.ID)
	wantJob(t, "retried job", got, store.JobQueued, 1, "421 try again later")
	wantTime(t, "NextAt of a retried job", got.NextAt, retry)
	if got.Claim != "" {
		t.Errorf("retried job keeps claim %q", got.Claim)
	}
	wantErr(t, "MarkSending after giving the job back", s.MarkSending(ctx, b.ID, "claim-b", "<m@x>"), store.ErrConflict)
	// c is sent meanwhile (else its lease would run out before the retry).
	if err := s.MarkSending(ctx, c.ID, "claim-c", "<m3@example.org>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, c.ID, "claim-c", now.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	wantNoClaim(t, s, "before the retry is due", retry.Add(-time.Millisecond))
	b2 := claimJob(t, s, "claim-b2", retry, lease, s2.ID)
	if b2.ID != b.ID {
		t.Errorf("claimed job %d, want the retried job %d", b2.ID, b.ID)
	}
	wantJob(t, "retried job claimed again", b2, store.JobClaimed, 2, "421 try again later")
	// Sending from the retry: a temporary failure while sending also
	// puts the job back.
	if err := s.MarkSending(ctx, b2.ID, "claim-b2", "<m2@example.org>"); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryMailJob(ctx, b2.ID, "claim-b2", retry.Add(time.Hour), "451 greylisted"); err != nil {
		t.Errorf("RetryMailJob of a sending job: %v", err)
	}
	wantNoClaim(t, s, "before the second retry is due", retry.Add(time.Hour-time.Millisecond))
	b3 := claimJob(t, s, "claim-b3", retry.Add(time.Hour), lease, s2.ID)
	wantJob(t, "claimed a third time", b3, store.JobClaimed, 3, "451 greylisted")
	if err := s.MarkSending(ctx, b3.ID, "claim-b3", "<m2@example.org>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, b3.ID, "claim-b3", retry.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantJob(t, "sent on the third attempt", jobOf(t, s, p1, s2.ID), store.JobSent, 3, "451 greylisted")

	// The next period's job is due a day later.
	claimJob(t, s, "claim-p2", now.Add(24*time.Hour), lease, s1.ID)
	if got := jobOf(t, s, p2, s1.ID); got.Period != p2 || got.State != store.JobClaimed {
		t.Errorf("job of %s = %+v", p2, got)
	}
}

func testMailQueueFailures(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p1, p2, p3 = "daily:2025-09-03", "daily:2025-09-04", "daily:2025-09-05"
	s1 := subscribed(t, s, "one@example.org", store.Daily)
	s2 := subscribed(t, s, "two@example.org", store.Daily)
	s3 := subscribed(t, s, "three@example.org", store.Daily)
	now := ms("2025-09-03", 6, 0, 0, 0)
	enqueue(t, s, p1, now, 3, s1.ID, s2.ID, s3.ID)
	enqueue(t, s, p2, now.Add(time.Hour), 3, s1.ID, s2.ID, s3.ID)
	enqueue(t, s, p3, now.Add(2*time.Hour), 2, s1.ID, s2.ID)
	failures := func(sub store.Subscription, want int, blocked bool) {
		t.Helper()
		got := getSub(t, s, sub.ID)
		if got.Failures != want || got.BlockedAt.IsZero() == blocked {
			t.Errorf("%s: %d failures, blocked at %s; want %d failures, blocked %v",
				sub.Email, got.Failures, fmtTime(got.BlockedAt), want, blocked)
		}
		if blocked {
			wantStoredNow(t, "BlockedAt", got.BlockedAt)
		}
	}

	// p1: one fails from claimed, two from sending, three with a wrong
	// claim first (which counts nothing).
	j := claimJob(t, s, "c1", now, time.Minute, s1.ID)
	if err := s.FailMailJob(ctx, j.ID, "c1", "550 no such user", 2); err != nil {
		t.Fatalf("FailMailJob: %v", err)
	}
	wantJob(t, "failed job", jobOf(t, s, p1, s1.ID), store.JobFailed, 1, "550 no such user")
	wantErr(t, "failing a failed job", s.FailMailJob(ctx, j.ID, "c1", "again", 2), store.ErrConflict)
	wantErr(t, "MarkSending of a failed job", s.MarkSending(ctx, j.ID, "c1", "<m@x>"), store.ErrConflict)
	failures(s1, 1, false)
	j = claimJob(t, s, "c2", now, time.Minute, s2.ID)
	if err := s.MarkSending(ctx, j.ID, "c2", "<m2@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.FailMailJob(ctx, j.ID, "c2", "554 rejected", 0); err != nil {
		t.Fatalf("FailMailJob of a sending job: %v", err)
	}
	failures(s2, 1, false)
	j = claimJob(t, s, "c3", now, time.Minute, s3.ID)
	wantErr(t, "FailMailJob with another claim", s.FailMailJob(ctx, j.ID, "c2", "x", 1), store.ErrConflict)
	failures(s3, 0, false)
	if err := s.MarkSending(ctx, j.ID, "c3", "<m3@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, j.ID, "c3", now); err != nil {
		t.Fatal(err)
	}

	// p2: one fails again and is blocked at two; two fails with no limit
	// and is not; three's earlier success leaves nothing to reset.
	t2 := now.Add(time.Hour)
	j = claimJob(t, s, "d1", t2, time.Minute, s1.ID)
	if err := s.FailMailJob(ctx, j.ID, "d1", "550 no such user", 2); err != nil {
		t.Fatal(err)
	}
	failures(s1, 2, true)
	j = claimJob(t, s, "d2", t2, time.Minute, s2.ID)
	if err := s.FailMailJob(ctx, j.ID, "d2", "554 rejected", 0); err != nil {
		t.Fatal(err)
	}
	failures(s2, 2, false)
	j = claimJob(t, s, "d3", t2, time.Minute, s3.ID)
	if err := s.FailMailJob(ctx, j.ID, "d3", "552 mailbox full", 3); err != nil {
		t.Fatal(err)
	}
	failures(s3, 1, false)

	// A blocked subscription is not active and gets no more mail: its
	// queued job of p3 fails when its turn comes, and two's is claimed.
	if got := getSub(t, s, s1.ID); got.Active() {
		t.Errorf("a blocked subscription is active")
	}
	active, err := s.ActiveSubscriptions(ctx, store.Daily, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := emails(active), []string{"two@example.org", "three@example.org"}; !slices.Equal(got, want) {
		t.Errorf("ActiveSubscriptions after blocking one = %q, want %q", got, want)
	}
	t3 := now.Add(2 * time.Hour)
	j = claimJob(t, s, "e2", t3, time.Minute, s2.ID)
	wantJob(t, "blocked subscription's job", jobOf(t, s, p3, s1.ID), store.JobFailed, 0, "subscription not active")
	// A sent job resets the count of failures.
	if err := s.MarkSending(ctx, j.ID, "e2", "<m@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, j.ID, "e2", t3); err != nil {
		t.Fatal(err)
	}
	failures(s2, 0, false)
	wantNoClaim(t, s, "after the blocked subscription's job failed", t3.Add(time.Hour))

	// Subscribing again does not unblock an address.
	if err := s.Unsubscribe(ctx, s1.ID, t3); err != nil {
		t.Fatal(err)
	}
	re, added, err := s.Subscribe(ctx, store.Subscription{Email: "one@example.org", Frequency: store.Daily})
	if err != nil || !added {
		t.Fatalf("Subscribe again = %v, %v", added, err)
	}
	if err := s.ConfirmSubscription(ctx, re.ID, t3); err != nil {
		t.Fatal(err)
	}
	if got := getSub(t, s, re.ID); got.BlockedAt.IsZero() || got.Active() || got.Failures != 0 {
		t.Errorf("a blocked address subscribed again: %s; want still blocked, not active", subString(got))
	}
}

func testMailQueueLeases(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p = "weekly:2025-W36"
	s1 := subscribed(t, s, "one@example.org", store.Weekly)
	s2 := subscribed(t, s, "two@example.org", store.Weekly)
	s3 := subscribed(t, s, "three@example.org", store.Weekly)
	s4 := subscribed(t, s, "four@example.org", store.Weekly)
	now := ms("2025-09-08", 6, 0, 0, 0)
	enqueue(t, s, p, now, 4, s1.ID, s2.ID, s3.ID, s4.ID)

	// A claim whose lease ran out is taken by the next claimer, first
	// (its NextAt is the oldest); the first holder is then fenced out.
	first := claimJob(t, s, "first", now, time.Minute, s1.ID)
	wantNoClaim(t, s, "a live lease and nothing else due", now.Add(-time.Second))
	again := claimJob(t, s, "second", now.Add(time.Minute), time.Minute, s1.ID)
	if again.ID != first.ID {
		t.Fatalf("claimed job %d after the lease ran out, want job %d", again.ID, first.ID)
	}
	wantJob(t, "claimed again", again, store.JobClaimed, 2, "")
	wantErr(t, "MarkSending by the first holder", s.MarkSending(ctx, first.ID, "first", "<m@x>"), store.ErrConflict)
	wantErr(t, "RetryMailJob by the first holder", s.RetryMailJob(ctx, first.ID, "first", now, "x"), store.ErrConflict)
	if err := s.MarkSending(ctx, again.ID, "second", "<m1@x>"); err != nil {
		t.Fatalf("MarkSending by the second holder: %v", err)
	}

	// MarkSending does not look at the clock: a lease that ran out (the
	// test's times are in the past) but whose job nobody took still holds.
	late := claimJob(t, s, "late", now.Add(time.Minute), time.Minute, s2.ID)
	if err := s.MarkSending(ctx, late.ID, "late", "<m2@x>"); err != nil {
		t.Errorf("MarkSending after the lease ran out, nobody else claiming: %v", err)
	}

	// Sending jobs are never claimed again; once their lease ran out
	// they are unknown, and stay so.
	third := claimJob(t, s, "third", now.Add(2*time.Minute), time.Hour, s3.ID)
	if err := s.MarkSending(ctx, third.ID, "third", "<m3@x>"); err != nil {
		t.Fatal(err)
	}
	fourth := claimJob(t, s, "fourth", now.Add(2*time.Minute), time.Hour, s4.ID)
	wantNoClaim(t, s, "every job sending or held", now.Add(time.Hour))
	// again's lease runs to now+2m, late's to now+2m, third's to now+62m.
	if n, err := s.ExpireSending(ctx, now.Add(2*time.Minute-time.Millisecond)); err != nil || n != 0 {
		t.Errorf("ExpireSending before any lease ran out = %d, %v; want 0", n, err)
	}
	if n, err := s.ExpireSending(ctx, now.Add(2*time.Minute)); err != nil || n != 2 {
		t.Errorf("ExpireSending = %d, %v; want 2", n, err)
	}
	if n, err := s.ExpireSending(ctx, now.Add(2*time.Minute)); err != nil || n != 0 {
		t.Errorf("ExpireSending again = %d, %v; want 0", n, err)
	}
	state := func(sub store.Subscription, want string, attempts int) {
		t.Helper()
		if got := jobOf(t, s, p, sub.ID); got.State != want || got.Attempts != attempts {
			t.Errorf("job of %s: %s after %d attempts, want %s after %d", sub.Email, got.State, got.Attempts, want, attempts)
		}
	}
	state(s1, store.JobUnknown, 2)
	state(s2, store.JobUnknown, 1)
	state(s3, store.JobSending, 1)
	state(s4, store.JobClaimed, 1)
	wantErr(t, "MarkSent of an unknown job", s.MarkSent(ctx, again.ID, "second", now), store.ErrConflict)
	wantErr(t, "RetryMailJob of an unknown job", s.RetryMailJob(ctx, again.ID, "second", now, "x"), store.ErrConflict)
	wantErr(t, "FailMailJob of an unknown job", s.FailMailJob(ctx, again.ID, "second", "x", 1), store.ErrConflict)
	if err := s.MarkSending(ctx, fourth.ID, "fourth", "<m4@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, fourth.ID, "fourth", now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantNoClaim(t, s, "unknown, sending and sent jobs", now.Add(48*time.Hour))
	state(s1, store.JobUnknown, 2)
	state(s3, store.JobSending, 1)
	if got := jobOf(t, s, p, s1.ID); got.MessageID != "<m1@x>" {
		t.Errorf("Message-ID of the unknown job = %q, want <m1@x>", got.MessageID)
	}
	if n, err := s.ExpireSending(ctx, now.Add(48*time.Hour)); err != nil || n != 1 {
		t.Errorf("ExpireSending of the last sending job = %d, %v; want 1", n, err)
	}
	state(s3, store.JobUnknown, 1)
	state(s4, store.JobSent, 1)
	if sub := getSub(t, s, s1.ID); sub.Failures != 0 || !sub.Active() {
		t.Errorf("an unknown job counted against its subscription: %s", subString(sub))
	}
}

// testMailJobStates: the jobs of periods counted by state, in one call.
func testMailJobStates(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p1, p2 = "daily:2025-09-03", "daily:2025-09-04"
	one := subscribed(t, s, "one@example.org", store.Daily)
	two := subscribed(t, s, "two@example.org", store.Daily)
	three := subscribed(t, s, "three@example.org", store.Daily)
	now := ms("2025-09-03", 6, 0, 0, 0)
	enqueue(t, s, p1, now, 3, one.ID, two.ID, three.ID)
	enqueue(t, s, p2, now.Add(time.Hour), 1, one.ID)
	sent := claimJob(t, s, "a", now, time.Minute, one.ID)
	if err := s.MarkSending(ctx, sent.ID, "a", "<m1@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, sent.ID, "a", now); err != nil {
		t.Fatal(err)
	}
	stopped := claimJob(t, s, "b", now, time.Minute, two.ID)
	if err := s.MarkSending(ctx, stopped.ID, "b", "<m2@x>"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireSending(ctx, now.Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("ExpireSending = %d, %v; want 1", n, err)
	}
	got, err := s.MailJobStates(ctx, []string{p1, p2, "daily:2025-09-05"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		p1: {store.JobSent: 1, store.JobUnknown: 1, store.JobQueued: 1},
		p2: {store.JobQueued: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MailJobStates = %v, want %v", got, want)
	}
	if got, err := s.MailJobStates(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("MailJobStates of no period = %v, %v", got, err)
	}
}

func testMailQueueUnsubscribe(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p1, p2, p3 = "daily:2025-09-03", "daily:2025-09-04", "daily:2025-09-05"
	one := subscribed(t, s, "one@example.org", store.Daily)
	two := subscribed(t, s, "two@example.org", store.Daily)
	now := ms("2025-09-03", 6, 0, 0, 0)
	enqueue(t, s, p1, now, 2, one.ID, two.ID)
	enqueue(t, s, p2, now, 2, one.ID, two.ID)
	enqueue(t, s, p3, now.Add(time.Hour), 1, one.ID)

	// one's p1 job is sent, its p2 job claimed, its p3 job queued.
	sent := claimJob(t, s, "a", now, time.Hour, one.ID)
	if err := s.MarkSending(ctx, sent.ID, "a", "<m@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, sent.ID, "a", now); err != nil {
		t.Fatal(err)
	}
	other := claimJob(t, s, "b", now, time.Hour, two.ID)
	held := claimJob(t, s, "c", now, time.Hour, one.ID)
	if held.Period != p2 {
		t.Fatalf("claimed the job of %s, want %s", held.Period, p2)
	}
	if err := s.Unsubscribe(ctx, one.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantJob(t, "sent before unsubscribing", jobOf(t, s, p1, one.ID), store.JobSent, 1, "")
	wantJob(t, "claimed when unsubscribing", jobOf(t, s, p2, one.ID), store.JobFailed, 1, "unsubscribed")
	wantJob(t, "queued when unsubscribing", jobOf(t, s, p3, one.ID), store.JobFailed, 0, "unsubscribed")
	wantJob(t, "another subscription's job", jobOf(t, s, p1, two.ID), store.JobClaimed, 1, "")
	wantErr(t, "MarkSending of a job unsubscribed meanwhile", s.MarkSending(ctx, held.ID, "c", "<m@x>"), store.ErrConflict)
	if err := s.MarkSending(ctx, other.ID, "b", "<m2@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, other.ID, "b", now); err != nil {
		t.Fatal(err)
	}
	// Only two's p2 job is left.
	if j := claimJob(t, s, "d", now.Add(2*time.Hour), 24*time.Hour, two.ID); j.Period != p2 {
		t.Errorf("claimed the job of %s, want %s", j.Period, p2)
	}
	wantNoClaim(t, s, "after unsubscribing", now.Add(3*time.Hour))
	// A paused subscription's jobs fail at claim time too.
	enqueue(t, s, "daily:2025-09-06", now, 1, two.ID)
	two.PausedAt = now
	if err := s.UpdateSubscription(ctx, two); err != nil {
		t.Fatal(err)
	}
	wantNoClaim(t, s, "a paused subscription", now.Add(3*time.Hour))
	wantJob(t, "a paused subscription's job", jobOf(t, s, "daily:2025-09-06", two.ID), store.JobFailed, 0, "subscription not active")
	// Enqueueing again for a period does not bring a failed job back.
	enqueue(t, s, p3, now.Add(4*time.Hour), 0, one.ID)
}

func testMailQueueConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n, workers, period = 200, 8, "daily:2025-09-03"
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = subscribed(t, s, fmt.Sprintf("reader%03d@example.org", i), store.Daily).ID
	}
	now := ms("2025-09-03", 6, 0, 0, 0)
	enqueue(t, s, period, now, n, ids...)

	var (
		mu     sync.Mutex
		claims = map[int64]int{}
		wg     sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			claim := fmt.Sprintf("worker-%d", w)
			for {
				j, err := s.ClaimMailJob(ctx, claim, now, time.Hour)
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("%s: ClaimMailJob: %v", claim, err)
					return
				}
				mu.Lock()
				claims[j.ID]++
				mu.Unlock()
				if err := s.MarkSending(ctx, j.ID, claim, fmt.Sprintf("<%d@x>", j.ID)); err != nil {
					t.Errorf("%s: MarkSending(%d): %v", claim, j.ID, err)
					return
				}
				if err := s.MarkSent(ctx, j.ID, claim, now); err != nil {
					t.Errorf("%s: MarkSent(%d): %v", claim, j.ID, err)
					return
				}
			}
		})
	}
	wg.Wait()

	jobs, err := s.MailJobs(ctx, period)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != n || len(claims) != n {
		t.Errorf("%d jobs, %d of them claimed; want %d and %d", len(jobs), len(claims), n, n)
	}
	sent := 0
	for _, j := range jobs {
		if c := claims[j.ID]; c != 1 {
			t.Errorf("job %d claimed %d times, want once", j.ID, c)
		}
		if j.State == store.JobSent && j.Attempts == 1 && j.MessageID == fmt.Sprintf("<%d@x>", j.ID) &&
			strings.HasPrefix(j.Claim, "worker-") {
			sent++
		}
	}
	if sent != n {
		t.Errorf("%d jobs sent once each, want %d", sent, n)
	}
}

func testDigestRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	if runs, err := s.DigestRuns(ctx, 10); err != nil || len(runs) != 0 {
		t.Errorf("DigestRuns of an empty store = %v, %v", runs, err)
	}
	started := ms("2025-09-03", 6, 0, 0, 125)
	r1, err := s.StartDigestRun(ctx, store.DigestRun{Period: "daily:2025-09-03", StartedAt: started})
	if err != nil {
		t.Fatalf("StartDigestRun: %v", err)
	}
	r2, err := s.StartDigestRun(ctx, store.DigestRun{Period: "weekly:2025-W36", Note: "by hand"})
	if err != nil {
		t.Fatalf("StartDigestRun: %v", err)
	}
	if r1.ID == 0 || r2.ID == 0 || r1.ID == r2.ID {
		t.Fatalf("run ids %d and %d", r1.ID, r2.ID)
	}
	wantTime(t, "StartedAt", r1.StartedAt, started)
	wantStoredNow(t, "StartedAt of a run started without one", r2.StartedAt)

	finished := ms("2025-09-03", 6, 4, 30, 0)
	if err := s.FinishDigestRun(ctx, store.DigestRun{ID: r1.ID, FinishedAt: finished, Queued: 40, Sent: 37, Failed: 2,
		Skipped: 1, Note: "smtp slow"}); err != nil {
		t.Fatalf("FinishDigestRun: %v", err)
	}
	wantErr(t, "finishing an unknown run", s.FinishDigestRun(ctx, store.DigestRun{ID: 99999, FinishedAt: finished}), store.ErrNotFound)

	runs, err := s.DigestRuns(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != r2.ID || runs[1].ID != r1.ID {
		t.Fatalf("DigestRuns = %+v, want the weekly run, then the daily one", runs)
	}
	if r := runs[0]; r.Period != "weekly:2025-W36" || r.Note != "by hand" || !r.FinishedAt.IsZero() ||
		r.Queued != 0 || r.Sent != 0 || r.Failed != 0 || r.Skipped != 0 {
		t.Errorf("running run = %+v", r)
	}
	wantTime(t, "StartedAt of the running run", runs[0].StartedAt, r2.StartedAt)
	if r := runs[1]; r.Period != "daily:2025-09-03" || r.Note != "smtp slow" ||
		r.Queued != 40 || r.Sent != 37 || r.Failed != 2 || r.Skipped != 1 {
		t.Errorf("finished run = %+v", r)
	}
	wantTime(t, "StartedAt of the finished run", runs[1].StartedAt, started)
	wantTime(t, "FinishedAt", runs[1].FinishedAt, finished)
	if runs, err := s.DigestRuns(ctx, 1); err != nil || len(runs) != 1 || runs[0].ID != r2.ID {
		t.Errorf("DigestRuns(1) = %+v, %v; want the newest run", runs, err)
	}
}

// One holder leads at a time; another takes over once the lease runs out.
func testLead(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
	lead := func(holder string, at time.Time) bool {
		t.Helper()
		ok, err := s.Lead(ctx, "digests", holder, at, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !lead("a", t0) {
		t.Fatal("the first holder does not lead")
	}
	if lead("b", t0.Add(30*time.Second)) {
		t.Error("b leads while a's lease runs")
	}
	if !lead("a", t0.Add(50*time.Second)) {
		t.Error("a cannot renew its lease")
	}
	if lead("b", t0.Add(100*time.Second)) {
		t.Error("b leads before a's renewed lease ran out")
	}
	if !lead("b", t0.Add(111*time.Second)) {
		t.Error("b does not take over once a's lease ran out")
	}
	if lead("a", t0.Add(112*time.Second)) {
		t.Error("a leads again while b's lease runs")
	}
	// Another job's lease is its own.
	if ok, err := s.Lead(ctx, "harvest", "a", t0.Add(112*time.Second), time.Minute); err != nil || !ok {
		t.Errorf("another name: %v %v", ok, err)
	}
	// Many at once: exactly one leads.
	var wg sync.WaitGroup
	var mu sync.Mutex
	leaders := 0
	at := t0.Add(time.Hour)
	for i := range 8 {
		wg.Go(func() {
			ok, err := s.Lead(ctx, "race", fmt.Sprint("p", i), at, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				leaders++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if leaders != 1 {
		t.Errorf("%d leaders at once", leaders)
	}

	// The holders, for the admin page: since when each has held its lease,
	// which renewing keeps and a new holder starts again.
	ls, err := s.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Lease{}
	for _, l := range ls {
		got[l.Name] = l
	}
	if len(ls) != 3 {
		t.Errorf("Leases = %+v, want digests, harvest and race", ls)
	}
	if l := got["digests"]; l.Holder != "b" || !l.Since.Equal(t0.Add(111*time.Second)) || !l.Until.Equal(t0.Add(171*time.Second)) {
		t.Errorf("digests lease = %+v, want b's since %v until %v", l, t0.Add(111*time.Second), t0.Add(171*time.Second))
	}
	if !lead("b", t0.Add(150*time.Second)) {
		t.Fatal("b cannot renew")
	}
	if ls, err := s.Leases(ctx); err != nil || ls[0].Name != "digests" || !ls[0].Since.Equal(t0.Add(111*time.Second)) {
		t.Errorf("after renewing, Leases = %+v, %v; want digests since %v", ls, err, t0.Add(111*time.Second))
	}

	// Released, a lease is free at once; only its holder releases it.
	if err := s.ReleaseLease(ctx, "digests", "a"); err != nil {
		t.Fatal(err)
	}
	if lead("a", t0.Add(151*time.Second)) {
		t.Error("a leads after releasing a lease it did not hold")
	}
	if err := s.ReleaseLease(ctx, "digests", "b"); err != nil {
		t.Fatal(err)
	}
	if !lead("a", t0.Add(152*time.Second)) {
		t.Error("a cannot lead at once after b released the lease")
	}
	if ls, err := s.Leases(ctx); err != nil || ls[0].Holder != "a" || !ls[0].Since.Equal(t0.Add(152*time.Second)) {
		t.Errorf("after the release, Leases = %+v, %v; want a's since %v", ls, err, t0.Add(152*time.Second))
	}
}
