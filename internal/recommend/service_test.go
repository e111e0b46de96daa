package recommend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// demoSite is the demo papers in a fresh SQLite file with a built search
// index, and a For-you service over them; path is the database's file.
func demoSite(t testing.TB) (*Service, *sqlite.Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	return serviceOver(t, st), st, path
}

func serviceOver(t testing.TB, st *sqlite.Store) *Service {
	t.Helper()
	ix := search.NewService(st, slog.New(slog.DiscardHandler))
	if err := ix.Build(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	svc := NewService(st, ix, slog.New(slog.DiscardHandler), nil)
	t.Cleanup(svc.Close)
	return svc
}

func account(t testing.TB, st store.Store, name string) store.Account {
	t.Helper()
	a, err := st.CreateAccount(context.Background(), store.Account{User: store.User{Username: name}, Email: name + "@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// search finds demo papers whose titles hold a word.
func titled(t testing.TB, st store.Store, word string, n int) []paper.Paper {
	t.Helper()
	var out []paper.Paper
	var cur store.PaperCursor
	for len(out) < n {
		ps, next, err := st.LatestPapers(context.Background(), cur, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if strings.Contains(strings.ToLower(p.Title), word) && len(out) < n {
				out = append(out, p)
			}
		}
		if next == (store.PaperCursor{}) {
			break
		}
		cur = next
	}
	if len(out) < n {
		t.Fatalf("only %d demo papers with %q in the title", len(out), word)
	}
	return out
}

func TestRankColdAndCategories(t *testing.T) {
	_, st, _ := demoSite(t)
	ctx := context.Background()
	// Robotics papers among the demo's (whose last days have few
	// categories: the HF feed gives none).
	const cat = "cs.RO"
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		p := paper.Paper{ID: paper.ID(fmt.Sprintf("2608.9990%d", i)), Title: fmt.Sprintf("Robot arm %d", i),
			Abstract: "A legged robot learns to walk.", Categories: []string{cat}, Published: time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)}
		if _, err := im.Write(ctx, []store.Record{{Paper: p}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	ada := account(t, st, "ada")
	svc := serviceOver(t, st)
	// The windows' papers are read in the background from the start.
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Rank(ctx, ada, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cold || len(res.Papers) != 0 || res.Total == 0 {
		t.Fatalf("a reader without signals: cold %v, %d papers of %d; want cold, none, a window", res.Cold, len(res.Papers), res.Total)
	}
	if err := st.AddSignal(ctx, ada.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: cat}); err != nil {
		t.Fatal(err)
	}
	res, err = rankSettled(t, svc, ada, 30, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cold || len(res.Papers) != 5 {
		t.Fatalf("after picking a category: cold %v, %d papers", res.Cold, len(res.Papers))
	}
	for _, r := range res.Papers {
		if !slices.Contains(r.Item.Paper.Categories, cat) || r.Reason != "in "+cat+", which you follow" {
			t.Errorf("%s %v: reason %q", r.Item.Paper.ID, r.Item.Paper.Categories, r.Reason)
		}
	}
}

func TestRankLearnsFromSignals(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	bob := account(t, st, "bob")
	liked := titled(t, st, "diffusion", 6)
	for _, p := range liked[:5] {
		if _, err := st.Vote(ctx, bob.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	res, err := rankSettled(t, svc, bob, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cold || res.Signals != 5 {
		t.Fatalf("cold %v, %d signals", res.Cold, res.Signals)
	}
	diffusion, named := 0, 0
	for _, r := range res.Papers {
		text := strings.ToLower(r.Item.Paper.Title + " " + r.Item.Paper.Abstract)
		if strings.Contains(text, "diffusion") {
			diffusion++
		}
		if strings.HasPrefix(r.Reason, "like ") {
			named++
		}
	}
	if diffusion < 5 || named < 8 {
		t.Errorf("of the top 10, %d are about diffusion and %d name a liked paper as the reason, want 5 and 8 or more", diffusion, named)
	}
	// Papers the reader upvoted are known to them: not recommended.
	for _, r := range res.Papers {
		for _, p := range liked[:5] {
			if r.Item.Paper.ID == p.ID {
				t.Errorf("upvoted paper %s recommended", p.ID)
			}
		}
	}
	top := res.Papers[0].Item.Paper.ID

	// "Not interested" in the top paper takes it (and its like) down at
	// the next request.
	if err := st.AddSignal(ctx, bob.ID, store.Signal{Kind: store.SignalNotInterested, Paper: top}); err != nil {
		t.Fatal(err)
	}
	res, err = rankSettled(t, svc, bob, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Papers {
		if r.Item.Paper.ID == top {
			t.Errorf("the paper marked Not interested is still at %d", i+1)
		}
	}
	// Undone, it may come back.
	if err := st.RemoveSignal(ctx, bob.ID, store.Signal{Kind: store.SignalNotInterested, Paper: top}); err != nil {
		t.Fatal(err)
	}
	if res, err = rankSettled(t, svc, bob, 30, 0, 10); err != nil || res.Papers[0].Item.Paper.ID != top {
		t.Errorf("after undoing: first %v, %v; want %s back", res.Papers[0].Item.Paper.ID, err, top)
	}
}

// TestRankAcrossProcesses: two services over one database file, as two
// serve processes; a signal through one changes the other's next ranking.
func TestRankAcrossProcesses(t *testing.T) {
	one, st, path := demoSite(t)
	ctx := context.Background()
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	two := serviceOver(t, other)
	cy := account(t, st, "cy")
	if err := st.AddSignal(ctx, cy.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.RO"}); err != nil {
		t.Fatal(err)
	}
	before, err := rankSettled(t, two, cy, 30, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rankSettled(t, one, cy, 30, 0, 5); err != nil {
		t.Fatal(err)
	}
	// Through the other process's store: a different interest.
	for _, p := range titled(t, st, "language model", 4) {
		if err := other.AddSignal(ctx, cy.ID, store.Signal{Kind: store.SignalMoreLikeThis, Paper: p.ID}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := rankSettled(t, one, cy, 30, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	if after.Signals != 5 || ids(after) == ids(before) {
		t.Errorf("the first process did not see the second's signals: %d signals, %s then %s", after.Signals, ids(before), ids(after))
	}
}

// rankSettled ranks as a request does and, when that request started a
// training (its answer was stale or being prepared), waits for it and
// ranks again, as the reader's next request would.
func rankSettled(t *testing.T, svc *Service, a store.Account, days, offset, limit int) (Result, error) {
	t.Helper()
	res, err := svc.Rank(context.Background(), a, days, offset, limit)
	if err != nil || !(res.Stale || res.Preparing) {
		return res, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	return svc.Rank(context.Background(), a, days, offset, limit)
}

// TestRankTrainsInTheBackground: a request after a new signal is served
// by the model the reader had, says so, and starts a training whose
// model the next request ranks by; no request trains.
func TestRankTrainsInTheBackground(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	eve := account(t, st, "eve")
	for _, p := range titled(t, st, "diffusion", 5) {
		if _, err := st.Vote(ctx, eve.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	first, err := svc.Rank(ctx, eve, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Cold || !first.Preparing || len(first.Papers) != 0 {
		t.Fatalf("first request: cold %v, preparing %v, %d papers; want a model being prepared and no papers", first.Cold, first.Preparing, len(first.Papers))
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := svc.Rank(ctx, eve, 30, 0, 10)
	if err != nil || before.Cold || before.Stale || len(before.Papers) != 10 {
		t.Fatalf("after the training: %+v, %v", before, err)
	}
	top := before.Papers[0].Item.Paper.ID

	// Through the store alone, as another process would: this process
	// learns of it from the reader's version.
	if err := st.AddSignal(ctx, eve.ID, store.Signal{Kind: store.SignalNotInterested, Paper: top}); err != nil {
		t.Fatal(err)
	}
	stale, err := svc.Rank(ctx, eve, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !stale.Stale || stale.Cold || ids(stale) != ids(before) || stale.Signals != 5 {
		t.Errorf("the request after a signal: stale %v, cold %v, %d signals, %s; want the old model's ranking %s, marked stale",
			stale.Stale, stale.Cold, stale.Signals, ids(stale), ids(before))
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := svc.Rank(ctx, eve, 30, 0, 10)
	if err != nil || after.Stale || after.Signals != 6 {
		t.Fatalf("after the retraining: stale %v, %d signals, %v", after.Stale, after.Signals, err)
	}
	for i, r := range after.Papers {
		if r.Item.Paper.ID == top {
			t.Errorf("the paper marked Not interested is still at %d", i+1)
		}
	}

	// Through this process: the paper leaves the ranking at once, and
	// the training starts before the next request.
	next := after.Papers[0].Item.Paper.ID
	if err := st.AddSignal(ctx, eve.ID, store.Signal{Kind: store.SignalNotInterested, Paper: next}); err != nil {
		t.Fatal(err)
	}
	svc.Signalled(eve.ID, store.Signal{Kind: store.SignalNotInterested, Paper: next}, true)
	now, err := svc.Rank(ctx, eve, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(now.Papers) == 0 || now.Papers[0].Item.Paper.ID == next {
		t.Errorf("the paper just marked Not interested is still first: %s", ids(now))
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Rank(ctx, eve, 30, 0, 10); err != nil || res.Stale || res.Signals != 7 {
		t.Errorf("after Signalled's training: stale %v, %d signals, %v", res.Stale, res.Signals, err)
	}

	// Closed, the service starts no training and still answers.
	svc.Close()
	if err := st.AddSignal(ctx, eve.ID, store.Signal{Kind: store.SignalMoreLikeThis, Paper: next}); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Rank(ctx, eve, 30, 0, 10); err != nil || !res.Stale || len(res.Papers) == 0 {
		t.Errorf("after Close: stale %v, %d papers, %v", res.Stale, len(res.Papers), err)
	}
	if err := svc.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func ids(r Result) string {
	var s []string
	for _, p := range r.Papers {
		s = append(s, string(p.Item.Paper.ID))
	}
	return strings.Join(s, " ")
}

func TestRankPausedAndDisabled(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	dee := account(t, st, "dee")
	if err := st.AddSignal(ctx, dee.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetReaderPaused(ctx, dee.ID, true); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Rank(ctx, dee, 7, 0, 10)
	if err != nil || !res.Cold || !res.Paused {
		t.Errorf("paused: %+v, %v; want cold and paused", res, err)
	}
	dee.DisabledAt = time.Now()
	if _, err := svc.Rank(ctx, dee, 7, 0, 10); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v, want ErrDisabled", err)
	}
}
