package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The feed fixture: four days with papers (2025-03-07, -10, -11, -14; the
// 8th, 9th, 12th and 13th are empty), ten entries, 2503.00001 on two days,
// ties on upvotes broken by submission time and then by id.
//
//	day        id          upvotes  submitted (UTC)          by
//	2025-03-07 2503.00020   7       03-07 10:00:00.000       alice
//	2025-03-10 2503.00009  50       03-10 07:00:00.000       bob
//	2025-03-10 2503.00005  10       03-10 09:00:00.000       alice
//	2025-03-10 2503.00002  10       03-10 09:00:00.000       -
//	2025-03-10 2503.00001  10       03-10 08:00:00.000       carol
//	2025-03-10 2503.00003   0       03-10 12:00:00.000       -
//	2025-03-11 2503.00011   5       03-11 08:00:00.000       alice
//	2025-03-11 2503.00012   5       03-11 08:00:00.001       bob
//	2025-03-14 2503.00001  10       03-14 09:30:00.000       bob
//	2025-03-14 2503.00014   1       03-14 10:00:00.000       -
//	(never on the feed) 2503.00099
func seedFeed(t *testing.T, s store.Store) {
	t.Helper()
	rec := func(id string, upvotes int, day string, at time.Time, by string) store.Record {
		return store.Record{
			Paper:      paper.Paper{ID: paper.ID(id), Title: "Paper " + id, Upvotes: upvotes, AsOf: at},
			Submission: &store.Submission{Day: day, Submitter: by, SubmittedAt: at},
		}
	}
	// Deliberately not in any of the orders the feed is read in.
	write(t, s,
		rec("2503.00001", 10, "2025-03-14", ms("2025-03-14", 9, 30, 0, 0), "bob"),
		rec("2503.00003", 0, "2025-03-10", ms("2025-03-10", 12, 0, 0, 0), ""),
		rec("2503.00012", 5, "2025-03-11", ms("2025-03-11", 8, 0, 0, 1), "bob"),
		rec("2503.00005", 10, "2025-03-10", ms("2025-03-10", 9, 0, 0, 0), "alice"),
		rec("2503.00020", 7, "2025-03-07", ms("2025-03-07", 10, 0, 0, 0), "alice"),
		rec("2503.00001", 10, "2025-03-10", ms("2025-03-10", 8, 0, 0, 0), "carol"),
		rec("2503.00014", 1, "2025-03-14", ms("2025-03-14", 10, 0, 0, 0), ""),
		rec("2503.00002", 10, "2025-03-10", ms("2025-03-10", 9, 0, 0, 0), ""),
		rec("2503.00011", 5, "2025-03-11", ms("2025-03-11", 8, 0, 0, 0), "alice"),
		rec("2503.00009", 50, "2025-03-10", ms("2025-03-10", 7, 0, 0, 0), "bob"),
		store.Record{Paper: paper.Paper{ID: "2503.00099", Title: "Never on the feed", Upvotes: 1000}},
	)
}

func feed(t *testing.T, s store.Store, q store.FeedQuery) []store.FeedItem {
	t.Helper()
	items, err := s.Feed(t.Context(), q)
	if err != nil {
		t.Fatalf("Feed(%+v): %v", q, err)
	}
	return items
}

func testFeedOrder(t *testing.T, s store.Store) {
	seedFeed(t, s)
	items := feed(t, s, store.FeedQuery{From: "2025-03-10", To: "2025-03-10"})
	wantEntries(t, "one day", items,
		"2503.00009@2025-03-10", "2503.00002@2025-03-10", "2503.00005@2025-03-10",
		"2503.00001@2025-03-10", "2503.00003@2025-03-10")

	items = feed(t, s, store.FeedQuery{From: "2025-03-07", To: "2025-03-14"})
	wantEntries(t, "all days", items,
		"2503.00009@2025-03-10", "2503.00001@2025-03-14", "2503.00002@2025-03-10", "2503.00005@2025-03-10",
		"2503.00001@2025-03-10", "2503.00020@2025-03-07", "2503.00012@2025-03-11", "2503.00011@2025-03-11",
		"2503.00014@2025-03-14", "2503.00003@2025-03-10")

	// Every item carries the stored paper, its day, time and submitter.
	for _, it := range items {
		wantPaper(t, "feed item "+entry(it), it.Paper, getPaper(t, s, it.Paper.ID))
		if it.SubmittedAt.Location() != time.UTC {
			t.Errorf("%s: SubmittedAt %v not in UTC", entry(it), it.SubmittedAt)
		}
	}
	if len(items) != 10 {
		return
	}
	checkItem := func(it store.FeedItem, upvotes int, at time.Time, by string) {
		t.Helper()
		if it.Paper.Upvotes != upvotes || it.Paper.Title != "Paper "+string(it.Paper.ID) {
			t.Errorf("%s: paper %q with %d upvotes, want %d", entry(it), it.Paper.Title, it.Paper.Upvotes, upvotes)
		}
		if !it.SubmittedAt.Equal(at) {
			t.Errorf("%s: submitted at %s, want %s", entry(it), fmtTime(it.SubmittedAt), fmtTime(at))
		}
		switch {
		case by == "" && it.Submitter != nil:
			t.Errorf("%s: submitter %+v, want none", entry(it), it.Submitter)
		case by != "" && (it.Submitter == nil || it.Submitter.Username != by):
			t.Errorf("%s: submitter %+v, want %s", entry(it), it.Submitter, by)
		}
	}
	checkItem(items[0], 50, ms("2025-03-10", 7, 0, 0, 0), "bob")
	checkItem(items[1], 10, ms("2025-03-14", 9, 30, 0, 0), "bob")
	checkItem(items[2], 10, ms("2025-03-10", 9, 0, 0, 0), "")
	checkItem(items[4], 10, ms("2025-03-10", 8, 0, 0, 0), "carol")
	checkItem(items[6], 5, ms("2025-03-11", 8, 0, 0, 1), "bob")
	checkItem(items[9], 0, ms("2025-03-10", 12, 0, 0, 0), "")

	// Upvotes come from the paper: a fresher record with more moves it up.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00003", Title: "Paper 2503.00003", Upvotes: 60,
		AsOf: ms("2025-03-15", 0, 0, 0, 0)}})
	wantEntries(t, "after more upvotes", feed(t, s, store.FeedQuery{From: "2025-03-10", To: "2025-03-10"}),
		"2503.00003@2025-03-10", "2503.00009@2025-03-10", "2503.00002@2025-03-10", "2503.00005@2025-03-10",
		"2503.00001@2025-03-10")
}

func testFeedRange(t *testing.T, s store.Store) {
	seedFeed(t, s)
	for _, tc := range []struct {
		from, to string
		want     []string
	}{
		{"2025-03-10", "2025-03-11", []string{"2503.00009@2025-03-10", "2503.00002@2025-03-10", "2503.00005@2025-03-10",
			"2503.00001@2025-03-10", "2503.00012@2025-03-11", "2503.00011@2025-03-11", "2503.00003@2025-03-10"}},
		{"2025-03-11", "2025-03-14", []string{"2503.00001@2025-03-14", "2503.00012@2025-03-11", "2503.00011@2025-03-11",
			"2503.00014@2025-03-14"}},
		{"2025-03-14", "2025-03-14", []string{"2503.00001@2025-03-14", "2503.00014@2025-03-14"}},
		{"2025-03-07", "2025-03-07", []string{"2503.00020@2025-03-07"}},
		{"2025-03-08", "2025-03-09", nil},
		{"2025-03-12", "2025-03-13", nil},
		{"2025-03-15", "2025-12-31", nil},
		{"2025-03-14", "2025-03-07", nil}, // backwards: nothing
	} {
		items := feed(t, s, store.FeedQuery{From: tc.from, To: tc.to})
		wantEntries(t, tc.from+".."+tc.to, items, tc.want...)
	}
}

func testFeedPaging(t *testing.T, s store.Store) {
	seedFeed(t, s)
	day := func(limit, offset int) store.FeedQuery {
		return store.FeedQuery{From: "2025-03-10", To: "2025-03-10", Limit: limit, Offset: offset}
	}
	for _, tc := range []struct {
		limit, offset int
		want          []string
	}{
		{2, 0, []string{"2503.00009", "2503.00002"}},
		{2, 2, []string{"2503.00005", "2503.00001"}},
		{2, 4, []string{"2503.00003"}},
		{2, 5, nil},
		{2, 100, nil},
		{3, 1, []string{"2503.00002", "2503.00005", "2503.00001"}},
		{0, 0, []string{"2503.00009", "2503.00002", "2503.00005", "2503.00001", "2503.00003"}}, // 0: no limit
		{0, 3, []string{"2503.00001", "2503.00003"}},
		{1, 0, []string{"2503.00009"}},
		{50, 0, []string{"2503.00009", "2503.00002", "2503.00005", "2503.00001", "2503.00003"}},
	} {
		items := feed(t, s, day(tc.limit, tc.offset))
		var got []string
		for _, it := range items {
			got = append(got, string(it.Paper.ID))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Limit %d Offset %d: %q, want %q", tc.limit, tc.offset, got, tc.want)
		}
	}
	// Pages put together are the whole day, each entry once.
	var all []string
	for off := 0; off < 10; off += 2 {
		all = append(all, entries(feed(t, s, day(2, off)))...)
	}
	wantEntries(t, "pages together", feed(t, s, day(0, 0)), all...)
}

func dc(day string, n int) store.DayCount { return store.DayCount{Day: day, Papers: n} }

func testFeedCountAndDays(t *testing.T, s store.Store) {
	seedFeed(t, s)
	ctx := t.Context()
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2025-03-07", "2025-03-14", 10},
		{"0000-01-01", "9999-12-31", 10},
		{"2025-03-10", "2025-03-10", 5},
		{"2025-03-11", "2025-03-14", 4},
		{"2025-03-08", "2025-03-10", 5},
		{"2025-03-12", "2025-03-13", 0},
		{"2025-03-14", "2025-03-07", 0},
	} {
		n, err := s.FeedCount(ctx, tc.from, tc.to)
		if err != nil || n != tc.want {
			t.Errorf("FeedCount(%s, %s) = %d, %v; want %d", tc.from, tc.to, n, err, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to string
		want     []store.DayCount
	}{
		{"2025-03-01", "2025-03-31", []store.DayCount{dc("2025-03-07", 1), dc("2025-03-10", 5), dc("2025-03-11", 2), dc("2025-03-14", 2)}},
		{"2025-03-08", "2025-03-11", []store.DayCount{dc("2025-03-10", 5), dc("2025-03-11", 2)}},
		{"2025-03-11", "2025-03-11", []store.DayCount{dc("2025-03-11", 2)}},
		{"2025-03-14", "2025-03-14", []store.DayCount{dc("2025-03-14", 2)}},
		{"2025-03-12", "2025-03-13", nil},
	} {
		days, err := s.FeedDays(ctx, tc.from, tc.to)
		if err != nil || !slices.Equal(days, tc.want) {
			t.Errorf("FeedDays(%s, %s) = %v, %v; want %v", tc.from, tc.to, days, err, tc.want)
		}
	}
}

func testLatestFeedDay(t *testing.T, s store.Store) {
	ctx := t.Context()
	if day, err := s.LatestFeedDay(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestFeedDay of an empty store = %q, %v; want ErrNotFound", day, err)
	}
	// Papers alone do not make a feed day.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00099", Title: "Not on the feed"}})
	if day, err := s.LatestFeedDay(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestFeedDay without feed entries = %q, %v; want ErrNotFound", day, err)
	}
	seedFeed(t, s)
	if day, err := s.LatestFeedDay(ctx); err != nil || day != "2025-03-14" {
		t.Errorf("LatestFeedDay = %q, %v; want 2025-03-14", day, err)
	}
}

func testAdjacentFeedDays(t *testing.T, s store.Store) {
	ctx := t.Context()
	if prev, next, err := s.AdjacentFeedDays(ctx, "2025-03-10"); err != nil || prev != "" || next != "" {
		t.Errorf("AdjacentFeedDays on an empty store = %q, %q, %v; want none", prev, next, err)
	}
	seedFeed(t, s)
	for _, tc := range []struct{ day, prev, next string }{
		{"2025-03-10", "2025-03-07", "2025-03-11"},
		{"2025-03-11", "2025-03-10", "2025-03-14"},
		{"2025-03-14", "2025-03-11", ""},
		{"2025-03-07", "", "2025-03-10"},
		{"2025-03-08", "2025-03-07", "2025-03-10"},
		{"2025-03-12", "2025-03-11", "2025-03-14"},
		{"2025-01-01", "", "2025-03-07"},
		{"2025-12-31", "2025-03-14", ""},
	} {
		prev, next, err := s.AdjacentFeedDays(ctx, tc.day)
		if err != nil || prev != tc.prev || next != tc.next {
			t.Errorf("AdjacentFeedDays(%s) = %q, %q, %v; want %q, %q", tc.day, prev, next, err, tc.prev, tc.next)
		}
	}
}

func testSubmittedSince(t *testing.T, s store.Store) {
	seedFeed(t, s)
	cet := time.FixedZone("CET", 60*60)
	for _, tc := range []struct {
		name  string
		since time.Time
		want  []string // sorted: the order of SubmittedSince is not specified
	}{
		{"exactly at a submission", ms("2025-03-11", 8, 0, 0, 0),
			[]string{"2503.00001@2025-03-14", "2503.00011@2025-03-11", "2503.00012@2025-03-11", "2503.00014@2025-03-14"}},
		{"one millisecond later", ms("2025-03-11", 8, 0, 0, 1),
			[]string{"2503.00001@2025-03-14", "2503.00012@2025-03-11", "2503.00014@2025-03-14"}},
		{"the same instant in another zone", ms("2025-03-11", 8, 0, 0, 1).In(cet),
			[]string{"2503.00001@2025-03-14", "2503.00012@2025-03-11", "2503.00014@2025-03-14"}},
		{"the last one", ms("2025-03-14", 10, 0, 0, 0), []string{"2503.00014@2025-03-14"}},
		{"after the last one", ms("2025-03-14", 10, 0, 0, 1), nil},
		{"zero time", time.Time{}, []string{
			"2503.00001@2025-03-10", "2503.00001@2025-03-14", "2503.00002@2025-03-10", "2503.00003@2025-03-10",
			"2503.00005@2025-03-10", "2503.00009@2025-03-10", "2503.00011@2025-03-11", "2503.00012@2025-03-11",
			"2503.00014@2025-03-14", "2503.00020@2025-03-07"}},
	} {
		items, err := s.SubmittedSince(t.Context(), tc.since)
		if err != nil {
			t.Errorf("%s: SubmittedSince: %v", tc.name, err)
			continue
		}
		got := entries(items)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: SubmittedSince(%s) = %q, want %q", tc.name, fmtTime(tc.since), got, tc.want)
		}
		for _, it := range items {
			if it.Paper.Title != "Paper "+string(it.Paper.ID) || it.SubmittedAt.Before(tc.since) {
				t.Errorf("%s: item %s titled %q submitted %s", tc.name, entry(it), it.Paper.Title, fmtTime(it.SubmittedAt))
			}
			if entry(it) == "2503.00012@2025-03-11" && (it.Submitter == nil || it.Submitter.Username != "bob" || it.Paper.Upvotes != 5) {
				t.Errorf("%s: item %s by %+v with %d upvotes, want bob and 5", tc.name, entry(it), it.Submitter, it.Paper.Upvotes)
			}
		}
	}
}

func testLatestSubmission(t *testing.T, s store.Store) {
	ctx := t.Context()
	if at, err := s.LatestSubmission(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestSubmission of an empty store = %v, %v; want ErrNotFound", at, err)
	}
	seedFeed(t, s)
	at, err := s.LatestSubmission(ctx)
	if want := ms("2025-03-14", 10, 0, 0, 0); err != nil || !at.Equal(want) {
		t.Errorf("LatestSubmission = %s, %v; want %s", fmtTime(at), err, fmtTime(want))
	}
	if at.Location() != time.UTC {
		t.Errorf("LatestSubmission %v not in UTC", at)
	}
}

func testSubmissions(t *testing.T, s store.Store) {
	seedFeed(t, s)
	ctx := t.Context()
	subs, err := s.Submissions(ctx, "2503.00001")
	if err != nil {
		t.Fatal(err)
	}
	// Imported newest first, listed oldest first.
	wantEntries(t, "Submissions(2503.00001)", subs, "2503.00001@2025-03-10", "2503.00001@2025-03-14")
	if len(subs) == 2 {
		for i, want := range []struct {
			at time.Time
			by string
		}{{ms("2025-03-10", 8, 0, 0, 0), "carol"}, {ms("2025-03-14", 9, 30, 0, 0), "bob"}} {
			if !subs[i].SubmittedAt.Equal(want.at) || subs[i].Submitter == nil || subs[i].Submitter.Username != want.by {
				t.Errorf("submission %d: %s by %+v, want %s by %s", i, fmtTime(subs[i].SubmittedAt), subs[i].Submitter, fmtTime(want.at), want.by)
			}
			wantPaper(t, "submission "+entry(subs[i]), subs[i].Paper, getPaper(t, s, "2503.00001"))
		}
	}
	if subs, err := s.Submissions(ctx, "2503.00009"); err != nil || len(subs) != 1 || subs[0].Day != "2025-03-10" {
		t.Errorf("Submissions(2503.00009) = %q, %v; want one on 2025-03-10", entries(subs), err)
	}
	if subs, err := s.Submissions(ctx, "2503.00099"); err != nil || len(subs) != 0 {
		t.Errorf("Submissions of a paper never on the feed = %q, %v; want none", entries(subs), err)
	}
}

func testStats(t *testing.T, s store.Store) {
	seedFeed(t, s)
	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := store.Stats{Papers: 10, FeedEntries: 10, Users: 3, FirstDay: "2025-03-07", LastDay: "2025-03-14"}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

func testLatestPapers(t *testing.T, s store.Store) {
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2025, 9, d, 12, 0, 0, 0, time.UTC) }
	write(t, s,
		store.Record{Paper: paper.Paper{ID: "2509.00001", Title: "Oldest", Published: day(1)}},
		store.Record{Paper: paper.Paper{ID: "2509.00003", Title: "Newest", Published: day(3)}},
		store.Record{Paper: paper.Paper{ID: "2509.00002", Title: "Middle", Published: day(2)}},
		store.Record{Paper: paper.Paper{ID: "2509.00004", Title: "Same day as middle", Published: day(2)}},
		store.Record{Paper: paper.Paper{ID: "2509.00005", Title: "Unknown date"}},
	)
	var got []string
	var cur store.PaperCursor
	for pages := 0; ; pages++ {
		ps, next, err := s.LatestPapers(ctx, cur, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			got = append(got, string(p.ID))
		}
		if next == (store.PaperCursor{}) {
			if pages != 2 {
				t.Errorf("%d pages of 2 for 5 papers", pages+1)
			}
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		cur = next
	}
	// Same date: the one stored later first (higher seq).
	want := []string{"2509.00003", "2509.00004", "2509.00002", "2509.00001", "2509.00005"}
	if !slices.Equal(got, want) {
		t.Errorf("newest first: %v, want %v", got, want)
	}
	if ps, next, err := s.LatestPapers(ctx, store.PaperCursor{}, 0); err != nil || len(ps) != 0 || next != (store.PaperCursor{}) {
		t.Errorf("limit 0: %v %v %v", ps, next, err)
	}
}

func testPapersOnFeed(t *testing.T, s store.Store) {
	seedFeed(t, s)
	write(t, s, store.Record{Paper: paper.Paper{ID: "2509.09999", Title: "Never on the feed"}})
	all := AllPapers(t, s)
	var onFeed paper.ID
	for _, p := range all {
		subs, err := s.Submissions(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) > 0 {
			onFeed = p.ID
			break
		}
	}
	if onFeed == "" {
		t.Fatal("the seeded feed has no paper")
	}
	ids := []paper.ID{"2509.09999", "2601.00000", onFeed, onFeed}
	got, err := s.PapersOnFeed(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Paper.ID != "2509.09999" || got[1].Paper.ID != onFeed {
		t.Fatalf("PapersOnFeed(%v) = %v, want the known ones once, in order", ids, entries(got))
	}
	if got[0].Day != "" || got[0].Submitter != nil || !got[0].SubmittedAt.IsZero() || got[0].Paper.Title != "Never on the feed" {
		t.Errorf("a paper never on the feed: %+v", got[0])
	}
	subs, _ := s.Submissions(t.Context(), onFeed)
	first := subs[0]
	if got[1].Day != first.Day || !got[1].SubmittedAt.Equal(first.SubmittedAt) || (first.Submitter == nil) != (got[1].Submitter == nil) ||
		first.Submitter != nil && got[1].Submitter.Username != first.Submitter.Username {
		t.Errorf("a paper on the feed: %+v, want its first entry %+v", got[1], first)
	}
	wantPaper(t, "PapersOnFeed", got[1].Paper, first.Paper)
	if got, err := s.PapersOnFeed(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v %v", got, err)
	}
}
