// Package digest makes and sends the email digests: which period is due,
// what each subscriber's mail holds, and the queue that sends every
// (subscription, period) digest once.
package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Period is the span of feed days one digest covers.
type Period struct {
	Key       string // "daily:2025-09-03" (the day it is sent) or "weekly:2025-W36" (the week it covers)
	Frequency store.Frequency
	From, To  string // feed days covered, inclusive, YYYY-MM-DD
	Label     string // for people: "Wednesday, Sep 3" or "the week of Sep 1"
}

// Daily is the digest sent on a weekday: the feed days since the
// previous weekday, so Monday's covers Friday to Sunday.
func Daily(day time.Time) Period {
	d := civil(day)
	back := 1
	if d.Weekday() == time.Monday {
		back = 3
	}
	return Period{
		Key:       "daily:" + d.Format(time.DateOnly),
		Frequency: store.Daily,
		From:      d.AddDate(0, 0, -back).Format(time.DateOnly),
		To:        d.AddDate(0, 0, -1).Format(time.DateOnly),
		Label:     d.Format("Monday, Jan 2"),
	}
}

// Weekly is the digest of the ISO week (Monday to Sunday) that holds day.
func Weekly(day time.Time) Period {
	d := civil(day)
	monday := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	y, w := monday.ISOWeek()
	return Period{
		Key:       fmt.Sprintf("weekly:%d-W%02d", y, w),
		Frequency: store.Weekly,
		From:      monday.Format(time.DateOnly),
		To:        monday.AddDate(0, 0, 6).Format(time.DateOnly),
		Label:     "the week of " + monday.Format("Jan 2"),
	}
}

// civil drops the time and the zone, keeping the calendar day.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Due lists the periods whose digests are due at now, for sending at hour
// (0-23) in loc: a daily one each weekday, a weekly one each Monday for
// the week before.
func Due(now time.Time, loc *time.Location, hour int) []Period {
	local := now.In(loc)
	if local.Hour() < hour {
		return nil
	}
	switch local.Weekday() {
	case time.Saturday, time.Sunday:
		return nil
	case time.Monday:
		return []Period{Daily(local), Weekly(local.AddDate(0, 0, -7))}
	}
	return []Period{Daily(local)}
}

// ParsePeriod reads a period key back: "daily:2025-09-03", "weekly:2025-W36".
func ParsePeriod(key string) (Period, error) {
	kind, rest, _ := strings.Cut(key, ":")
	switch kind {
	case "daily":
		d, err := time.Parse(time.DateOnly, rest)
		if err != nil {
			return Period{}, fmt.Errorf("period %q: want daily:YYYY-MM-DD", key)
		}
		return Daily(d), nil
	case "weekly":
		var y, w int
		if n, err := fmt.Sscanf(rest, "%d-W%d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 {
			return Period{}, fmt.Errorf("period %q: want weekly:YYYY-Www", key)
		}
		// January 4th is always in week 1.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		p := Weekly(jan4.AddDate(0, 0, 7*(w-1)))
		if p.Key != key {
			return Period{}, fmt.Errorf("period %q: %d has no week %d", key, y, w)
		}
		return p, nil
	}
	return Period{}, fmt.Errorf("period %q: want daily:YYYY-MM-DD or weekly:YYYY-Www", key)
}
