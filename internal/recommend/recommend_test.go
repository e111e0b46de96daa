package recommend

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Attention Is All You Need", []string{"attention", "need"}},
		{"GPT-4 and 3D point clouds", []string{"gpt", "point", "clouds"}},
		{"naïve Bayes über_model x", []string{"naive", "bayes", "uber_model"}},
		{"co-training αβ model2vec", []string{"training", "model2vec"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTfidf(t *testing.T) {
	var docs []string
	for i := range 50 {
		docs = append(docs, fmt.Sprintf("graph neural network %d", i%3))
	}
	docs = append(docs, "diffusion models for images", "diffusion models for video",
		"diffusion models for audio", "diffusion models for text", "diffusion models for graphs")
	for range 50 {
		docs = append(docs, "common words everywhere")
	}
	// min_df 5 drops the rare words; max_df 0.1 (10 of 105) drops the
	// graph and common words; "diffusion", "models" and their bigram stay.
	tf := FitTfidf(docs, TfidfOptions{MaxFeatures: 10, MinDF: 5, MaxDF: 0.1})
	var vocab []string
	for g := range tf.vocab {
		vocab = append(vocab, g)
	}
	slices.Sort(vocab)
	if want := []string{"diffusion", "diffusion models", "models"}; !slices.Equal(vocab, want) {
		t.Fatalf("vocabulary %q, want %q", vocab, want)
	}
	v := tf.Transform("diffusion diffusion models")
	if math.Abs(v.norm2()-1) > 1e-6 {
		t.Errorf("norm² %v, want 1", v.norm2())
	}
	// Sublinear tf: "diffusion" twice weighs 1+ln 2 times "models" once
	// (both have the same idf).
	d, m := v.Val[tf.vocab["diffusion"]], v.Val[tf.vocab["models"]]
	if got := d / m; math.Abs(float64(got)-(1+math.Ln2)) > 1e-5 {
		t.Errorf("diffusion/models = %v, want 1+ln 2", got)
	}
}

// TestTrainSVM checks the solver against a problem solved by hand: two
// points on a line, x = +1 (positive) and x = -1 (negative), with the
// bias as a regularised feature. By symmetry b = 0 and the squared hinge
// objective ½w² + C·2·max(0, 1-w)² is least at w = 4C/(1+4C).
func TestTrainSVM(t *testing.T) {
	xs := []Sparse{{Idx: []int32{0}, Val: []float32{1}}, {Idx: []int32{0}, Val: []float32{-1}}}
	for _, c := range []float64{0.01, 0.1, 1, 10} {
		w := TrainSVM(xs, []bool{true, false}, 1, SVM{CPos: c, CNeg: c, Eps: 1e-9, MaxIter: 10000, Seed: 1})
		if want := 4 * c / (1 + 4*c); math.Abs(w[0]-want) > 1e-6 || math.Abs(w[1]) > 1e-6 {
			t.Errorf("C=%v: w=%v, want [%v 0]", c, w, want)
		}
	}
}

func TestBalancedC(t *testing.T) {
	cp, cn := balancedC(0.01, 10, 990)
	if math.Abs(cp-0.01*1000/20) > 1e-12 || math.Abs(cn-0.01*1000/1980) > 1e-12 {
		t.Errorf("balancedC = %v, %v", cp, cn)
	}
}

// writeCollection writes a small collection of three topics: readers
// like papers of one topic before the window and are tested on the
// same topic's papers in it.
func writeCollection(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	topics := []struct{ cat, words string }{
		{"cs.CL", "language model translation tokens text corpus"},
		{"cs.CV", "image segmentation pixels vision detection camera"},
		{"q-bio", "protein folding molecule gene cell biology"},
	}
	var corpus, users strings.Builder
	ids := map[int][]string{}
	for i := range 90 {
		tp := topics[i%3]
		w := strings.Fields(tp.words)
		day := "2026-01-10"
		if i >= 60 {
			day = "2026-02-10"
		}
		id := fmt.Sprintf("p%02d", i)
		ids[i%3] = append(ids[i%3], id)
		fmt.Fprintf(&corpus, `{"_id":%q,"title":"%s %s","text":"%s %s %s study %d","categories":[%q],"created":%q}`+"\n",
			id, w[i%6], w[(i+1)%6], w[(i+2)%6], w[(i+3)%6], tp.words, i, tp.cat, day)
	}
	// Other papers before the window, so that the topics' words are rare
	// enough for arxiv-sanity-lite's max_df of 10%.
	for i := range 900 {
		fmt.Fprintf(&corpus, `{"_id":"f%03d","title":"filler%d","text":"other%d words%d","categories":["math.CO"],"created":"2025-12-01"}`+"\n",
			i, i%40, i%37, i%31)
	}
	for u := range 3 {
		all := ids[u] // 30: 20 before the window, 10 in it
		fmt.Fprintf(&users, `{"user":"r%d","liked":["%s"],"test":["%s"]}`+"\n", u,
			strings.Join(all[:6], `","`), strings.Join(all[20:22], `","`))
	}
	for name, body := range map[string]string{
		"corpus.jsonl": corpus.String(), "users.jsonl": users.String(),
		"window.json": `{"from":"2026-02-01","to":"2026-02-28"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reverse ranks candidates in their given order, or backwards.
type fixedRanker struct{ backwards bool }

func (f fixedRanker) Rank(_, candidates []int, k int) []int {
	c := slices.Clone(candidates)
	if f.backwards {
		slices.Reverse(c)
	}
	return c[:min(k, len(c))]
}

func TestEvaluate(t *testing.T) {
	c, err := LoadCollection(writeCollection(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Window) != 30 || len(c.Users) != 3 {
		t.Fatalf("window %d, users %d", len(c.Window), len(c.Users))
	}
	s, err := c.Evaluate(context.Background(), fixedRanker{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The window is p60..p89 in order. Reader 0's test papers p60 and p63
	// rank 1st and 4th, reader 1's p61 and p64 2nd and 5th, reader 2's
	// p62 and p65 3rd and 6th; all within 50, so recall is 1.
	dcg := func(ranks ...int) float64 {
		var s float64
		for _, r := range ranks {
			s += 1 / math.Log2(float64(r)+1)
		}
		return s
	}
	want := (dcg(1, 4) + dcg(2, 5) + dcg(3, 6)) / dcg(1, 2) / 3
	if math.Abs(s.NDCG10-want) > 1e-9 || s.Recall50 != 1 || s.Users != 3 {
		t.Errorf("scores %v, want nDCG@10 %.4f, recall 1, 3 users", s, want)
	}
	if len(s.PerUser) != 3 || s.PerUser[0].User != c.Users[0].ID || math.Abs(s.PerUser[0].NDCG10-dcg(1, 4)/dcg(1, 2)) > 1e-9 || s.PerUser[2].Recall50 != 1 {
		t.Errorf("per reader %+v", s.PerUser)
	}
	if got := s.String(); !strings.HasPrefix(got, "nDCG@10=") || !strings.HasSuffix(got, " users=3") {
		t.Errorf("last line %q", got)
	}
}

func TestLoadCollectionBad(t *testing.T) {
	for name, users := range map[string]string{
		"unknown paper": `{"user":"r","liked":["nope"],"test":[]}`,
		"likes nothing": `{"user":"r","liked":[],"test":["a"]}`,
		"not json":      `{"user":`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(`{"_id":"a","title":"t","text":"x","created":"2026-01-01"}`+"\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "window.json"), []byte(`{"from":"2026-01-01","to":"2026-01-31"}`), 0o644)
			os.WriteFile(filepath.Join(dir, "users.jsonl"), []byte(users+"\n"), 0o644)
			if _, err := LoadCollection(dir); err == nil {
				t.Error("loaded")
			}
		})
	}
}

// TestRankersFindTheTopic: both models put a reader's topic first on the
// small collection, where any sensible recommender must.
func TestRankersFindTheTopic(t *testing.T) {
	c, err := LoadCollection(writeCollection(t))
	if err != nil {
		t.Fatal(err)
	}
	fy, err := NewEvalForYou(context.Background(), c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]Ranker{"for-you": fy, "svm-tfidf": NewSVMTfidf(c)} {
		t.Run(name, func(t *testing.T) {
			for u, user := range c.Users {
				top := r.Rank(user.Liked, c.Window, 5)
				for _, i := range top {
					if cat := c.Papers[i].Categories[0]; cat != c.Papers[user.Liked[0]].Categories[0] {
						t.Errorf("reader %d: %s (%s) in the top 5", u, c.Papers[i].ID, cat)
					}
				}
			}
		})
	}
}

// TestTermWeightsFromIndex: the features' term part is the search index's
// BM25F weighting, so a word rare in the corpus outweighs a common one.
func TestTermWeightsFromIndex(t *testing.T) {
	ix := search.NewIndex()
	var docs []search.Doc
	for i := range 20 {
		docs = append(docs, search.Doc{ID: paper.ID(fmt.Sprint(i)), Title: "common words", Abstract: fmt.Sprintf("common text %d", i)})
	}
	ix.Add(docs...)
	f := NewFeatures(ix)
	it := f.Item(search.Doc{Title: "common", Abstract: "rare"}, nil)
	rare, _ := f.Terms.Lookup("rare")
	common, _ := f.Terms.Lookup("common")
	w := map[int32]float32{}
	for k, i := range it.Terms.Idx {
		w[i] = it.Terms.Val[k]
	}
	if !(w[rare] > w[common] && w[common] > 0) {
		t.Errorf("rare %v, common %v", w[rare], w[common])
	}
}

// TestSampleBackground: the background is k distinct papers, or the
// whole window when it holds no more than k; drawing with repeats (as
// before) gave a 6,600-paper window fewer distinct negatives than asked
// for and the same paper several times.
func TestSampleBackground(t *testing.T) {
	for _, tc := range []struct{ n, k, want int }{
		{0, 10, 0},
		{5, 10, 5},
		{10, 10, 10},
		{100, 30, 30},
		{100, 70, 70},
		{6600, 20000, 6600},
		{74728, 20000, 20000},
	} {
		got := sampleBackground(rand.New(rand.NewPCG(1, 2)), tc.n, tc.k)
		seen := map[int]bool{}
		for _, i := range got {
			if i < 0 || i >= tc.n || seen[i] {
				t.Fatalf("n=%d k=%d: %d out of range or repeated", tc.n, tc.k, i)
			}
			seen[i] = true
		}
		if len(got) != tc.want {
			t.Errorf("n=%d k=%d: %d papers, want %d", tc.n, tc.k, len(got), tc.want)
		}
	}
}

// TestCategoryPriorOnlyFollowed: the category prior ranks a followed
// category's papers up, and leaves the categories of liked papers to the
// linear model, which has them as features: counted twice they ranked a
// whole field above the reader's topic.
func TestCategoryPriorOnlyFollowed(t *testing.T) {
	const cv, lg, cl = 0, 1, 2
	item := func(term int32, cat int32) *Item {
		return &Item{Terms: Sparse{Idx: []int32{term}, Val: []float32{1}}, Cats: []int32{cat}}
	}
	var liked []Example
	for range 5 {
		liked = append(liked, Example{Item: item(7, cv), Weight: 1})
	}
	var bg []*Item
	for i := range 60 {
		bg = append(bg, item(int32(10+i), int32(i%3)))
	}
	for _, tc := range []struct {
		name    string
		follows map[int32]float64
		want    map[int32]bool // categories with a prior
	}{
		{"liked only", nil, map[int32]bool{}},
		{"a followed category", map[int32]float64{cl: 1}, map[int32]bool{cl: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Train(Input{Liked: liked, Background: bg, Cats: tc.follows, Seed: 1})
			for _, c := range []int32{cv, lg, cl} {
				got := m.catScore(item(99, c))
				if tc.want[c] != (got > 0) {
					t.Errorf("category %d: prior %v, want one: %v", c, got, tc.want[c])
				}
			}
		})
	}
}
