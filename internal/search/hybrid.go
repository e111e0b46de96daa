package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// Mode is how results are ranked.
type Mode string

const (
	Lexical  Mode = "lexical"  // BM25F over the words
	Semantic Mode = "semantic" // cosine of the embeddings
	Hybrid   Mode = "hybrid"   // both, fused (see SearchMode)
)

// ParseMode reads a mode name; "" is hybrid.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Lexical, Semantic, Hybrid:
		return m, nil
	case "":
		return Hybrid, nil
	}
	return "", fmt.Errorf("unknown ranking mode %q (lexical, semantic or hybrid)", s)
}

// fuseDepth is how many results of each ranking are fused; past it, pages
// continue in lexical order.
const fuseDepth = 100

// SemanticWeight is the share α of the semantic score in the hybrid score
//
//	α·(cos−min cos)/(max cos−min cos) + (1−α)·bm25/max bm25
//
// where the minimum and maxima are taken over the fused candidates: a
// convex combination of min-max normalised scores, which keeps the
// strength of each match where reciprocal-rank fusion would throw it
// away. It is the share for an embedder that does not name its own
// (HybridWeighter): it was chosen for the GloVe word vectors on a
// development task built from arXiv titles and abstracts, never on the
// evaluation collections (see BENCHMARKS.md).
const SemanticWeight = 0.1

// HybridWeighter is an embedder that names the semantic share of hybrid
// ranking its vectors are worth: a stronger model deserves more than
// SemanticWeight (package static's built-in model names 0.3).
type HybridWeighter interface {
	HybridWeight() float32
}

// AgreementFuser is an embedder whose semantic share of hybrid ranking
// is scaled, query by query, by how much its ranking agrees with the
// words' (agreeFloor + (1−agreeFloor)·agreement): vectors trained on one
// field's papers rank another field's texts poorly, and there the two
// rankings part. The built-in model no longer asks for it (a fixed share
// did better out of its field); eval --fusion agreement still measures it.
type AgreementFuser interface {
	HybridAgreement() bool
}

// AgreeFor says whether hybrid ranking with emb scales the semantic share
// by the rankings' agreement.
func (m Mode) AgreeFor(emb embed.Embedder) bool {
	a, ok := emb.(AgreementFuser)
	return ok && m == Hybrid && a.HybridAgreement()
}

// agreeDepth is how many of each side's best candidates agreement
// compares: the depth of a first page, where nDCG@10 is decided.
const agreeDepth = 10

// agreeFloor is the share of the weight a query keeps when its two
// rankings share nothing of their tops: scaling by agreement alone took
// most of the semantic side's gain on the development collections away
// (sentence queries, whose words find little, part from the cosines
// often and gain the most from them; BENCHMARKS.md).
const agreeFloor = 0.5

// agreement is the share of the top agreeDepth candidates by lexical score
// (lex) that are also among the top agreeDepth by cosine (sem), from 0 to
// 1; candidates without a cosine (sem -2) rank last by it. Ties break by
// position, so the result does not depend on the order of equal scores
// beyond the candidates' own.
func agreement(lex, sem []float32) float32 {
	n := min(agreeDepth, len(lex))
	if n == 0 {
		return 0
	}
	top := func(score []float32) []int {
		idx := make([]int, len(score))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(score[b], score[a]) })
		return idx[:n]
	}
	inLex := map[int]bool{}
	for _, i := range top(lex) {
		inLex[i] = true
	}
	both := 0
	for _, i := range top(sem) {
		if inLex[i] {
			both++
		}
	}
	return float32(both) / float32(n)
}

// Weight is the semantic share of the ranking in a mode: 0 for lexical,
// 1 for semantic, SemanticWeight for hybrid.
func (m Mode) Weight() float32 {
	switch m {
	case Lexical:
		return 0
	case Semantic:
		return 1
	}
	return SemanticWeight
}

// WeightFor is Weight with emb's own hybrid share, when it names one.
func (m Mode) WeightFor(emb embed.Embedder) float32 {
	if w, ok := emb.(HybridWeighter); ok && m == Hybrid {
		return w.HybridWeight()
	}
	return m.Weight()
}

// SemanticQuery is the semantic side of a search: the embedding of the
// query's meaning, the vectors of the same model, and the weight of the
// semantic score (Mode.Weight). With Agree, the weight is scaled by the
// agreement of the two rankings' tops for the query (AgreementFuser):
// from half of it, where they share none of their top ten, to all of it.
type SemanticQuery struct {
	Vec     []float32
	Vectors *Vectors
	Weight  float32
	Agree   bool
}

// SearchMode ranks q with sem's share of semantic ranking. With weight 0,
// no vectors, or a query with no words to rank by (only filters), the
// ranking is lexical.
//
// Candidates are the top fuseDepth lexical results and, unless the query
// requires phrases or authors (which only the lexical side can check), the
// top fuseDepth nearest vectors that pass the query's filters. In hybrid
// ranking a query narrowed by category, date or code takes no nearest
// vectors: few vectors pass such a filter, the nearest-neighbour search
// would have to scan many clusters to find them, and the lexical side
// enumerates them directly; its candidates are still re-ranked by meaning.
// Every candidate gets both scores (a paper found by one side is scored
// by the other), and they are fused: semantic mode ranks by the cosine
// alone.
func (ix *Index) SearchMode(ctx context.Context, q *Query, sem SemanticQuery, k, offset int, texts TextSource) (Result, error) {
	return ix.searchMode(ctx, q, sem, k, offset, texts, fuseDepth, nil)
}

// searchMode is SearchMode fusing the top depth of each ranking. When
// candQ is not nil, the lexical candidates are found with candQ's words (a
// few of q's) and scored with all of q's.
func (ix *Index) searchMode(ctx context.Context, q *Query, sem SemanticQuery, k, offset int, texts TextSource, depth int, candQ *Query) (Result, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	qvec, vecs := sem.Vec, sem.Vectors
	if sem.Weight <= 0 || vecs == nil || len(qvec) != vecs.Dim() || isZero(qvec) || q.Meaning == "" {
		if candQ != nil {
			return ix.rescored(ctx, q, candQ, k, offset, texts, depth)
		}
		return ix.search(ctx, q, k, offset, texts)
	}
	need := offset + k + 1
	lexDepth := depth
	if need > depth {
		lexDepth = need + depth // room for the fused ones to be skipped
	}
	if candQ == nil {
		candQ = q
	}
	lex, err := ix.search(ctx, candQ, lexDepth, 0, texts)
	if err != nil {
		return Result{}, err
	}
	if candQ != q {
		ix.rescore(q, lex.Hits)
	}
	type cand struct {
		id       paper.ID
		lex, sem float32
		fused    float32
	}
	var cands []cand
	at := map[paper.ID]int{}
	for i, h := range lex.Hits {
		if i == depth {
			break
		}
		at[h.ID] = len(cands)
		cands = append(cands, cand{id: h.ID, lex: h.Score, sem: -2})
	}
	if len(q.Phrases) == 0 && len(ix.requiredLists(q)) == 0 && (sem.Weight >= 1 || !q.narrowed()) {
		curs := ix.cursors(ix.rankingTerms(q))
		if filter := ix.compileFilter(q); filter != nil {
			for _, h := range ix.nearest(q, vecs, qvec, filter, depth) {
				if i, ok := at[h.ID]; ok {
					cands[i].sem = h.Sim
					continue
				}
				at[h.ID] = len(cands)
				cands = append(cands, cand{id: h.ID, lex: lexScore(curs, ix.live[h.ID]), sem: h.Sim})
			}
		}
	}
	if len(cands) == 0 {
		return lex, nil
	}
	// The lexical candidates' cosines, in one pass with the query
	// quantised once.
	var unscored []paper.ID
	for _, c := range cands {
		if c.sem == -2 {
			unscored = append(unscored, c.id)
		}
	}
	sims, ok := vecs.Similarities(qvec, unscored)
	maxLex, minSem, maxSem := float32(0), float32(2), float32(-2)
	for i, j := 0, 0; i < len(cands); i++ {
		c := &cands[i]
		if c.sem == -2 {
			if ok[j] {
				c.sem = sims[j]
			}
			j++
		}
		maxLex = max(maxLex, c.lex)
		if c.sem > -2 {
			minSem, maxSem = min(minSem, c.sem), max(maxSem, c.sem)
		}
	}
	alpha := min(sem.Weight, 1)
	if sem.Agree {
		lexs, sems := make([]float32, len(cands)), make([]float32, len(cands))
		for i, c := range cands {
			lexs[i], sems[i] = c.lex, c.sem
		}
		alpha *= agreeFloor + (1-agreeFloor)*agreement(lexs, sems)
	}
	for i := range cands {
		c := &cands[i]
		var l, s float32
		if maxLex > 0 {
			l = c.lex / maxLex
		}
		if c.sem > -2 && maxSem > minSem {
			s = (c.sem - minSem) / (maxSem - minSem)
		}
		c.fused = alpha*s + (1-alpha)*l
	}
	slices.SortStableFunc(cands, func(a, b cand) int { // best first, ties to the better words
		return cmp.Or(cmpFloat(b.fused, a.fused), cmpFloat(b.lex, a.lex))
	})
	if len(cands) > depth {
		cands = cands[:depth]
	}
	// The fused head, then the lexical tail without what the head shows.
	// Papers only the semantic side found (no query word at all) add to
	// the lexical total.
	all := make([]Hit, 0, need)
	shown := map[paper.ID]bool{}
	wordless := 0
	for _, c := range cands {
		all = append(all, Hit{ID: c.id, Score: c.fused})
		shown[c.id] = true
		if c.lex == 0 {
			wordless++
		}
	}
	// The tail's scores are the lexical part of the fused score (its
	// semantic part unknown), kept from rising above the head's last.
	floor := all[len(all)-1].Score
	for _, h := range lex.Hits {
		if len(all) >= need {
			break
		}
		if !shown[h.ID] {
			if maxLex > 0 {
				h.Score = (1 - alpha) * h.Score / maxLex
			}
			floor = min(floor, h.Score)
			h.Score = floor
			all = append(all, h)
		}
	}
	res := Result{Total: max(lex.Total+wordless, len(all)), Exact: lex.Exact, More: len(all) > offset+k}
	for i := offset; i < len(all) && i < offset+k; i++ {
		res.Hits = append(res.Hits, all[i])
	}
	return res, nil
}

// rescored ranks by words alone the top depth (at least offset+k+1) that
// candQ finds, scored by q's words; Total and Exact are candQ's.
func (ix *Index) rescored(ctx context.Context, q, candQ *Query, k, offset int, texts TextSource, depth int) (Result, error) {
	res, err := ix.search(ctx, candQ, max(depth, offset+k+1), 0, texts)
	if err != nil {
		return Result{}, err
	}
	ix.rescore(q, res.Hits)
	res.More = len(res.Hits) > offset+k
	res.Hits = res.Hits[min(offset, len(res.Hits)):min(offset+k, len(res.Hits))]
	return res, nil
}

// rescore gives hits the scores of q's words and sorts them, best first.
func (ix *Index) rescore(q *Query, hits []Hit) {
	curs := ix.cursors(ix.rankingTerms(q))
	for i := range hits {
		hits[i].Score = lexScore(curs, ix.live[hits[i].ID])
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmpFloat(b.Score, a.Score) })
}

// nearest is the n nearest vectors to qvec of live papers that pass
// filter. A query with no condition of its own (the common case)
// asks the vectors for their nearest without a filter and checks only
// those: a vector scan offers each better hit in turn, several hundred a
// query, and looking each up in the live map took as long as scoring the
// whole scan. Such a filter refuses only vectors of papers the index does
// not hold (deleted since, or never indexed), which the store keeps few
// of, so the second, filtered scan is rare; when all 100 pass, they are
// the 100 nearest that pass.
func (ix *Index) nearest(q *Query, vecs *Vectors, qvec []float32, filter func(uint32) bool, n int) []VecHit {
	accept := func(id paper.ID) bool {
		doc, ok := ix.live[id]
		return ok && filter(doc)
	}
	if q.conditioned() {
		// A narrow condition ("cat:q-fin.TR year:2015") lets few vectors
		// through: the cluster scan would look at every vector to find
		// them. Such papers are found by the filter in one pass over the
		// documents and scored directly.
		var ids []paper.ID
		for doc := range ix.docs {
			if filter(uint32(doc)) {
				if len(ids) == narrowScored {
					return vecs.Nearest(qvec, n, accept, false)
				}
				ids = append(ids, ix.docs[doc].id)
			}
		}
		sims, ok := vecs.Similarities(qvec, ids)
		hits := make([]VecHit, 0, len(ids))
		for i, id := range ids {
			if ok[i] {
				hits = append(hits, VecHit{ID: id, Sim: sims[i]})
			}
		}
		slices.SortFunc(hits, byVecSim)
		return hits[:min(n, len(hits))]
	}
	hits := vecs.Nearest(qvec, n, nil, false)
	for _, h := range hits {
		if !accept(h.ID) {
			return vecs.Nearest(qvec, n, accept, false)
		}
	}
	return hits
}

// narrowScored is the most papers a condition may let through for them
// to be scored one by one (nearest) rather than found by the clusters: a
// millisecond or two of scoring.
const narrowScored = 20_000

// lexScore is the BM25F score of one document for the ranking terms'
// cursors (ix.cursors), as the lexical search computes it.
func lexScore(curs []*cursor, doc uint32) float32 {
	var s float32
	for _, c := range curs {
		if p := find(c.list, doc); p != nil {
			s += c.w * float32(p.imp())
		}
	}
	return s
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
