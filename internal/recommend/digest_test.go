package recommend

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// TestDigestRanksByTheKeptModel: a training keeps the reader's model in
// the store, and another process's digest ranks the period by it without
// training: much as the page does, with the page's reasons.
func TestDigestRanksByTheKeptModel(t *testing.T) {
	svc, st, path := demoSite(t)
	ctx := context.Background()
	ada := account(t, st, "ada")
	for _, p := range titled(t, st, "diffusion", 6) {
		if err := st.SavePaper(ctx, ada.ID, p.ID, time.Time{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	page, err := rankSettled(t, svc, ada, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := st.ReaderModel(ctx, ada.ID)
	if err != nil {
		t.Fatalf("no model kept after the training: %v", err)
	}
	t.Logf("kept model of 6 signals: %d bytes", len(kept.Data))

	// Another process: its own store and features, no training.
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d := NewDigest(other, svc.ix)
	c, err := d.Candidates(ctx, page.From, page.To)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Rank(ctx, ada, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.None || got.Stale || got.Paused || len(got.Papers) != 10 {
		t.Fatalf("digest ranking: none %v, stale %v, paused %v, %d papers", got.None, got.Stale, got.Paused, len(got.Papers))
	}
	onPage := map[string]bool{}
	for _, r := range page.Papers {
		onPage[string(r.Item.Paper.ID)] = true
	}
	same, saved := 0, 0
	for _, r := range got.Papers {
		if onPage[string(r.Item.Paper.ID)] {
			same++
		}
		if strings.Contains(r.Reason, "you saved") {
			saved++
		}
	}
	// The kept model is a compact copy: most of the page's top ten, not
	// all in its order.
	if same < 7 || saved < 5 {
		t.Errorf("digest's top 10: %d on the page's top 10 (want 7 or more), %d name a saved paper (want 5 or more)\npage   %s\ndigest %v",
			same, saved, ids(page), reasons(Result{Papers: got.Papers}))
	}
	for _, r := range got.Papers {
		if strings.Contains(strings.ToLower(r.Item.Paper.Title), "diffusion") && r.Reason == "" {
			t.Errorf("%s without a reason", r.Item.Paper.ID)
		}
	}

	// A new signal leaves the kept model stale until the next training.
	if _, err := st.Vote(ctx, ada.ID, got.Papers[0].Item.Paper.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, ada, 10); err != nil || !got.Stale || len(got.Papers) != 10 {
		t.Errorf("after a new signal: stale %v, %d papers, %v", got.Stale, len(got.Papers), err)
	}
}

// TestDigestScoreIsModelScore: the digest's shared scoring (postings and
// a matrix product) gives Model.Score's scores for the same model.
func TestDigestScoreIsModelScore(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	bo := account(t, st, "bo")
	for _, p := range titled(t, st, "language model", 40) {
		if _, err := st.Vote(ctx, bo.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range titled(t, st, "robot", 3) {
		if err := st.AddSignal(ctx, bo.ID, store.Signal{Kind: store.SignalNotInterested, Paper: p.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Follow(ctx, store.Follow{UserID: bo.ID, Kind: store.FollowCategory, Target: "cs.CL"}, 0); err != nil {
		t.Fatal(err)
	}
	page, err := rankSettled(t, svc, bo, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := st.ReaderModel(ctx, bo.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewDigest(st, svc.ix).Candidates(ctx, page.From, page.To)
	if err != nil {
		t.Fatal(err)
	}
	km, err := decodeModel(kept.Data, c.feats, c.terms, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(km.model.protos) != maxProtos || len(km.model.anti) != 3 {
		t.Fatalf("decoded %d interests and %d disliked, want %d and 3", len(km.model.protos), len(km.model.anti), maxProtos)
	}
	want := km.model.Score(c.items)
	got := c.score(km.model, &scoreScratch{})
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-4 {
			t.Fatalf("paper %d: score %.6f, Model.Score %.6f", i, got[i], want[i])
		}
	}
}

// TestDigestWithoutAModel: no signals, signals not yet trained on, a
// pause, a disabled account and a damaged model each say so.
func TestDigestWithoutAModel(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	c, err := NewDigest(st, svc.ix).Candidates(ctx, "2026-07-23", "2026-08-21")
	if err != nil {
		t.Fatal(err)
	}
	cy := account(t, st, "cy")
	if got, err := c.Rank(ctx, cy, 10); err != nil || !got.None || got.Preparing || len(got.Papers) != 0 {
		t.Errorf("no signals: %+v, %v", got, err)
	}
	if err := st.AddSignal(ctx, cy.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL"}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, cy, 10); err != nil || !got.None || !got.Preparing {
		t.Errorf("signals and no model yet: %+v, %v", got, err)
	}
	if err := st.SaveReaderModel(ctx, cy.ID, store.StoredModel{Version: 1, Data: []byte("DPM\x01\x00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rank(ctx, cy, 10); !errors.Is(err, ErrBadModel) {
		t.Errorf("a damaged model: %v, want ErrBadModel", err)
	}
	if err := st.SetReaderPaused(ctx, cy.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, cy, 10); err != nil || !got.Paused {
		t.Errorf("paused: %+v, %v", got, err)
	}
	cy.DisabledAt = time.Now()
	if _, err := c.Rank(ctx, cy, 10); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v, want ErrDisabled", err)
	}
}

// TestDigestAsksForMissingModels: a reader whose signals nothing trained
// on (upvotes given where no For-you page was read) gets the "being
// prepared" note once, and the digest asks the site's service for the
// model, which the next digest ranks by; a stale model is trained again.
func TestDigestAsksForMissingModels(t *testing.T) {
	svc, st, _ := demoSite(t)
	ctx := context.Background()
	dee := account(t, st, "dee")
	liked := titled(t, st, "diffusion", 6)
	for _, p := range liked[:5] {
		if _, err := st.Vote(ctx, dee.ID, p.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	c, err := NewDigest(st, svc.ix).TrainWith(svc).Candidates(ctx, "2026-07-23", "2026-08-21")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, dee, 10); err != nil || !got.Preparing {
		t.Fatalf("first digest: %+v, %v; want the model being prepared", got, err)
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := svc.WaitIdle(wait); err != nil {
		t.Fatal(err)
	}
	got, err := c.Rank(ctx, dee, 10)
	if err != nil || got.None || got.Stale || len(got.Papers) != 10 {
		t.Fatalf("next digest: none %v, stale %v, %d papers, %v", got.None, got.Stale, len(got.Papers), err)
	}
	if _, err := st.Vote(ctx, dee.ID, liked[5].ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, dee, 10); err != nil || !got.Stale {
		t.Fatalf("after a new upvote: stale %v, %v", got.Stale, err)
	}
	if err := svc.WaitIdle(wait); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Rank(ctx, dee, 10); err != nil || got.Stale {
		t.Errorf("after the training it asked for: stale %v, %v", got.Stale, err)
	}
}

// topInto keeps the first k of rankItems' order, ties included.
func TestTopInto(t *testing.T) {
	for _, scores := range [][]float64{
		nil,
		{1},
		{3, 1, 2},
		{1, 1, 1, 1},
		{0.5, 2, 2, 0.1, 3, 2, -1, 3, 0.5},
	} {
		all := rankItems(scores)
		for k := range len(scores) + 2 {
			got := topInto(nil, scores, k)
			want := all[:min(k, len(all))]
			if !slices.Equal(got, want) {
				t.Errorf("topInto(%v, %d) = %v, want %v", scores, k, got, want)
			}
		}
	}
}
