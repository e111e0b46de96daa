package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// sigString prints signals compactly: kind:paper-or-subject.
func sigString(sigs []store.Signal) string {
	parts := make([]string, len(sigs))
	for i, s := range sigs {
		parts[i] = string(s.Kind) + ":" + string(s.Paper) + s.Subject
	}
	return strings.Join(parts, " ")
}

func readerSignals(t *testing.T, s store.Store, userID int64) string {
	t.Helper()
	sigs, err := s.ReaderSignals(t.Context(), userID)
	if err != nil {
		t.Fatalf("ReaderSignals: %v", err)
	}
	return sigString(sigs)
}

func readerVersion(t *testing.T, s store.Store, userID int64) int64 {
	t.Helper()
	st, err := s.ReaderState(t.Context(), userID)
	if err != nil {
		t.Fatalf("ReaderState: %v", err)
	}
	return st.Version
}

func testReaderSignals(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, b, c = paper.ID("2504.00301"), paper.ID("2504.00302"), paper.ID("2504.00303")
	write(t, s, store.Record{Paper: paper.Paper{ID: a, Title: "A"}}, store.Record{Paper: paper.Paper{ID: b, Title: "B"}},
		store.Record{Paper: paper.Paper{ID: c, Title: "C"}})
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	if st, err := s.ReaderState(ctx, ada.ID); err != nil || st != (store.ReaderState{}) {
		t.Fatalf("ReaderState of a new reader = %+v, %v; want the zero state", st, err)
	}
	if got := readerSignals(t, s, ada.ID); got != "" {
		t.Errorf("signals of a new reader: %q", got)
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	add := func(who store.Account, sig store.Signal, wantErr error) {
		t.Helper()
		if err := s.AddSignal(ctx, who.ID, sig); !errors.Is(err, wantErr) {
			t.Errorf("AddSignal(%s, %+v) = %v, want %v", who.Username, sig, err, wantErr)
		}
	}
	add(ada, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL", At: t0}, nil)
	add(ada, store.Signal{Kind: store.SignalSeedAuthor, Subject: "Yann LeCun", At: t0.Add(time.Second)}, nil)
	add(ada, store.Signal{Kind: store.SignalMoreLikeThis, Paper: a, At: t0.Add(2 * time.Second)}, nil)
	add(ada, store.Signal{Kind: store.SignalNotInterested, Paper: b, At: t0.Add(3 * time.Second)}, nil)
	add(bob, store.Signal{Kind: store.SignalSeedPaper, Paper: c, At: t0}, nil)
	v1 := readerVersion(t, s, ada.ID)
	if _, err := s.Vote(ctx, ada.ID, c, true); err != nil {
		t.Fatal(err)
	}
	if v := readerVersion(t, s, ada.ID); v <= v1 {
		t.Errorf("reader version after an upvote = %d, want more than %d", v, v1)
	}
	// Newest first, every kind together; bob's are his own.
	want := "upvote:" + string(c) + " not_interested:" + string(b) + " more_like_this:" + string(a) + " seed_author:Yann LeCun seed_category:cs.CL"
	if got := readerSignals(t, s, ada.ID); got != want {
		t.Errorf("ada's signals:\n got %s\nwant %s", got, want)
	}
	if got := readerSignals(t, s, bob.ID); got != "seed_paper:"+string(c) {
		t.Errorf("bob's signals: %s", got)
	}
	sigs, _ := s.ReaderSignals(ctx, ada.ID)
	if at := sigs[1].At; !at.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("signal time %v, want %v", at, t0.Add(3*time.Second))
	}

	// One signal a paper: "Not interested" after "More like this" replaces it.
	v2 := readerVersion(t, s, ada.ID)
	add(ada, store.Signal{Kind: store.SignalNotInterested, Paper: a, At: t0.Add(4 * time.Second)}, nil)
	if v := readerVersion(t, s, ada.ID); v <= v2 {
		t.Errorf("reader version after a signal = %d, want more than %d", v, v2)
	}
	if got := readerSignals(t, s, ada.ID); strings.Contains(got, "more_like_this") || !strings.Contains(got, "not_interested:"+string(a)) {
		t.Errorf("after replacing: %s", got)
	}

	// Undo, and what cannot be undone.
	remove := func(sig store.Signal, wantErr error) {
		t.Helper()
		if err := s.RemoveSignal(ctx, ada.ID, sig); !errors.Is(err, wantErr) {
			t.Errorf("RemoveSignal(%+v) = %v, want %v", sig, err, wantErr)
		}
	}
	remove(store.Signal{Kind: store.SignalNotInterested, Paper: a}, nil)
	remove(store.Signal{Kind: store.SignalNotInterested, Paper: a}, store.ErrNotFound)
	remove(store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL"}, nil)
	remove(store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CV"}, store.ErrNotFound)
	remove(store.Signal{Kind: store.SignalUpvote, Paper: c}, store.ErrNotFound) // votes go through Vote
	want = "upvote:" + string(c) + " not_interested:" + string(b) + " seed_author:Yann LeCun"
	if got := readerSignals(t, s, ada.ID); got != want {
		t.Errorf("after removing:\n got %s\nwant %s", got, want)
	}

	// Bad input.
	add(ada, store.Signal{Kind: store.SignalNotInterested, Paper: "2504.99999"}, store.ErrNotFound)
	add(ada, store.Signal{Kind: store.SignalUpvote, Paper: a}, store.ErrInvalid)
	add(ada, store.Signal{Kind: "bogus", Paper: a}, store.ErrInvalid)
	add(ada, store.Signal{Kind: store.SignalSeedCategory, Subject: "  "}, store.ErrInvalid)
	add(ada, store.Signal{Kind: store.SignalSeedAuthor, Subject: strings.Repeat("x", store.MaxSubjectLen+1)}, store.ErrInvalid)
	add(ada, store.Signal{Kind: store.SignalSeedAuthor, Subject: "nul\x00byte"}, store.ErrInvalid)
	add(ada, store.Signal{Kind: store.SignalSeedPaper}, store.ErrInvalid)
	// Several at once land together or not at all.
	if err := s.AddSignal(ctx, ada.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.LG"},
		store.Signal{Kind: store.SignalSeedPaper, Paper: "2504.99999"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddSignal with an unknown paper among others: %v", err)
	}
	if got := readerSignals(t, s, ada.ID); got != want {
		t.Errorf("bad input changed the signals: %s", got)
	}
}

func testReaderSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	v0 := readerVersion(t, s, ada.ID)
	if err := s.SetReaderPaused(ctx, ada.ID, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.ReaderState(ctx, ada.ID); !st.Paused || st.Version <= v0 || st.FeedToken {
		t.Errorf("after pausing: %+v", st)
	}
	if err := s.SetReaderPaused(ctx, ada.ID, false); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.ReaderState(ctx, ada.ID); st.Paused {
		t.Errorf("after resuming: %+v", st)
	}

	if _, err := s.ReaderByFeedToken(ctx, []byte("none")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReaderByFeedToken of an unknown secret: %v", err)
	}
	for _, tok := range []string{"first", "second"} {
		if err := s.SetReaderFeedToken(ctx, bob.ID, []byte(tok)); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := s.ReaderByFeedToken(ctx, []byte("second")); err != nil || a.ID != bob.ID {
		t.Errorf("ReaderByFeedToken = %d, %v; want bob", a.ID, err)
	}
	if _, err := s.ReaderByFeedToken(ctx, []byte("first")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a reset secret still works: %v", err)
	}
	if st, _ := s.ReaderState(ctx, bob.ID); !st.FeedToken {
		t.Errorf("bob's state says no feed secret: %+v", st)
	}
	// A secret is one reader's.
	if err := s.SetReaderFeedToken(ctx, ada.ID, []byte("second")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("another reader's secret: %v, want ErrConflict", err)
	}
	if err := s.SetDisabled(ctx, bob.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReaderByFeedToken(ctx, []byte("second")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the feed of a disabled account: %v, want ErrNotFound", err)
	}
}

// testReaderSignalCap: past MaxSignals kept signals the oldest go.
func testReaderSignalCap(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	t0 := time.Now().Add(-24 * time.Hour).Truncate(time.Millisecond)
	var sigs []store.Signal
	for i := range store.MaxSignals + 5 {
		sigs = append(sigs, store.Signal{Kind: store.SignalSeedAuthor, Subject: fmt.Sprintf("Author %05d", i), At: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if err := s.AddSignal(ctx, ada.ID, sigs...); err != nil {
		t.Fatalf("AddSignal: %v", err)
	}
	sigs, err := s.ReaderSignals(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != store.MaxSignals {
		t.Fatalf("%d signals kept, want %d", len(sigs), store.MaxSignals)
	}
	if first, last := sigs[0].Subject, sigs[len(sigs)-1].Subject; first != fmt.Sprintf("Author %05d", store.MaxSignals+4) || last != "Author 00005" {
		t.Errorf("kept %s .. %s, want the newest down to Author 00005", first, last)
	}
	if err := s.RemoveSignal(ctx, ada.ID, store.Signal{Kind: store.SignalSeedAuthor, Subject: "Author 00004"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the oldest signal is still there: %v", err)
	}
}

func testWindowPapers(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.NewestDay(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("NewestDay of an empty store: %v, want ErrNotFound", err)
	}
	day := func(d string) time.Time { return ms(d, 12, 0, 0, 0) }
	write(t, s,
		store.Record{Paper: paper.Paper{ID: "2606.00001", Title: "Listed in", Listed: "2026-06-10", Published: day("2026-05-01")}},
		store.Record{Paper: paper.Paper{ID: "2606.00002", Title: "Listed on the last day", Listed: "2026-06-12"}},
		store.Record{Paper: paper.Paper{ID: "2606.00003", Title: "Listed before", Listed: "2026-06-09", Published: day("2026-06-11")}},
		store.Record{Paper: paper.Paper{ID: "2606.00004", Title: "Published in", Published: day("2026-06-11")}},
		store.Record{Paper: paper.Paper{ID: "2606.00005", Title: "Published after", Published: day("2026-06-13")}},
		store.Record{Paper: paper.Paper{ID: "2606.00006", Title: "Hidden", Listed: "2026-06-11"},
			Submission: &store.Submission{Day: "2026-06-20", SubmittedAt: day("2026-06-20")}},
	)
	if err := s.HidePaper(ctx, "2606.00006", true); err != nil {
		t.Fatal(err)
	}
	ps, err := s.WindowPapers(ctx, "2026-06-10", "2026-06-12", 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, string(p.ID))
	}
	// Listing days rule when known; newest first by first version, the
	// unknown last.
	if want := "2606.00004 2606.00001 2606.00002"; strings.Join(got, " ") != want {
		t.Errorf("WindowPapers = %s, want %s", strings.Join(got, " "), want)
	}
	if ps, err := s.WindowPapers(ctx, "2026-06-10", "2026-06-12", 1); err != nil || len(ps) != 1 {
		t.Errorf("limit 1: %d papers, %v", len(ps), err)
	}
	if _, err := s.WindowPapers(ctx, "June", "2026-06-12", 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a bad day: %v, want ErrInvalid", err)
	}
	if d, err := s.NewestDay(ctx); err != nil || d != "2026-06-20" {
		t.Errorf("NewestDay = %q, %v; want the feed's 2026-06-20", d, err)
	}
}

// testReaderLibrarySignals: saves, collections, read marks and follows
// of authors and categories are signals, read from the library's own
// tables, and each change to them moves the reader's version.
func testReaderLibrarySignals(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, b, c, d = paper.ID("2504.00401"), paper.ID("2504.00402"), paper.ID("2504.00403"), paper.ID("2504.00404")
	write(t, s, store.Record{Paper: paper.Paper{ID: a, Title: "A"}}, store.Record{Paper: paper.Paper{ID: b, Title: "B"}},
		store.Record{Paper: paper.Paper{ID: c, Title: "C"}}, store.Record{Paper: paper.Paper{ID: d, Title: "D"}})
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	moved := func(what string, do func() error) {
		t.Helper()
		v := readerVersion(t, s, ada.ID)
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := readerVersion(t, s, ada.ID); got <= v {
			t.Errorf("reader version after %s = %d, want more than %d", what, got, v)
		}
	}
	still := func(what string, do func() error) {
		t.Helper()
		v := readerVersion(t, s, ada.ID)
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := readerVersion(t, s, ada.ID); got != v {
			t.Errorf("reader version after %s = %d, want %d still", what, got, v)
		}
	}
	moved("a save", func() error { return s.SavePaper(ctx, ada.ID, a, at(1), 0) })
	still("saving again", func() error { return s.SavePaper(ctx, ada.ID, a, at(9), 0) })
	list, err := s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "List", CreatedAt: t0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Other", Private: true, CreatedAt: t0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var item store.CollectionItem
	moved("adding to a collection", func() (err error) {
		item, err = s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: list.ID, Paper: paper.Paper{ID: b}, AddedAt: at(2)}, 0)
		return err
	})
	// The same paper in a second collection is one signal, at the newest.
	moved("adding to another", func() error {
		_, err := s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: other.ID, Paper: paper.Paper{ID: b}, AddedAt: at(3)}, 0)
		return err
	})
	still("a note", func() error {
		return s.UpdateCollectionItem(ctx, list.ID, item.ID, store.ItemChange{SetNote: true, Note: "n", At: at(3)})
	})
	moved("a read mark", func() error { return s.MarkRead(ctx, ada.ID, c, true, at(4)) })
	moved("following an author", func() error {
		return s.Follow(ctx, store.Follow{UserID: ada.ID, Kind: store.FollowAuthor, Target: "yann lecun", Label: "Yann LeCun", CreatedAt: at(5)}, 0)
	})
	moved("following a category", func() error {
		return s.Follow(ctx, store.Follow{UserID: ada.ID, Kind: store.FollowCategory, Target: "cs.CL", CreatedAt: at(6)}, 0)
	})
	still("following again", func() error {
		return s.Follow(ctx, store.Follow{UserID: ada.ID, Kind: store.FollowCategory, Target: "cs.CL", CreatedAt: at(8)}, 0)
	})
	// Following a person says whose papers to list, not what ada likes.
	still("following a person", func() error {
		return s.Follow(ctx, store.Follow{UserID: ada.ID, Kind: store.FollowUser, Target: fmt.Sprint(bob.ID), CreatedAt: at(7)}, 0)
	})
	// Bob's library is his own.
	if err := s.SavePaper(ctx, bob.ID, d, at(8), 0); err != nil {
		t.Fatal(err)
	}
	want := "follow_category:cs.CL follow_author:Yann LeCun read:" + string(c) + " collected:" + string(b) + " saved:" + string(a)
	if got := readerSignals(t, s, ada.ID); got != want {
		t.Errorf("ada's signals:\n got %s\nwant %s", got, want)
	}
	sigs, _ := s.ReaderSignals(ctx, ada.ID)
	if len(sigs) == 5 && (!sigs[3].At.Equal(at(3)) || !sigs[4].At.Equal(at(1))) {
		t.Errorf("collected at %v, saved at %v; want %v, %v", sigs[3].At, sigs[4].At, at(3), at(1))
	}
	if got := readerSignals(t, s, bob.ID); got != "saved:"+string(d) {
		t.Errorf("bob's signals: %s", got)
	}
	// RemoveSignal does not undo the library's: its own methods do.
	if err := s.RemoveSignal(ctx, ada.ID, store.Signal{Kind: store.SignalSaved, Paper: a}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveSignal of a save: %v, want ErrNotFound", err)
	}
	moved("unsaving", func() error { return s.UnsavePaper(ctx, ada.ID, a) })
	still("unsaving again", func() error { return s.UnsavePaper(ctx, ada.ID, a) })
	moved("unmarking", func() error { return s.MarkRead(ctx, ada.ID, c, false, time.Time{}) })
	moved("unfollowing", func() error { return s.Unfollow(ctx, ada.ID, store.FollowAuthor, "yann lecun") })
	still("unfollowing again", func() error { return s.Unfollow(ctx, ada.ID, store.FollowAuthor, "yann lecun") })
	moved("taking out of a collection", func() error { return s.DeleteCollectionItem(ctx, list.ID, item.ID, at(10)) })
	if got, want := readerSignals(t, s, ada.ID), "follow_category:cs.CL collected:"+string(b); got != want {
		t.Errorf("after undoing:\n got %s\nwant %s", got, want)
	}
	moved("deleting a collection", func() error { return s.DeleteCollection(ctx, other.ID) })
	if got, want := readerSignals(t, s, ada.ID), "follow_category:cs.CL"; got != want {
		t.Errorf("after deleting the collection: %s, want %s", got, want)
	}
}

// testReaderLibrarySignalCap: the cap counts every kind together: a
// reader with MaxSignals kept signals who then saves a paper learns from
// the save and loses the oldest from the reading, newest first.
func testReaderLibrarySignalCap(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = paper.ID("2504.00501")
	write(t, s, store.Record{Paper: paper.Paper{ID: a, Title: "A"}})
	ada := newAccount(t, s, "ada")
	t0 := time.Now().Add(-24 * time.Hour).Truncate(time.Millisecond)
	var sigs []store.Signal
	for i := range store.MaxSignals {
		sigs = append(sigs, store.Signal{Kind: store.SignalSeedAuthor, Subject: fmt.Sprintf("Author %05d", i), At: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if err := s.AddSignal(ctx, ada.ID, sigs...); err != nil {
		t.Fatalf("AddSignal: %v", err)
	}
	if err := s.SavePaper(ctx, ada.ID, a, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Follow(ctx, store.Follow{UserID: ada.ID, Kind: store.FollowCategory, Target: "cs.CL", CreatedAt: t0.Add(-time.Hour)}, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReaderSignals(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != store.MaxSignals {
		t.Fatalf("%d signals read, want %d", len(got), store.MaxSignals)
	}
	// The save is the newest; the follow, older than every seed, is out,
	// and so is the oldest seed.
	if got[0].Kind != store.SignalSaved || got[0].Paper != a {
		t.Errorf("newest signal %+v, want the save", got[0])
	}
	if last := got[len(got)-1]; last.Subject != "Author 00001" {
		t.Errorf("oldest signal read %+v, want Author 00001", last)
	}
}

// testReaderModels: a reader's trained model is kept for other
// processes; a late training does not replace a newer model, and a
// disabled account's is not read.
func testReaderModels(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	if _, err := s.ReaderModel(ctx, ada.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReaderModel of a reader without one: %v, want ErrNotFound", err)
	}
	at := time.Now().Truncate(time.Millisecond)
	save := func(who store.Account, version int64, data []byte) {
		t.Helper()
		if err := s.SaveReaderModel(ctx, who.ID, store.StoredModel{Version: version, TrainedAt: at, Data: data}); err != nil {
			t.Fatalf("SaveReaderModel(%s, %d): %v", who.Username, version, err)
		}
	}
	read := func(who store.Account) string {
		t.Helper()
		m, err := s.ReaderModel(ctx, who.ID)
		if errors.Is(err, store.ErrNotFound) {
			return "none"
		}
		if err != nil {
			t.Fatalf("ReaderModel(%s): %v", who.Username, err)
		}
		if !m.TrainedAt.Equal(at) {
			t.Errorf("trained at %v, want %v", m.TrainedAt, at)
		}
		return fmt.Sprintf("%d:%s", m.Version, m.Data)
	}
	save(ada, 3, []byte("three"))
	save(bob, 1, []byte{0, 1, 0xff})
	if got := read(ada); got != "3:three" {
		t.Errorf("ada's model %s", got)
	}
	save(ada, 2, []byte("two, late"))
	if got := read(ada); got != "3:three" {
		t.Errorf("after a late training of version 2: %s, want version 3 kept", got)
	}
	save(ada, 5, []byte("five"))
	if got := read(ada); got != "5:five" {
		t.Errorf("after version 5: %s", got)
	}
	if got := read(bob); got != "1:\x00\x01\xff" {
		t.Errorf("bob's model %q", got)
	}
	save(ada, 4, nil) // forgetting an older version leaves the newer
	if got := read(ada); got != "5:five" {
		t.Errorf("after forgetting version 4: %s", got)
	}
	save(ada, 6, nil)
	if got := read(ada); got != "none" {
		t.Errorf("after forgetting version 6: %s", got)
	}
	if err := s.SetDisabled(ctx, bob.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := read(bob); got != "none" {
		t.Errorf("a disabled account's model: %s, want none", got)
	}
}

// testSubscriptionForYou: the choice of a For-you section is kept, and
// changed, with the subscription.
func testSubscriptionForYou(t *testing.T, s store.Store) {
	ctx := t.Context()
	ada := newAccount(t, s, "ada")
	sub, added, err := s.Subscribe(ctx, store.Subscription{Email: "ada@example.org", UserID: ada.ID, Frequency: store.Weekly, ForYou: true})
	if err != nil || !added {
		t.Fatalf("Subscribe: %v, added %v", err, added)
	}
	if !sub.ForYou {
		t.Errorf("Subscribe returned %+v, want ForYou", sub)
	}
	sub.ForYou = false
	if err := s.UpdateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SubscriptionByID(ctx, sub.ID); err != nil || got.ForYou {
		t.Errorf("after turning it off: %+v, %v", got, err)
	}
	sub.ForYou = true
	if err := s.UpdateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SubscriptionByEmail(ctx, "ADA@example.org"); err != nil || !got.ForYou {
		t.Errorf("after turning it on: %+v, %v", got, err)
	}
	// Subscribing again after unsubscribing takes the new choice.
	if err := s.Unsubscribe(ctx, sub.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if again, _, err := s.Subscribe(ctx, store.Subscription{Email: "ada@example.org", Frequency: store.Daily}); err != nil || again.ForYou {
		t.Errorf("subscribed again without it: %+v, %v", again, err)
	}
}
