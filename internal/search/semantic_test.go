package search

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// A paper about cars, found by a query in other words.
var carPaper = paper.Paper{ID: "2609.00001", Title: "Keeping automobiles running",
	Abstract: "Mechanics repair engines of cars and trucks; we survey garages and their tools."}

const carQuery = "vehicle motor maintenance"

func TestServiceEmbedsFollowsAndReloadsVectors(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t)
	emb := builtinEmbedder(t)
	svc := NewService(st, nil)
	svc.UseEmbedder(emb)
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if svc.Vectors() != nil {
		t.Fatal("vectors before anything was embedded")
	}
	q, _, err := svc.Search(ctx, "language models", Hybrid, 10, 0)
	if err != nil || len(q.Notes) == 0 {
		t.Errorf("hybrid search before embedding: notes %q, %v; want a note that ranking is by words", q.Notes, err)
	}

	n, err := svc.EmbedMissing(ctx, nil)
	if err != nil || n != svc.Len() {
		t.Fatalf("embedded %d of %d papers, %v", n, svc.Len(), err)
	}
	if left, _ := st.MissingVectors(ctx, emb.Name(), store.Cursor{}, 10); len(left) != 0 {
		t.Fatalf("%d papers still missing a vector", len(left))
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := svc.Vectors().Len(); got != n {
		t.Fatalf("the index follows %d vectors, want %d", got, n)
	}

	// A new paper: searchable by words at once, by meaning once embedded.
	importPapers(t, st, carPaper)
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, lex, err := svc.Search(ctx, carQuery, Lexical, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(lex.IDs(), carPaper.ID) {
		t.Fatalf("test setup: %q finds the car paper by words: %v", carQuery, lex.IDs())
	}
	if _, err := svc.EmbedMissing(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Meaning alone puts it on the first page; the hybrid ranking, where
	// words weigh most, still finds it among its fused results.
	for _, mode := range []struct {
		mode Mode
		k    int
	}{{Semantic, 10}, {Hybrid, fuseDepth}} {
		_, res, err := svc.Search(ctx, carQuery, mode.mode, mode.k, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.IDs(), carPaper.ID) {
			t.Errorf("%s search %q misses the car paper in its first %d: %v", mode.mode, carQuery, mode.k, res.IDs())
		}
	}

	// Restart: the snapshot has the words, the store the vectors; nothing
	// is embedded again.
	path := filepath.Join(t.TempDir(), "search.idx")
	if err := svc.Save(path); err != nil {
		t.Fatal(err)
	}
	again := NewService(st, nil)
	again.UseEmbedder(emb)
	if err := again.Load(ctx, path); err != nil {
		t.Fatal(err)
	}
	if got := again.Vectors().Len(); got != n+1 {
		t.Errorf("after a restart %d vectors, want %d", got, n+1)
	}
	if m, err := again.EmbedMissing(ctx, nil); err != nil || m != 0 {
		t.Errorf("after a restart %d papers embedded again, %v", m, err)
	}
	_, res, err := again.Search(ctx, carQuery, Semantic, 10, 0)
	if err != nil || !slices.Contains(res.IDs(), carPaper.ID) {
		t.Errorf("after a restart the car paper is not found by meaning: %v, %v", res.IDs(), err)
	}

	// An update is embedded again and replaces the vector.
	moved := carPaper
	moved.Title, moved.Abstract = "Baking bread at home", "Flour, water, yeast and an oven make a loaf."
	moved.AsOf = time.Now()
	importPapers(t, st, moved)
	if m, err := again.EmbedMissing(ctx, nil); err != nil || m != 1 {
		t.Fatalf("after an update %d papers embedded, %v; want 1", m, err)
	}
	if _, err := again.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, res, err = again.Search(ctx, carQuery, Semantic, 10, 0)
	if err != nil || slices.Contains(res.IDs(), carPaper.ID) {
		t.Errorf("the paper now about bread is still found for cars: %v, %v", res.IDs(), err)
	}
	_, res, err = again.Search(ctx, "cooking food in the kitchen", Semantic, 10, 0)
	if err != nil || !slices.Contains(res.IDs(), carPaper.ID) {
		t.Errorf("the paper now about bread is not found for cooking: %v, %v", res.IDs(), err)
	}
}

// failingEmbedder stands for an embeddings server that is down: a fault
// the real HTTP client's own tests cause with a dead server.
type failingEmbedder struct{}

func (failingEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("connection refused")
}
func (failingEmbedder) Dim() int     { return 0 }
func (failingEmbedder) Name() string { return "down" }

func TestSearchWithoutEmbeddingsFallsBackToWords(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t)
	svc := NewService(st, nil)
	svc.UseEmbedder(failingEmbedder{})
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.EmbedMissing(ctx, nil); err == nil || n != 0 {
		t.Fatalf("embedding with a dead server: %d stored, %v", n, err)
	}
	_, lex, err := svc.Search(ctx, "language models", Lexical, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	q, hyb, err := svc.Search(ctx, "language models", Hybrid, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hyb.IDs(), lex.IDs()) || len(lex.Hits) == 0 {
		t.Errorf("hybrid without vectors = %v, lexical = %v", hyb.IDs(), lex.IDs())
	}
	if len(q.Notes) == 0 || !strings.Contains(strings.Join(q.Notes, " "), "words only") {
		t.Errorf("notes %q do not say the ranking fell back to words", q.Notes)
	}
}

// A paper's similar papers ranked before it had a vector (by words
// alone) are not kept once it has one: the next look ranks by meaning.
func TestSimilarKeptByWordsGivesWayToMeaning(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t)
	svc := NewService(st, nil)
	svc.UseEmbedder(builtinEmbedder(t))
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	p, err := st.Paper(ctx, "2607.26627")
	if err != nil {
		t.Fatal(err)
	}
	byWords, err := svc.Similar(ctx, &p, 6)
	if err != nil || len(byWords) != 6 {
		t.Fatalf("before embedding: %v, %v", byWords, err)
	}
	if _, err := svc.EmbedMissing(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	withMeaning, err := svc.Similar(ctx, &p, 6)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := svc.SimilarAtDepth(ctx, &p, 6, fuseDepth)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(withMeaning, fresh) {
		t.Errorf("after embedding, Similar gave %v, a fresh ranking %v", withMeaning, fresh)
	}
	if slices.Equal(withMeaning, byWords) {
		t.Errorf("test setup: the ranking with meaning is the one by words, %v", byWords)
	}
}

// When the built-in model changes (GloVe word vectors, then the trained
// static model), the vectors stored for the old one are neither loaded
// nor compared: the background embedder embeds every paper again under
// the new model's name, and the index then follows the new vectors only.
func TestNewBuiltinModelEmbedsEveryPaperAgain(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t)
	old := builtinEmbedder(t)
	svc := NewService(st, nil)
	svc.UseEmbedder(old)
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	n, err := svc.EmbedMissing(ctx, nil)
	if err != nil || n != svc.Len() {
		t.Fatalf("embedded %d of %d papers with %s, %v", n, svc.Len(), old.Name(), err)
	}
	path := filepath.Join(t.TempDir(), "search.idx")
	if err := svc.Save(path); err != nil {
		t.Fatal(err)
	}

	// Restart with the new built-in model, as an upgraded server does.
	emb, err := static.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if emb.Name() == old.Name() {
		t.Fatalf("both models are named %q", emb.Name())
	}
	again := NewService(st, nil)
	again.UseEmbedder(emb)
	if err := again.Load(ctx, path); err != nil {
		t.Fatal(err)
	}
	if v := again.Vectors(); v != nil && v.Len() > 0 {
		t.Fatalf("the new model's index loaded %d vectors of %s", v.Len(), v.Model())
	}
	m, err := again.EmbedMissing(ctx, nil)
	if err != nil || m != n {
		t.Fatalf("the new model embedded %d papers, %v; want all %d again", m, err, n)
	}
	if _, err := again.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	v := again.Vectors()
	if v == nil || v.Len() != n || v.Dim() != emb.Dim() || v.Model() != emb.Name() {
		t.Fatalf("index follows %v; want %d vectors of %d dimensions of %s", v, n, emb.Dim(), emb.Name())
	}
	if left, _ := st.MissingVectors(ctx, emb.Name(), store.Cursor{}, 10); len(left) != 0 {
		t.Errorf("%d papers still without a vector of %s", len(left), emb.Name())
	}
	_, res, err := again.Search(ctx, "language models", Semantic, 10, 0)
	if err != nil || len(res.Hits) == 0 {
		t.Errorf("semantic search with the new model: %v, %v", res.IDs(), err)
	}
}
