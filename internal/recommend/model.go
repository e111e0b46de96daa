package recommend

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// The reader model's settings. They were fixed by reasoning and checked
// on the development collection only (BENCHMARKS.md, "For you"); none is
// fitted to a collection.
const (
	// svmC is the linear model's penalty. Readers have tens of positives
	// against thousands of negatives; balanced class weights even the
	// classes, and C = 1 (liblinear's default) leaves the margin to the
	// data rather than to the regulariser.
	svmC = 1.0
	// Block scales of the linear model: the terms are a unit vector; a
	// paper's categories (and authors) together weigh half as much, so
	// that a field does not drown the topic. The embedding is not a
	// feature of the linear model: on the development collection it cost
	// a fifth of the nDCG@10 at full weight and still some at half
	// (BENCHMARKS.md, "For you"), because 128 dense dimensions say
	// "which field" to a linear model far more than "which topic", and
	// with thousands of negatives the terms say that better.
	catScale, authorScale = 0.5, 0.5
	// dislikeCost weighs an explicit "Not interested" against a paper
	// merely passed over.
	dislikeCost = 3.0
	// maxProtos bounds the liked papers the nearest-neighbour part
	// compares each candidate with; beyond it they are merged into as
	// many interests by spherical k-means, so scoring costs the same for
	// 40 signals as for 10,000.
	maxProtos = 32
	// knnK: a candidate's closeness is the mean of its best knnK term
	// similarities to what the reader liked, so a reader with several
	// interests is served for each of them (a centroid would sit
	// between).
	knnK = 3
	// followPseudo counts a followed category as this many liked papers in
	// it, so that a reader who only picked categories gets a ranking.
	followPseudo = 3.0
	// The parts' shares of the final score, each part standardised over
	// the candidates first. The linear model leads; the nearest liked
	// papers add what one hyperplane misses (a reader's second, smaller
	// interest), at half its share; followed categories and authors
	// count as much as the closeness. The category prior counts only
	// followed categories: the liked papers' categories are features of
	// the linear model already, and counted a second time they ranked
	// whole fields above papers (alone it scored nDCG@10 0.002).
	shareLinear, shareKNN, shareCats, shareAuthors = 1.0, 0.5, 0.5, 0.5
	// reasonLiked bounds the liked papers a reason compares a shown paper
	// with: the heaviest, newest first. A page's reasons then cost the
	// same for 10 signals as for 10,000 (a few ms), and a reason names
	// a paper the reader signalled lately or asked more of.
	reasonLiked = 64
)

// Example is a paper the reader gave a signal on, with its weight.
type Example struct {
	Item   *Item
	Weight float64
}

// Input is what a reader model learns from.
type Input struct {
	// Liked are the positives: upvotes, saves, seeds, "More like this"
	// (heavier).
	Liked []Example
	// Disliked are the explicit "Not interested" papers.
	Disliked []Example
	// Background are papers taken as negatives at weight 1: shown and
	// passed over, or sampled from the catalogue.
	Background []*Item
	// Cats and Authors are followed categories and authors, by weight.
	Cats, Authors map[int32]float64
	// Seed makes training repeatable.
	Seed uint64
}

// Model is a trained reader model.
type Model struct {
	wTerms    []float32
	wCats     map[int32]float32
	wAuthors  map[int32]float32
	bias      float32
	linear    bool // trained: there were positives
	protos    []proto
	anti      []proto
	catLift   map[int32]float64
	follows   map[int32]float64 // followed authors
	liked     []Example
	catFollow map[int32]float64
	// reasonIdx are the liked examples reasons are drawn from, by
	// index in liked: at most reasonLiked of them.
	reasonIdx []int
}

// proto is an interest: a liked paper or a merged group of them.
type proto struct {
	terms Sparse
	vec   []float32
}

// Train fits a reader's model.
func Train(in Input) *Model {
	m := &Model{liked: in.Liked, catFollow: in.Cats, follows: in.Authors}
	m.trainLinear(in)
	m.protos = makeProtos(in.Liked, in.Seed)
	for _, d := range in.Disliked {
		m.anti = append(m.anti, proto{d.Item.Terms, d.Item.Vec})
	}
	m.catLift = catLift(in)
	m.reasonIdx = make([]int, len(in.Liked))
	for i := range m.reasonIdx {
		m.reasonIdx[i] = i
	}
	// Liked come newest first; the stable sort keeps that among equals.
	slices.SortStableFunc(m.reasonIdx, func(a, b int) int { return cmp.Compare(in.Liked[b].Weight, in.Liked[a].Weight) })
	m.reasonIdx = m.reasonIdx[:min(len(m.reasonIdx), reasonLiked)]
	return m
}

// trainLinear fits the linear SVM over the examples' features, numbered
// afresh for the examples (so training costs what they hold, not what
// the vocabulary does), then spreads the weights back by global number.
// The examples' vectors are built straight from their parts, without a
// map each: the SVM needs no order within a vector, and with thousands
// of negatives the maps cost more than the solver.
func (m *Model) trainLinear(in Input) {
	if len(in.Liked) == 0 {
		return
	}
	var (
		termLocal     []int32 // global term number → local number + 1; 0: none yet
		terms         []int32 // the global numbers of the terms met
		cats, authors = map[int32]int32{}, map[int32]int32{}
		next          int32
	)
	termID := func(t int32) int32 {
		if int(t) >= len(termLocal) {
			termLocal = append(termLocal, make([]int32, int(t)+1-len(termLocal)+len(termLocal)/2)...)
		}
		if termLocal[t] == 0 {
			termLocal[t] = next + 1
			terms = append(terms, t)
			next++
		}
		return termLocal[t] - 1
	}
	local := func(m map[int32]int32, id int32) int32 {
		l, ok := m[id]
		if !ok {
			l = next
			m[id] = l
			next++
		}
		return l
	}
	n := len(in.Liked) + len(in.Disliked) + len(in.Background)
	xs := make([]Sparse, 0, n)
	pos := make([]bool, 0, n)
	cost := make([]float64, 0, n)
	add := func(it *Item, p bool, c float64) {
		size := len(it.Terms.Idx) + len(it.Cats) + len(it.Authors)
		x := Sparse{Idx: make([]int32, 0, size), Val: make([]float32, 0, size)}
		for k, t := range it.Terms.Idx {
			x.Idx = append(x.Idx, termID(t))
			x.Val = append(x.Val, it.Terms.Val[k])
		}
		for _, c := range it.Cats {
			x.Idx = append(x.Idx, local(cats, c))
			x.Val = append(x.Val, catScale/float32(math.Sqrt(float64(len(it.Cats)))))
		}
		for _, a := range it.Authors {
			x.Idx = append(x.Idx, local(authors, a))
			x.Val = append(x.Val, authorScale/float32(math.Sqrt(float64(len(it.Authors)))))
		}
		xs = append(xs, x)
		pos = append(pos, p)
		cost = append(cost, c)
	}
	nNeg := 0
	for _, e := range in.Liked {
		add(e.Item, true, e.Weight)
	}
	for _, e := range in.Disliked {
		add(e.Item, false, e.Weight*dislikeCost)
		nNeg++
	}
	for _, it := range in.Background {
		add(it, false, 1)
		nNeg++
	}
	cp, cn := balancedC(svmC, len(in.Liked), nNeg)
	w := TrainSVM(xs, pos, int(next), SVM{CPos: cp, CNeg: cn, Eps: 0.1, MaxIter: 1000, Seed: in.Seed, Weight: cost})
	m.linear = true
	m.bias = float32(w[next])
	maxTerm := int32(-1)
	for _, t := range terms {
		maxTerm = max(maxTerm, t)
	}
	m.wTerms = make([]float32, maxTerm+1)
	for _, t := range terms {
		m.wTerms[t] = float32(w[termLocal[t]-1])
	}
	m.wCats = make(map[int32]float32, len(cats))
	for c, l := range cats {
		m.wCats[c] = float32(w[l])
	}
	m.wAuthors = make(map[int32]float32, len(authors))
	for a, l := range authors {
		m.wAuthors[a] = float32(w[l])
	}
}

// linearScore is the SVM's decision value for it.
func (m *Model) linearScore(it *Item) float64 {
	if !m.linear {
		return 0
	}
	s := m.bias
	for k, t := range it.Terms.Idx {
		if int(t) < len(m.wTerms) {
			s += m.wTerms[t] * it.Terms.Val[k]
		}
	}
	return float64(s + m.linearNamed(it))
}

// linearNamed is the linear part's categories and authors.
func (m *Model) linearNamed(it *Item) float32 {
	var s float32
	for _, c := range it.Cats {
		s += m.wCats[c] * catScale / float32(math.Sqrt(float64(len(it.Cats))))
	}
	for _, a := range it.Authors {
		s += m.wAuthors[a] * authorScale / float32(math.Sqrt(float64(len(it.Authors))))
	}
	return s
}

// similarity of two papers: the mean of their term and embedding
// cosines (the term cosine alone when either lacks an embedding).
func similarity(aTerms Sparse, aVec []float32, bTerms Sparse, bVec []float32) float32 {
	t := dotSparse(aTerms, bTerms)
	if len(aVec) == 0 || len(aVec) != len(bVec) {
		return t
	}
	return (t + dotDense32(aVec, bVec)) / 2
}

// makeProtos gives the interests the nearest-neighbour part compares
// with: the liked papers themselves, or, past maxProtos, that many
// groups of them by spherical k-means (a few rounds from a seeded
// random start; weights count as repeats).
func makeProtos(liked []Example, seed uint64) []proto {
	ps := make([]proto, len(liked))
	for i, e := range liked {
		ps[i] = proto{e.Item.Terms, e.Item.Vec}
	}
	if len(ps) <= maxProtos {
		return ps
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	centres := make([]proto, maxProtos)
	for i, j := range rng.Perm(len(ps))[:maxProtos] {
		centres[i] = ps[j]
	}
	assign := make([]int, len(ps))
	for round := range 5 {
		for i, p := range ps {
			best, bestSim := 0, float32(math.Inf(-1))
			for c, ce := range centres {
				if s := similarity(p.terms, p.vec, ce.terms, ce.vec); s > bestSim {
					best, bestSim = c, s
				}
			}
			assign[i] = best
		}
		if round == 4 {
			break
		}
		centres = centroids(liked, assign, centres)
	}
	return centroids(liked, assign, centres)
}

// centroids averages each group's papers, weighted, and scales the mean
// to unit length; an empty group keeps its old centre.
func centroids(liked []Example, assign []int, old []proto) []proto {
	terms := make([]map[int32]float32, len(old))
	vecs := make([][]float32, len(old))
	for i, e := range liked {
		c := assign[i]
		if terms[c] == nil {
			terms[c] = map[int32]float32{}
		}
		w := float32(e.Weight)
		for k, t := range e.Item.Terms.Idx {
			terms[c][t] += w * e.Item.Terms.Val[k]
		}
		if len(e.Item.Vec) > 0 {
			if vecs[c] == nil {
				vecs[c] = make([]float32, len(e.Item.Vec))
			}
			if len(vecs[c]) == len(e.Item.Vec) {
				for d, v := range e.Item.Vec {
					vecs[c][d] += w * v
				}
			}
		}
	}
	out := make([]proto, len(old))
	for c := range old {
		if terms[c] == nil {
			out[c] = old[c]
			continue
		}
		out[c].terms = sparseFromMap(terms[c])
		out[c].terms.normalize()
		if vecs[c] != nil {
			normalize32(vecs[c])
			out[c].vec = vecs[c]
		}
	}
	return out
}

func normalize32(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// closeness is the mean of it's best knnK term similarities to the
// reader's interests, less its similarity to the closest disliked paper.
// Terms alone: with the embedding's cosine averaged in (as reasons
// compare papers) it scored nDCG@10 0.072 rather than 0.101 on the
// development collection, and added to the linear model it helped less.
func (m *Model) closeness(it *Item) float64 {
	var best [knnK]float32
	n := 0
	for _, p := range m.protos {
		s := dotSparse(it.Terms, p.terms)
		if n < knnK {
			best[n] = s
			n++
			continue
		}
		low := 0
		for k := 1; k < knnK; k++ {
			if best[k] < best[low] {
				low = k
			}
		}
		if s > best[low] {
			best[low] = s
		}
	}
	var sum float64
	for _, s := range best[:n] {
		sum += float64(s)
	}
	if n > 0 {
		sum /= float64(n)
	}
	var anti float32
	for _, p := range m.anti {
		anti = max(anti, dotSparse(it.Terms, p.terms))
	}
	return sum - float64(anti)
}

// catLift is each category's log-lift among what the reader liked (and
// follows) over the background, with add-one-half smoothing.
func catLift(in Input) map[int32]float64 {
	liked, bg := map[int32]float64{}, map[int32]float64{}
	var nLiked, nBg float64
	for _, e := range in.Liked {
		for _, c := range e.Item.Cats {
			liked[c] += e.Weight
		}
		nLiked += e.Weight
	}
	for c, w := range in.Cats {
		liked[c] += followPseudo * w
		nLiked += followPseudo * w
	}
	for _, it := range in.Background {
		for _, c := range it.Cats {
			bg[c]++
		}
		nBg++
	}
	if nLiked == 0 {
		return nil
	}
	k := float64(len(bg) + len(liked))
	lift := make(map[int32]float64, len(liked))
	for c, n := range liked {
		lift[c] = math.Log((n+0.5)/(nLiked+0.5*k)) - math.Log((bg[c]+0.5)/(nBg+0.5*k))
	}
	return lift
}

// catScore is the best lift among it's followed categories (none
// followed: 0). The lift of the others is for reasons and insight only.
func (m *Model) catScore(it *Item) float64 {
	best := 0.0
	for _, c := range it.Cats {
		if m.catFollow[c] > 0 {
			best = max(best, m.catLift[c])
		}
	}
	return best
}

// authorScore counts the followed authors of it, by weight.
func (m *Model) authorScore(it *Item) float64 {
	var s float64
	for _, a := range it.Authors {
		s += m.follows[a]
	}
	return s
}

// Score gives each item's score for the reader: the linear model, the
// closeness of its terms to the reader's interests, the prior of
// followed categories and followed authors, each standardised over
// items, in their shares.
func (m *Model) Score(items []*Item) []float64 {
	parts := [4][]float64{}
	for p := range parts {
		parts[p] = make([]float64, len(items))
	}
	for i, it := range items {
		parts[0][i] = m.linearScore(it)
		if len(m.protos) > 0 || len(m.anti) > 0 {
			parts[1][i] = m.closeness(it)
		}
		parts[2][i] = m.catScore(it)
		parts[3][i] = m.authorScore(it)
	}
	out := make([]float64, len(items))
	for p, share := range [4]float64{shareLinear, shareKNN, shareCats, shareAuthors} {
		standardise(parts[p])
		for i, v := range parts[p] {
			out[i] += share * v
		}
	}
	return out
}

// standardise scales xs to mean 0 and standard deviation 1; constant
// xs become all 0.
func standardise(xs []float64) {
	if len(xs) == 0 {
		return
	}
	var mean, sq float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(xs)))
	for i, x := range xs {
		if sd < 1e-12 {
			xs[i] = 0
		} else {
			xs[i] = (x - mean) / sd
		}
	}
}

// Nearest is the liked example most similar to it, among those reasons
// are drawn from, and the similarity, for a reason; -1 when nothing is
// liked.
func (m *Model) Nearest(it *Item) (int, float32) {
	best, bestSim := -1, float32(math.Inf(-1))
	for _, i := range m.reasonIdx {
		e := m.liked[i]
		if s := similarity(it.Terms, it.Vec, e.Item.Terms, e.Item.Vec); s > bestSim {
			best, bestSim = i, s
		}
	}
	return best, bestSim
}

// rankItems orders candidates by their scores, best first.
func rankItems(scores []float64) []int { return rankInto(nil, scores) }

// rankInto is rankItems in the space of order.
func rankInto(order []int, scores []float64) []int {
	if cap(order) < len(scores) {
		order = make([]int, len(scores))
	}
	order = order[:len(scores)]
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	return order
}
