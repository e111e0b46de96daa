package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// testFollowedPapersBetween checks a period's papers of what an account
// follows: bounded on both sides, each once, newest first, the newest
// limit of them.
func testFollowedPapersBetween(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedAuthors(t, s)
	me, other := newAccount(t, s, "reader"), newAccount(t, s, "submitter")
	sub := authored("2412.00001", "2024-12-30", []string{"math.AG"}, "Someone Else").Paper
	if _, err := s.Submit(ctx, store.NewSubmission{Paper: sub, UserID: other.ID, Day: "2025-01-06", At: ms("2025-01-06", 1, 0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Follow{
		{UserID: me.ID, Kind: store.FollowAuthor, Target: "jurgen muller"},
		{UserID: me.ID, Kind: store.FollowCategory, Target: "cs"},
		{UserID: me.ID, Kind: store.FollowUser, Target: fmt.Sprint(other.ID)},
	} {
		if err := s.Follow(ctx, f, 0); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d string) time.Time { return ms(d, 0, 0, 0, 0) }
	nobody := newAccount(t, s, "nobody")
	for _, c := range []struct {
		name     string
		user     int64
		from, to string
		limit    int
		want     []string
	}{
		// 00003 is followed by nothing; 00005 is published at noon of the 5th.
		{"the 2nd to the 4th", me.ID, "2025-01-02", "2025-01-05", 10, []string{"2501.00004", "2501.00002"}},
		// 00004 is by Müller and in cs: once.
		{"one day in two streams", me.ID, "2025-01-04", "2025-01-05", 10, []string{"2501.00004"}},
		{"the newest of the period", me.ID, "2025-01-01", "2025-01-06", 2, []string{"2501.00005", "2501.00004"}},
		{"a followed person's submission", me.ID, "2024-12-30", "2025-01-01", 10, []string{"2412.00001"}},
		{"a period before everything", me.ID, "2024-01-01", "2024-02-01", 10, nil},
		{"an empty period", me.ID, "2025-01-04", "2025-01-04", 10, nil},
		{"following nothing", nobody.ID, "2025-01-01", "2025-01-06", 10, nil},
	} {
		items, err := s.FollowedPapersBetween(ctx, c.user, day(c.from), day(c.to), c.limit)
		wantIDs(t, c.name, items, err, c.want...)
		if c.name == "a followed person's submission" && len(items) == 1 && (items[0].Submitter == nil || items[0].Submitter.ID != other.ID) {
			t.Errorf("%s without its entry: %+v", c.name, items[0])
		}
	}
}
