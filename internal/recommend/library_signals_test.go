package recommend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// TestRankLearnsFromTheLibrary: saves, collections and read marks are
// liked papers, named in reasons by what the reader did, and a save
// through another process (its store alone) changes this one's ranking
// at the reader's next requests.
func TestRankLearnsFromTheLibrary(t *testing.T) {
	svc, st, path := demoSite(t)
	ctx := context.Background()
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	fay := account(t, st, "fay")
	liked := titled(t, st, "diffusion", 6)
	for _, p := range liked[:4] {
		if err := st.SavePaper(ctx, fay.ID, p.ID, time.Time{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	res, err := rankSettled(t, svc, fay, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cold || res.Signals != 4 {
		t.Fatalf("after four saves: cold %v, %d signals", res.Cold, res.Signals)
	}
	saved := 0
	for _, r := range res.Papers {
		if strings.Contains(r.Reason, "you saved") {
			saved++
		}
		for _, p := range liked[:4] {
			if r.Item.Paper.ID == p.ID {
				t.Errorf("saved paper %s recommended", p.ID)
			}
		}
	}
	if saved < 5 {
		t.Errorf("%d of the top 10 give a saved paper as the reason, want 5 or more: %v", saved, reasons(res))
	}
	before := ids(res)

	// Another interest, saved through the other process's store.
	for _, p := range titled(t, st, "robot", 6) {
		if err := other.SavePaper(ctx, fay.ID, p.ID, time.Time{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	after, err := rankSettled(t, svc, fay, 30, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if after.Signals != 10 || ids(after) == before {
		t.Errorf("a save through another process: %d signals, ranking %s then %s", after.Signals, before, ids(after))
	}

	// A collection and a read mark count too, with their own words.
	col, err := st.CreateCollection(ctx, store.Collection{Owner: fay.User, Title: "Mine"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCollectionItem(ctx, store.CollectionItem{CollectionID: col.ID, Paper: paper.Paper{ID: liked[4].ID}}, 0); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRead(ctx, fay.ID, liked[5].ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	res, err = rankSettled(t, svc, fay, 30, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signals != 12 {
		t.Errorf("%d signals, want 12", res.Signals)
	}
	for _, r := range res.Papers {
		if r.Item.Paper.ID == liked[4].ID || r.Item.Paper.ID == liked[5].ID {
			t.Errorf("paper %s, collected or read, recommended", r.Item.Paper.ID)
		}
	}
}

// TestRankFollowsFromTheLibrary: an author and an archive followed with
// the follow buttons (the follows table, no kept signal) rank as picked
// ones do, with "whom you follow" and "which you follow".
func TestRankFollowsFromTheLibrary(t *testing.T) {
	_, st, _ := demoSite(t)
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		p := paper.Paper{ID: paper.ID(fmt.Sprintf("2608.9980%d", i)), Title: fmt.Sprintf("Quantum walks %d", i),
			Abstract: "Walks on graphs.", Categories: []string{"quant-ph"}, Authors: []paper.Author{{Name: "Ada Quill"}},
			Published: time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)}
		if _, err := im.Write(ctx, []store.Record{{Paper: p}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		p := paper.Paper{ID: paper.ID(fmt.Sprintf("2608.9970%d", i)), Title: fmt.Sprintf("Galaxy survey %d", i),
			Abstract: "Stars.", Categories: []string{fmt.Sprintf("astro-ph.%s", []string{"GA", "CO"}[i%2])},
			Published: time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)}
		if _, err := im.Write(ctx, []store.Record{{Paper: p}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	gus := account(t, st, "gus")
	svc := serviceOver(t, st)
	if err := st.Follow(ctx, store.Follow{UserID: gus.ID, Kind: store.FollowAuthor, Target: "ada quill", Label: "Ada Quill"}, 0); err != nil {
		t.Fatal(err)
	}
	res, err := rankSettled(t, svc, gus, 30, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cold || len(res.Papers) != 4 {
		t.Fatalf("after following an author: cold %v, %d papers", res.Cold, len(res.Papers))
	}
	for _, r := range res.Papers {
		if !strings.HasPrefix(r.Item.Paper.Title, "Quantum walks") || r.Reason != "by Ada Quill, whom you follow" {
			t.Errorf("%q: reason %q", r.Item.Paper.Title, r.Reason)
		}
	}
	if err := st.Unfollow(ctx, gus.ID, store.FollowAuthor, "ada quill"); err != nil {
		t.Fatal(err)
	}
	if err := st.Follow(ctx, store.Follow{UserID: gus.ID, Kind: store.FollowCategory, Target: "astro-ph"}, 0); err != nil {
		t.Fatal(err)
	}
	res, err = rankSettled(t, svc, gus, 30, 0, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Papers {
		if !slices.ContainsFunc(r.Item.Paper.Categories, func(c string) bool { return strings.HasPrefix(c, "astro-ph.") }) ||
			!strings.HasSuffix(r.Reason, ", which you follow") {
			t.Errorf("following astro-ph: %q %v, reason %q", r.Item.Paper.Title, r.Item.Paper.Categories, r.Reason)
		}
	}
}

func reasons(r Result) []string {
	var out []string
	for _, p := range r.Papers {
		out = append(out, p.Reason)
	}
	return out
}
