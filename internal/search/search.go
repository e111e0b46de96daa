package search

import (
	"container/heap"
	"context"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Hit is one result.
type Hit struct {
	ID    paper.ID
	Score float32
}

// Result is a page of hits and how many documents matched in all.
type Result struct {
	Hits  []Hit
	Total int
}

// TextSource gives the text of a paper, for checking phrases; the index
// itself keeps no text. Nil means phrases are ranked but not verified.
type TextSource func(ctx context.Context, id paper.ID) (Doc, error)

// searchState is the per-search scratch space, pooled because at millions
// of documents the score array is the largest allocation of a search.
type searchState struct {
	acc     []float32
	touched []uint32
}

// qterm is one ranking term of a query with its weight.
type qterm struct {
	id     uint32
	weight float32
}

// Search runs q and returns hits offset..offset+k by descending score
// (filter-only queries: newest first).
func (ix *Index) Search(ctx context.Context, q *Query, k, offset int, texts TextSource) (Result, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	need := offset + k
	filter := ix.compileFilter(q)
	if filter == nil { // a required term is not in the index at all
		return Result{}, nil
	}
	terms := ix.rankingTerms(q)
	if len(terms) == 0 {
		return ix.newest(filter, k, offset), nil
	}
	st := ix.getState()
	defer ix.scratch.Put(st)
	avg := ix.avgLens()
	for _, t := range terms {
		list := ix.post[t.id]
		w := t.weight * idf(len(list), ix.nLive)
		for i := range list {
			p := &list[i]
			m := &ix.docs[p.doc]
			if m.deleted {
				continue
			}
			if st.acc[p.doc] == 0 {
				st.touched = append(st.touched, p.doc)
			}
			st.acc[p.doc] += w * bm25f(p, m, &avg)
		}
	}
	// Keep the best candidates that pass the filters; phrases are checked
	// last, against the text, in score order, until enough pass.
	total := 0
	h := &hitHeap{}
	window := need
	if len(q.Phrases) > 0 {
		window = max(need*4, 200)
	}
	for _, doc := range st.touched {
		score := st.acc[doc]
		st.acc[doc] = 0
		if !filter(doc) {
			continue
		}
		total++
		if h.Len() < window {
			heap.Push(h, scored{doc, score})
		} else if score > (*h)[0].score || score == (*h)[0].score && doc > (*h)[0].doc {
			(*h)[0] = scored{doc, score}
			heap.Fix(h, 0)
		}
	}
	st.touched = st.touched[:0]
	best := make([]scored, h.Len())
	for i := len(best) - 1; i >= 0; i-- {
		best[i] = heap.Pop(h).(scored)
	}
	if len(q.Phrases) > 0 && texts != nil {
		kept := best[:0]
		for _, s := range best {
			ok, err := ix.hasPhrases(ctx, q.Phrases, ix.docs[s.doc].id, texts)
			if err != nil {
				return Result{}, err
			}
			if ok {
				kept = append(kept, s)
			} else {
				total--
			}
		}
		best = kept
	}
	res := Result{Total: total}
	for i := offset; i < len(best) && i < need; i++ {
		res.Hits = append(res.Hits, Hit{ID: ix.docs[best[i].doc].id, Score: best[i].score})
	}
	return res, nil
}

func (ix *Index) getState() *searchState {
	st, _ := ix.scratch.Get().(*searchState)
	if st == nil {
		st = &searchState{}
	}
	if len(st.acc) < len(ix.docs) {
		st.acc = make([]float32, len(ix.docs)+len(ix.docs)/4)
	}
	return st
}

// rankingTerms resolves the words and prefixes of q to term ids. A word
// repeated in the query weighs more, as in BM25's query term frequency.
// When nothing but authors is asked for, the authors' names rank.
func (ix *Index) rankingTerms(q *Query) []qterm {
	weights := map[uint32]float32{}
	var order []uint32
	add := func(id uint32, w float32) {
		if _, ok := weights[id]; !ok {
			order = append(order, id)
		}
		weights[id] += w
	}
	for _, w := range q.Words {
		if id, ok := ix.termIDs[w]; ok {
			add(id, 1)
		}
	}
	for _, p := range q.Prefixes {
		ids := ix.expandPrefix(p, 32)
		for _, id := range ids {
			add(id, 1/float32(math.Sqrt(float64(len(ids)))))
		}
	}
	if len(order) == 0 && len(q.Words) == 0 && len(q.Prefixes) == 0 {
		for _, name := range q.Authors {
			for _, w := range name {
				if id, ok := ix.termIDs[w]; ok {
					add(id, 1)
				}
			}
		}
	}
	out := make([]qterm, len(order))
	for i, id := range order {
		out[i] = qterm{id, weights[id]}
	}
	return out
}

// compileFilter turns the query's conditions into one predicate over
// document numbers; nil means nothing can match.
func (ix *Index) compileFilter(q *Query) func(doc uint32) bool {
	var excluded [][]posting
	for _, t := range q.Excluded {
		if id, ok := ix.termIDs[t]; ok {
			excluded = append(excluded, ix.post[id])
		}
	}
	var required [][]posting // phrase words: every one must be there
	for _, ph := range q.Phrases {
		for _, t := range ph {
			id, ok := ix.termIDs[t]
			if !ok {
				return nil
			}
			required = append(required, ix.post[id])
		}
	}
	var authorTerms [][]posting
	for _, name := range q.Authors {
		for _, t := range name {
			id, ok := ix.termIDs[t]
			if !ok {
				return nil
			}
			authorTerms = append(authorTerms, ix.post[id])
		}
	}
	fromDay, toDay := int32(math.MinInt32), int32(math.MaxInt32)
	if !q.From.IsZero() {
		fromDay = int32(q.From.Unix() / 86400)
	}
	if !q.To.IsZero() {
		toDay = int32(q.To.Unix() / 86400)
	}
	dated := !q.From.IsZero() || !q.To.IsZero()
	return func(doc uint32) bool {
		m := &ix.docs[doc]
		if m.deleted || q.HasCode && !m.hasCode {
			return false
		}
		if dated && (m.day == 0 || m.day < fromDay || m.day > toDay) {
			return false
		}
		if len(q.Cats) > 0 && !inCategories(m.cats, q.Cats) {
			return false
		}
		for _, list := range excluded {
			if find(list, doc) != nil {
				return false
			}
		}
		for _, list := range required {
			if find(list, doc) == nil {
				return false
			}
		}
		for _, list := range authorTerms {
			if p := find(list, doc); p == nil || p.tf[fieldAuthors] == 0 {
				return false
			}
		}
		return true
	}
}

// find is the posting of doc in a list sorted by document number, or nil.
func find(list []posting, doc uint32) *posting {
	i := sort.Search(len(list), func(i int) bool { return list[i].doc >= doc })
	if i < len(list) && list[i].doc == doc {
		return &list[i]
	}
	return nil
}

// inCategories matches "cs.CL" exactly and "cs" as every cs.* category.
func inCategories(have, want []string) bool {
	for _, w := range want {
		for _, c := range have {
			c = strings.ToLower(c)
			if c == w || strings.HasPrefix(c, w) && len(c) > len(w) && c[len(w)] == '.' {
				return true
			}
		}
	}
	return false
}

// newest answers filter-only queries: every matching document, newest first.
func (ix *Index) newest(filter func(uint32) bool, k, offset int) Result {
	var docs []uint32
	for doc := range ix.docs {
		if filter(uint32(doc)) {
			docs = append(docs, uint32(doc))
		}
	}
	slices.SortFunc(docs, func(a, b uint32) int {
		if da, db := ix.docs[a].day, ix.docs[b].day; da != db {
			return int(db - da)
		}
		return int(b) - int(a)
	})
	res := Result{Total: len(docs)}
	for i := offset; i < len(docs) && i < offset+k; i++ {
		res.Hits = append(res.Hits, Hit{ID: ix.docs[docs[i]].id})
	}
	return res
}

// hasPhrases checks that every phrase occurs, word after word, in one field.
func (ix *Index) hasPhrases(ctx context.Context, phrases [][]string, id paper.ID, texts TextSource) (bool, error) {
	d, err := texts(ctx, id)
	if err != nil {
		return false, err
	}
	a := newAnalyzer()
	fields := [][]string{a.terms(nil, d.Title), a.terms(nil, d.Abstract), a.terms(nil, strings.Join(d.Authors, " , "))}
	for _, ph := range phrases {
		found := false
		for _, f := range fields {
			if containsRun(f, ph) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// containsRun reports whether run occurs contiguously in seq. Stop words
// are dropped from both, so "state of the art" matches "state-of-the-art".
func containsRun(seq, run []string) bool {
	for i := 0; i+len(run) <= len(seq); i++ {
		if slices.Equal(seq[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

type scored struct {
	doc   uint32
	score float32
}

// hitHeap is a min-heap of the best hits so far; ties go to the newer document.
type hitHeap []scored

func (h hitHeap) Len() int { return len(h) }
func (h hitHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].doc < h[j].doc
}
func (h hitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
