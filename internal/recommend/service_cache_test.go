package recommend

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// slowWindows is the demo's store with a window read that waits for
// gate, as reading a month of a large catalogue takes seconds.
type slowWindows struct {
	*sqlite.Store
	gate chan struct{}
}

func (s slowWindows) WindowPapers(ctx context.Context, from, to string, limit int) ([]paper.Paper, error) {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.WindowPapers(ctx, from, to, limit)
}

// TestRankDoesNotWaitForTheWindows: the windows' papers are read in the
// background from the start; a request meanwhile is answered at once,
// as being prepared, and the ranking is there once they are read.
func TestRankDoesNotWaitForTheWindows(t *testing.T) {
	_, st, _ := demoSite(t)
	ctx := context.Background()
	ix := search.NewService(st, slog.New(slog.DiscardHandler))
	if err := ix.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	svc := NewService(slowWindows{st, gate}, ix, slog.New(slog.DiscardHandler), nil)
	t.Cleanup(svc.Close)
	fay := account(t, st, "fay")
	for _, p := range titled(t, st, "diffusion", 5) {
		if _, err := st.Vote(ctx, fay.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	// A request that waited for the windows would end with its context.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, days := range Windows {
		res, err := svc.Rank(rctx, fay, days, 0, 10)
		if err != nil || !res.Cold || !res.Preparing || len(res.Papers) != 0 {
			t.Fatalf("%d days, the windows not read yet: %+v, %v; want it being prepared, at once", days, res, err)
		}
	}
	close(gate)
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	// The training, which waited for the windows, ranked each of them.
	for _, days := range Windows {
		res, err := svc.Rank(ctx, fay, days, 0, 10)
		if err != nil || res.Cold || res.Stale {
			t.Errorf("%d days, once read: cold %v, stale %v, %v", days, res.Cold, res.Stale, err)
		}
	}
}

// TestRankPagesWhatTheJobMade: a request pages the ranking its model's
// job made, with the reasons it made (the top of each window's) or the
// first request of a page made, never again; a card's signal takes its
// paper out of that ranking.
func TestRankPagesWhatTheJobMade(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	gus := account(t, st, "gus")
	for _, p := range titled(t, st, "diffusion", 5) {
		if _, err := st.Vote(ctx, gus.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rankSettled(t, svc, gus, 30, 0, 10); err != nil {
		t.Fatal(err)
	}
	r := svc.readerEntry(gus.ID)
	r.mu.Lock()
	for _, days := range Windows {
		rk := r.ranks[days]
		if rk == nil {
			t.Fatalf("no ranking of the %d-day window after the training", days)
		}
		if want := min(reasonsAhead, len(rk.order)); len(rk.reasons) != want {
			t.Errorf("%d days: %d reasons made by the training, want %d", days, len(rk.reasons), want)
		}
	}
	rk := r.ranks[30]
	// The narrower windows take their papers in the widest's order.
	for _, days := range Windows[:len(Windows)-1] {
		n := r.ranks[days]
		var want []paper.ID
		for _, i := range rk.order {
			if id := rk.w.papers[i].Paper.ID; slices.ContainsFunc(n.w.papers, func(p store.FeedItem) bool { return p.Paper.ID == id }) {
				want = append(want, id)
			}
		}
		var got []paper.ID
		for _, i := range n.order {
			got = append(got, n.w.papers[i].Paper.ID)
		}
		if !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("%d days: %d papers, not the %d of the widest window's order that are in it", days, len(got), len(want))
		}
	}
	r.mu.Unlock()

	page2, err := svc.Rank(ctx, gus, 30, 20, 20)
	if err != nil || len(page2.Papers) != 20 {
		t.Fatalf("page 2: %d papers, %v", len(page2.Papers), err)
	}
	r.mu.Lock()
	if len(rk.reasons) != reasonsAhead+20 {
		t.Errorf("after page 2, %d reasons kept, want %d", len(rk.reasons), reasonsAhead+20)
	}
	// What is kept is what is served: mark two reasons, one the
	// training made and one page 2 made.
	rk.reasons[rk.order[0]] = "kept 1"
	rk.reasons[rk.order[20]] = "kept 21"
	r.mu.Unlock()
	one, err := svc.Rank(ctx, gus, 30, 0, 20)
	if err != nil || one.Papers[0].Reason != "kept 1" {
		t.Errorf("page 1's first reason %q, %v; want the kept one", one.Papers[0].Reason, err)
	}
	two, err := svc.Rank(ctx, gus, 30, 20, 20)
	if err != nil || two.Papers[0].Reason != "kept 21" {
		t.Errorf("page 2's first reason %q, %v; want the kept one", two.Papers[0].Reason, err)
	}

	// A card's signal: the paper leaves the same ranking, not scored again.
	top := one.Papers[1].Item.Paper.ID
	if err := st.AddSignal(ctx, gus.ID, store.Signal{Kind: store.SignalNotInterested, Paper: top}); err != nil {
		t.Fatal(err)
	}
	svc.Signalled(gus.ID, store.Signal{Kind: store.SignalNotInterested, Paper: top}, true)
	now, err := svc.Rank(ctx, gus, 30, 0, 20)
	if err != nil || now.Total != one.Total-1 || now.Papers[0].Reason != "kept 1" || now.Papers[1].Item.Paper.ID == top {
		t.Errorf("after Not interested: %d of %d, first reason %q, second %s; want %s gone from the same ranking",
			now.Total, one.Total, now.Papers[0].Reason, now.Papers[1].Item.Paper.ID, top)
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRankWindowReadAgain: reading the windows again keeps the features
// of the papers that did not change and makes those of a changed one
// anew; a reader's next request is served the ranking they had while a
// job ranks the new window, and the one after pages the new.
func TestRankWindowReadAgain(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	hal := account(t, st, "hal")
	for _, p := range titled(t, st, "diffusion", 5) {
		if _, err := st.Vote(ctx, hal.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	before, err := rankSettled(t, svc, hal, 30, 0, 10)
	if err != nil || before.Cold {
		t.Fatalf("%+v, %v", before, err)
	}
	svc.mu.Lock()
	old := svc.windows[30]
	svc.mu.Unlock()

	// A paper of the window changes its abstract.
	changed := old.papers[len(old.papers)-1].Paper
	changed.Abstract += " We also release the code."
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(ctx, []store.Record{{Paper: changed}}); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := svc.loadWindows(ctx); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	w := svc.windows[30]
	svc.mu.Unlock()
	if w == old || len(w.items) != len(old.items) {
		t.Fatalf("read again: the same window %v, %d papers, were %d", w == old, len(w.items), len(old.items))
	}
	kept := 0
	for i, p := range old.papers {
		j, ok := w.index[p.Paper.ID]
		switch {
		case !ok:
			t.Errorf("%s left the window", p.Paper.ID)
		case p.Paper.ID == changed.ID && w.items[j] == old.items[i]:
			t.Errorf("the changed paper %s kept its old features", p.Paper.ID)
		case p.Paper.ID != changed.ID && w.items[j] == old.items[i]:
			kept++
		}
	}
	if kept != len(old.items)-1 {
		t.Errorf("%d papers kept their features, want all %d unchanged", kept, len(old.items)-1)
	}

	stale, err := svc.Rank(ctx, hal, 30, 0, 10)
	if err != nil || ids(stale) != ids(before) {
		t.Errorf("the request after: %s, %v; want the ranking before, %s", ids(stale), err, ids(before))
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	r := svc.readerEntry(hal.ID)
	r.mu.Lock()
	for _, days := range Windows {
		if rk := r.ranks[days]; rk == nil || rk.w != svc.windows[days] {
			t.Errorf("%d days: not ranked again in the window read again", days)
		}
	}
	r.mu.Unlock()
}
