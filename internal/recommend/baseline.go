package recommend

import (
	"cmp"
	"slices"
)

// SVMTfidf is arxiv-sanity-lite's recommender, the baseline: a tf-idf
// vector per paper (ArxivSanityTfidf), and for each reader a linear SVM
// with C = 0.01 and balanced class weights, trained on the liked papers
// against every other corpus paper, whose decision value ranks the
// candidates. Its LinearSVC runs with tol 1e-6 and at most 10,000
// iterations; so does this.
type SVMTfidf struct {
	x   []Sparse
	dim int
}

// NewSVMTfidf vectorises the collection's papers (title and abstract).
func NewSVMTfidf(c *Collection) *SVMTfidf {
	texts := make([]string, len(c.Papers))
	for i, p := range c.Papers {
		texts[i] = p.Title + " " + p.Text
	}
	t := FitTfidf(texts, ArxivSanityTfidf)
	b := &SVMTfidf{x: make([]Sparse, len(texts)), dim: t.Dim()}
	for i, s := range texts {
		b.x[i] = t.Transform(s)
	}
	return b
}

// Rank trains the reader's SVM and ranks the candidates by it.
func (b *SVMTfidf) Rank(liked, candidates []int, k int) []int {
	pos := make([]bool, len(b.x))
	for _, i := range liked {
		pos[i] = true
	}
	cp, cn := balancedC(0.01, len(liked), len(b.x)-len(liked))
	w := TrainSVM(b.x, pos, b.dim, SVM{CPos: cp, CNeg: cn, Eps: 1e-6, MaxIter: 10000, Seed: 1})
	scores := make([]float64, len(candidates))
	for j, i := range candidates {
		scores[j] = b.x[i].dotDense(w) + w[b.dim]
	}
	return topK(candidates, scores, k)
}

// topK orders candidates by score, best first (ties by position), and
// keeps the best k.
func topK(candidates []int, scores []float64, k int) []int {
	order := make([]int, len(candidates))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	out := make([]int, 0, min(k, len(order)))
	for _, j := range order[:min(k, len(order))] {
		out = append(out, candidates[j])
	}
	return out
}
