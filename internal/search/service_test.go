package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

// demoStore is a fresh SQLite store holding the built-in demo papers.
func demoStore(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	return st
}

// demoService is a built search service over the demo papers.
func demoService(t testing.TB) (store.Store, *Service) {
	t.Helper()
	st := demoStore(t)
	svc := NewService(st, nil)
	if err := svc.Build(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return st, svc
}

func importPapers(t *testing.T, st store.Store, ps ...paper.Paper) {
	t.Helper()
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]store.Record, len(ps))
	for i, p := range ps {
		recs[i] = store.Record{Paper: p}
	}
	if _, err := im.Write(ctx, recs); err != nil {
		im.Rollback()
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
}

func searchIDs(t *testing.T, svc *Service, query string, k int) []paper.ID {
	t.Helper()
	_, res, err := svc.Search(context.Background(), query, Lexical, k, 0)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	return res.IDs()
}

func TestServiceBuildIndexesEveryPaper(t *testing.T) {
	t.Parallel()
	st := demoStore(t)
	ctx := context.Background()
	svc := NewService(st, nil)
	if svc.Ready() || svc.Len() != 0 {
		t.Fatalf("a new service: Ready %v, Len %d", svc.Ready(), svc.Len())
	}
	var progress []int
	if err := svc.Build(ctx, func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Papers != 1416 || svc.Len() != stats.Papers || !svc.Ready() {
		t.Fatalf("built %d papers of %d (the demo has 1,416), Ready %v", svc.Len(), stats.Papers, svc.Ready())
	}
	if len(progress) == 0 || progress[len(progress)-1] != stats.Papers || !slices.IsSorted(progress) {
		t.Errorf("progress %v, want it to rise to %d", progress, stats.Papers)
	}
	ix := svc.ix.Load()
	papers := storetest.AllPapers(t, st)
	if len(papers) != stats.Papers {
		t.Fatalf("the change feed lists %d papers", len(papers))
	}
	for _, p := range papers {
		if !ix.Has(p.ID) {
			t.Errorf("%s is not indexed", p.ID)
			continue
		}
		// Every paper is found by its title as a phrase.
		title := strings.ReplaceAll(p.Title, `"`, " ")
		ids := searchIDs(t, svc, `"`+title+`"`, 10)
		if !slices.Contains(ids, p.ID) {
			t.Errorf("%s is not among the first 10 for its title %q: %v", p.ID, p.Title, ids)
		}
	}
}

func TestServiceCatchUp(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	before := svc.Len()
	if n, err := svc.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("CatchUp right after Build: %d, %v; want 0", n, err)
	}
	// None of these words is in the demo papers.
	for _, p := range storetest.AllPapers(t, st) {
		text := strings.ToLower(p.Title + " " + p.Abstract)
		for _, w := range []string{"quokka", "platypus", "wombat"} {
			if strings.Contains(text, w) {
				t.Fatalf("test setup: %s mentions %s", p.ID, w)
			}
		}
	}
	t1 := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	p := paper.Paper{
		ID: "2609.00001", Title: "Quokka locomotion on sand", Abstract: "We film wombat burrows at night.",
		Authors: []paper.Author{{Name: "Ada Lovelace"}}, Categories: []string{"q-bio.PE"}, Published: t1, AsOf: t1,
	}
	importPapers(t, st, p)
	if ids := searchIDs(t, svc, "quokka", 10); len(ids) != 0 && ids[0] == p.ID {
		t.Errorf("found before catching up: %v", ids)
	}
	n, err := svc.CatchUp(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CatchUp after importing one paper: %d, %v; want 1", n, err)
	}
	if svc.Len() != before+1 {
		t.Errorf("Len %d, want %d", svc.Len(), before+1)
	}
	if ids := searchIDs(t, svc, "quokka", 10); !slices.Equal(ids, []paper.ID{p.ID}) {
		t.Errorf("quokka finds %v, want the new paper", ids)
	}
	if ids := searchIDs(t, svc, "wombat cat:q-bio year:2026", 10); !slices.Equal(ids, []paper.ID{p.ID}) {
		t.Errorf("wombat cat:q-bio year:2026 finds %v", ids)
	}
	if n, err := svc.CatchUp(ctx); err != nil || n != 0 {
		t.Errorf("CatchUp with nothing new: %d, %v; want 0", n, err)
	}

	// A fresher record renames the paper; its abstract, not in the record, stays.
	t2 := t1.Add(48 * time.Hour)
	importPapers(t, st, paper.Paper{ID: p.ID, Title: "Platypus electroreception", AsOf: t2, Updated: t2})
	if n, err := svc.CatchUp(ctx); err != nil || n != 1 {
		t.Fatalf("CatchUp after the update: %d, %v; want 1", n, err)
	}
	if svc.Len() != before+1 {
		t.Errorf("Len %d after an update, want %d", svc.Len(), before+1)
	}
	if ids := searchIDs(t, svc, "quokka", 10); len(ids) != 0 {
		t.Errorf("the old title word still finds %v", ids)
	}
	if ids := searchIDs(t, svc, "platypus", 10); !slices.Equal(ids, []paper.ID{p.ID}) {
		t.Errorf("platypus finds %v, want the renamed paper", ids)
	}
	if ids := searchIDs(t, svc, "wombat", 10); !slices.Equal(ids, []paper.ID{p.ID}) {
		t.Errorf("the kept abstract's wombat finds %v", ids)
	}

	// An older record changes nothing: the fresher title stays.
	importPapers(t, st, paper.Paper{ID: p.ID, Title: "Quokka locomotion on sand", AsOf: t1})
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := searchIDs(t, svc, "platypus", 10); !slices.Equal(ids, []paper.ID{p.ID}) {
		t.Errorf("after a stale record, platypus finds %v", ids)
	}
	if ids := searchIDs(t, svc, "quokka", 10); len(ids) != 0 {
		t.Errorf("after a stale record, quokka finds %v", ids)
	}
	if svc.Len() != before+1 {
		t.Errorf("Len %d, want %d", svc.Len(), before+1)
	}
}

// Queries made of words distinctive of one demo paper find it first.
func TestServiceRankingOnDemo(t *testing.T) {
	t.Parallel()
	_, svc := demoService(t)
	for _, tc := range []struct {
		query string
		want  paper.ID
		why   string
	}{
		{"psychometric questionnaires", "2509.10078",
			"Human Psychometric Questionnaires Mischaracterize LLM Behavior: the only demo paper with questionnaire(s); one other has psychometric"},
		{"colored noise diffusion sampling", "2605.30332",
			"Colored Noise Diffusion Sampling: the only paper with colored, and all four words in a four-word title"},
		{"Hamilton-Jacobi theory of deep learning", "2605.28983",
			"The Hamilton-Jacobi Theory of Deep Learning: hamilton and jacobi are in no other paper"},
		{"speculative decoding draft distillation on-policy", "2605.29343",
			"Draft-OPD: On-Policy Distillation for Speculative Draft Models: eight papers have speculative in the title and all speak of drafts; only this one of on-policy distillation"},
	} {
		ids := searchIDs(t, svc, tc.query, 5)
		if len(ids) == 0 || ids[0] != tc.want {
			t.Errorf("%q: %v, want %s first (%s)", tc.query, ids, tc.want, tc.why)
		}
	}
}

func TestServiceSimilar(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	get := func(id paper.ID) paper.Paper {
		p, err := st.Paper(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Revisiting Lossy Verification in Speculative Decoding: seven other
	// demo papers have "speculative" in their title, and the word is in
	// 13 of 1,416 papers, so it leads the query made of the paper.
	p := get("2607.26627")
	for _, k := range []int{1, 3, 6} {
		hits, err := svc.Similar(ctx, &p, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != k {
			t.Fatalf("Similar(k=%d): %d hits", k, len(hits))
		}
		speculative := 0
		for _, h := range hits {
			if h.ID == p.ID {
				t.Errorf("Similar(k=%d) lists the paper itself", k)
			}
			if strings.Contains(strings.ToLower(get(h.ID).Title), "speculative") {
				speculative++
			}
		}
		if speculative*3 < k*2 { // at least two thirds
			t.Errorf("Similar(k=%d): only %d of %d titles mention speculative decoding", k, speculative, k)
		}
	}
	// GrepSeek's abstract is about direct corpus interaction ("DCI"), a word
	// two other papers use; Dr-DCI has it in its title too.
	p = get("2605.29307")
	hits, err := svc.Similar(ctx, &p, 6)
	if err != nil || len(hits) != 6 {
		t.Fatalf("Similar: %d hits, %v", len(hits), err)
	}
	if hits[0].ID != "2606.14885" {
		t.Errorf("the paper most like GrepSeek is %s, want Dr-DCI: Scaling Direct Corpus Interaction (2606.14885)", hits[0].ID)
	}
	// Every demo paper gets k others, never itself.
	for _, p := range storetest.AllPapers(t, st)[:200] {
		hits, err := svc.Similar(ctx, &p, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.ID == p.ID {
				t.Errorf("%s is similar to itself", p.ID)
			}
		}
		if len(hits) != 4 && p.Abstract != "" {
			t.Errorf("%s: %d similar papers, want 4", p.ID, len(hits))
		}
	}
	// A paper of words no other paper has gets none.
	lonely := paper.Paper{ID: "2609.99999", Title: "Xyzzyq plughq", Abstract: "Frobnitzq."}
	if hits, err := svc.Similar(ctx, &lonely, 5); err != nil || len(hits) != 0 {
		t.Errorf("a paper sharing no word: %v, %v", hits, err)
	}
}

func TestServiceNotReady(t *testing.T) {
	t.Parallel()
	st := demoStore(t)
	svc := NewService(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := svc.Build(ctx, nil); err == nil {
		t.Error("Build with a cancelled context succeeded")
	}
	if svc.Ready() || svc.Len() != 0 {
		t.Errorf("after a failed build: Ready %v, Len %d", svc.Ready(), svc.Len())
	}
	_, res, err := svc.Search(context.Background(), "model", Lexical, 10, 0)
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("searching an empty index: %v, %v", res, err)
	}
	q, _, err := svc.Search(context.Background(), "the of", Lexical, 10, 0)
	if !errors.Is(err, ErrEmptyQuery) || q == nil {
		t.Errorf("a query of stop words: %v, %v", q, err)
	}
}

// Searches run while the index catches up (run with -race).
func TestServiceSearchWhileCatchingUp(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			queries := []string{"language models", `"large language"`, "author:Liu cat:cs", "diffus* -video", "has:code year:2026"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := svc.Search(ctx, queries[i%len(queries)], Hybrid, 20, 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	t0 := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		importPapers(t, st, paper.Paper{ID: paper.ID(fmt.Sprintf("2609.1000%d", i)), Title: fmt.Sprintf("Wombat study %d", i), Abstract: "Language models of wombats.", AsOf: t0})
		if n, err := svc.CatchUp(ctx); err != nil || n != 1 {
			t.Errorf("CatchUp %d: %d, %v", i, n, err)
		}
	}
	close(stop)
	wg.Wait()
	if ids := searchIDs(t, svc, "wombat", 10); len(ids) != 5 {
		t.Errorf("wombat finds %d papers, want 5", len(ids))
	}
}

// Similar papers are kept for similarTTL: a paper that would now rank
// first shows up once the list is older than that, or at once when the
// paper's own text changes; a rebuilt index starts afresh.
func TestServiceSimilarIsKept(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	svc.now = func() time.Time { return now }
	p, err := st.Paper(ctx, "2607.26627")
	if err != nil {
		t.Fatal(err)
	}
	before, err := svc.Similar(ctx, &p, 4)
	if err != nil || len(before) != 4 {
		t.Fatalf("Similar: %v, %v", before, err)
	}
	before[0].ID = "changed by the caller" // must not reach the cache

	twin := addTwin(t, st, svc, p, "2611.00001")
	kept, err := svc.Similar(ctx, &p, 4)
	if err != nil || len(kept) != 4 || kept[0].ID == "changed by the caller" || kept[0].ID == twin.ID {
		t.Fatalf("within the hour: %v, %v; want the list as it was", kept, err)
	}
	kept[1].ID = "changed by the caller"
	if again, _ := svc.Similar(ctx, &p, 4); again[1].ID == "changed by the caller" {
		t.Fatal("a caller's change to the kept list reached the cache")
	}

	edited := p
	edited.Abstract += " Revised."
	if hits, err := svc.Similar(ctx, &edited, 4); err != nil || len(hits) == 0 || hits[0].ID != twin.ID {
		t.Errorf("with a new abstract: %v, %v; want the twin first", hits, err)
	}

	now = now.Add(similarTTL + time.Minute)
	if hits, err := svc.Similar(ctx, &p, 4); err != nil || len(hits) == 0 || hits[0].ID != twin.ID {
		t.Errorf("after the hour: %v, %v; want the twin first", hits, err)
	}
}

// addTwin stores a paper with p's title and abstract under id, which
// then is the paper most similar to p, and has svc index it.
func addTwin(t *testing.T, st store.Store, svc *Service, p paper.Paper, id paper.ID) paper.Paper {
	t.Helper()
	twin := paper.Paper{ID: id, Title: p.Title, Abstract: p.Abstract}
	importPapers(t, st, twin)
	if _, err := svc.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return twin
}

// Warming ranks afresh even what is kept, and keeps the new lists.
func TestServiceWarmSimilar(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	p, err := st.Paper(ctx, "2607.26627")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Similar(ctx, &p, 4); err != nil {
		t.Fatal(err)
	}
	twin := addTwin(t, st, svc, p, "2611.00002")
	other, err := st.Paper(ctx, "2605.29307")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := svc.WarmSimilar(ctx, []paper.Paper{p, other}, 4); n != 2 || err != nil {
		t.Fatalf("WarmSimilar: %d, %v", n, err)
	}
	if hits, err := svc.Similar(ctx, &p, 4); err != nil || len(hits) == 0 || hits[0].ID != twin.ID {
		t.Errorf("after warming: %v, %v; want the twin first", hits, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := svc.WarmSimilar(cancelled, []paper.Paper{p}, 4); n != 0 || err == nil {
		t.Errorf("WarmSimilar with a cancelled context: %d, %v", n, err)
	}
}

// SimilarFromWords with similarWords is the ranking Similar keeps; with
// fewer it still lists k other papers, scored by all the words.
func TestServiceSimilarFromWords(t *testing.T) {
	t.Parallel()
	st, svc := demoService(t)
	ctx := context.Background()
	p, err := st.Paper(ctx, "2607.26627")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := svc.Similar(ctx, &p, 6)
	if err != nil {
		t.Fatal(err)
	}
	same, err := svc.SimilarFromWords(ctx, &p, 6, similarWords)
	if err != nil || !slices.Equal(same, kept) {
		t.Errorf("with similarWords: %v, %v; Similar gives %v", same, err, kept)
	}
	if all, err := svc.SimilarFromWords(ctx, &p, 6, 0); err != nil || len(all) != 6 {
		t.Errorf("with every word: %v, %v", all, err)
	}
	few, err := svc.SimilarFromWords(ctx, &p, 6, 4)
	if err != nil || len(few) != 6 {
		t.Fatalf("with 4 words: %v, %v", few, err)
	}
	for i, h := range few {
		if h.ID == p.ID {
			t.Error("the paper is similar to itself")
		}
		if i > 0 && h.Score > few[i-1].Score {
			t.Errorf("scores rise at %d: %v", i, few)
		}
	}
}
