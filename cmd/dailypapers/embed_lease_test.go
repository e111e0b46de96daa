package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// countingEmbedder counts the texts it embeds, into vectors made from
// their hash.
type countingEmbedder struct{ texts *atomic.Int64 }

func (e countingEmbedder) Name() string { return "counting-test" }
func (e countingEmbedder) Dim() int     { return 4 }
func (e countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New32a()
		h.Write([]byte(t))
		x := h.Sum32()
		out[i] = []float32{float32(x & 0xff), float32(x >> 8 & 0xff), float32(x >> 16 & 0xff), 1}
	}
	return out, nil
}

// Two processes on one database embed each new paper once between them:
// the holder of the "embed" lease embeds, the other's semantic index
// follows the stored vectors; when the holder stops, the other takes the
// job over and embeds what comes next.
func TestOneEmbedderAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	var texts atomic.Int64
	type proc struct {
		st   *sqlite.Store
		idx  *search.Service
		stop context.CancelFunc
		done chan struct{}
	}
	start := func() *proc {
		st, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		idx := search.NewService(st, nil)
		idx.UseEmbedder(countingEmbedder{&texts})
		if err := idx.Build(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(t.Context())
		p := &proc{st: st, idx: idx, stop: stop, done: make(chan struct{})}
		go idx.Follow(ctx, 20*time.Millisecond)
		go func() {
			defer close(p.done)
			followEmbedding(ctx, st, idx, 50*time.Millisecond)
		}()
		return p
	}
	// a starts first and takes the lease; b starts once it has.
	a := start()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ls, err := a.st.Leases(t.Context()); err == nil && len(ls) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first process took no lease")
		}
	}
	b := start()
	t.Cleanup(func() {
		a.stop()
		b.stop()
		<-a.done
		<-b.done
	})

	imp := func(from, n int) {
		t.Helper()
		recs := make([]store.Record, n)
		for i := range recs {
			recs[i] = store.Record{Paper: paper.Paper{ID: paper.ID(fmt.Sprintf("2601.%05d", from+i)),
				Title: fmt.Sprintf("Paper %d", from+i), Abstract: fmt.Sprintf("The abstract of paper %d.", from+i)}}
		}
		im, err := a.st.BeginImport(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Write(t.Context(), recs); err != nil {
			t.Fatal(err)
		}
		if err := im.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// Both indexes hold a vector of every paper: one process embedded it.
	waitVectors := func(what string, want int, ps ...*proc) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for _, p := range ps {
			for p.idx.Vectors() == nil || p.idx.Vectors().Len() < want {
				if time.Now().After(deadline) {
					t.Fatalf("%s: an index holds %v vectors, want %d", what, p.idx.Vectors(), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	imp(0, 300)
	waitVectors("first import", 300, a, b)
	time.Sleep(300 * time.Millisecond) // six lease intervals more: no second embedding
	if n := texts.Load(); n != 300 {
		t.Errorf("300 papers were embedded %d times between two processes", n)
	}

	// The holder stops (releasing the lease); the other embeds the next import.
	a.stop()
	<-a.done
	imp(300, 100)
	waitVectors("after the first process stopped", 400, b)
	if n := texts.Load(); n != 400 {
		t.Errorf("400 papers were embedded %d times", n)
	}
}
