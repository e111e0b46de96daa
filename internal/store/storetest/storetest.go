// Package storetest is the conformance suite of store.Store: every backend
// (SQLite, PostgreSQL) runs Run against fresh, empty stores and must pass it
// unchanged. The data is built in code, small enough that each expected value
// is written out by hand.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Run runs the conformance suite. open must return a fresh, empty store on
// every call; Run closes the stores it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Empty", testEmpty},
		{"Migrations", testMigrations},
		{"PaperByID", testPaperByID},
		{"RoundTrip", testRoundTrip},
		{"SubMillisecondTimes", testSubMillisecondTimes},
		{"ImportCounts", testImportCounts},
		{"Idempotent", testIdempotent},
		{"FresherRecordWins", testFresherRecordWins},
		{"SamePaperTwiceInBatch", testSamePaperTwiceInBatch},
		{"LargeBatch", testLargeBatch},
		{"Rollback", testRollback},
		{"CommitThenRollback", testCommitThenRollback},
		{"Version", testVersion},
		{"ChangedPapers", testChangedPapers},
		{"LatestPapers", testLatestPapers},
		{"Vectors", testVectors},
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"Submitters", testSubmitters},
		{"ImportLeavesAccountsAlone", testImportLeavesAccountsAlone},
		{"KnownSubmitterKept", testKnownSubmitterKept},
		{"FeedOrder", testFeedOrder},
		{"FeedRange", testFeedRange},
		{"FeedPaging", testFeedPaging},
		{"FeedCountAndDays", testFeedCountAndDays},
		{"LatestFeedDay", testLatestFeedDay},
		{"AdjacentFeedDays", testAdjacentFeedDays},
		{"SubmittedSince", testSubmittedSince},
		{"LatestSubmission", testLatestSubmission},
		{"Submissions", testSubmissions},
		{"PapersOnFeed", testPapersOnFeed},
		{"Stats", testStats},
		{"Submit", testSubmit},
		{"Votes", testVotes},
		{"VotesConcurrent", testVotesConcurrent},
		{"VotesDuringImport", testVotesDuringImport},
		{"Comments", testComments},
		{"CommentHTML", testCommentHTML},
		{"CommentKeys", testCommentKeys},
		{"Reports", testReports},
		{"APITokens", testAPITokens},
		{"PasswordReset", testPasswordReset},
		{"RevokedTokensPruned", testRevokedTokensPruned},
		{"HidePaper", testHidePaper},
		{"Users", testUsers},
		{"Subscriptions", testSubscriptions},
		{"ActiveSubscriptions", testActiveSubscriptions},
		{"MailQueue", testMailQueue},
		{"MailQueueFailures", testMailQueueFailures},
		{"MailQueueLeases", testMailQueueLeases},
		{"MailQueueUnsubscribe", testMailQueueUnsubscribe},
		{"MailJobStates", testMailJobStates},
		{"MailQueueConcurrent", testMailQueueConcurrent},
		{"DigestRuns", testDigestRuns},
		{"Lead", testLead},
		{"Throttle", testThrottle},
		{"HarvestState", testHarvestState},
		{"Stars", testStars},
		{"ThrottleConcurrent", testThrottleConcurrent},
		{"ThrottleAll", testThrottleAll},
		{"Saved", testSaved},
		{"Collections", testCollections},
		{"AuthorPapers", testAuthorPapers},
		{"CategoryPapers", testCategoryPapers},
		{"Claims", testClaims},
		{"Follows", testFollows},
		{"FollowsMany", testFollowsMany},
		{"FollowedPapersBetween", testFollowedPapersBetween},
		{"ReaderSignals", testReaderSignals},
		{"ReaderSettings", testReaderSettings},
		{"ReaderSignalCap", testReaderSignalCap},
		{"ReaderLibrarySignals", testReaderLibrarySignals},
		{"ReaderLibrarySignalCap", testReaderLibrarySignalCap},
		{"ReaderModels", testReaderModels},
		{"SubscriptionForYou", testSubscriptionForYou},
		{"WindowPapers", testWindowPapers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// ms builds a UTC time on day (YYYY-MM-DD) at hh:mm:ss.mmm.
func ms(day string, hh, mm, ss, milli int) time.Time {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute +
		time.Duration(ss)*time.Second + time.Duration(milli)*time.Millisecond)
}

// write imports recs in one committed import and returns its counts.
func write(t *testing.T, s store.Store, recs ...store.Record) store.ImportCounts {
	t.Helper()
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatalf("BeginImport: %v", err)
	}
	counts, err := im.Write(t.Context(), recs)
	if err != nil {
		im.Rollback()
		t.Fatalf("Write: %v", err)
	}
	if err := im.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return counts
}

func wantCounts(t *testing.T, what string, got store.ImportCounts, added, updated, unchanged int) {
	t.Helper()
	want := store.ImportCounts{Added: added, Updated: updated, Unchanged: unchanged}
	if got != want {
		t.Errorf("%s: counts %+v, want %+v", what, got, want)
	}
}

func getPaper(t *testing.T, s store.Store, id paper.ID) paper.Paper {
	t.Helper()
	p, err := s.Paper(t.Context(), id)
	if err != nil {
		t.Fatalf("Paper(%s): %v", id, err)
	}
	if p.ID != id {
		t.Fatalf("Paper(%s) returned paper %q", id, p.ID)
	}
	return p
}

func wantNotFound(t *testing.T, s store.Store, id paper.ID) {
	t.Helper()
	p, err := s.Paper(t.Context(), id)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Paper(%s) = %q, %v; want ErrNotFound", id, p.ID, err)
	}
}

// wantPaper fails unless got holds exactly want's data, naming the fields
// that differ.
func wantPaper(t *testing.T, what string, got, want paper.Paper) {
	t.Helper()
	if paper.Equal(got, want) {
		return
	}
	t.Errorf("%s: paper %s differs (-got +want):\n%s", what, want.ID, diffPaper(got, want))
}

func diffPaper(got, want paper.Paper) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		g, w := fmtValue(gv.Field(i)), fmtValue(wv.Field(i))
		if g != w {
			fmt.Fprintf(&b, "  %s:\n    - %s\n    + %s\n", gv.Type().Field(i).Name, g, w)
		}
	}
	if b.Len() == 0 {
		return "  (only in ways the printed form hides, e.g. nil against empty)\n"
	}
	return b.String()
}

// fmtValue prints times as UTC instants so that equal instants print alike.
func fmtValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Time:
		return fmtTime(x)
	case []paper.Version:
		parts := make([]string, len(x))
		for i, ver := range x {
			parts[i] = fmt.Sprintf("v%d@%s", ver.N, fmtTime(ver.Date))
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		return fmt.Sprintf("%#v", x)
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// wantUTC fails unless every time of p is zero or in UTC.
func wantUTC(t *testing.T, p paper.Paper) {
	t.Helper()
	check := func(name string, tm time.Time) {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("paper %s: %s %v is in %v, want UTC", p.ID, name, tm, tm.Location())
		}
	}
	check("Published", p.Published)
	check("Updated", p.Updated)
	check("AsOf", p.AsOf)
	for _, v := range p.Versions {
		check(fmt.Sprintf("version %d date", v.N), v.Date)
	}
}

// entry names a feed item for comparisons: "id@day".
func entry(it store.FeedItem) string { return string(it.Paper.ID) + "@" + it.Day }

func entries(items []store.FeedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = entry(it)
	}
	return out
}

func wantEntries(t *testing.T, what string, items []store.FeedItem, want ...string) {
	t.Helper()
	if got := entries(items); !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func testEmpty(t *testing.T, s store.Store) {
	ctx := t.Context()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st != (store.Stats{}) {
		t.Errorf("Stats of an empty store = %+v, want zero", st)
	}
	wantNotFound(t, s, "2501.00001")
	items, err := s.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31"})
	if err != nil || len(items) != 0 {
		t.Errorf("Feed of an empty store = %q, %v; want nothing", entries(items), err)
	}
	if n, err := s.FeedCount(ctx, "0000-01-01", "9999-12-31"); err != nil || n != 0 {
		t.Errorf("FeedCount of an empty store = %d, %v; want 0", n, err)
	}
	if days, err := s.FeedDays(ctx, "0000-01-01", "9999-12-31"); err != nil || len(days) != 0 {
		t.Errorf("FeedDays of an empty store = %v, %v; want none", days, err)
	}
	if items, err := s.SubmittedSince(ctx, time.Time{}); err != nil || len(items) != 0 {
		t.Errorf("SubmittedSince of an empty store = %q, %v; want nothing", entries(items), err)
	}
}

func testPaperByID(t *testing.T, s store.Store) {
	a := paper.Paper{ID: "2501.00001", Title: "Alpha"}
	b := paper.Paper{ID: "2501.00002", Title: "Beta"}
	old := paper.Paper{ID: "hep-th/9901001", Title: "An old-style id"}
	write(t, s, store.Record{Paper: a}, store.Record{Paper: b}, store.Record{Paper: old})

	for _, want := range []paper.Paper{a, b, old} {
		wantPaper(t, "Paper", getPaper(t, s, want.ID), want)
	}
	for _, id := range []paper.ID{"2501.00003", "2501.0000", "2501.00001v1", "HEP-TH/9901001", ""} {
		wantNotFound(t, s, id)
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	cest := time.FixedZone("CEST", 2*60*60)
	full := paper.Paper{
		ID:       "2503.01234",
		Title:    `Çà et là: 量子 ℏ-bar, 𝔼[x] & <b>x</b> "q" — ünïcödé 🚀`,
		Abstract: "We show <b>x</b> & \"q\" < 'y' > z.\nSecond line\twith a tab; DROP TABLE papers; --",
		Authors: []paper.Author{
			{Name: "Zoë Ångström", User: "zoe"},
			{Name: "Ada Lovelace"},
			{Name: "李小龙", User: "xiaolong_li"},
			{Name: "O'Brien, Jr."},
		},
		Categories: []string{"stat.ML", "cs.LG", "cs.AI"},
		Versions: []paper.Version{
			{N: 1, Date: time.Date(2025, 3, 1, 17, 59, 59, 999_000_000, time.UTC)},
			{N: 2, Date: time.Date(2025, 3, 9, 9, 0, 0, 1_000_000, cest)},
			{N: 3, Date: time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC)},
		},
		Published:   time.Date(2025, 3, 1, 17, 59, 59, 999_000_000, time.UTC),
		Updated:     time.Date(2025, 4, 2, 2, 0, 0, 0, cest),
		Listed:      "2025-03-03",
		DOI:         "10.48550/arXiv.2503.01234",
		JournalRef:  "J. Unicode Stud. 1 (2025) 1–10",
		Comments:    "12 pages, 3 figures; <i>accepted</i> at ICML & \"friends\"",
		Withdrawn:   true,
		GitHubRepo:  "https://github.com/zoe/quantum",
		GitHubStars: 1234,
		ProjectPage: "https://zoe.example/quantum?x=1&y=2",
		Upvotes:     42,
		NumComments: 7,
		AISummary:   "Qubits \"entangle\" <b>faster</b> — 量子 ∮ in one sentence.",
		AIKeywords:  []string{"quantum error correction", "LLM \"agents\"", "量子计算"},
		AIModel:     "org/Model-7B",
		AsOf:        time.Date(2025, 4, 3, 12, 30, 15, 250_000_000, cest),
	}
	bare := paper.Paper{ID: "2503.09999", Title: "Only a title"}
	write(t, s, store.Record{Paper: full}, store.Record{Paper: bare})

	got := getPaper(t, s, full.ID)
	wantPaper(t, "full paper", got, full)
	wantUTC(t, got)
	// Equal compares instants; spell the UTC wall clock out once as well.
	if want := "2025-04-03T10:30:15.25Z"; got.AsOf.Format(time.RFC3339Nano) != want {
		t.Errorf("AsOf = %s, want %s", got.AsOf.Format(time.RFC3339Nano), want)
	}
	if want := "2025-03-09T07:00:00.001Z"; len(got.Versions) == 3 && got.Versions[1].Date.Format(time.RFC3339Nano) != want {
		t.Errorf("version 2 date = %s, want %s", got.Versions[1].Date.Format(time.RFC3339Nano), want)
	}
	if got.PrimaryCategory() != "stat.ML" {
		t.Errorf("primary category %q, want stat.ML", got.PrimaryCategory())
	}

	got = getPaper(t, s, bare.ID)
	wantPaper(t, "bare paper", got, bare)
	if got.Abstract != "" || len(got.Authors) != 0 || len(got.Categories) != 0 || len(got.Versions) != 0 ||
		!got.Published.IsZero() || !got.Updated.IsZero() || !got.AsOf.IsZero() || got.Listed != "" ||
		got.AISummary != "" || got.AIKeywords != nil || got.AIModel != "" {
		t.Errorf("bare paper came back with data: %+v", got)
	}
}

// Sources may carry finer times than a backend keeps; storing them must
// not make the next import of the same records look like a change.
func testSubMillisecondTimes(t *testing.T, s store.Store) {
	fine := time.Date(2025, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	p := paper.Paper{
		ID: "2505.00042", Title: "Nanoseconds",
		Versions:  []paper.Version{{N: 1, Date: fine}},
		Published: fine, Updated: fine, AsOf: fine.Add(time.Hour),
	}
	sub := &store.Submission{Day: "2025-05-06", Submitter: "nano", SubmittedAt: fine.Add(2 * time.Hour)}
	wantCounts(t, "first import", write(t, s, store.Record{Paper: p, Submission: sub}), 1, 0, 0)
	before := getPaper(t, s, p.ID)
	for name, pair := range map[string][2]time.Time{
		"Published": {before.Published, p.Published},
		"Updated":   {before.Updated, p.Updated},
		"AsOf":      {before.AsOf, p.AsOf},
	} {
		if d := pair[0].Sub(pair[1]); d <= -time.Millisecond || d >= time.Millisecond {
			t.Errorf("%s stored as %s, more than 1ms from %s", name, fmtTime(pair[0]), fmtTime(pair[1]))
		}
	}
	wantCounts(t, "same records again", write(t, s, store.Record{Paper: p, Submission: sub}), 0, 0, 1)
	wantPaper(t, "after the second import", getPaper(t, s, p.ID), before)
}

func testImportCounts(t *testing.T, s store.Store) {
	t1 := ms("2025-01-10", 8, 0, 0, 0)
	a := paper.Paper{ID: "2501.00010", Title: "A", AsOf: t1}
	b := paper.Paper{ID: "2501.00011", Title: "B", AsOf: t1}
	c := paper.Paper{ID: "2501.00012", Title: "C", AsOf: t1}
	wantCounts(t, "three new papers", write(t, s, store.Record{Paper: a}, store.Record{Paper: b}, store.Record{Paper: c}), 3, 0, 0)

	d := paper.Paper{ID: "2501.00013", Title: "D", AsOf: t1}
	b2 := b
	b2.Title, b2.AsOf = "B, revised", t1.Add(time.Hour)
	// a: unchanged; b: newer title; c: unchanged paper but a new feed entry; d: new.
	counts := write(t, s,
		store.Record{Paper: a},
		store.Record{Paper: b2},
		store.Record{Paper: c, Submission: &store.Submission{Day: "2025-01-10", SubmittedAt: t1}},
		store.Record{Paper: d},
	)
	wantCounts(t, "mixed batch", counts, 1, 2, 1)

	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	counts, err = im.Write(t.Context(), nil)
	if err != nil {
		t.Fatalf("Write of no records: %v", err)
	}
	wantCounts(t, "no records", counts, 0, 0, 0)
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}

	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Papers != 4 || st.FeedEntries != 1 {
		t.Errorf("Stats = %+v, want 4 papers and 1 feed entry", st)
	}
	if got := getPaper(t, s, b.ID).Title; got != "B, revised" {
		t.Errorf("title of B = %q, want the revised one", got)
	}
}

// idemRecords is a small import with feed entries, submitters and a paper on two days.
func idemRecords() []store.Record {
	t1 := ms("2025-02-03", 9, 15, 0, 500)
	return []store.Record{
		{
			Paper: paper.Paper{ID: "2502.00100", Title: "One", Abstract: "first",
				Authors:    []paper.Author{{Name: "A. One", User: "aone"}, {Name: "B. Two"}},
				Categories: []string{"cs.CL", "cs.AI"}, Versions: []paper.Version{{N: 1, Date: t1.Add(-48 * time.Hour)}},
				Published: t1.Add(-48 * time.Hour), Updated: t1.Add(-48 * time.Hour),
				GitHubRepo: "https://github.com/one/one", GitHubStars: 3, Upvotes: 12, NumComments: 1, AsOf: t1},
			Submission: &store.Submission{Day: "2025-02-03", Submitter: "alice", Fullname: "Alice A.", SubmittedAt: t1},
		},
		{
			Paper:      paper.Paper{ID: "2502.00101", Title: "Two", Upvotes: 3, AsOf: t1},
			Submission: &store.Submission{Day: "2025-02-03", SubmittedAt: t1.Add(time.Minute)},
		},
		{
			Paper:      paper.Paper{ID: "2502.00100", Title: "One", Upvotes: 12, AsOf: t1},
			Submission: &store.Submission{Day: "2025-02-04", Submitter: "bob", SubmittedAt: t1.Add(24 * time.Hour)},
		},
		{Paper: paper.Paper{ID: "2502.00102", Title: "Three, never on the feed"}},
	}
}

// snapshot is everything the read methods say about a store's contents.
type snapshot struct {
	papers []paper.Paper
	feed   []store.FeedItem
	stats  store.Stats
}

func takeSnapshot(t *testing.T, s store.Store, ids ...paper.ID) snapshot {
	t.Helper()
	var sn snapshot
	for _, id := range ids {
		sn.papers = append(sn.papers, getPaper(t, s, id))
	}
	var err error
	if sn.feed, err = s.Feed(t.Context(), store.FeedQuery{From: "0000-01-01", To: "9999-12-31"}); err != nil {
		t.Fatalf("Feed: %v", err)
	}
	if sn.stats, err = s.Stats(t.Context()); err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return sn
}

func wantSameSnapshot(t *testing.T, what string, got, want snapshot) {
	t.Helper()
	for i := range want.papers {
		wantPaper(t, what, got.papers[i], want.papers[i])
	}
	if got.stats != want.stats {
		t.Errorf("%s: Stats = %+v, want %+v", what, got.stats, want.stats)
	}
	if len(got.feed) != len(want.feed) {
		t.Errorf("%s: feed %q, want %q", what, entries(got.feed), entries(want.feed))
		return
	}
	for i := range want.feed {
		g, w := got.feed[i], want.feed[i]
		if entry(g) != entry(w) || !g.SubmittedAt.Equal(w.SubmittedAt) || !paper.Equal(g.Paper, w.Paper) ||
			(g.Submitter == nil) != (w.Submitter == nil) || (g.Submitter != nil && *g.Submitter != *w.Submitter) {
			t.Errorf("%s: feed item %d = %s %v %+v, want %s %v %+v", what, i,
				entry(g), g.SubmittedAt, g.Submitter, entry(w), w.SubmittedAt, w.Submitter)
		}
	}
}

func testIdempotent(t *testing.T, s store.Store) {
	ids := []paper.ID{"2502.00100", "2502.00101", "2502.00102"}
	// The batch holds 2502.00100 twice (two days): the second record is
	// counted as a change (a new feed entry) of a paper the batch added.
	wantCounts(t, "first import", write(t, s, idemRecords()...), 3, 1, 0)
	before := takeSnapshot(t, s, ids...)
	if before.stats.Papers != 3 || before.stats.FeedEntries != 3 || before.stats.Users != 2 {
		t.Fatalf("after the first import Stats = %+v, want 3 papers, 3 feed entries, 2 users", before.stats)
	}
	for i := range 2 {
		wantCounts(t, fmt.Sprintf("import %d of the same records", i+2), write(t, s, idemRecords()...), 0, 0, 4)
		wantSameSnapshot(t, fmt.Sprintf("after import %d", i+2), takeSnapshot(t, s, ids...), before)
	}
	// The same records split over two batches of one import change nothing either.
	recs := idemRecords()
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var sum store.ImportCounts
	for _, part := range [][]store.Record{recs[:2], recs[2:]} {
		c, err := im.Write(t.Context(), part)
		if err != nil {
			t.Fatal(err)
		}
		sum.Add(c)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "same records in two batches", sum, 0, 0, 4)
	wantSameSnapshot(t, "after two batches", takeSnapshot(t, s, ids...), before)
}

func testFresherRecordWins(t *testing.T, s store.Store) {
	const id = paper.ID("2502.01234")
	t1 := ms("2025-02-01", 10, 0, 0, 123)
	t2 := t1.Add(48 * time.Hour)
	t0 := t1.Add(-24 * time.Hour)

	first := paper.Paper{ID: id, Title: "Old title", Abstract: "Old abstract",
		Authors:    []paper.Author{{Name: "Ada Lovelace", User: "ada"}, {Name: "Alan Turing"}},
		Categories: []string{"cs.CL"}, Versions: []paper.Version{{N: 1, Date: t1}},
		Published: t1, Updated: t1, Comments: "10 pages", Upvotes: 5, NumComments: 2, AsOf: t1}
	wantCounts(t, "first", write(t, s, store.Record{Paper: first}), 1, 0, 0)

	// Fresher: its values win where it has them; empty fields and lower counts do not.
	fresher := paper.Paper{ID: id, Title: "New title",
		Authors:    []paper.Author{{Name: "Ada Lovelace"}, {Name: "Alan Turing"}, {Name: "Grace Hopper", User: "grace"}},
		Categories: []string{"cs.LG", "cs.CL"}, Versions: []paper.Version{{N: 2, Date: t2}},
		Updated: t2, Comments: "12 pages, v2", Upvotes: 3, NumComments: 9,
		GitHubRepo: "https://github.com/ada/engine", GitHubStars: 10, AsOf: t2}
	wantCounts(t, "fresher", write(t, s, store.Record{Paper: fresher}), 0, 1, 0)
	want := paper.Paper{ID: id, Title: "New title", Abstract: "Old abstract",
		Authors:    []paper.Author{{Name: "Ada Lovelace", User: "ada"}, {Name: "Alan Turing"}, {Name: "Grace Hopper", User: "grace"}},
		Categories: []string{"cs.LG", "cs.CL"}, Versions: []paper.Version{{N: 1, Date: t1}, {N: 2, Date: t2}},
		Published: t1, Updated: t2, Comments: "12 pages, v2", Upvotes: 5, NumComments: 9,
		GitHubRepo: "https://github.com/ada/engine", GitHubStars: 10, AsOf: t2}
	wantPaper(t, "after the fresher record", getPaper(t, s, id), want)

	// Older: it only fills gaps (the DOI); everything it disagrees on stays.
	older := paper.Paper{ID: id, Title: "Ancient title", Abstract: "Ancient abstract", DOI: "10.1000/xyz",
		Authors: []paper.Author{{Name: "Someone Else"}}, Categories: []string{"math.CO"},
		Versions: []paper.Version{{N: 1, Date: t0}}, Comments: "draft", Withdrawn: true, Upvotes: 1,
		GitHubRepo: "https://github.com/old/repo", GitHubStars: 99, AsOf: t0}
	wantCounts(t, "older", write(t, s, store.Record{Paper: older}), 0, 1, 0)
	want.DOI = "10.1000/xyz"
	wantPaper(t, "after the older record", getPaper(t, s, id), want)

	wantCounts(t, "older again", write(t, s, store.Record{Paper: older}), 0, 0, 1)
	wantCounts(t, "fresher again", write(t, s, store.Record{Paper: fresher}), 0, 0, 1)
	wantPaper(t, "after both again", getPaper(t, s, id), want)
}

func testSamePaperTwiceInBatch(t *testing.T, s store.Store) {
	t1 := ms("2025-02-10", 6, 0, 0, 0)
	t2 := t1.Add(24 * time.Hour)

	// Older then newer: the newer one wins.
	counts := write(t, s,
		store.Record{Paper: paper.Paper{ID: "2502.05555", Title: "Draft", Upvotes: 1, AsOf: t1}},
		store.Record{Paper: paper.Paper{ID: "2502.05555", Title: "Final", Abstract: "Now with an abstract", Upvotes: 4, AsOf: t2},
			Submission: &store.Submission{Day: "2025-02-11", Submitter: "carol", SubmittedAt: t2}},
	)
	wantCounts(t, "older then newer", counts, 1, 1, 0)
	wantPaper(t, "older then newer", getPaper(t, s, "2502.05555"),
		paper.Paper{ID: "2502.05555", Title: "Final", Abstract: "Now with an abstract", Upvotes: 4, AsOf: t2})

	// Newer then older: the older one only fills the gap.
	counts = write(t, s,
		store.Record{Paper: paper.Paper{ID: "2502.06666", Title: "Final", Upvotes: 4, AsOf: t2}},
		store.Record{Paper: paper.Paper{ID: "2502.06666", Title: "Draft", Abstract: "Filled in", Upvotes: 1, AsOf: t1}},
	)
	wantCounts(t, "newer then older", counts, 1, 1, 0)
	wantPaper(t, "newer then older", getPaper(t, s, "2502.06666"),
		paper.Paper{ID: "2502.06666", Title: "Final", Abstract: "Filled in", Upvotes: 4, AsOf: t2})

	// The same record twice: the second holds nothing new.
	same := store.Record{Paper: paper.Paper{ID: "2502.07777", Title: "Twice", AsOf: t1},
		Submission: &store.Submission{Day: "2025-02-10", Submitter: "dave", SubmittedAt: t1}}
	wantCounts(t, "same record twice", write(t, s, same, same), 1, 0, 1)

	// A paper the store knows, twice in a batch, with one more day each time.
	counts = write(t, s,
		store.Record{Paper: paper.Paper{ID: "2502.07777", Title: "Twice", AsOf: t1},
			Submission: &store.Submission{Day: "2025-02-12", Submitter: "dave", SubmittedAt: t2.Add(24 * time.Hour)}},
		store.Record{Paper: paper.Paper{ID: "2502.07777", Title: "Twice", AsOf: t1},
			Submission: &store.Submission{Day: "2025-02-12", Submitter: "dave", SubmittedAt: t2.Add(24 * time.Hour)}},
	)
	wantCounts(t, "known paper twice", counts, 0, 1, 1)

	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := store.Stats{Papers: 3, FeedEntries: 3, Users: 2, FirstDay: "2025-02-10", LastDay: "2025-02-12"}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

// A batch may be large; backends must not trip over their bind-parameter limits.
func testLargeBatch(t *testing.T, s store.Store) {
	const n = 70_000 // more than SQLite's 32766 and PostgreSQL's 65535 parameters
	recs := make([]store.Record, n)
	for i := range recs {
		recs[i] = store.Record{Paper: paper.Paper{ID: paper.ID(fmt.Sprintf("2501.%05d", i)), Title: "Bulk"}}
	}
	wantCounts(t, "large batch", write(t, s, recs...), n, 0, 0)
	if !testing.Short() {
		wantCounts(t, "large batch again", write(t, s, recs...), 0, 0, n)
	}
	wantPaper(t, "last of the batch", getPaper(t, s, "2501.69999"), paper.Paper{ID: "2501.69999", Title: "Bulk"})
}

func testRollback(t *testing.T, s store.Store) {
	t1 := ms("2025-03-01", 9, 0, 0, 0)
	base := paper.Paper{ID: "2503.00500", Title: "Base", Upvotes: 2, AsOf: t1}
	write(t, s, store.Record{Paper: base,
		Submission: &store.Submission{Day: "2025-03-01", Submitter: "alice", SubmittedAt: t1}})
	before := takeSnapshot(t, s, base.ID)
	v0, err := s.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	changed := base
	changed.Title, changed.Upvotes, changed.AsOf = "Changed", 50, t1.Add(time.Hour)
	counts, err := im.Write(t.Context(), []store.Record{
		{Paper: changed, Submission: &store.Submission{Day: "2025-03-02", Submitter: "carol", SubmittedAt: t1.Add(24 * time.Hour)}},
		{Paper: paper.Paper{ID: "2503.00501", Title: "New"},
			Submission: &store.Submission{Day: "2025-03-03", Submitter: "dave", SubmittedAt: t1.Add(48 * time.Hour)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "rolled-back write", counts, 1, 1, 0)
	if err := im.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := im.Rollback(); err != nil {
		t.Errorf("second Rollback: %v", err)
	}

	wantSameSnapshot(t, "after Rollback", takeSnapshot(t, s, base.ID), before)
	wantNotFound(t, s, "2503.00501")
	if v, err := s.Version(t.Context()); err != nil || v != v0 {
		t.Errorf("Version after Rollback = %d, %v; want %d", v, err, v0)
	}

	// The rolled-back users were not created: a new import makes them anew
	// and they count once.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00501", Title: "New"},
		Submission: &store.Submission{Day: "2025-03-03", Submitter: "dave", SubmittedAt: t1.Add(48 * time.Hour)}})
	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Stats{Papers: 2, FeedEntries: 2, Users: 2, FirstDay: "2025-03-01", LastDay: "2025-03-03"}); st != want {
		t.Errorf("Stats after a later import = %+v, want %+v", st, want)
	}
}

func testCommitThenRollback(t *testing.T, s store.Store) {
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The usual calling pattern: defer Rollback, Commit on success.
	p := paper.Paper{ID: "2503.00600", Title: "Kept"}
	if _, err := im.Write(t.Context(), []store.Record{{Paper: p,
		Submission: &store.Submission{Day: "2025-03-05", SubmittedAt: ms("2025-03-05", 1, 0, 0, 0)}}}); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := im.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	wantPaper(t, "after Commit and Rollback", getPaper(t, s, p.ID), p)
	if n, err := s.FeedCount(t.Context(), "2025-03-05", "2025-03-05"); err != nil || n != 1 {
		t.Errorf("FeedCount = %d, %v; want 1", n, err)
	}
	// The store still takes imports afterwards.
	wantCounts(t, "next import", write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00601", Title: "Next"}}), 1, 0, 0)
}

func testVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	v0, err := s.Version(ctx)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00700", Title: "V"}})
	v1, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 <= v0 {
		t.Errorf("Version after a committed import = %d, want more than %d", v1, v0)
	}
	im, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(ctx, []store.Record{{Paper: paper.Paper{ID: "2503.00701", Title: "W"}}}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx); err != nil || v != v1 {
		t.Errorf("Version during an open import = %d, %v; want %d", v, err, v1)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	v2, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v2 <= v1 {
		t.Errorf("Version after a second import = %d, want more than %d", v2, v1)
	}
	// An import that changes nothing keeps the version, and with it every cached page.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00701", Title: "W"}})
	if v3, err := s.Version(ctx); err != nil || v3 != v2 {
		t.Errorf("Version after an import that changed nothing = %d, %v; want %d", v3, err, v2)
	}
}

func testSubmitters(t *testing.T, s store.Store) {
	t1 := ms("2025-03-20", 10, 0, 0, 0)
	sub := func(day, who, full string, at time.Time) *store.Submission {
		return &store.Submission{Day: day, Submitter: who, Fullname: full, SubmittedAt: at}
	}
	counts := write(t, s,
		store.Record{Paper: paper.Paper{ID: "2503.02001", Title: "P1", Upvotes: 3}, Submission: sub("2025-03-20", "Alice", "Alice A.", t1)},
		store.Record{Paper: paper.Paper{ID: "2503.02002", Title: "P2", Upvotes: 2}, Submission: sub("2025-03-20", "alice", "", t1)},
		store.Record{Paper: paper.Paper{ID: "2503.02003", Title: "P3", Upvotes: 1}, Submission: sub("2025-03-20", "BOB", "Bob B.", t1)},
		store.Record{Paper: paper.Paper{ID: "2503.02004", Title: "P4", Upvotes: 0}, Submission: sub("2025-03-20", "", "", t1)},
		store.Record{Paper: paper.Paper{ID: "2503.02007", Title: "P7"}, Submission: sub("2025-03-19", "carol", "", t1.Add(-24*time.Hour))},
	)
	wantCounts(t, "first", counts, 5, 0, 0)
	// A later import meets the same people under other spellings.
	write(t, s,
		store.Record{Paper: paper.Paper{ID: "2503.02005", Title: "P5"}, Submission: sub("2025-03-21", "ALICE", "", t1.Add(24*time.Hour))},
		store.Record{Paper: paper.Paper{ID: "2503.02006", Title: "P6"}, Submission: sub("2025-03-21", "bob", "", t1.Add(24*time.Hour))},
		// Carol's full name, unknown at first, comes with a later record.
		store.Record{Paper: paper.Paper{ID: "2503.02008", Title: "P8"}, Submission: sub("2025-03-21", "Carol", "Carol C.", t1.Add(24*time.Hour))},
	)
	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Users != 3 {
		t.Errorf("Stats.Users = %d, want 3 (alice, bob and carol)", st.Users)
	}
	subs, err := s.Submissions(t.Context(), "2503.02007")
	if err != nil {
		t.Fatal(err)
	}
	// Each entry keeps the names its record gave: imported submitters are
	// text on their entries, not users a later record renames.
	if len(subs) != 1 || subs[0].Submitter == nil || *subs[0].Submitter != (store.User{Username: "carol", Imported: true}) {
		t.Errorf("submissions of P7: %q; want one by carol, as the record named her", entries(subs))
	}
	subs, err = s.Submissions(t.Context(), "2503.02008")
	if err != nil || len(subs) != 1 || subs[0].Submitter == nil || *subs[0].Submitter != (store.User{Username: "Carol", Fullname: "Carol C.", Imported: true}) {
		t.Errorf("submissions of P8: %q, %v; want one by Carol, Carol C.", entries(subs), err)
	}
	if carols, err := s.ImportedSubmissions(t.Context(), "CAROL", 0); err != nil {
		t.Fatal(err)
	} else {
		wantEntries(t, "carol's entries, by name in any case", carols, "2503.02008@2025-03-21", "2503.02007@2025-03-19")
	}

	items, err := s.Feed(t.Context(), store.FeedQuery{From: "2025-03-20", To: "2025-03-21"})
	if err != nil {
		t.Fatal(err)
	}
	// P4, P5, P6 and P8 have no upvotes: the later submissions come first.
	wantEntries(t, "feed", items, "2503.02001@2025-03-20", "2503.02002@2025-03-20", "2503.02003@2025-03-20",
		"2503.02005@2025-03-21", "2503.02006@2025-03-21", "2503.02008@2025-03-21", "2503.02004@2025-03-20")
	if len(items) != 7 {
		return
	}
	for _, i := range []int{0, 1, 2, 3, 4} {
		if items[i].Submitter == nil {
			t.Fatalf("%s has no submitter", entry(items[i]))
		}
	}
	alice, bob := items[0].Submitter, items[2].Submitter
	if !strings.EqualFold(alice.Username, "alice") || alice.Fullname != "Alice A." {
		t.Errorf("first submitter = %+v, want alice, Alice A.", alice)
	}
	if !strings.EqualFold(bob.Username, "bob") || bob.Fullname != "Bob B." {
		t.Errorf("third submitter = %+v, want bob, Bob B.", bob)
	}
	for _, i := range []int{0, 1, 2, 3, 4} {
		if u := items[i].Submitter; !u.Imported || u.ID != 0 {
			t.Errorf("%s submitted by %+v, want an imported submitter, no account", entry(items[i]), u)
		}
	}
	for _, i := range []int{1, 3} {
		if !strings.EqualFold(items[i].Submitter.Username, "alice") {
			t.Errorf("%s submitted by %+v, want alice", entry(items[i]), items[i].Submitter)
		}
	}
	if !strings.EqualFold(items[4].Submitter.Username, "bob") {
		t.Errorf("%s submitted by %+v, want bob", entry(items[4]), items[4].Submitter)
	}
	if items[6].Submitter != nil {
		t.Errorf("%s: submitter %+v, want none", entry(items[6]), items[6].Submitter)
	}
}

// testImportLeavesAccountsAlone: a submitter an imported feed names is
// never a local account, even by the same name in another case: the
// account keeps its name, full name and entries, and an entry the account
// submitted keeps its submitter when an import brings the same paper and
// day.
func testImportLeavesAccountsAlone(t *testing.T, s store.Store) {
	ctx := t.Context()
	carol, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "carol", Fullname: "Carol Local"},
		Email: "carol@example.org", PasswordHash: "h-carol"})
	if err != nil {
		t.Fatal(err)
	}
	t1 := ms("2025-03-26", 9, 0, 0, 0)
	own, err := s.Submit(ctx, store.NewSubmission{Paper: paper.Paper{ID: "2503.04001", Title: "Hers"}, UserID: carol.ID, Day: "2025-03-26", At: t1})
	if err != nil {
		t.Fatal(err)
	}
	write(t, s,
		store.Record{Paper: paper.Paper{ID: "2503.04002", Title: "Imported"},
			Submission: &store.Submission{Day: "2025-03-26", Submitter: "Carol", Fullname: "Hosted Carol", SubmittedAt: t1}},
		// The same paper and day as her own entry, credited to the hosted Carol.
		store.Record{Paper: paper.Paper{ID: "2503.04001", Title: "Hers"},
			Submission: &store.Submission{Day: "2025-03-26", Submitter: "Carol", Fullname: "Hosted Carol", SubmittedAt: t1.Add(time.Hour)}},
	)
	a, err := s.Account(ctx, carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Username != "carol" || a.Fullname != "Carol Local" || a.Email != "carol@example.org" || a.PasswordHash != "h-carol" {
		t.Errorf("carol after the import = %+v, want her as she was", a)
	}
	if u, err := s.UserByName(ctx, "Carol"); err != nil || u.ID != carol.ID || u.Fullname != "Carol Local" {
		t.Errorf("UserByName(Carol) = %+v, %v; want the local account", u, err)
	}
	mine, err := s.UserSubmissions(ctx, carol.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "carol's own submissions", mine, "2503.04001@2025-03-26")
	if len(mine) == 1 {
		if u := mine[0].Submitter; u == nil || u.ID != carol.ID || u.Imported || !mine[0].SubmittedAt.Equal(own.SubmittedAt) {
			t.Errorf("her entry after the import: submitter %+v at %v; want hers at %v", u, mine[0].SubmittedAt, own.SubmittedAt)
		}
	}
	imported, err := s.ImportedSubmissions(ctx, "carol", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "the hosted Carol's entries", imported, "2503.04002@2025-03-26")
	if len(imported) == 1 {
		if u := imported[0].Submitter; u == nil || *u != (store.User{Username: "Carol", Fullname: "Hosted Carol", Imported: true}) {
			t.Errorf("imported submitter = %+v", u)
		}
	}
}

func testKnownSubmitterKept(t *testing.T, s store.Store) {
	t1 := ms("2025-03-25", 11, 0, 0, 0)
	p := paper.Paper{ID: "2503.03001", Title: "Known", AsOf: t1}
	write(t, s, store.Record{Paper: p,
		Submission: &store.Submission{Day: "2025-03-25", Submitter: "alice", Fullname: "Alice A.", SubmittedAt: t1}})

	// The same entry from a source that does not know the submitter holds nothing new.
	counts := write(t, s, store.Record{Paper: p, Submission: &store.Submission{Day: "2025-03-25", SubmittedAt: t1}})
	wantCounts(t, "same entry without submitter", counts, 0, 0, 1)
	// A record without any submission leaves the feed alone.
	wantCounts(t, "paper without submission", write(t, s, store.Record{Paper: p}), 0, 0, 1)

	subs, err := s.Submissions(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "submissions", subs, "2503.03001@2025-03-25")
	if len(subs) == 1 {
		if u := subs[0].Submitter; u == nil || u.Username != "alice" || u.Fullname != "Alice A." {
			t.Errorf("submitter = %+v, want alice (Alice A.)", u)
		}
		if !subs[0].SubmittedAt.Equal(t1) {
			t.Errorf("submitted at %v, want %v", subs[0].SubmittedAt, t1)
		}
	}
	// Nor does one that moves the submission time.
	later := t1.Add(time.Hour)
	write(t, s, store.Record{Paper: p, Submission: &store.Submission{Day: "2025-03-25", SubmittedAt: later}})
	subs, err = s.Submissions(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].Submitter == nil || subs[0].Submitter.Username != "alice" {
		t.Errorf("after a record with another time: %q; want one entry by alice", entries(subs))
	}

	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Users != 1 || st.FeedEntries != 1 {
		t.Errorf("Stats = %+v, want 1 user and 1 feed entry", st)
	}
}

func testChangedPapers(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := func(cs []store.ChangedPaper) []string {
		var out []string
		for _, c := range cs {
			out = append(out, string(c.Paper.ID))
		}
		return out
	}
	if got, err := s.ChangedPapers(ctx, store.Cursor{}, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", ids(got), err)
	}
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00801", Title: "First"}},
		store.Record{Paper: paper.Paper{ID: "2503.00802", Title: "Second"}})
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00803", Title: "Third"}})
	all, err := s.ChangedPapers(ctx, store.Cursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(all), " "); got != "2503.00801 2503.00802 2503.00803" {
		t.Fatalf("change feed = %s", got)
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].Cursor.Less(all[i].Cursor) {
			t.Errorf("cursors not increasing: %+v then %+v", all[i-1].Cursor, all[i].Cursor)
		}
	}
	// Paging by cursor, one at a time, visits the same papers.
	var paged []store.ChangedPaper
	for c := (store.Cursor{}); ; {
		page, err := s.ChangedPapers(ctx, c, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		c = page[0].Cursor
	}
	if strings.Join(ids(paged), " ") != strings.Join(ids(all), " ") {
		t.Errorf("paging by one gave %v", ids(paged))
	}
	last := all[len(all)-1].Cursor
	if got, err := s.ChangedPapers(ctx, last, 10); err != nil || len(got) != 0 {
		t.Errorf("after the last cursor: %v, %v", ids(got), err)
	}
	// An update moves the paper to the end of the feed; an unchanged record does not.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00801", Title: "First, revised", AsOf: time.Now()}},
		store.Record{Paper: paper.Paper{ID: "2503.00802", Title: "Second"}})
	got, err := s.ChangedPapers(ctx, last, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Paper.ID != "2503.00801" || got[0].Paper.Title != "First, revised" {
		t.Errorf("after an update: %v", ids(got))
	}
}

// AllPapers reads every paper of a store through its change feed, for
// tests of what is built on a store.
func AllPapers(t testing.TB, s store.Store) []paper.Paper {
	t.Helper()
	var out []paper.Paper
	for c := (store.Cursor{}); ; {
		page, err := s.ChangedPapers(context.Background(), c, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, p := range page {
			out = append(out, p.Paper)
		}
		c = page[len(page)-1].Cursor
	}
}

// A store opens migrated, and lists its migrations in order.
func testMigrations(t *testing.T, s store.Store) {
	ms, err := s.Migrations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations applied")
	}
	for i, m := range ms {
		if m.Version <= 0 || !strings.HasSuffix(m.Name, ".sql") || m.AppliedAt.IsZero() || time.Since(m.AppliedAt) > time.Hour {
			t.Errorf("migration %+v", m)
		}
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migrations out of order: %d after %d", m.Version, ms[i-1].Version)
		}
	}
}
