package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// pageSize is the number of papers per feed page.
const pageSize = 50

// feedPage is the daily, weekly and monthly feed.
type feedPage struct {
	layout
	Period     period
	Items      []store.FeedItem
	Total      int
	Offset     int      // rank of the first item minus one
	Prev, Next *navLink // nil at the ends
	Older      *navLink // the next page of a long period
	Newer      *navLink
	Views      []navLink // the same day as a day, week and month
	Calendar   calendar
	Empty      string
}

type navLink struct {
	Label, Path string
}

// feedLatest shows the newest day that has papers.
func (s *Server) feedLatest(w http.ResponseWriter, r *http.Request) error {
	day, err := s.store.LatestFeedDay(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		return s.showFeed(w, r, dayPeriod(s.now()), "Today")
	}
	if err != nil {
		return err
	}
	p, err := parseDay(day)
	if err != nil {
		return err
	}
	return s.showFeed(w, r, p, "Today")
}

func (s *Server) feedDay(w http.ResponseWriter, r *http.Request) error {
	p, err := parseDay(r.PathValue("day"))
	if err != nil {
		return badRequest(err.Error())
	}
	return s.showFeed(w, r, p, "Daily")
}

func (s *Server) feedWeek(w http.ResponseWriter, r *http.Request) error {
	p, err := parseWeek(r.PathValue("week"))
	if err != nil {
		return badRequest(err.Error())
	}
	return s.showFeed(w, r, p, "Weekly")
}

func (s *Server) feedMonth(w http.ResponseWriter, r *http.Request) error {
	p, err := parseMonth(r.PathValue("month"))
	if err != nil {
		return badRequest(err.Error())
	}
	return s.showFeed(w, r, p, "Monthly")
}

// latestPeriod redirects to the week or month of the newest feed day.
func (s *Server) latestPeriod(of func(time.Time) period) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		day := s.now()
		if latest, err := s.store.LatestFeedDay(r.Context()); err == nil {
			if p, err := parseDay(latest); err == nil {
				day = p.From
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		http.Redirect(w, r, of(day).Path(), http.StatusFound)
		return nil
	}
}

// feedJump answers the date picker: /papers/date?date=2025-09-03.
func (s *Server) feedJump(w http.ResponseWriter, r *http.Request) error {
	p, err := parseDay(r.URL.Query().Get("date"))
	if err != nil {
		return badRequest(err.Error())
	}
	http.Redirect(w, r, p.Path(), http.StatusSeeOther)
	return nil
}

func (s *Server) showFeed(w http.ResponseWriter, r *http.Request, p period, nav string) error {
	ctx := r.Context()
	pageNo := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("page must be a number from 1")
		}
		pageNo = n
	}
	offset := (pageNo - 1) * pageSize
	items, err := s.store.Feed(ctx, store.FeedQuery{From: p.fromKey(), To: p.toKey(), Limit: pageSize, Offset: offset})
	if err != nil {
		return err
	}
	total := len(items)
	if len(items) == pageSize || offset > 0 {
		if total, err = s.store.FeedCount(ctx, p.fromKey(), p.toKey()); err != nil {
			return err
		}
	}
	page := feedPage{
		layout: s.layout(r, p.Title(), nav),
		Period: p, Items: items, Total: total, Offset: offset,
	}
	if nav == "Today" {
		page.layout.Title = ""
	}
	page.Canonical = p.Path()
	page.Feeds = s.dailyFeeds()
	if err := s.feedNav(r, &page); err != nil {
		return err
	}
	if offset > 0 {
		page.Newer = &navLink{"Previous page", pagePath(p, pageNo-1)}
	}
	if offset+len(items) < total {
		page.Older = &navLink{"Next page", pagePath(p, pageNo+1)}
	}
	if len(items) == 0 {
		page.Empty = "No papers were submitted for this " + map[string]string{"date": "day", "week": "week", "month": "month"}[p.Kind] + "."
		if offset > 0 {
			page.Empty = "There are no more papers for this period."
		}
	}
	if err := s.markVotes(r, &page.layout, feedIDs(page.Items)); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "feed", &page)
}

func pagePath(p period, n int) string {
	if n <= 1 {
		return p.Path()
	}
	return p.Path() + "?page=" + strconv.Itoa(n)
}

// feedNav fills the previous/next links and the calendar. Each steps to
// the nearest day, week or month that has papers, skipping weekends and
// gaps, and there is no step past the first or the last papers: an arrow
// into an empty month only leads to more empty months.
func (s *Server) feedNav(r *http.Request, page *feedPage) error {
	p := page.Period
	prev, next, err := s.adjacentPeriods(r, p)
	if err != nil {
		return err
	}
	label := func(q period) string {
		if q.Kind == "date" {
			return dayLabel(q.From, p.From)
		}
		return shortTitle(q)
	}
	if prev != nil {
		page.Prev = &navLink{"← " + label(*prev), prev.Path()}
	}
	if next != nil {
		page.Next = &navLink{label(*next) + " →", next.Path()}
	}
	page.Views = []navLink{
		{"Day", dayPeriod(p.From).Path()},
		{"Week", weekPeriod(p.From).Path()},
		{"Month", monthPeriod(p.From).Path()},
	}
	cal, err := s.calendarFor(r, p)
	page.Calendar = cal
	return err
}

// adjacentPeriods returns the nearest periods of p's kind before and after
// it that have papers, nil at either end of the feed.
func (s *Server) adjacentPeriods(r *http.Request, p period) (prev, next *period, err error) {
	before, after, err := s.store.AdjacentFeedDays(r.Context(), p.fromKey())
	if err == nil && p.toKey() != p.fromKey() {
		_, after, err = s.store.AdjacentFeedDays(r.Context(), p.toKey())
	}
	if err != nil {
		return nil, nil, err
	}
	of := map[string]func(time.Time) period{"date": dayPeriod, "week": weekPeriod, "month": monthPeriod}[p.Kind]
	if d, err := parseDay(before); err == nil {
		q := of(d.From)
		prev = &q
	}
	if d, err := parseDay(after); err == nil {
		q := of(d.From)
		next = &q
	}
	return prev, next, nil
}

// dayLabel names a day as "Jan 2", with the year when it is not the year
// of the day shown.
func dayLabel(d, from time.Time) string {
	if d.Year() != from.Year() {
		return d.Format("Jan 2, 2006")
	}
	return d.Format("Jan 2")
}

func shortTitle(p period) string {
	switch p.Kind {
	case "week":
		_, w := p.From.ISOWeek()
		return "Week " + strconv.Itoa(w)
	case "month":
		return p.From.Format("Jan 2006")
	}
	return p.From.Format("Jan 2")
}

// calendar is a month of days, Monday first, for jumping around the feed.
type calendar struct {
	Month      string
	MonthPath  string
	Current    bool     // the page shows this month
	Prev, Next *navLink // the nearest months with papers, nil at the ends
	Weeks      [][]calendarDay
}

type calendarDay struct {
	Day      int // 0 for padding cells
	Path     string
	Papers   int
	Selected bool
	Level    int // 0-3, how busy the day was, for shading
}

func (s *Server) calendarFor(r *http.Request, p period) (calendar, error) {
	m := monthPeriod(p.From)
	counts, err := s.store.FeedDays(r.Context(), m.fromKey(), m.toKey())
	if err != nil {
		return calendar{}, err
	}
	byDay := make(map[string]int, len(counts))
	most := 1
	for _, c := range counts {
		byDay[c.Day] = c.Papers
		most = max(most, c.Papers)
	}
	cal := calendar{Month: m.From.Format("January 2006"), MonthPath: m.Path(), Current: p.Kind == "month"}
	prev, next, err := s.adjacentPeriods(r, m)
	if err != nil {
		return calendar{}, err
	}
	if prev != nil {
		cal.Prev = &navLink{prev.From.Format("January 2006"), prev.Path()}
	}
	if next != nil {
		cal.Next = &navLink{next.From.Format("January 2006"), next.Path()}
	}
	week := make([]calendarDay, (int(m.From.Weekday())+6)%7)
	for d := m.From; !d.After(m.To); d = d.AddDate(0, 0, 1) {
		key := d.Format(dayLayout)
		n := byDay[key]
		// A month shown whole marks no day: rings round all thirty
		// would only hide which days have papers.
		cd := calendarDay{Day: d.Day(), Papers: n, Selected: p.Kind != "month" && !d.Before(p.From) && !d.After(p.To)}
		if n > 0 {
			cd.Path = "/papers/date/" + key
			cd.Level = 1 + min(2, 3*n/(most+1))
		}
		week = append(week, cd)
		if len(week) == 7 {
			cal.Weeks = append(cal.Weeks, week)
			week = nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, calendarDay{})
		}
		cal.Weeks = append(cal.Weeks, week)
	}
	return cal, nil
}

func feedIDs(items []store.FeedItem) []paper.ID {
	ids := make([]paper.ID, len(items))
	for i := range items {
		ids[i] = items[i].Paper.ID
	}
	return ids
}
