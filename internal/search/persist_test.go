package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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
