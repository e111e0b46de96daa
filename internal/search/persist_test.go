package search

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

func persistStore(t *testing.T, recs ...store.Record) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db", "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	importRecs(t, st, recs...)
	return st
}

func importRecs(t *testing.T, st store.Store, recs ...store.Record) {
	t.Helper()
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
}

func rec(id, title, abstract string) store.Record {
	return store.Record{Paper: paper.Paper{ID: paper.ID(id), Title: title, Abstract: abstract,
		Categories: []string{"cs.CL"}, Published: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), AsOf: time.Now()}}
}

func ids(t *testing.T, s *Service, q string) []paper.ID {
	t.Helper()
	_, res, err := s.Search(context.Background(), q, Lexical, 10, 0)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res.IDs()
}

func TestSnapshotRoundTripAndCatchUp(t *testing.T) {
	ctx := context.Background()
	st := persistStore(t,
		rec("2501.00001", "Sparse attention for long documents", "We study sparse attention."),
		rec("2501.00002", "Graph networks for molecules", "Message passing on molecular graphs."),
		rec("2501.00003", "Attention in graph networks", "Graph attention layers."))
	path := filepath.Join(t.TempDir(), "search.idx")

	first := NewService(st, nil)
	built, err := first.Open(ctx, path, nil)
	if err != nil || !built {
		t.Fatalf("first Open: built %v, %v; want a build", built, err)
	}
	want := ids(t, first, "graph attention")
	if len(want) != 3 {
		t.Fatalf("graph attention found %v", want)
	}

	// Papers stored while no server ran are caught up with after loading.
	importRecs(t, st, rec("2501.00004", "Graph attention at scale", "Attention over huge graphs."),
		rec("2501.00001", "Dense retrieval for long documents", "We study retrieval."))
	second := NewService(st, nil)
	built, err = second.Open(ctx, path, nil)
	if err != nil || built {
		t.Fatalf("second Open: built %v, %v; want the snapshot loaded", built, err)
	}
	if second.Len() != 4 {
		t.Errorf("Len after catching up = %d, want 4", second.Len())
	}
	if got := ids(t, second, "sparse"); len(got) != 0 {
		t.Errorf("the old title of an updated paper still matches: %v", got)
	}
	if got := ids(t, second, "dense retrieval"); !slices.Equal(got, []paper.ID{"2501.00001"}) {
		t.Errorf("the new title does not match: %v", got)
	}
	// One paper was rewritten since the snapshot, so a fifth of the document
	// numbers are dead and catching up compacted the index: it now ranks as
	// a fresh build of the same store.
	fresh := NewService(st, nil)
	if err := fresh.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"graph attention", "attention", "molecules graph", "long documents"} {
		if a, b := ids(t, second, q), ids(t, fresh, q); !slices.Equal(a, b) {
			t.Errorf("%q: loaded %v, fresh build %v", q, a, b)
		}
	}
}

func TestUnusableSnapshotsAreRebuilt(t *testing.T) {
	ctx := context.Background()
	st := persistStore(t, rec("2501.00001", "Sparse attention", "Abstract."), rec("2501.00002", "Graph networks", "Abstract."))
	dir := t.TempDir()
	path := filepath.Join(dir, "search.idx")
	svc := NewService(st, nil)
	if _, err := svc.Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     {},
		"garbage":   []byte("not an index at all"),
		"truncated": good[:len(good)/2],
		"bit flip":  append(append([]byte{}, good[:len(good)-10]...), append([]byte{good[len(good)-10] ^ 0x40}, good[len(good)-9:]...)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := NewService(st, nil).Load(ctx, path)
			if !errors.Is(err, ErrNoSnapshot) {
				t.Fatalf("Load = %v, want ErrNoSnapshot", err)
			}
			s := NewService(st, nil)
			built, err := s.Open(ctx, path, nil)
			if err != nil || !built || s.Len() != 2 {
				t.Errorf("Open: built %v, len %d, %v; want a rebuild of 2 papers", built, s.Len(), err)
			}
		})
	}
	// A snapshot of another, busier database is not used for this one.
	other := persistStore(t, rec("2502.00001", "A", "x"))
	importRecs(t, other, rec("2502.00002", "B", "y"))
	importRecs(t, other, rec("2502.00003", "C", "z"))
	otherPath := filepath.Join(dir, "other.idx")
	if _, err := NewService(other, nil).Open(ctx, otherPath, nil); err != nil {
		t.Fatal(err)
	}
	if err := NewService(st, nil).Load(ctx, otherPath); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("loading another database's snapshot: %v, want ErrNoSnapshot", err)
	}
}

// A snapshot goes into a directory that does not exist yet: with
// PostgreSQL (--db) no SQLite file has made the data directory.
func TestSaveMakesTheDirectory(t *testing.T) {
	st := persistStore(t, rec("2501.00001", "Sparse attention", "Abstract."))
	path := filepath.Join(t.TempDir(), "not", "yet", "search.idx")
	if _, err := NewService(st, nil).Open(context.Background(), path, nil); err != nil {
		t.Fatalf("Open into a missing directory: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

// TestHoldSnapshotTemp is not a test: TestStaleTempsAreRemoved runs the
// test binary with DAILYPAPERS_HOLD_TEMP set, as a writer of a snapshot
// that creates and locks its temporary file and is then killed.
func TestHoldSnapshotTemp(t *testing.T) {
	dir := os.Getenv("DAILYPAPERS_HOLD_TEMP")
	if dir == "" {
		t.Skip("a helper process of TestStaleTempsAreRemoved")
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		t.Fatal(err)
	}
	if err := lockFile(f); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked " + f.Name() + "\n")
	time.Sleep(time.Minute) // killed long before
}

// A snapshot writer killed half-way leaves its temporary file; the next
// start removes it, but not the file of a writer still at work (another
// process sharing the data directory), nor one just created.
func TestStaleTempsAreRemoved(t *testing.T) {
	if !canLock {
		t.Skip("no file locks on this system: stale files are told by age alone")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "search.idx")
	old := time.Now().Add(-time.Hour)

	// A writer that was killed: a real process, locked, then SIGKILLed.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldSnapshotTemp$")
	cmd.Env = append(os.Environ(), "DAILYPAPERS_HOLD_TEMP="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("the helper did not lock a file: %v", err)
	}
	killed := strings.TrimSpace(strings.TrimPrefix(line, "locked "))
	cmd.Process.Kill() // SIGKILL: no deferred removal runs
	cmd.Wait()

	// A writer at work: its file is locked through another open file.
	live, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := lockFile(live); err != nil {
		t.Fatal(err)
	}
	// Not locked but just created: its writer may be about to lock it.
	fresh, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		t.Fatal(err)
	}
	fresh.Close()
	// Not ours at all.
	other := filepath.Join(dir, "search-notes.tmp")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{killed, live.Name(), other} {
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
	}

	st := persistStore(t, rec("2501.00001", "Sparse attention", "Abstract."))
	if _, err := NewService(st, nil).Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(killed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed writer's %s is still there (%v)", filepath.Base(killed), err)
	}
	for _, name := range []string{live.Name(), fresh.Name(), other} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(name), err)
		}
	}
	// The snapshot itself was written and renamed into place.
	if _, err := NewService(st, nil).Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, tempPattern)); len(left) != 2 {
		t.Errorf("temporary files left: %v, want the live and the fresh one", left)
	}
}
