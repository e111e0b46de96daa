package web

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// period is a span of feed days: one day, an ISO week or a month.
type period struct {
	Kind     string    // "date", "week" or "month", as in the URL
	Key      string    // 2025-09-03, 2025-W36 or 2025-09
	From, To time.Time // first and last day, inclusive
}

const dayLayout = time.DateOnly

var (
	weekRE  = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)
	monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

func dayPeriod(t time.Time) period {
	t = t.UTC().Truncate(24 * time.Hour)
	return period{Kind: "date", Key: t.Format(dayLayout), From: t, To: t}
}

func parseDay(s string) (period, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil || t.Year() < 1991 || t.Year() > 9999 {
		return period{}, fmt.Errorf("%q is not a date like 2025-09-03", s)
	}
	return dayPeriod(t), nil
}

// weekPeriod is the ISO 8601 week holding t (weeks start on Monday).
func weekPeriod(t time.Time) period {
	t = t.UTC().Truncate(24 * time.Hour)
	monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	y, w := monday.ISOWeek()
	return period{Kind: "week", Key: fmt.Sprintf("%04d-W%02d", y, w), From: monday, To: monday.AddDate(0, 0, 6)}
}

func parseWeek(s string) (period, error) {
	m := weekRE.FindStringSubmatch(s)
	bad := fmt.Errorf("%q is not an ISO week like 2025-W36", s)
	if m == nil {
		return period{}, bad
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	if year < 1991 || week < 1 || week > 53 {
		return period{}, bad
	}
	// January 4th is always in week 1.
	p := weekPeriod(time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*(week-1)))
	if p.Key != s { // week 53 of a year that has 52
		return period{}, fmt.Errorf("%d has no week %d", year, week)
	}
	return p, nil
}

func monthPeriod(t time.Time) period {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return period{Kind: "month", Key: first.Format("2006-01"), From: first, To: first.AddDate(0, 1, -1)}
}

func parseMonth(s string) (period, error) {
	m := monthRE.FindStringSubmatch(s)
	if m == nil {
		return period{}, fmt.Errorf("%q is not a month like 2025-09", s)
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if year < 1991 || month < 1 || month > 12 {
		return period{}, fmt.Errorf("%q is not a month like 2025-09", s)
	}
	return monthPeriod(time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)), nil
}

// shift returns the period n steps away (n may be negative).
func (p period) shift(n int) period {
	switch p.Kind {
	case "week":
		return weekPeriod(p.From.AddDate(0, 0, 7*n))
	case "month":
		return monthPeriod(p.From.AddDate(0, n, 0))
	}
	return dayPeriod(p.From.AddDate(0, 0, n))
}

func (p period) Path() string { return "/papers/" + p.Kind + "/" + p.Key }

func (p period) fromKey() string { return p.From.Format(dayLayout) }
func (p period) toKey() string   { return p.To.Format(dayLayout) }

// Title names the period for headings: "Wednesday, Sep 3, 2025",
// "Week 36 of 2025 (Sep 1 – 7)", "September 2025".
func (p period) Title() string {
	switch p.Kind {
	case "week":
		y, w := p.From.ISOWeek()
		return fmt.Sprintf("Week %d, %d", w, y)
	case "month":
		return p.From.Format("January 2006")
	}
	return p.From.Format("Monday, Jan 2, 2006")
}

// Span is the days a week covers, for its subtitle.
func (p period) Span() string {
	if p.Kind != "week" {
		return ""
	}
	if p.From.Month() == p.To.Month() {
		return fmt.Sprintf("%s – %d", p.From.Format("Jan 2"), p.To.Day())
	}
	return fmt.Sprintf("%s – %s", p.From.Format("Jan 2"), p.To.Format("Jan 2"))
}
