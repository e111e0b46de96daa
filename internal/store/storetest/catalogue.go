package storetest

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// testHarvestState: a source never harvested is ErrNotFound; saved states
// read back as saved, and saving again replaces them.
func testHarvestState(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.HarvestState(ctx, "arxiv:cs"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("HarvestState of a new source: %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 3, 2, 4, 5, 6, 7_000_000, time.UTC)
	running := store.HarvestState{Source: "arxiv:cs", From: "2026-03-01", Token: "6960524|1001", Pages: 1, Records: 1000, UpdatedAt: at}
	if err := s.SaveHarvestState(ctx, running); err != nil {
		t.Fatalf("SaveHarvestState: %v", err)
	}
	if err := s.SaveHarvestState(ctx, store.HarvestState{Source: "arxiv:math", Done: "2026-01-01", UpdatedAt: at}); err != nil {
		t.Fatalf("SaveHarvestState: %v", err)
	}
	if got, err := s.HarvestState(ctx, "arxiv:cs"); err != nil || got != running {
		t.Errorf("HarvestState = %+v, %v; want %+v", got, err, running)
	}
	done := store.HarvestState{Source: "arxiv:cs", From: "2026-03-01", Until: "2026-03-02", Done: "2026-03-02", Pages: 3, Records: 2400, UpdatedAt: at.Add(time.Minute)}
	if err := s.SaveHarvestState(ctx, done); err != nil {
		t.Fatalf("SaveHarvestState: %v", err)
	}
	if got, err := s.HarvestState(ctx, "arxiv:cs"); err != nil || got != done {
		t.Errorf("HarvestState after the run = %+v, %v; want %+v", got, err, done)
	}
	if got, err := s.HarvestState(ctx, "arxiv:math"); err != nil || got.Done != "2026-01-01" {
		t.Errorf("the other source = %+v, %v", got, err)
	}
}

// testStars: stale repositories come most relevant first and leave the
// list once checked; counts reach every paper of a repository, keep one
// entry a day, and give the stars gained.
func testStars(t *testing.T, s store.Store) {
	ctx := t.Context()
	const (
		onFeed = "https://github.com/a/on-feed"
		older  = "https://github.com/a/older"
		newer  = "https://github.com/a/newer"
		gone   = "https://github.com/a/gone"
	)
	day := func(d string) time.Time { return ms(d, 0, 0, 0, 0) }
	p := func(id, repo string, published time.Time) paper.Paper {
		return paper.Paper{ID: paper.ID(id), Title: "Paper " + id, GitHubRepo: repo, Published: published}
	}
	write(t, s,
		store.Record{Paper: p("2401.00001", older, day("2024-01-01"))},
		store.Record{Paper: p("2501.00001", newer, day("2025-01-01"))},
		store.Record{Paper: p("2501.00002", newer, day("2025-01-02"))}, // two papers, one repository
		store.Record{Paper: p("2301.00001", onFeed, day("2023-01-01")),
			Submission: &store.Submission{Day: "2025-02-01", SubmittedAt: day("2025-02-01")}},
		store.Record{Paper: p("2402.00001", gone, day("2024-02-01"))},
		store.Record{Paper: p("2402.00002", "", day("2026-02-01"))},
	)
	now := day("2026-03-01")
	stale, err := s.StaleRepos(ctx, now, 10)
	if err != nil {
		t.Fatalf("StaleRepos: %v", err)
	}
	if want := []string{onFeed, newer, gone, older}; !slices.Equal(stale, want) {
		t.Errorf("StaleRepos = %q, want %q (feed first, then newest paper)", stale, want)
	}
	if top, err := s.StaleRepos(ctx, now, 2); err != nil || !slices.Equal(top, []string{onFeed, newer}) {
		t.Errorf("StaleRepos(limit 2) = %q, %v; want the first two", top, err)
	}

	v0 := version(t, s)
	for i, stars := range []int{100, 120, 150} { // three days
		if err := s.RecordStars(ctx, newer, stars, true, now.Add(time.Duration(i)*24*time.Hour+time.Hour)); err != nil {
			t.Fatalf("RecordStars: %v", err)
		}
	}
	// A second check on the last day replaces that day's count.
	if err := s.RecordStars(ctx, newer, 160, true, now.Add(2*24*time.Hour+5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordStars(ctx, gone, 7, false, now); err != nil { // a count with "not found" is not kept
		t.Fatal(err)
	}
	if v := version(t, s); v <= v0 {
		t.Errorf("Version after new star counts = %d, want more than %d", v, v0)
	}
	for _, id := range []paper.ID{"2501.00001", "2501.00002"} {
		if got := getPaper(t, s, id).GitHubStars; got != 160 {
			t.Errorf("%s shows %d stars, want 160", id, got)
		}
	}
	hist, err := s.StarHistory(ctx, newer)
	want := []store.StarCount{{Day: "2026-03-01", Stars: 100}, {Day: "2026-03-02", Stars: 120}, {Day: "2026-03-03", Stars: 160}}
	if err != nil || !slices.Equal(hist, want) {
		t.Errorf("StarHistory = %v, %v; want %v", hist, err, want)
	}
	if hist, err := s.StarHistory(ctx, gone); err != nil || len(hist) != 0 {
		t.Errorf("StarHistory of a missing repository = %v, %v", hist, err)
	}
	if got := getPaper(t, s, "2402.00001").GitHubStars; got != 0 {
		t.Errorf("the paper of a missing repository shows %d stars, want its last count, 0", got)
	}
	// Checked repositories are not stale until checked before the cut.
	stale, err = s.StaleRepos(ctx, now, 10)
	if err != nil || !slices.Equal(stale, []string{onFeed, older}) {
		t.Errorf("StaleRepos after checks = %q, %v", stale, err)
	}
	stale, err = s.StaleRepos(ctx, now.Add(7*24*time.Hour), 10)
	if err != nil || len(stale) != 4 {
		t.Errorf("StaleRepos a week later = %q, %v; want all four", stale, err)
	}

	gained, err := s.StarsGained(ctx, []string{newer, gone, onFeed}, now.Add(24*time.Hour))
	if want := map[string]int{newer: 40}; err != nil || !maps.Equal(gained, want) {
		t.Errorf("StarsGained since the second day = %v, %v; want %v", gained, err, want)
	}
	// One count since the day is no gain to tell.
	gained, err = s.StarsGained(ctx, []string{newer}, now.Add(2*24*time.Hour))
	if err != nil || len(gained) != 0 {
		t.Errorf("StarsGained since the last day = %v, %v; want none (one count)", gained, err)
	}
	gained, err = s.StarsGained(ctx, []string{newer}, now.Add(-30*24*time.Hour))
	if want := map[string]int{newer: 60}; err != nil || !maps.Equal(gained, want) {
		t.Errorf("StarsGained over a month = %v, %v; want %v", gained, err, want)
	}
	// Counts that change nothing leave the version alone.
	v1 := version(t, s)
	if err := s.RecordStars(ctx, newer, 160, true, now.Add(2*24*time.Hour+6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s); v != v1 {
		t.Errorf("Version after an unchanged count = %d, want %d", v, v1)
	}
}
