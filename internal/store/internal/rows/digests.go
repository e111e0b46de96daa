package rows

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dailypapers/dailypapers/internal/store"
)

// ScanSubscription reads a subscription's columns (id, email, user_id,
// frequency, categories, keywords, query, created_at, confirmed_at,
// paused_at, unsubscribed_at, failures, blocked_at, for_you), as subscriptionCols
// names them.
func ScanSubscription(scan func(dest ...any) error) (store.Subscription, error) {
	var (
		sub                   store.Subscription
		userID                sql.NullInt64
		frequency, categories string
		keywords              string
	)
	if err := scan(&sub.ID, &sub.Email, &userID, &frequency, &categories, &keywords, &sub.Query, Millis(&sub.CreatedAt),
		Millis(&sub.ConfirmedAt), Millis(&sub.PausedAt), Millis(&sub.UnsubscribedAt), &sub.Failures, Millis(&sub.BlockedAt), &sub.ForYou); err != nil {
		return store.Subscription{}, err
	}
	sub.UserID = userID.Int64
	sub.Frequency = store.Frequency(frequency)
	sub.Categories = strings.Fields(categories)
	if err := json.Unmarshal([]byte(keywords), &sub.Keywords); err != nil {
		return store.Subscription{}, fmt.Errorf("subscription %d: keywords: %w", sub.ID, err)
	}
	if len(sub.Keywords) == 0 {
		sub.Keywords = nil
	}
	return sub, nil
}

// SubscriptionArgs are the frequency, categories and keywords (JSON text)
// of a subscription as the columns keep them; an unknown frequency is
// store.ErrInvalid.
func SubscriptionArgs(sub store.Subscription) (frequency, categories, keywords string, err error) {
	if sub.Frequency != store.Daily && sub.Frequency != store.Weekly {
		return "", "", "", fmt.Errorf("%w: frequency %q", store.ErrInvalid, sub.Frequency)
	}
	kw, err := json.Marshal(NonNil(sub.Keywords))
	if err != nil {
		return "", "", "", err
	}
	return string(sub.Frequency), strings.Join(sub.Categories, " "), string(kw), nil
}

// ScanJob reads a mail job's columns (id, subscription_id, period, state,
// attempts, next_at, lease_until, claim, message_id, last_error,
// created_at, sent_at), as jobCols names them.
func ScanJob(scan func(dest ...any) error) (store.MailJob, error) {
	var j store.MailJob
	if err := scan(&j.ID, &j.SubscriptionID, &j.Period, &j.State, &j.Attempts, Millis(&j.NextAt), Millis(&j.LeaseUntil), &j.Claim,
		&j.MessageID, &j.LastError, Millis(&j.CreatedAt), Millis(&j.SentAt)); err != nil {
		return store.MailJob{}, err
	}
	return j, nil
}
