package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// blockedFor is how long a writer that should wait for another is given to
// (wrongly) get through.
const blockedFor = 300 * time.Millisecond

// follower reads the change feed as the search index does: from its
// cursor on, remembering what it saw.
type follower struct {
	s      store.Store
	cursor store.Cursor
	seen   []store.ChangedPaper
}

// poll reads every change after the cursor and returns the ids read.
func (f *follower) poll(t *testing.T) []paper.ID {
	t.Helper()
	var ids []paper.ID
	for {
		cs, err := f.s.ChangedPapers(context.Background(), f.cursor, 100)
		if err != nil {
			t.Fatalf("ChangedPapers: %v", err)
		}
		for _, c := range cs {
			if !f.cursor.Less(c.Cursor) {
				t.Fatalf("ChangedPapers went back: %+v after %+v", c.Cursor, f.cursor)
			}
			f.cursor = c.Cursor
			f.seen = append(f.seen, c)
			ids = append(ids, c.Paper.ID)
		}
		if len(cs) < 100 {
			return ids
		}
	}
}

func beginWrite(t *testing.T, s store.Store, id paper.ID) store.Import {
	t.Helper()
	im, err := s.BeginImport(t.Context())
	if err != nil {
		t.Fatalf("BeginImport: %v", err)
	}
	if _, err := im.Write(t.Context(), []store.Record{{Paper: paper.Paper{ID: id, Title: string(id)}}}); err != nil {
		im.Rollback()
		t.Fatalf("Write %s: %v", id, err)
	}
	return im
}

func wantIDs(t *testing.T, what string, got []paper.ID, want ...paper.ID) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: ChangedPapers read %v, want %v", what, got, want)
	}
}

// An import that has written holds the version until it ends: a second
// import's first write waits for it and takes the next version, so a
// reader that has passed the first one's change still reads the second's
// when it commits.
func TestChangedPapersImportWaitsForImport(t *testing.T) {
	s := openFresh(t)
	f := &follower{s: s}
	beginWrite(t, s, "2601.00000").Commit()
	wantIDs(t, "seed", f.poll(t), "2601.00000")

	a := beginWrite(t, s, "2601.00001")
	defer a.Rollback()

	begun := make(chan store.Import, 1)
	commit, abort := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		b, err := s.BeginImport(context.Background())
		if err != nil {
			done <- err
			return
		}
		defer b.Rollback()
		if _, err := b.Write(context.Background(), []store.Record{{Paper: paper.Paper{ID: "2601.00002", Title: "B"}}}); err != nil {
			done <- err
			return
		}
		begun <- b
		select {
		case <-commit:
			done <- b.Commit()
		case <-abort:
		}
	}()
	// A failing test still ends B (after A, deferred below) before its
	// schema is dropped.
	t.Cleanup(func() {
		close(abort)
		<-exited
	})
	select {
	case <-begun:
		t.Fatal("a second import wrote while the first was open")
	case err := <-done:
		t.Fatalf("second import: %v", err)
	case <-time.After(blockedFor):
	}
	wantIDs(t, "while A is open", f.poll(t))

	if err := a.Commit(); err != nil {
		t.Fatalf("commit A: %v", err)
	}
	select {
	case <-begun:
	case err := <-done:
		t.Fatalf("second import: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the second import did not write once the first committed")
	}
	// B has written but not committed: the reader passes A's change...
	wantIDs(t, "A committed, B open", f.poll(t), "2601.00001")
	close(commit)
	if err := <-done; err != nil {
		t.Fatalf("commit B: %v", err)
	}
	// ...and still reads B's, which took a later version.
	wantIDs(t, "both committed", f.poll(t), "2601.00002")
	wantVersionOrder(t, f.seen)
}

// A submission (any write that takes a version) waits for an open import
// in the same way.
func TestChangedPapersSubmitWaitsForImport(t *testing.T) {
	s := openFresh(t)
	f := &follower{s: s}
	acc, err := s.CreateAccount(t.Context(), store.Account{User: store.User{Username: "ada"}, Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	v0, err := s.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	a := beginWrite(t, s, "2601.00011")
	defer a.Rollback()
	done := make(chan error, 1)
	go func() {
		_, err := s.Submit(context.Background(), store.NewSubmission{UserID: acc.ID,
			Paper: paper.Paper{ID: "2601.00012", Title: "Submitted"}, Day: "2026-01-02", At: time.Now()})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Submit got through an open import: %v", err)
	case <-time.After(blockedFor):
	}
	wantIDs(t, "while the import is open", f.poll(t))
	if v, err := s.Version(t.Context()); err != nil || v != v0 {
		t.Errorf("Version while both are open = %d, %v; want %d", v, err, v0)
	}

	if err := a.Commit(); err != nil {
		t.Fatalf("commit import: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Submit: %v", err)
	}
	wantIDs(t, "both committed", f.poll(t), "2601.00011", "2601.00012")
	wantVersionOrder(t, f.seen)
	if v, err := s.Version(t.Context()); err != nil || v != v0+2 {
		t.Errorf("Version after both = %d, %v; want %d", v, err, v0+2)
	}
}

// Many writers at once, a reader following the change feed throughout:
// each paper is written once, so a change the reader skipped would be a
// paper it never reads.
func TestChangedPapersConcurrentWriters(t *testing.T) {
	s := openFresh(t)
	const writers, each = 8, 15
	f := &follower{s: s}
	stop := make(chan struct{})
	readerDone := make(chan struct{})
	read := map[paper.ID]bool{}
	go func() {
		defer close(readerDone)
		for {
			for _, id := range f.poll(t) {
				read[id] = true
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := paper.ID(fmt.Sprintf("2601.%02d%03d", w, i))
				im, err := s.BeginImport(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if _, err := im.Write(context.Background(), []store.Record{{Paper: paper.Paper{ID: id, Title: "C"}}}); err != nil {
					im.Rollback()
					errs <- err
					return
				}
				time.Sleep(time.Duration(i%3) * time.Millisecond) // hold the version a while
				if err := im.Commit(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-readerDone
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range f.poll(t) {
		read[id] = true
	}
	for w := range writers {
		for i := range each {
			if id := paper.ID(fmt.Sprintf("2601.%02d%03d", w, i)); !read[id] {
				t.Errorf("the reader never read %s", id)
			}
		}
	}
	if len(f.seen) != writers*each {
		t.Errorf("the reader read %d changes, want %d", len(f.seen), writers*each)
	}
	wantVersionOrder(t, f.seen)
}

// wantVersionOrder checks that changes were read in increasing versions,
// each paper in its own.
func wantVersionOrder(t *testing.T, seen []store.ChangedPaper) {
	t.Helper()
	for i := 1; i < len(seen); i++ {
		if seen[i].Cursor.Rev <= seen[i-1].Cursor.Rev {
			t.Errorf("%s read at rev %d after %s at rev %d", seen[i].Paper.ID, seen[i].Cursor.Rev,
				seen[i-1].Paper.ID, seen[i-1].Cursor.Rev)
		}
	}
}
