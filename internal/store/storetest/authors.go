package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// authored is a catalogue paper (no feed entry) with authors and
// categories, published on day.
func authored(id paper.ID, day string, cats []string, names ...string) store.Record {
	p := paper.Paper{ID: id, Title: "Paper " + string(id), Categories: cats, Published: ms(day, 12, 0, 0, 0)}
	for _, n := range names {
		p.Authors = append(p.Authors, paper.Author{Name: n})
	}
	return store.Record{Paper: p}
}

func itemIDs(items []store.FeedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it.Paper.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []store.FeedItem, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if ids := itemIDs(got); !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
		t.Errorf("%s = %v, want %v", what, ids, want)
	}
}

// seedAuthors imports five papers by overlapping authors whose names
// differ only in what AuthorKey folds.
func seedAuthors(t *testing.T, s store.Store) {
	write(t, s,
		authored("2501.00001", "2025-01-01", []string{"cs.CL", "cs.LG"}, "Yann LeCun", "Ada Lovelace"),
		authored("2501.00002", "2025-01-02", []string{"cs.CV"}, "yann  LECUN", "Grace Hopper"),
		authored("2501.00003", "2025-01-03", []string{"stat.ML"}, "Y. LeCun", "Ada Lovelace"),
		authored("2501.00004", "2025-01-04", []string{"cs.CL"}, "Jürgen Müller", "Ada Lovelace", "Yann LeCun"),
		authored("2501.00005", "2025-01-05", []string{"hep-th"}, "Jurgen Muller"),
	)
}

func testAuthorPapers(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedAuthors(t, s)
	items, next, err := s.AuthorPapers(ctx, []string{"yann lecun"}, store.PaperCursor{}, 10)
	wantIDs(t, "yann lecun", items, err, "2501.00004", "2501.00002", "2501.00001")
	if next != (store.PaperCursor{}) {
		t.Errorf("next after the last page = %+v", next)
	}
	items, err = authorPages(t, s, []string{"yann lecun", "y lecun"}, 2)
	wantIDs(t, "yann and y lecun, two a page", items, err, "2501.00004", "2501.00003", "2501.00002", "2501.00001")
	items, _, err = s.AuthorPapers(ctx, []string{"jurgen muller"}, store.PaperCursor{}, 10)
	wantIDs(t, "accents folded", items, err, "2501.00005", "2501.00004")
	items, _, err = s.AuthorPapers(ctx, []string{"nobody"}, store.PaperCursor{}, 10)
	wantIDs(t, "unknown author", items, err)

	// A newer record with other authors moves the paper in the index.
	rec := authored("2501.00002", "2025-01-02", []string{"cs.CV"}, "Grace Hopper")
	rec.Paper.Updated = ms("2025-02-01", 0, 0, 0, 0)
	write(t, s, rec)
	items, _, err = s.AuthorPapers(ctx, []string{"yann lecun"}, store.PaperCursor{}, 10)
	wantIDs(t, "after the authors changed", items, err, "2501.00004", "2501.00001")

	// A submission indexes the paper it brings.
	a := newAccount(t, s, "sub")
	sub := authored("2501.00009", "2025-01-09", []string{"cs.AI"}, "Yann LeCun").Paper
	if _, err := s.Submit(ctx, store.NewSubmission{Paper: sub, UserID: a.ID, Day: "2025-01-10", At: ms("2025-01-10", 1, 0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	items, _, err = s.AuthorPapers(ctx, []string{"yann lecun"}, store.PaperCursor{}, 1)
	wantIDs(t, "after a submission", items, err, "2501.00009")
	if items[0].Day != "2025-01-10" {
		t.Errorf("submitted paper's day = %q", items[0].Day)
	}

	// Hidden papers are not listed.
	if err := s.HidePaper(ctx, "2501.00009", true); err != nil {
		t.Fatal(err)
	}
	items, _, err = s.AuthorPapers(ctx, []string{"yann lecun"}, store.PaperCursor{}, 1)
	wantIDs(t, "after hiding", items, err, "2501.00004")

	// A co-author is named as their newest paper spells them.
	sum, err := s.AuthorSummary(ctx, []string{"yann lecun"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := store.AuthorSummary{Papers: 2,
		CoAuthors:  []store.NameCount{{Key: "ada lovelace", Name: "Ada Lovelace", Count: 2}, {Key: "jurgen muller", Name: "Jurgen Muller", Count: 1}},
		Categories: []store.NameCount{{Name: "cs.CL", Count: 2}, {Name: "cs.LG", Count: 1}}}
	if fmt.Sprint(sum) != fmt.Sprint(want) {
		t.Errorf("AuthorSummary = %+v, want %+v", sum, want)
	}
}

// authorPages reads every page of AuthorPapers, per items a page.
func authorPages(t *testing.T, s store.Store, keys []string, per int) ([]store.FeedItem, error) {
	var all []store.FeedItem
	var after store.PaperCursor
	for range 100 {
		items, next, err := s.AuthorPapers(t.Context(), keys, after, per)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == (store.PaperCursor{}) {
			return all, nil
		}
		after = next
	}
	t.Fatal("AuthorPapers never ends")
	return nil, nil
}

func testClaims(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedAuthors(t, s)
	yann, ada := newAccount(t, s, "yann"), newAccount(t, s, "ada")
	at := ms("2025-03-01", 9, 0, 0, 0)

	c1, err := s.ClaimAuthor(ctx, store.Claim{UserID: yann.ID, PaperID: "2501.00001", Position: 0, CreatedAt: at})
	if err != nil {
		t.Fatalf("ClaimAuthor: %v", err)
	}
	if c1.ID == 0 || c1.Name != "Yann LeCun" || c1.Key != "yann lecun" || c1.Status != store.ClaimPending {
		t.Errorf("claim = %+v", c1)
	}
	_, err = s.ClaimAuthor(ctx, store.Claim{UserID: yann.ID, PaperID: "2501.00001", Position: 1})
	wantErr(t, "the same paper twice", err, store.ErrClaimedTwice)
	_, err = s.ClaimAuthor(ctx, store.Claim{UserID: ada.ID, PaperID: "2501.00001", Position: 0})
	wantErr(t, "a position someone else holds", err, store.ErrClaimTaken)
	wantErr(t, "a position someone else holds is a conflict", err, store.ErrConflict)
	_, err = s.ClaimAuthor(ctx, store.Claim{UserID: ada.ID, PaperID: "2501.00001", Position: 2})
	wantErr(t, "a position the paper has not", err, store.ErrInvalid)
	_, err = s.ClaimAuthor(ctx, store.Claim{UserID: ada.ID, PaperID: "2501.09999", Position: 0})
	wantErr(t, "an unknown paper", err, store.ErrNotFound)
	c3, err := s.ClaimAuthor(ctx, store.Claim{UserID: yann.ID, PaperID: "2501.00003", Position: 0, CreatedAt: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	cAda, err := s.ClaimAuthor(ctx, store.Claim{UserID: ada.ID, PaperID: "2501.00003", Position: 1, CreatedAt: at.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}

	pending, err := s.PendingClaims(ctx, 0)
	if err != nil || len(pending) != 3 || pending[0].ID != c1.ID || pending[0].Title != "Paper 2501.00001" || pending[0].User.Username != "yann" {
		t.Fatalf("PendingClaims = %+v, %v", pending, err)
	}
	v0 := version(t, s)
	if _, err := s.DecideClaim(ctx, c1.ID, true, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s); v <= v0 {
		t.Errorf("an approval did not change Version")
	}
	c3d, err := s.DecideClaim(ctx, c3.ID, true, at.Add(time.Hour))
	if err != nil || c3d.Status != store.ClaimApproved {
		t.Fatalf("DecideClaim = %+v, %v", c3d, err)
	}
	wantTime(t, "decided at", c3d.DecidedAt, at.Add(time.Hour))
	if _, err := s.DecideClaim(ctx, cAda.ID, false, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = s.DecideClaim(ctx, cAda.ID, true, at.Add(time.Hour))
	wantErr(t, "deciding twice", err, store.ErrNotFound)
	// A rejected claim holds nothing: it may be made again.
	if _, err := s.ClaimAuthor(ctx, store.Claim{UserID: ada.ID, PaperID: "2501.00003", Position: 1}); err != nil {
		t.Errorf("claim after a rejection: %v", err)
	}

	users, keys, err := s.ClaimedKeys(ctx, "y lecun")
	if err != nil || len(users) != 1 || users[0].ID != yann.ID || !slices.Equal(keys, []string{"y lecun", "yann lecun"}) {
		t.Errorf("ClaimedKeys = %+v, %v, %v", users, keys, err)
	}
	users, keys, err = s.ClaimedKeys(ctx, "grace hopper")
	if err != nil || len(users) != 0 || !slices.Equal(keys, []string{"grace hopper"}) {
		t.Errorf("ClaimedKeys of an unclaimed name = %+v, %v, %v", users, keys, err)
	}

	byPaper, err := s.PaperClaims(ctx, []paper.ID{"2501.00001", "2501.00002", "2501.00003"})
	if err != nil {
		t.Fatal(err)
	}
	if got := byPaper["2501.00001"]; len(got) != 1 || got[0].User.Username != "yann" || got[0].Position != 0 || got[0].Status != store.ClaimApproved {
		t.Errorf("PaperClaims of 00001 = %+v", got)
	}
	if got := byPaper["2501.00003"]; len(got) != 2 || got[1].Status != store.ClaimPending {
		t.Errorf("PaperClaims of 00003 = %+v", got)
	}
	if len(byPaper["2501.00002"]) != 0 {
		t.Errorf("PaperClaims of an unclaimed paper = %+v", byPaper["2501.00002"])
	}

	wantErr(t, "hiding another's claim", s.HideClaim(ctx, ada.ID, c1.ID, true), store.ErrNotFound)
	if err := s.HideClaim(ctx, yann.ID, c1.ID, true); err != nil {
		t.Fatal(err)
	}
	mine, err := s.UserClaims(ctx, yann.ID)
	if err != nil || len(mine) != 2 || mine[0].ID != c3.ID || mine[0].Hidden || !mine[1].Hidden {
		t.Errorf("UserClaims = %+v, %v", mine, err)
	}
}

func testFollows(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedAuthors(t, s)
	me, other := newAccount(t, s, "reader"), newAccount(t, s, "submitter")
	// other submits a paper by nobody followed.
	sub := authored("2412.00001", "2024-12-30", []string{"math.AG"}, "Someone Else").Paper
	if _, err := s.Submit(ctx, store.NewSubmission{Paper: sub, UserID: other.ID, Day: "2025-01-06", At: ms("2025-01-06", 1, 0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	v0 := version(t, s)
	follow := func(kind store.FollowKind, target string, max int) error {
		return s.Follow(ctx, store.Follow{UserID: me.ID, Kind: kind, Target: target, CreatedAt: ms("2025-03-01", 0, 0, 0, 0)}, max)
	}
	for _, f := range []struct {
		kind   store.FollowKind
		target string
	}{{store.FollowAuthor, "jurgen muller"}, {store.FollowCategory, "cs"}, {store.FollowAuthor, "jurgen muller"}} {
		if err := follow(f.kind, f.target, 3); err != nil {
			t.Fatalf("Follow(%s %s): %v", f.kind, f.target, err)
		}
	}
	items, next, err := s.FollowingPapers(ctx, me.ID, store.PaperCursor{}, 10)
	// 00004 is by Müller and in cs: once.
	wantIDs(t, "following an author and an archive", items, err, "2501.00005", "2501.00004", "2501.00002", "2501.00001")
	if next != (store.PaperCursor{}) {
		t.Errorf("next = %+v", next)
	}
	if err := follow(store.FollowUser, fmt.Sprint(other.ID), 3); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a fourth follow over a limit of 3", follow(store.FollowCategory, "stat.ML", 3), store.ErrLimit)
	wantErr(t, "an unknown account", s.Follow(ctx, store.Follow{UserID: 9999, Kind: store.FollowAuthor, Target: "x"}, 0), store.ErrNotFound)

	var all []store.FeedItem
	var after store.PaperCursor
	for {
		items, next, err := s.FollowingPapers(ctx, me.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == (store.PaperCursor{}) {
			break
		}
		after = next
	}
	wantIDs(t, "following, two a page", all, nil, "2501.00005", "2501.00004", "2501.00002", "2501.00001", "2412.00001")
	if all[4].Submitter == nil || all[4].Submitter.ID != other.ID {
		t.Errorf("a followed person's submission without its entry: %+v", all[4])
	}

	if err := s.Follow(ctx, store.Follow{UserID: other.ID, Kind: store.FollowAuthor, Target: "ada lovelace", Label: "Ada Lovelace"}, 0); err != nil {
		t.Fatal(err)
	}
	if fs, err := s.FollowsOf(ctx, other.ID); err != nil || len(fs) != 1 || fs[0].Label != "Ada Lovelace" || fs[0].Target != "ada lovelace" {
		t.Errorf("FollowsOf with a label = %+v, %v", fs, err)
	}
	fs, err := s.FollowsOf(ctx, me.ID)
	if err != nil || len(fs) != 3 {
		t.Fatalf("FollowsOf = %+v, %v", fs, err)
	}
	if err := s.Unfollow(ctx, me.ID, store.FollowCategory, "cs"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unfollow(ctx, me.ID, store.FollowCategory, "cs"); err != nil {
		t.Errorf("unfollowing twice: %v", err)
	}
	items, _, err = s.FollowingPapers(ctx, me.ID, store.PaperCursor{}, 10)
	wantIDs(t, "after unfollowing cs", items, err, "2501.00005", "2501.00004", "2412.00001")
	nobody := newAccount(t, s, "nobody")
	items, _, err = s.FollowingPapers(ctx, nobody.ID, store.PaperCursor{}, 10)
	wantIDs(t, "following nothing", items, err)

	if err := s.MarkRead(ctx, me.ID, "2501.00004", true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, me.ID, "2501.00004", true, time.Time{}); err != nil {
		t.Errorf("marking read twice: %v", err)
	}
	wantErr(t, "marking an unknown paper", s.MarkRead(ctx, me.ID, "2501.09999", true, time.Time{}), store.ErrNotFound)
	read, err := s.ReadOf(ctx, me.ID, []paper.ID{"2501.00004", "2501.00005"})
	if err != nil || !read["2501.00004"] || read["2501.00005"] {
		t.Errorf("ReadOf = %v, %v", read, err)
	}
	if read, _ := s.ReadOf(ctx, other.ID, []paper.ID{"2501.00004"}); read["2501.00004"] {
		t.Errorf("another's read marks leak")
	}
	if err := s.MarkRead(ctx, me.ID, "2501.00004", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if read, _ := s.ReadOf(ctx, me.ID, []paper.ID{"2501.00004"}); read["2501.00004"] {
		t.Errorf("still read after unmarking")
	}
	if v := version(t, s); v != v0 {
		t.Errorf("follows and read marks changed Version from %d to %d: they would empty the page cache", v0, v)
	}
}

// testFollowsMany: a reader who follows more streams than one read of
// them all takes (a backend may read a kind of stream in one query, so
// many at a time) gets every paper once, newest first, page by page.
func testFollowsMany(t *testing.T, s store.Store) {
	ctx := t.Context()
	const papers, followed = 150, 140
	base := ms("2025-02-01", 0, 0, 0, 0)
	var recs []store.Record
	for i := range papers {
		p := paper.Paper{ID: paper.ID(fmt.Sprintf("2502.%05d", i+1)), Title: fmt.Sprintf("Paper %d", i),
			Categories: []string{"cs.CL"}, Published: base.Add(time.Duration(i) * time.Minute),
			Authors: []paper.Author{{Name: fmt.Sprintf("author %d", i)}, {Name: fmt.Sprintf("author %d", (i+1)%papers)}}}
		if i%7 == 0 {
			p.Categories = []string{"q-fin.ST"}
		}
		recs = append(recs, store.Record{Paper: p})
	}
	write(t, s, recs...)
	me := newAccount(t, s, "many")
	for i := range followed {
		if err := s.Follow(ctx, store.Follow{UserID: me.ID, Kind: store.FollowAuthor, Target: fmt.Sprintf("author %d", i)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Follow(ctx, store.Follow{UserID: me.ID, Kind: store.FollowCategory, Target: "q-fin.ST"}, 0); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := papers - 1; i >= 0; i-- {
		// Paper i is by authors i and i+1 (the last by author 0).
		if i < followed || i == papers-1 || i%7 == 0 {
			want = append(want, fmt.Sprintf("2502.%05d", i+1))
		}
	}
	var all []store.FeedItem
	var after store.PaperCursor
	for range papers {
		items, next, err := s.FollowingPapers(ctx, me.ID, after, 13)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == (store.PaperCursor{}) {
			break
		}
		after = next
	}
	wantIDs(t, "141 follows, 13 a page", all, nil, want...)
}

// SeedAuthors imports the papers AuthorIndexFilled looks for, for a test
// of the migration that indexes the papers stored before it.
func SeedAuthors(t *testing.T, s store.Store) { seedAuthors(t, s) }

// AuthorIndexFilled checks that the papers of SeedAuthors are indexed by
// author and by category, as the migration that made the indexes must
// leave them.
func AuthorIndexFilled(t *testing.T, s store.Store) {
	t.Helper()
	items, _, err := s.AuthorPapers(t.Context(), []string{"yann lecun"}, store.PaperCursor{}, 10)
	wantIDs(t, "papers of yann lecun", items, err, "2501.00004", "2501.00002", "2501.00001")
	a := newAccount(t, s, "migrated")
	if err := s.Follow(t.Context(), store.Follow{UserID: a.ID, Kind: store.FollowCategory, Target: "hep-th"}, 0); err != nil {
		t.Fatal(err)
	}
	items, _, err = s.FollowingPapers(t.Context(), a.ID, store.PaperCursor{}, 10)
	wantIDs(t, "papers of hep-th", items, err, "2501.00005")
}

func testCategoryPapers(t *testing.T, s store.Store) {
	seedAuthors(t, s)
	items, next, err := s.CategoryPapers(t.Context(), "cs", store.PaperCursor{}, 2)
	wantIDs(t, "cs, first page", items, err, "2501.00004", "2501.00002")
	items, _, err = s.CategoryPapers(t.Context(), "cs", next, 2)
	wantIDs(t, "cs, second page", items, err, "2501.00001")
	items, _, err = s.CategoryPapers(t.Context(), "cs.CL", store.PaperCursor{}, 10)
	wantIDs(t, "cs.CL", items, err, "2501.00004", "2501.00001")
	items, _, err = s.CategoryPapers(t.Context(), "hep-th", store.PaperCursor{}, 10)
	wantIDs(t, "hep-th", items, err, "2501.00005")
}
