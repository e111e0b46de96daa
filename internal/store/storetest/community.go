package storetest

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// newAccount creates the account name, with address name@example.org (in
// lower case), full name NAME and password hash "h-name".
func newAccount(t *testing.T, s store.Store, name string) store.Account {
	t.Helper()
	a, err := s.CreateAccount(t.Context(), store.Account{
		User:  store.User{Username: name, Fullname: strings.ToUpper(name)},
		Email: strings.ToLower(name) + "@example.org", PasswordHash: "h-" + name})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return a
}

// wantErr fails unless err is target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

func version(t *testing.T, s store.Store) int64 {
	t.Helper()
	v, err := s.Version(t.Context())
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	return v
}

// lastCursor is the cursor of the last change in the change feed.
func lastCursor(t *testing.T, s store.Store) store.Cursor {
	t.Helper()
	var last store.Cursor
	for {
		page, err := s.ChangedPapers(t.Context(), last, 1000)
		if err != nil {
			t.Fatalf("ChangedPapers: %v", err)
		}
		if len(page) == 0 {
			return last
		}
		last = page[len(page)-1].Cursor
	}
}

// changedSince lists the ids of the papers changed after the cursor.
func changedSince(t *testing.T, s store.Store, after store.Cursor) []string {
	t.Helper()
	page, err := s.ChangedPapers(t.Context(), after, 1000)
	if err != nil {
		t.Fatalf("ChangedPapers: %v", err)
	}
	var out []string
	for _, c := range page {
		out = append(out, string(c.Paper.ID))
	}
	return out
}

// wantStoredNow fails unless tm is a time the store took just now: in
// UTC, whole milliseconds, within a minute.
func wantStoredNow(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC || !tm.Equal(tm.Truncate(time.Millisecond)) || time.Since(tm).Abs() > time.Minute {
		t.Errorf("%s = %v, want now, in UTC, in whole milliseconds", what, tm)
	}
}

// wantTime fails unless got is the instant want, in UTC.
func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || (!got.IsZero() && got.Location() != time.UTC) {
		t.Errorf("%s = %s (%v), want %s in UTC", what, fmtTime(got), got.Location(), fmtTime(want))
	}
}

func testSubmit(t *testing.T, s store.Store) {
	ctx := t.Context()
	t1 := ms("2025-04-01", 8, 0, 0, 0)
	write(t, s,
		store.Record{Paper: paper.Paper{ID: "2504.00001", Title: "Imported", Upvotes: 7,
			GitHubRepo: "https://github.com/old/repo", GitHubStars: 5, AsOf: t1}},
		store.Record{Paper: paper.Paper{ID: "2504.00002", Title: "On the feed", AsOf: t1},
			Submission: &store.Submission{Day: "2025-03-31", Submitter: "akhaliq", SubmittedAt: ms("2025-03-31", 8, 0, 0, 0)}},
	)
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	cur, v0 := lastCursor(t, s), version(t, s)

	// A paper fetched from arXiv a moment ago, new to the catalogue.
	fresh := paper.Paper{ID: "2504.00010", Title: "Fresh from arXiv", Abstract: "Brand new.",
		Authors: []paper.Author{{Name: "A. Author"}}, Categories: []string{"cs.LG", "cs.AI"},
		Versions:  []paper.Version{{N: 1, Date: ms("2025-03-30", 17, 0, 0, 0)}},
		Published: ms("2025-03-30", 17, 0, 0, 0), Updated: ms("2025-03-30", 17, 0, 0, 0), AsOf: ms("2025-04-01", 9, 29, 0, 0)}
	at := ms("2025-04-01", 9, 30, 0, 123)
	it, err := s.Submit(ctx, store.NewSubmission{Paper: fresh, UserID: ada.ID, Day: "2025-04-01", At: at,
		ProjectPage: "https://fresh.example/"})
	if err != nil {
		t.Fatalf("Submit of a new paper: %v", err)
	}
	want := fresh
	want.ProjectPage = "https://fresh.example/"
	wantPaper(t, "submitted item", it.Paper, want)
	wantPaper(t, "submitted paper", getPaper(t, s, fresh.ID), want)
	if it.Day != "2025-04-01" || it.Submitter == nil || it.Submitter.ID != ada.ID || it.Submitter.Username != "ada" ||
		it.Submitter.Fullname != "ADA" {
		t.Errorf("submitted item: %s by %+v, want on 2025-04-01 by ada (%d)", entry(it), it.Submitter, ada.ID)
	}
	wantTime(t, "submitted item's SubmittedAt", it.SubmittedAt, at)
	items := feed(t, s, store.FeedQuery{From: "2025-04-01", To: "2025-04-01"})
	wantEntries(t, "feed after Submit", items, "2504.00010@2025-04-01")
	if len(items) == 1 && (items[0].Submitter == nil || items[0].Submitter.ID != ada.ID || !items[0].SubmittedAt.Equal(at)) {
		t.Errorf("feed item by %+v at %s, want ada at %s", items[0].Submitter, fmtTime(items[0].SubmittedAt), fmtTime(at))
	}
	v1 := version(t, s)
	if v1 <= v0 {
		t.Errorf("Version after Submit = %d, want more than %d", v1, v0)
	}
	if got := changedSince(t, s, cur); !slices.Equal(got, []string{"2504.00010"}) {
		t.Errorf("change feed after Submit = %q, want the new paper", got)
	}

	// A paper the catalogue knows merges with the stored one; the
	// submission's repository and project page replace its own.
	cur = lastCursor(t, s)
	it, err = s.Submit(ctx, store.NewSubmission{
		Paper:  paper.Paper{ID: "2504.00001", Title: "Imported, revised", AsOf: ms("2025-04-01", 10, 0, 0, 0)},
		UserID: bob.ID, Day: "2025-04-01", At: ms("2025-04-01", 10, 0, 0, 0),
		GitHubRepo: "https://github.com/new/repo", ProjectPage: "https://imported.example/"})
	if err != nil {
		t.Fatalf("Submit of a known paper: %v", err)
	}
	got := getPaper(t, s, "2504.00001")
	if got.Title != "Imported, revised" || got.Upvotes != 7 || got.GitHubRepo != "https://github.com/new/repo" ||
		got.ProjectPage != "https://imported.example/" {
		t.Errorf("known paper after Submit: %q, %d upvotes, repo %q, page %q; want the revised title, 7 upvotes, the new repo and page",
			got.Title, got.Upvotes, got.GitHubRepo, got.ProjectPage)
	}
	if it.Submitter == nil || it.Submitter.ID != bob.ID {
		t.Errorf("known paper submitted by %+v, want bob", it.Submitter)
	}
	if got := changedSince(t, s, cur); !slices.Equal(got, []string{"2504.00001"}) {
		t.Errorf("change feed after a Submit of a known paper = %q, want it", got)
	}

	// A paper on the feed already: the existing entry comes back, nothing changes.
	v2 := version(t, s)
	it, err = s.Submit(ctx, store.NewSubmission{
		Paper:  paper.Paper{ID: "2504.00002", Title: "Renamed", AsOf: ms("2025-04-01", 12, 0, 0, 0)},
		UserID: ada.ID, Day: "2025-04-01", At: ms("2025-04-01", 12, 0, 0, 0)})
	wantErr(t, "Submit of a paper imported onto the feed", err, store.ErrConflict)
	if it.Paper.ID != "2504.00002" || it.Day != "2025-03-31" || it.Submitter == nil || it.Submitter.Username != "akhaliq" {
		t.Errorf("conflict returned %s by %+v, want 2504.00002@2025-03-31 by akhaliq", entry(it), it.Submitter)
	}
	if got := getPaper(t, s, "2504.00002").Title; got != "On the feed" {
		t.Errorf("a refused Submit renamed the paper to %q", got)
	}
	it, err = s.Submit(ctx, store.NewSubmission{Paper: fresh, UserID: bob.ID, Day: "2025-04-02", At: ms("2025-04-02", 9, 0, 0, 0)})
	wantErr(t, "Submit of a paper submitted the day before", err, store.ErrConflict)
	if it.Day != "2025-04-01" || it.Submitter == nil || it.Submitter.ID != ada.ID {
		t.Errorf("conflict returned %s by %+v, want 2504.00010@2025-04-01 by ada", entry(it), it.Submitter)
	}
	if v := version(t, s); v != v2 {
		t.Errorf("Version after refused submissions = %d, want %d", v, v2)
	}

	// An admin may put it on another day's feed, but not twice on one day.
	it, err = s.Submit(ctx, store.NewSubmission{Paper: fresh, UserID: bob.ID, Day: "2025-04-02",
		At: ms("2025-04-02", 9, 0, 0, 0), AllowDuplicate: true})
	if err != nil || it.Day != "2025-04-02" || it.Submitter == nil || it.Submitter.ID != bob.ID {
		t.Errorf("AllowDuplicate on another day: %s by %+v, %v", entry(it), it.Submitter, err)
	}
	subs, err := s.Submissions(ctx, fresh.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "submissions of the duplicated paper", subs, "2504.00010@2025-04-01", "2504.00010@2025-04-02")
	it, err = s.Submit(ctx, store.NewSubmission{Paper: fresh, UserID: ada.ID, Day: "2025-04-02",
		At: ms("2025-04-02", 9, 5, 0, 0), AllowDuplicate: true})
	wantErr(t, "AllowDuplicate on a day the paper is on", err, store.ErrConflict)
	if it.Day != "2025-04-02" || it.Submitter == nil || it.Submitter.ID != bob.ID {
		t.Errorf("conflict on the same day returned %s by %+v, want the entry of 2025-04-02 by bob", entry(it), it.Submitter)
	}

	// The daily cap counts the account's entries of the day.
	capped := func(id paper.ID, who store.Account, day string, hh, limit int) (store.FeedItem, error) {
		return s.Submit(ctx, store.NewSubmission{Paper: paper.Paper{ID: id, Title: "Paper " + string(id)},
			UserID: who.ID, Day: day, At: ms(day, hh, 0, 0, 0), DailyCap: limit})
	}
	_, err = capped("2504.00020", ada, "2025-04-01", 11, 1)
	wantErr(t, "Submit over the daily cap", err, store.ErrLimit)
	wantNotFound(t, s, "2504.00020")
	if _, err := capped("2504.00020", ada, "2025-04-01", 11, 2); err != nil {
		t.Errorf("Submit under the daily cap: %v", err)
	}
	_, err = capped("2504.00021", ada, "2025-04-01", 12, 2)
	wantErr(t, "Submit over a cap of 2", err, store.ErrLimit)
	if _, err := capped("2504.00021", ada, "2025-04-02", 12, 2); err != nil {
		t.Errorf("Submit on the next day: %v", err)
	}
	for _, tc := range []struct {
		who  store.Account
		day  string
		want int
	}{{ada, "2025-04-01", 2}, {ada, "2025-04-02", 1}, {bob, "2025-04-01", 1}, {bob, "2025-04-02", 1}, {bob, "2025-04-03", 0}} {
		if n, err := s.SubmittedOn(ctx, tc.who.ID, tc.day); err != nil || n != tc.want {
			t.Errorf("SubmittedOn(%s, %s) = %d, %v; want %d", tc.who.Username, tc.day, n, err, tc.want)
		}
	}

	// 2504.00001 has 7 upvotes; the others none, latest submitted first.
	items = feed(t, s, store.FeedQuery{From: "2025-04-01", To: "2025-04-01"})
	wantEntries(t, "feed of the day", items, "2504.00001@2025-04-01", "2504.00020@2025-04-01", "2504.00010@2025-04-01")
	mine, err := s.UserSubmissions(ctx, ada.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "ada's submissions", mine, "2504.00021@2025-04-02", "2504.00020@2025-04-01", "2504.00010@2025-04-01")
	mine, err = s.UserSubmissions(ctx, ada.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "ada's submissions, two of them", mine, "2504.00021@2025-04-02", "2504.00020@2025-04-01")
	mine, err = s.UserSubmissions(ctx, bob.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "bob's submissions", mine, "2504.00010@2025-04-02", "2504.00001@2025-04-01")
}

func testVotes(t *testing.T, s store.Store) {
	ctx := t.Context()
	t1 := ms("2025-04-05", 9, 0, 0, 0)
	const a, b, c = paper.ID("2504.00101"), paper.ID("2504.00102"), paper.ID("2504.00103")
	write(t, s,
		store.Record{Paper: paper.Paper{ID: a, Title: "A", Upvotes: 10, AsOf: t1},
			Submission: &store.Submission{Day: "2025-04-05", Submitter: "akhaliq", SubmittedAt: t1}},
		store.Record{Paper: paper.Paper{ID: b, Title: "B", AsOf: t1},
			Submission: &store.Submission{Day: "2025-04-05", SubmittedAt: t1.Add(time.Minute)}},
		store.Record{Paper: paper.Paper{ID: c, Title: "C", AsOf: t1}},
	)
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	cur, v0 := lastCursor(t, s), version(t, s)

	vote := func(who store.Account, id paper.ID, up bool, want int) {
		t.Helper()
		if n, err := s.Vote(ctx, who.ID, id, up); err != nil || n != want {
			t.Errorf("Vote(%s, %s, %v) = %d, %v; want %d", who.Username, id, up, n, err, want)
		}
	}
	// Votes count on top of the upvotes an import brought.
	vote(ada, a, true, 11)
	vote(ada, a, true, 11)
	vote(bob, a, true, 12)
	if got := getPaper(t, s, a).Upvotes; got != 12 {
		t.Errorf("upvotes of A = %d, want 12", got)
	}
	if items := feed(t, s, store.FeedQuery{From: "2025-04-05", To: "2025-04-05"}); len(items) != 2 || items[0].Paper.Upvotes != 12 {
		t.Errorf("feed after votes: %q, want A first with 12 upvotes", entries(items))
	}
	v1 := version(t, s)
	if v1 <= v0 {
		t.Errorf("Version after votes = %d, want more than %d", v1, v0)
	}
	// The change feed follows what the search index reads; counts are not that.
	if got := changedSince(t, s, cur); len(got) != 0 {
		t.Errorf("change feed after votes = %q, want nothing", got)
	}

	vote(ada, a, false, 11)
	vote(ada, a, false, 11)
	v2 := version(t, s)
	vote(ada, b, false, 0) // never given
	if v := version(t, s); v != v2 {
		t.Errorf("Version after withdrawing a vote never given = %d, want %d", v, v2)
	}
	for _, up := range []bool{true, false} {
		n, err := s.Vote(ctx, ada.ID, "2504.99999", up)
		wantErr(t, fmt.Sprintf("Vote(%v) for an unknown paper (%d)", up, n), err, store.ErrNotFound)
	}

	// Newest vote first.
	vote(ada, c, true, 1)
	time.Sleep(2 * time.Millisecond)
	vote(ada, b, true, 1)
	time.Sleep(2 * time.Millisecond)
	vote(ada, a, true, 12)
	for _, tc := range []struct {
		who   store.Account
		limit int
		want  []paper.ID
	}{{ada, 0, []paper.ID{a, b, c}}, {ada, 2, []paper.ID{a, b}}, {bob, 0, []paper.ID{a}}} {
		ps, err := s.UserUpvotes(ctx, tc.who.ID, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []paper.ID
		for _, p := range ps {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("UserUpvotes(%s, %d) = %q, want %q", tc.who.Username, tc.limit, got, tc.want)
		}
		if len(ps) > 0 && (ps[0].Title != "A" || ps[0].Upvotes != 12) {
			t.Errorf("UserUpvotes(%s): first paper %q with %d upvotes, want A with 12", tc.who.Username, ps[0].Title, ps[0].Upvotes)
		}
	}
	voted, err := s.Voted(ctx, ada.ID, []paper.ID{a, "2504.99999", c, b})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[paper.ID]bool{a: true, b: true, c: true, "2504.99999": false} {
		if voted[id] != want {
			t.Errorf("Voted(ada)[%s] = %v, want %v", id, voted[id], want)
		}
	}
	voted, err = s.Voted(ctx, bob.ID, []paper.ID{b, c, a})
	if err != nil {
		t.Fatal(err)
	}
	if voted[b] || voted[c] || !voted[a] {
		t.Errorf("Voted(bob) = %v, want only A", voted)
	}
	if voted, err := s.Voted(ctx, bob.ID, nil); err != nil || len(voted) != 0 {
		t.Errorf("Voted of no papers = %v, %v", voted, err)
	}

	// An import that brings the count it brought before keeps the votes.
	write(t, s, store.Record{Paper: paper.Paper{ID: a, Title: "A", Upvotes: 10, AsOf: t1}})
	if got := getPaper(t, s, a).Upvotes; got != 12 {
		t.Errorf("upvotes of A after importing it again = %d, want 12", got)
	}
}

// testVotesDuringImport: an import that has written nothing yet holds no
// lock, so votes go through while it reads batches that change nothing (an
// unchanged file, or the long start of a large one); a vote cast then is
// not undone when a later batch of the import changes the same paper, and
// that change still reaches the change feed.
func testVotesDuringImport(t *testing.T, s store.Store) {
	ctx := t.Context()
	t1, t2 := ms("2025-04-06", 9, 0, 0, 0), ms("2025-04-07", 9, 0, 0, 0)
	const p, q = paper.ID("2504.00301"), paper.ID("2504.00302")
	recs := []store.Record{
		{Paper: paper.Paper{ID: p, Title: "First title", Upvotes: 2, AsOf: t1},
			Submission: &store.Submission{Day: "2025-04-06", Submitter: "akhaliq", SubmittedAt: t1}},
		{Paper: paper.Paper{ID: q, Title: "Q", AsOf: t1}},
	}
	write(t, s, recs...)
	ada := newAccount(t, s, "ada")
	cur, v0 := lastCursor(t, s), version(t, s)

	im, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	for range 3 {
		counts, err := im.Write(ctx, recs)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts(t, "unchanged batch", counts, 0, 0, 2)
	}
	// Before the fix the vote waited for the import to end: its deadline
	// says so instead of hanging the test.
	vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if n, err := s.Vote(vctx, ada.ID, p, true); err != nil || n != 3 {
		t.Fatalf("Vote during an import that has written nothing = %d, %v; want 3, nil", n, err)
	}
	v1 := version(t, s)
	if v1 <= v0 {
		t.Errorf("version after a vote = %d, want more than %d", v1, v0)
	}

	counts, err := im.Write(ctx, []store.Record{{Paper: paper.Paper{ID: p, Title: "Second title", Upvotes: 2, AsOf: t2}}})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "changing batch", counts, 0, 1, 0)
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	got := getPaper(t, s, p)
	if got.Title != "Second title" || got.Upvotes != 3 {
		t.Errorf("after the import: title %q, upvotes %d; want %q, 3 (the vote kept)", got.Title, got.Upvotes, "Second title")
	}
	if v := version(t, s); v <= v1 {
		t.Errorf("version after the import = %d, want more than %d", v, v1)
	}
	changed, err := s.ChangedPapers(ctx, cur, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0].Paper.ID != p {
		t.Errorf("change feed after the import = %v, want %s alone", changed, p)
	}
}

func testVotesConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p, q = paper.ID("2504.00201"), paper.ID("2504.00202")
	write(t, s, store.Record{Paper: paper.Paper{ID: p, Title: "Popular", Upvotes: 3}},
		store.Record{Paper: paper.Paper{ID: q, Title: "Flip-flop"}})
	const n = 50
	voters := make([]store.Account, n)
	for i := range voters {
		voters[i] = newAccount(t, s, fmt.Sprintf("voter%02d", i))
	}
	solo := newAccount(t, s, "solo")

	var wg sync.WaitGroup
	vote := func(who store.Account, id paper.ID, up bool) {
		if _, err := s.Vote(ctx, who.ID, id, up); err != nil {
			t.Errorf("Vote(%s, %s, %v): %v", who.Username, id, up, err)
		}
	}
	// Every voter votes up twice; the even ones then withdraw twice. The
	// solo account flips its vote of q a hundred times meanwhile.
	for i, v := range voters {
		wg.Go(func() {
			vote(v, p, true)
			vote(v, p, true)
			if i%2 == 0 {
				vote(v, p, false)
				vote(v, p, false)
			}
		})
	}
	for i := range 100 {
		wg.Go(func() { vote(solo, q, i%2 == 0) })
	}
	wg.Wait()

	if got := getPaper(t, s, p).Upvotes; got != 3+n/2 {
		t.Errorf("upvotes after concurrent votes = %d, want %d", got, 3+n/2)
	}
	for i, v := range voters {
		voted, err := s.Voted(ctx, v.ID, []paper.ID{p})
		if err != nil {
			t.Fatal(err)
		}
		if voted[p] != (i%2 == 1) {
			t.Errorf("Voted(%s) = %v, want %v", v.Username, voted[p], i%2 == 1)
		}
	}
	got := getPaper(t, s, q).Upvotes
	voted, err := s.Voted(ctx, solo.ID, []paper.ID{q})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{false: 0, true: 1}[voted[q]]; got != want {
		t.Errorf("after a hundred flips: %d upvotes, Voted %v; want %d", got, voted[q], want)
	}
}

func testComments(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p, q = paper.ID("2504.00301"), paper.ID("2504.00302")
	write(t, s, store.Record{Paper: paper.Paper{ID: p, Title: "Discussed", NumComments: 2}},
		store.Record{Paper: paper.Paper{ID: q, Title: "Other"}})
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	cur, v0 := lastCursor(t, s), version(t, s)

	count := func(what string, id paper.ID, want int) {
		t.Helper()
		if got := getPaper(t, s, id).NumComments; got != want {
			t.Errorf("%s: %s has %d comments, want %d", what, id, got, want)
		}
	}
	add := func(id paper.ID, parent int64, who store.Account, body string) (store.Comment, error) {
		return s.AddComment(ctx, store.Comment{PaperID: id, ParentID: parent, Author: store.User{ID: who.ID}, Body: body})
	}

	c1, err := add(p, 0, ada, "First!")
	if err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	if c1.ID == 0 || c1.PaperID != p || c1.ParentID != 0 || c1.Body != "First!" || !c1.EditedAt.IsZero() ||
		!c1.DeletedAt.IsZero() || c1.Hidden || !c1.Visible() {
		t.Errorf("added comment = %+v", c1)
	}
	if c1.Author.ID != ada.ID || c1.Author.Username != "ada" || c1.Author.Fullname != "ADA" || !c1.Author.CreatedAt.Equal(ada.CreatedAt) {
		t.Errorf("author of the added comment = %+v, want ada %+v", c1.Author, ada.User)
	}
	wantStoredNow(t, "CreatedAt of the added comment", c1.CreatedAt)
	count("one comment added", p, 3)
	if v := version(t, s); v <= v0 {
		t.Errorf("Version after AddComment = %d, want more than %d", v, v0)
	}

	r1, err := add(p, c1.ID, bob, "A reply")
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if r1.ParentID != c1.ID || r1.Author.Username != "bob" || r1.ID == c1.ID {
		t.Errorf("reply = %+v", r1)
	}
	count("a reply added", p, 4)
	c2, err := add(q, 0, ada, "On the other paper")
	if err != nil {
		t.Fatal(err)
	}
	count("a comment on the other paper", q, 1)

	_, err = add(p, r1.ID, ada, "A reply to a reply")
	wantErr(t, "reply to a reply", err, store.ErrInvalid)
	_, err = add(p, c2.ID, ada, "A reply to another paper's comment")
	wantErr(t, "reply to another paper's comment", err, store.ErrInvalid)
	_, err = add(p, 99999, ada, "A reply to nothing")
	wantErr(t, "reply to an unknown comment", err, store.ErrNotFound)
	if err != nil && !strings.Contains(err.Error(), "parent comment 99999") {
		t.Errorf("reply to an unknown comment: %q does not say which comment is missing", err)
	}
	_, err = add("2504.99999", 0, ada, "On no paper")
	wantErr(t, "comment on an unknown paper", err, store.ErrNotFound)
	count("refused comments", p, 4)
	// Comments change counts, not what the search index reads.
	if got := changedSince(t, s, cur); len(got) != 0 {
		t.Errorf("change feed after comments = %q, want nothing", got)
	}

	edited := ms("2025-04-06", 10, 0, 0, 250)
	if err := s.EditComment(ctx, c1.ID, "First, edited", "<p>First, edited</p>\n", edited); err != nil {
		t.Fatalf("EditComment: %v", err)
	}
	got, err := s.Comment(ctx, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "First, edited" || got.HTML != "<p>First, edited</p>\n" || !got.CreatedAt.Equal(c1.CreatedAt) ||
		got.Author.Username != "ada" || got.PaperID != p {
		t.Errorf("edited comment = %+v", got)
	}
	wantTime(t, "EditedAt", got.EditedAt, edited)
	wantErr(t, "EditComment of an unknown comment", s.EditComment(ctx, 99999, "x", "<p>x</p>", edited), store.ErrNotFound)
	if _, err := s.Comment(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Comment(99999): %v, want ErrNotFound", err)
	}

	// Hiding and showing again move the count once each.
	if err := s.HideComment(ctx, r1.ID, true); err != nil {
		t.Fatal(err)
	}
	count("reply hidden", p, 3)
	if err := s.HideComment(ctx, r1.ID, true); err != nil {
		t.Fatal(err)
	}
	count("reply hidden twice", p, 3)
	if got, err := s.Comment(ctx, r1.ID); err != nil || !got.Hidden || got.Body != "A reply" || got.Visible() {
		t.Errorf("hidden reply = %+v, %v; want hidden with its body", got, err)
	}

	// Deleting keeps the comment's place and its replies, and clears its body.
	deleted := ms("2025-04-06", 11, 0, 0, 0)
	if err := s.DeleteComment(ctx, c1.ID, deleted); err != nil {
		t.Fatal(err)
	}
	count("comment deleted", p, 2)
	if err := s.DeleteComment(ctx, c1.ID, deleted.Add(time.Hour)); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	count("comment deleted twice", p, 2)
	got, err = s.Comment(ctx, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "" || got.HTML != "" || got.Visible() {
		t.Errorf("deleted comment = %+v, want no body", got)
	}
	wantTime(t, "DeletedAt", got.DeletedAt, deleted)
	wantErr(t, "EditComment of a deleted comment", s.EditComment(ctx, c1.ID, "back", "<p>back</p>", edited), store.ErrNotFound)
	_, err = add(p, c1.ID, bob, "A reply to a deleted comment")
	wantErr(t, "reply to a deleted comment", err, store.ErrInvalid)
	count("refused reply", p, 2)

	// A hidden comment deleted is not counted twice, nor when shown again.
	if err := s.DeleteComment(ctx, r1.ID, deleted); err != nil {
		t.Fatal(err)
	}
	count("hidden reply deleted", p, 2)
	if err := s.HideComment(ctx, r1.ID, false); err != nil {
		t.Fatal(err)
	}
	count("deleted reply shown again", p, 2)

	c3, err := add(p, 0, bob, "Third")
	if err != nil {
		t.Fatal(err)
	}
	count("a third comment", p, 3)
	if err := s.HideComment(ctx, c3.ID, true); err != nil {
		t.Fatal(err)
	}
	count("third hidden", p, 2)
	if err := s.HideComment(ctx, c3.ID, false); err != nil {
		t.Fatal(err)
	}
	count("third shown again", p, 3)
	if err := s.HideComment(ctx, c3.ID, false); err != nil {
		t.Fatal(err)
	}
	count("third shown twice", p, 3)
	wantErr(t, "HideComment of an unknown comment", s.HideComment(ctx, 99999, true), store.ErrNotFound)
	wantErr(t, "DeleteComment of an unknown comment", s.DeleteComment(ctx, 99999, deleted), store.ErrNotFound)

	cs, err := s.Comments(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("%d<%d %s %q hidden=%v deleted=%v", c.ID, c.ParentID, c.Author.Username, c.Body,
			c.Hidden, !c.DeletedAt.IsZero()))
		if c.PaperID != p || c.CreatedAt.Location() != time.UTC {
			t.Errorf("comment %d: paper %s, created %v", c.ID, c.PaperID, c.CreatedAt)
		}
	}
	wantLines := []string{
		fmt.Sprintf("%d<0 ada \"\" hidden=false deleted=true", c1.ID),
		fmt.Sprintf("%d<%d bob \"\" hidden=false deleted=true", r1.ID, c1.ID),
		fmt.Sprintf("%d<0 bob \"Third\" hidden=false deleted=false", c3.ID),
	}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("Comments(%s):\n got %q\nwant %q", p, lines, wantLines)
	}
	if cs, err := s.Comments(ctx, q); err != nil || len(cs) != 1 || cs[0].ID != c2.ID || cs[0].Body != "On the other paper" {
		t.Errorf("Comments(%s) = %+v, %v; want the one comment", q, cs, err)
	}
	if cs, err := s.Comments(ctx, "2504.99999"); err != nil || len(cs) != 0 {
		t.Errorf("Comments of an unknown paper = %+v, %v; want none", cs, err)
	}
}

// testCommentHTML: a comment's rendered HTML is stored with it, replaced
// by an edit and cleared by deletion; comments stored without it are found
// by UnrenderedComments and get it from SetCommentHTML, unless edited since.
func testCommentHTML(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p = paper.ID("2504.00351")
	write(t, s, store.Record{Paper: paper.Paper{ID: p, Title: "Rendered"}})
	ada := newAccount(t, s, "ada")
	add := func(body string, html template.HTML) store.Comment {
		t.Helper()
		c, err := s.AddComment(ctx, store.Comment{PaperID: p, Author: store.User{ID: ada.ID}, Body: body, HTML: html})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// The stored HTML is served as stored, even when it is not what the
	// body would render to: the store never renders.
	const stored = template.HTML("<p>as <em>stored</em></p>\n")
	rendered := add("as *written*", stored)
	old1, old2, gone, blank := add("old one", ""), add("old two", ""), add("old, deleted", ""), add(" ", "")
	if rendered.HTML != stored || old1.HTML != "" {
		t.Errorf("AddComment returned HTML %q and %q, want %q and none", rendered.HTML, old1.HTML, stored)
	}
	if got, err := s.Comment(ctx, rendered.ID); err != nil || got.HTML != stored {
		t.Errorf("Comment(%d) HTML = %q, %v; want %q", rendered.ID, got.HTML, err, stored)
	}
	if err := s.DeleteComment(ctx, gone.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	ids := func(cs []store.Comment, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got, want := ids(s.UnrenderedComments(ctx, 10)), []int64{old1.ID, old2.ID, blank.ID}; !slices.Equal(got, want) {
		t.Errorf("UnrenderedComments = %v, want %v", got, want)
	}
	if got, want := ids(s.UnrenderedComments(ctx, 1)), []int64{old1.ID}; !slices.Equal(got, want) {
		t.Errorf("UnrenderedComments(limit 1) = %v, want %v", got, want)
	}

	v := version(t, s)
	if err := s.SetCommentHTML(ctx, old1.ID, "old one", "<p>old one</p>\n"); err != nil {
		t.Fatal(err)
	}
	// Rendered from a body that has been edited since: left alone.
	if err := s.EditComment(ctx, old2.ID, "old two, edited", "<p>old two, edited</p>\n", time.Now()); err != nil {
		t.Fatal(err)
	}
	v2 := version(t, s)
	if err := s.SetCommentHTML(ctx, old2.ID, "old two", "<p>old two</p>\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCommentHTML(ctx, gone.ID, "old, deleted", "<p>old, deleted</p>\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCommentHTML(ctx, blank.ID, " ", ""); err != nil { // rendered to nothing: done
		t.Fatal(err)
	}
	if err := s.SetCommentHTML(ctx, 99999, "x", "<p>x</p>"); err != nil {
		t.Errorf("SetCommentHTML of an unknown comment: %v, want nothing done", err)
	}
	if got := version(t, s); got != v2 || v2 <= v {
		t.Errorf("Version: %d before the edit, %d after, %d after SetCommentHTML; want only the edit to count", v, v2, got)
	}
	want := map[int64]template.HTML{rendered.ID: stored, old1.ID: "<p>old one</p>\n", old2.ID: "<p>old two, edited</p>\n", gone.ID: "", blank.ID: ""}
	cs, err := s.Comments(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.HTML != want[c.ID] {
			t.Errorf("comment %d (%q) HTML = %q, want %q", c.ID, c.Body, c.HTML, want[c.ID])
		}
	}
	if got := ids(s.UnrenderedComments(ctx, 10)); len(got) != 0 {
		t.Errorf("UnrenderedComments after rendering = %v, want none", got)
	}
}

func testReports(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p = paper.ID("2504.00401")
	write(t, s, store.Record{Paper: paper.Paper{ID: p, Title: "Controversial"}})
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	carol := newAccount(t, s, "carol")
	comment := func(who store.Account, body string) store.Comment {
		t.Helper()
		c, err := s.AddComment(ctx, store.Comment{PaperID: p, Author: store.User{ID: who.ID}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	spam, fine := comment(ada, "Buy now"), comment(bob, "Nice work")

	report := func(c store.Comment, who store.Account, reason string) store.Report {
		t.Helper()
		r, err := s.ReportComment(ctx, store.Report{CommentID: c.ID, ReporterID: who.ID, Reason: reason})
		if err != nil {
			t.Fatalf("ReportComment: %v", err)
		}
		if r.ID == 0 || r.CommentID != c.ID || r.ReporterID != who.ID || r.Reason != reason || r.CreatedAt.IsZero() {
			t.Errorf("filed report = %+v", r)
		}
		time.Sleep(2 * time.Millisecond) // oldest first: one report per millisecond at most
		return r
	}
	r1 := report(spam, bob, "spam")
	_, err := s.ReportComment(ctx, store.Report{CommentID: spam.ID, ReporterID: bob.ID, Reason: "spam!"})
	wantErr(t, "a second report by the same user", err, store.ErrConflict)
	_, err = s.ReportComment(ctx, store.Report{CommentID: 99999, ReporterID: bob.ID, Reason: "?"})
	wantErr(t, "report of an unknown comment", err, store.ErrNotFound)
	r2 := report(spam, carol, "advertising")
	r3 := report(fine, ada, "rude")

	open := func(limit int) []string {
		t.Helper()
		rs, err := s.OpenReports(ctx, limit)
		if err != nil {
			t.Fatalf("OpenReports: %v", err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%d %s on %d (%s: %q on %s): %s", r.ID, r.Reporter.Username, r.CommentID,
				r.Comment.Author.Username, r.Comment.Body, r.Comment.PaperID, r.Reason))
			if r.Comment.ID != r.CommentID || r.ReporterID != r.Reporter.ID || r.CreatedAt.Location() != time.UTC {
				t.Errorf("open report %+v", r)
			}
		}
		return out
	}
	line := func(r store.Report, reporter, author, body, reason string) string {
		return fmt.Sprintf("%d %s on %d (%s: %q on %s): %s", r.ID, reporter, r.CommentID, author, body, p, reason)
	}
	all := []string{
		line(r1, "bob", "ada", "Buy now", "spam"),
		line(r2, "carol", "ada", "Buy now", "advertising"),
		line(r3, "ada", "bob", "Nice work", "rude"),
	}
	if got := open(0); !slices.Equal(got, all) {
		t.Errorf("OpenReports:\n got %q\nwant %q", got, all)
	}
	if got := open(2); !slices.Equal(got, all[:2]) {
		t.Errorf("OpenReports(2):\n got %q\nwant %q", got, all[:2])
	}

	resolved := ms("2025-04-07", 9, 0, 0, 0)
	if err := s.ResolveReports(ctx, spam.ID, resolved); err != nil {
		t.Fatal(err)
	}
	if got := open(0); !slices.Equal(got, all[2:]) {
		t.Errorf("OpenReports after resolving:\n got %q\nwant %q", got, all[2:])
	}
	if err := s.ResolveReports(ctx, spam.ID, resolved); err != nil {
		t.Errorf("resolving twice: %v", err)
	}
	// A resolved report still counts as the user's report of the comment.
	_, err = s.ReportComment(ctx, store.Report{CommentID: spam.ID, ReporterID: carol.ID, Reason: "again"})
	wantErr(t, "a report after a resolved one", err, store.ErrConflict)
}

func testAPITokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	hash := func(b byte) []byte { h := make([]byte, 32); h[0], h[31] = b, b; return h }
	create := func(who store.Account, name string, h byte, at time.Time) store.APIToken {
		t.Helper()
		tok, err := s.CreateAPIToken(ctx, store.APIToken{UserID: who.ID, Name: name, Prefix: "dp_" + name[:2],
			TokenHash: hash(h), CreatedAt: at})
		if err != nil {
			t.Fatalf("CreateAPIToken(%s): %v", name, err)
		}
		if tok.ID == 0 || tok.UserID != who.ID || tok.Name != name || !tok.CreatedAt.Equal(at) {
			t.Errorf("created token = %+v", tok)
		}
		return tok
	}
	laptop := create(ada, "laptop", 1, ms("2025-04-10", 9, 0, 0, 0))
	ci := create(ada, "ci", 2, ms("2025-04-11", 9, 0, 0, 0))
	bobs := create(bob, "bob", 3, ms("2025-04-10", 12, 0, 0, 0))
	_, err := s.CreateAPIToken(ctx, store.APIToken{UserID: bob.ID, Name: "copy", TokenHash: hash(1), CreatedAt: ms("2025-04-11", 0, 0, 0, 0)})
	wantErr(t, "a token hash taken", err, store.ErrConflict)

	list := func(who store.Account) []store.APIToken {
		t.Helper()
		toks, err := s.APITokens(ctx, who.ID)
		if err != nil {
			t.Fatalf("APITokens: %v", err)
		}
		return toks
	}
	toks := list(ada)
	if len(toks) != 2 || toks[0].ID != ci.ID || toks[1].ID != laptop.ID {
		t.Fatalf("ada's tokens = %+v, want ci, then laptop", toks)
	}
	if l := toks[1]; l.Name != "laptop" || l.Prefix != "dp_la" || !slices.Equal(l.TokenHash, hash(1)) || l.UserID != ada.ID ||
		!l.LastUsedAt.IsZero() || !l.RevokedAt.IsZero() {
		t.Errorf("laptop token = %+v", l)
	}
	wantTime(t, "laptop token's CreatedAt", toks[1].CreatedAt, laptop.CreatedAt)
	if toks := list(bob); len(toks) != 1 || toks[0].ID != bobs.ID {
		t.Errorf("bob's tokens = %+v, want his one", toks)
	}

	now := ms("2025-04-12", 8, 0, 0, 0)
	a, tok, err := s.APITokenAccount(ctx, hash(1), now)
	if err != nil {
		t.Fatalf("APITokenAccount: %v", err)
	}
	if a.ID != ada.ID || a.Email != "ada@example.org" || a.Username != "ada" || tok.ID != laptop.ID || tok.Name != "laptop" {
		t.Errorf("APITokenAccount = %+v, %+v; want ada's laptop token", a, tok)
	}
	if toks := list(ada); len(toks) == 2 {
		wantTime(t, "LastUsedAt of the used token", toks[1].LastUsedAt, now)
		wantTime(t, "LastUsedAt of the unused token", toks[0].LastUsedAt, time.Time{})
	}
	_, _, err = s.APITokenAccount(ctx, hash(9), now)
	wantErr(t, "APITokenAccount of an unknown token", err, store.ErrNotFound)

	revoked := ms("2025-04-12", 9, 0, 0, 0)
	wantErr(t, "revoking another account's token", s.RevokeAPIToken(ctx, bob.ID, laptop.ID, revoked), store.ErrNotFound)
	wantErr(t, "revoking an unknown token", s.RevokeAPIToken(ctx, ada.ID, 99999, revoked), store.ErrNotFound)
	if _, _, err := s.APITokenAccount(ctx, hash(1), now); err != nil {
		t.Errorf("the token after a refused revocation: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, ada.ID, laptop.ID, revoked); err != nil {
		t.Fatalf("RevokeAPIToken: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, ada.ID, laptop.ID, revoked.Add(time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	_, _, err = s.APITokenAccount(ctx, hash(1), now)
	wantErr(t, "APITokenAccount of a revoked token", err, store.ErrNotFound)
	if _, tok, err := s.APITokenAccount(ctx, hash(2), now); err != nil || tok.ID != ci.ID {
		t.Errorf("ada's other token: %+v, %v", tok, err)
	}
	if toks := list(ada); len(toks) == 2 {
		wantTime(t, "RevokedAt", toks[1].RevokedAt, revoked)
		wantTime(t, "RevokedAt of the other token", toks[0].RevokedAt, time.Time{})
	} else {
		t.Errorf("ada's tokens after revoking one: %+v, want both", toks)
	}

	// A disabled account's tokens do not work until it is enabled again.
	if err := s.SetDisabled(ctx, bob.ID, now); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.APITokenAccount(ctx, hash(3), now)
	wantErr(t, "APITokenAccount of a disabled account", err, store.ErrNotFound)
	if err := s.SetDisabled(ctx, bob.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if a, _, err := s.APITokenAccount(ctx, hash(3), now); err != nil || a.ID != bob.ID {
		t.Errorf("APITokenAccount after enabling the account: %+v, %v", a, err)
	}
}

func testPasswordReset(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	now := ms("2025-04-15", 12, 0, 0, 0)
	sess := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	tok := func(b byte) []byte { h := make([]byte, 32); h[31] = b; return h }
	for _, se := range []store.Session{
		{TokenHash: sess(1), UserID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: sess(2), UserID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: sess(3), UserID: bob.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	apiTok := func(b byte) []byte { h := make([]byte, 32); h[0], h[1] = b, 0xAA; return h }
	for i, who := range []store.Account{ada, ada, bob} {
		if _, err := s.CreateAPIToken(ctx, store.APIToken{UserID: who.ID, Name: "t", TokenHash: apiTok(byte(i + 1)), CreatedAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	tokenWorks := func(h []byte) bool {
		t.Helper()
		_, _, err := s.APITokenAccount(ctx, h, now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, r := range []store.PasswordReset{
		{TokenHash: tok(1), UserID: ada.ID, CreatedAt: now.Add(-10 * time.Minute), ExpiresAt: now.Add(50 * time.Minute)},
		{TokenHash: tok(2), UserID: ada.ID, CreatedAt: now.Add(-5 * time.Minute), ExpiresAt: now.Add(55 * time.Minute)},
		{TokenHash: tok(3), UserID: ada.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Minute)},
		{TokenHash: tok(4), UserID: bob.ID, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
		{TokenHash: tok(5), UserID: bob.ID, CreatedAt: now.Add(-time.Hour), ExpiresAt: now},
	} {
		if err := s.CreatePasswordReset(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	hashOf := func(a store.Account) string {
		t.Helper()
		got, err := s.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.PasswordHash
	}
	live := func(h []byte) bool {
		t.Helper()
		_, _, err := s.SessionAccount(ctx, h, now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	for name, h := range map[string][]byte{"expired": tok(3), "at its expiry": tok(5), "unknown": tok(9)} {
		_, err := s.ResetPassword(ctx, h, "nope", now)
		wantErr(t, "ResetPassword with a token "+name, err, store.ErrNotFound)
	}
	if hashOf(ada) != "h-ada" || hashOf(bob) != "h-bob" || !live(sess(1)) || !live(sess(3)) {
		t.Errorf("refused resets changed something")
	}

	a, err := s.ResetPassword(ctx, tok(1), "new-ada", now)
	if err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if a.ID != ada.ID || a.Email != "ada@example.org" || a.PasswordHash != "new-ada" {
		t.Errorf("ResetPassword returned %+v, want ada with the new hash", a)
	}
	if got := hashOf(ada); got != "new-ada" {
		t.Errorf("password hash after the reset = %q", got)
	}
	if live(sess(1)) || live(sess(2)) {
		t.Errorf("ada's sessions survived the reset")
	}
	if !live(sess(3)) {
		t.Errorf("bob's session ended with ada's reset")
	}
	// Whoever held the old password may have made tokens with it.
	if tokenWorks(apiTok(1)) || tokenWorks(apiTok(2)) {
		t.Errorf("ada's API tokens work after the reset")
	}
	if toks, err := s.APITokens(ctx, ada.ID); err != nil || len(toks) != 2 || !toks[0].RevokedAt.Equal(now) || !toks[1].RevokedAt.Equal(now) {
		t.Errorf("ada's tokens after the reset = %+v, %v; want both revoked at the reset", toks, err)
	}
	if !tokenWorks(apiTok(3)) {
		t.Errorf("bob's API token was revoked by ada's reset")
	}
	_, err = s.ResetPassword(ctx, tok(1), "again", now)
	wantErr(t, "a reset token used twice", err, store.ErrNotFound)
	_, err = s.ResetPassword(ctx, tok(2), "other", now)
	wantErr(t, "another reset token of the account", err, store.ErrNotFound)
	if got := hashOf(ada); got != "new-ada" {
		t.Errorf("password hash after refused resets = %q", got)
	}
	// Bob's token is his own.
	if a, err := s.ResetPassword(ctx, tok(4), "new-bob", now.Add(59*time.Minute)); err != nil || a.ID != bob.ID {
		t.Errorf("bob's reset: %+v, %v", a, err)
	}
	if hashOf(bob) != "new-bob" || live(sess(3)) || tokenWorks(apiTok(3)) {
		t.Errorf("bob's reset did not take")
	}

	// A link mailed before the account was disabled opens nothing, even
	// once the account is enabled again.
	cy := newAccount(t, s, "cy")
	if err := s.CreatePasswordReset(ctx, store.PasswordReset{TokenHash: tok(7), UserID: cy.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, cy.ID, now); err != nil {
		t.Fatal(err)
	}
	_, err = s.ResetPassword(ctx, tok(7), "taken-over", now)
	wantErr(t, "a reset link of a disabled account", err, store.ErrNotFound)
	if err := s.SetDisabled(ctx, cy.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ResetPassword(ctx, tok(7), "taken-over", now)
	wantErr(t, "a reset link mailed before the account was disabled", err, store.ErrNotFound)
	if got := hashOf(cy); got != "h-cy" {
		t.Errorf("cy's password hash = %q, want it unchanged", got)
	}
	// A link made while the account is disabled (forgotPost sends none,
	// but the store must not rely on it) does not work either.
	if err := s.SetDisabled(ctx, cy.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasswordReset(ctx, store.PasswordReset{TokenHash: tok(8), UserID: cy.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ResetPassword(ctx, tok(8), "taken-over", now)
	wantErr(t, "a reset link of a disabled account", err, store.ErrNotFound)
}

// testRevokedTokensPruned: making a token deletes the account's tokens
// revoked long ago and all but the most recently revoked, and no one
// else's.
func testRevokedTokensPruned(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	t0 := ms("2025-01-01", 0, 0, 0, 0)
	n := byte(0)
	create := func(who store.Account, at, revoked time.Time) store.APIToken {
		t.Helper()
		n++
		h := make([]byte, 32)
		h[0], h[2] = n, 0xBB
		tok, err := s.CreateAPIToken(ctx, store.APIToken{UserID: who.ID, Name: "t", TokenHash: h, CreatedAt: at, RevokedAt: revoked})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	old := create(ada, t0, t0.Add(time.Hour))
	bobsOld := create(bob, t0, t0.Add(time.Hour))
	live := create(ada, t0, time.Time{})
	// Revoked within the last KeepRevokedFor, more than KeepRevoked of them.
	later := t0.Add(store.KeepRevokedFor + 24*time.Hour)
	var recent []int64
	for i := range store.KeepRevoked + 5 {
		recent = append(recent, create(ada, later, later.Add(time.Duration(i)*time.Minute)).ID)
	}
	newest := create(ada, later.Add(time.Hour), time.Time{})
	toks, err := s.APITokens(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, tok := range toks {
		got[tok.ID] = true
	}
	if got[old.ID] {
		t.Errorf("a token revoked more than %v ago was kept", store.KeepRevokedFor)
	}
	if !got[live.ID] || !got[newest.ID] {
		t.Errorf("live tokens were deleted: %+v", toks)
	}
	for i, id := range recent {
		if kept, want := got[id], i >= 5; kept != want {
			t.Errorf("recently revoked token %d of %d: kept %v, want %v (the newest %d kept)", i+1, len(recent), kept, want, store.KeepRevoked)
		}
	}
	if len(toks) != store.KeepRevoked+2 {
		t.Errorf("ada has %d tokens, want %d revoked and 2 live", len(toks), store.KeepRevoked)
	}
	if bobs, err := s.APITokens(ctx, bob.ID); err != nil || len(bobs) != 1 || bobs[0].ID != bobsOld.ID {
		t.Errorf("bob's tokens = %+v, %v; want his old revoked one, untouched by ada's", bobs, err)
	}
}

func testHidePaper(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedFeed(t, s)
	v0 := version(t, s)
	count := func(what string, want int) {
		t.Helper()
		if n, err := s.FeedCount(ctx, "2025-03-07", "2025-03-14"); err != nil || n != want {
			t.Errorf("%s: FeedCount = %d, %v; want %d", what, n, err, want)
		}
	}
	// bob is a submitter of the imported feed: his entries are listed by name.
	bobs := func() ([]store.FeedItem, error) { return s.ImportedSubmissions(ctx, "bob", 0) }

	if err := s.HidePaper(ctx, "2503.00001", true); err != nil {
		t.Fatalf("HidePaper: %v", err)
	}
	if v := version(t, s); v <= v0 {
		t.Errorf("Version after HidePaper = %d, want more than %d", v, v0)
	}
	count("hidden on both its days", 8)
	wantEntries(t, "feed of 03-14", feed(t, s, store.FeedQuery{From: "2025-03-14", To: "2025-03-14"}), "2503.00014@2025-03-14")
	wantEntries(t, "feed of 03-10", feed(t, s, store.FeedQuery{From: "2025-03-10", To: "2025-03-10"}),
		"2503.00009@2025-03-10", "2503.00002@2025-03-10", "2503.00005@2025-03-10", "2503.00003@2025-03-10")
	if got := getPaper(t, s, "2503.00001"); got.Title != "Paper 2503.00001" {
		t.Errorf("hidden paper = %+v", got)
	}
	// Hidden from every listing: search results and the API's catalogue
	// read papers through PapersOnFeed and LatestPapers.
	listed := func() (onFeed, latest bool) {
		t.Helper()
		items, err := s.PapersOnFeed(ctx, []paper.ID{"2503.00001", "2503.00002"})
		if err != nil || len(items) == 0 || items[len(items)-1].Paper.ID != "2503.00002" {
			t.Fatalf("PapersOnFeed = %v, %v; want the paper not hidden", entries(items), err)
		}
		onFeed = items[0].Paper.ID == "2503.00001"
		for cur := (store.PaperCursor{}); ; {
			ps, next, err := s.LatestPapers(ctx, cur, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				latest = latest || p.ID == "2503.00001"
			}
			if next == (store.PaperCursor{}) {
				return onFeed, latest
			}
			cur = next
		}
	}
	if onFeed, latest := listed(); onFeed || latest {
		t.Errorf("a hidden paper is listed: by PapersOnFeed %v, by LatestPapers %v", onFeed, latest)
	}
	subs, err := bobs()
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "bob's submissions with one hidden", subs, "2503.00012@2025-03-11", "2503.00009@2025-03-10")
	if err := s.HidePaper(ctx, "2503.00001", true); err != nil {
		t.Errorf("hiding twice: %v", err)
	}
	wantErr(t, "HidePaper of an unknown paper", s.HidePaper(ctx, "2503.99999", true), store.ErrNotFound)

	v1 := version(t, s)
	if err := s.HidePaper(ctx, "2503.00001", false); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s); v <= v1 {
		t.Errorf("Version after showing the paper again = %d, want more than %d", v, v1)
	}
	count("shown again", 10)
	if onFeed, latest := listed(); !onFeed || !latest {
		t.Errorf("a paper shown again is not listed: by PapersOnFeed %v, by LatestPapers %v", onFeed, latest)
	}
	wantEntries(t, "feed of 03-14 again", feed(t, s, store.FeedQuery{From: "2025-03-14", To: "2025-03-14"}),
		"2503.00001@2025-03-14", "2503.00014@2025-03-14")
	subs, err = bobs()
	if err != nil {
		t.Fatal(err)
	}
	wantEntries(t, "bob's submissions", subs, "2503.00001@2025-03-14", "2503.00012@2025-03-11", "2503.00009@2025-03-10")
}

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	write(t, s, store.Record{Paper: paper.Paper{ID: "2504.00501", Title: "Imported"},
		Submission: &store.Submission{Day: "2025-04-16", Submitter: "AKhaliq", Fullname: "AK", SubmittedAt: ms("2025-04-16", 8, 0, 0, 0)}})
	ada := newAccount(t, s, "Ada")

	u, err := s.UserByName(ctx, "ADA")
	if err != nil {
		t.Fatalf("UserByName: %v", err)
	}
	if want := ada.User; u != want && !(u.ID == want.ID && u.Username == want.Username && u.Fullname == want.Fullname &&
		u.AvatarURL == want.AvatarURL && u.CreatedAt.Equal(want.CreatedAt)) {
		t.Errorf("UserByName(ADA) = %+v, want %+v", u, want)
	}
	// A submitter of an imported feed is not an account; their entries are
	// found by name, in any case.
	_, err = s.UserByName(ctx, "akhaliq")
	wantErr(t, "UserByName of an imported submitter", err, store.ErrNotFound)
	items, err := s.ImportedSubmissions(ctx, "akhaliq", 10)
	if err != nil || len(items) != 1 || items[0].Paper.ID != "2504.00501" || items[0].Submitter == nil ||
		*items[0].Submitter != (store.User{Username: "AKhaliq", Fullname: "AK", Imported: true}) {
		t.Errorf("ImportedSubmissions(akhaliq) = %+v, %v", items, err)
	}
	if items, err := s.ImportedSubmissions(ctx, "nobody", 10); err != nil || len(items) != 0 {
		t.Errorf("ImportedSubmissions(nobody) = %+v, %v", items, err)
	}
	if items, err := s.ImportedSubmissions(ctx, "", 10); err != nil || len(items) != 0 {
		t.Errorf("ImportedSubmissions of no name = %+v, %v", items, err)
	}
	_, err = s.UserByName(ctx, "nobody")
	wantErr(t, "UserByName of nobody", err, store.ErrNotFound)

	a, err := s.Account(ctx, ada.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if a.ID != ada.ID || a.Username != "Ada" || a.Email != "ada@example.org" || a.PasswordHash != "h-Ada" || a.Admin ||
		!a.DisabledAt.IsZero() || !a.CreatedAt.Equal(ada.CreatedAt) {
		t.Errorf("Account = %+v, want %+v", a, ada)
	}
	_, err = s.Account(ctx, 99999)
	wantErr(t, "Account of an unknown id", err, store.ErrNotFound)

	now := ms("2025-04-16", 12, 0, 0, 0)
	sess := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	live := func(b byte) bool {
		t.Helper()
		_, _, err := s.SessionAccount(ctx, sess(b), now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	newSession := func(b byte) {
		t.Helper()
		if err := s.CreateSession(ctx, store.Session{TokenHash: sess(b), UserID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	newSession(1)
	newSession(2)

	disabled := ms("2025-04-16", 11, 0, 0, 500)
	if err := s.SetDisabled(ctx, ada.ID, disabled); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	if a, err := s.Account(ctx, ada.ID); err != nil {
		t.Fatal(err)
	} else {
		wantTime(t, "DisabledAt", a.DisabledAt, disabled)
	}
	if live(1) || live(2) {
		t.Errorf("a session of a disabled account works")
	}
	if err := s.SetDisabled(ctx, ada.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Account(ctx, ada.ID); err != nil || !a.DisabledAt.IsZero() {
		t.Errorf("after enabling: %+v, %v", a, err)
	}
	// Disabling ended the sessions; enabling does not bring them back.
	if live(1) || live(2) {
		t.Errorf("a session survived disabling the account")
	}
	newSession(3)
	if !live(3) {
		t.Errorf("a new session of the enabled account does not work")
	}

	if err := s.SetPassword(ctx, ada.ID, "h-new"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if a, err := s.Account(ctx, ada.ID); err != nil || a.PasswordHash != "h-new" {
		t.Errorf("after SetPassword: %+v, %v", a, err)
	}
	if live(3) {
		t.Errorf("a session survived SetPassword")
	}
}

// A form posted twice, even at once, adds one comment.
func testCommentKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	const p = paper.ID("2504.00311")
	write(t, s, store.Record{Paper: paper.Paper{ID: p, Title: "Keyed"}})
	ada := newAccount(t, s, "ada")
	bob := newAccount(t, s, "bob")
	add := func(who store.Account, key, body string) store.Comment {
		t.Helper()
		c, err := s.AddComment(ctx, store.Comment{PaperID: p, Author: store.User{ID: who.ID}, Body: body, Key: key})
		if err != nil {
			t.Fatalf("AddComment: %v", err)
		}
		return c
	}
	first := add(ada, "k1", "Hello")
	again := add(ada, "k1", "Hello, edited in flight")
	if again.ID != first.ID || again.Body != "Hello" {
		t.Errorf("the same key added %+v after %+v", again, first)
	}
	if other := add(bob, "k1", "Bob's"); other.ID == first.ID {
		t.Error("another author's key was taken for ada's")
	}
	if unkeyed := add(ada, "", "Hello"); unkeyed.ID == first.ID {
		t.Error("a comment without a key was merged")
	}
	var wg sync.WaitGroup
	ids := make([]int64, 10)
	for i := range ids {
		wg.Go(func() {
			c, err := s.AddComment(ctx, store.Comment{PaperID: p, Author: store.User{ID: ada.ID}, Body: "Twice", Key: "k2"})
			if err != nil {
				t.Error(err)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent posts of one form made comments %v", ids)
		}
	}
	if got := getPaper(t, s, p).NumComments; got != 4 {
		t.Errorf("%d comments counted, want 4", got)
	}
}
