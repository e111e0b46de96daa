package search

import (
	"container/heap"
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Hit is one result.
type Hit struct {
	ID    paper.ID
	Score float32
}

// Result is a page of hits.
type Result struct {
	Hits []Hit
	// Total is the number of matching documents when Exact; otherwise a
	// lower bound, because ranking stopped scoring documents that could no
	// longer reach the page.
	Total int
	Exact bool
	// More says whether there are results after this page.
	More bool
}

// IDs are the papers of the hits, in order.
func (r Result) IDs() []paper.ID {
	ids := make([]paper.ID, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids
}

// TextSource gives the texts of papers, for checking phrases; the index
// itself keeps no text. It returns a Doc for each of ids it knows, in any
// order, and leaves out the ones it does not (a paper removed since it was
// indexed fails the check). Candidates come in batches, so that a store
// answers each batch with one read. Nil means phrases are ranked but not
// verified.
type TextSource func(ctx context.Context, ids []paper.ID) ([]Doc, error)

// qterm is one ranking term of a query with its weight.
type qterm struct {
	id     uint32
	weight float32
}

// Search runs q and returns hits offset..offset+k by descending score
// (filter-only queries: newest first).
//
// Queries with phrases or authors must contain those words: their
// candidates are the intersection of those words' posting lists, driven
// by the shortest, and every candidate is scored. Other queries are a
// ranked OR of their words, computed with MaxScore: words are ordered by
// the best score they can add, and once the k-th best score so far is
// higher than what the weakest words can add together, documents that
// have only those words are skipped without being scored.
func (ix *Index) Search(ctx context.Context, q *Query, k, offset int, texts TextSource) (Result, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.search(ctx, q, k, offset, texts)
}

// search is Search with the read lock held.
func (ix *Index) search(ctx context.Context, q *Query, k, offset int, texts TextSource) (Result, error) {
	need := offset + k + 1 // one more, to know whether another page exists
	filter := ix.compileFilter(q)
	if filter == nil { // a required word is not in the index at all
		return Result{Exact: true}, nil
	}
	terms := ix.rankingTerms(q)
	if len(terms) == 0 {
		if len(q.Words) > 0 || len(q.Prefixes) > 0 || len(q.Authors) > 0 || len(q.Phrases) > 0 {
			return Result{Exact: true}, nil // it asked for words no paper has
		}
		return ix.newest(ctx, filter, k, offset)
	}
	window := need
	if len(q.Phrases) > 0 && texts != nil {
		window = max(need*4, 50) // room for candidates that fail the phrase check
	}
	var (
		best  []scored
		total int
		exact bool
	)
	var err error
	if req := ix.requiredLists(q); len(req) > 0 {
		best, total, err = ix.conjunctive(ctx, req, ix.cursors(terms), filter, window)
		exact = true
	} else {
		best, total, exact, err = ix.maxScore(ctx, ix.cursors(terms), filter, window)
	}
	if err != nil {
		return Result{}, err
	}
	if len(q.Phrases) > 0 && texts != nil {
		kept, checked, err := ix.keepPhrases(ctx, q.Phrases, best, need, texts)
		if err != nil {
			return Result{}, err
		}
		if checked == total { // every candidate was checked
			total = len(kept)
		} else { // estimate how many of the rest would pass
			total = total * len(kept) / max(checked, 1)
			exact = false
		}
		total = max(total, len(kept))
		best = kept
	}
	res := Result{Total: total, Exact: exact, More: len(best) > offset+k}
	for i := offset; i < len(best) && i < offset+k; i++ {
		res.Hits = append(res.Hits, Hit{ID: ix.docs[best[i].doc].id, Score: best[i].score})
	}
	return res, nil
}

// cursor walks one term's posting list.
type cursor struct {
	list   []posting
	blocks []uint8 // the list's block maxima
	pos    int
	w      float32 // idf times query weight, divided by impScale
	ub     float32 // the most this term adds to any document
}

const noDoc = math.MaxUint32

func (c *cursor) doc() uint32 {
	if c.pos < len(c.list) {
		return c.list[c.pos].doc()
	}
	return noDoc
}

func (c *cursor) score() float32 { return c.w * float32(c.list[c.pos].imp()) }

// seek moves to the first posting at or after doc, galloping: cursors
// mostly move a little, and sometimes far.
func (c *cursor) seek(doc uint32) {
	if c.pos >= len(c.list) || c.list[c.pos].doc() >= doc {
		return
	}
	step := 1
	lo := c.pos
	hi := lo + step
	for hi < len(c.list) && c.list[hi].doc() < doc {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(c.list))
	c.pos = lo + sort.Search(hi-lo, func(i int) bool { return c.list[lo+i].doc() >= doc })
}

func (ix *Index) cursors(terms []qterm) []*cursor {
	out := make([]*cursor, 0, len(terms))
	for _, t := range terms {
		list := ix.post[t.id]
		if len(list) == 0 {
			continue
		}
		w := t.weight * idf(len(list), ix.nLive) / impScale
		out = append(out, &cursor{list: list, blocks: ix.blockMax[t.id], w: w, ub: w * float32(ix.maxImp[t.id])})
	}
	return out
}

// topK keeps the best n scored documents; ties go to the newer document.
type topK struct {
	h hitHeap
	n int
}

func (t *topK) threshold() float32 {
	if len(t.h) < t.n {
		return -1
	}
	return t.h[0].score
}

func (t *topK) offer(doc uint32, score float32) {
	if len(t.h) < t.n {
		heap.Push(&t.h, scored{doc, score})
	} else if s := t.h[0]; score > s.score || score == s.score && doc > s.doc {
		t.h[0] = scored{doc, score}
		heap.Fix(&t.h, 0)
	}
}

// sorted empties the heap, best first.
func (t *topK) sorted() []scored {
	out := make([]scored, len(t.h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&t.h).(scored)
	}
	return out
}

// checkEvery is how many documents ranking visits between looks at its
// context: a few microseconds of work, so that a request whose client
// went away (or a server shutting down) stops ranking at once.
const checkEvery = 1024

// maxScore ranks the union of the terms' lists (see Search). The count of
// matches is exact when the top never filled up, so nothing was skipped.
// It stops with ctx's error when ctx ends.
func (ix *Index) maxScore(ctx context.Context, cur []*cursor, filter func(uint32) bool, n int) ([]scored, int, bool, error) {
	slices.SortFunc(cur, func(a, b *cursor) int { return cmpFloat(a.ub, b.ub) })
	prefix := make([]float32, len(cur)) // prefix[i]: the most terms 0..i add together
	var sum float32
	for i, c := range cur {
		sum += c.ub
		prefix[i] = sum
	}
	top := topK{n: n}
	scoredDocs := 0
	essential := 0 // terms before it cannot lift a document into the top on their own
	for visited := 1; ; visited++ {
		if visited%checkEvery == 0 && ctx.Err() != nil {
			return nil, 0, false, ctx.Err()
		}
		theta := top.threshold()
		// Strictly below: a document that ties the k-th best still enters
		// (ties go to the newer document, see topK.offer).
		for essential < len(cur) && prefix[essential] < theta {
			essential++
		}
		if essential == len(cur) {
			break
		}
		// With one essential term left (a one-word query, or one whose other
		// words are weak), skip whole blocks of its list whose best posting,
		// with everything the other terms could add, stays below the top.
		if essential == len(cur)-1 && theta >= 0 {
			c := cur[essential]
			rest := float32(0)
			if essential > 0 {
				rest = prefix[essential-1]
			}
			for c.pos < len(c.list) {
				b := c.pos / blockSize
				if c.w*float32(c.blocks[b])+rest >= theta {
					break
				}
				c.pos = (b + 1) * blockSize
			}
		}
		doc := uint32(noDoc)
		for _, c := range cur[essential:] {
			doc = min(doc, c.doc())
		}
		if doc == noDoc {
			break
		}
		var score float32
		for _, c := range cur[essential:] {
			if c.doc() == doc {
				score += c.score()
				c.pos++
			}
		}
		for i := essential - 1; i >= 0 && score >= 0; i-- {
			if score+prefix[i] < theta {
				score = -1 // even every remaining term could not lift it
				break
			}
			c := cur[i]
			c.seek(doc)
			if c.doc() == doc {
				score += c.score()
			}
		}
		if score < theta || !filter(doc) {
			continue
		}
		scoredDocs++
		top.offer(doc, score)
	}
	return top.sorted(), scoredDocs, scoredDocs < n, nil
}

// required is a posting list every result must be in; for author names,
// in the authors field.
type required struct {
	list   []posting
	author bool
}

// requiredLists are the lists of the words of phrases and author names.
func (ix *Index) requiredLists(q *Query) []required {
	var lists []required
	for _, ph := range q.Phrases {
		for _, t := range ph {
			if id, ok := ix.termIDs[t]; ok {
				lists = append(lists, required{list: ix.post[id]})
			}
		}
	}
	for _, name := range q.Authors {
		for _, t := range name {
			if id, ok := ix.termIDs[t]; ok {
				lists = append(lists, required{list: ix.post[id], author: true})
			}
		}
	}
	return lists
}

// conjunctive scores every document in all required lists (see Search).
// It stops with ctx's error when ctx ends.
func (ix *Index) conjunctive(ctx context.Context, req []required, cur []*cursor, filter func(uint32) bool, n int) ([]scored, int, error) {
	slices.SortFunc(req, func(a, b required) int { return len(a.list) - len(b.list) })
	others := make([]*cursor, len(req)-1)
	for i, r := range req[1:] {
		others[i] = &cursor{list: r.list}
	}
	top := topK{n: n}
	total := 0
next:
	for i, p := range req[0].list {
		if (i+1)%checkEvery == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		doc := p.doc()
		if req[0].author && p.tf().field(fieldAuthors) == 0 {
			continue
		}
		for i, c := range others {
			c.seek(doc)
			if c.doc() != doc || req[i+1].author && c.list[c.pos].tf().field(fieldAuthors) == 0 {
				continue next
			}
		}
		if !filter(doc) {
			continue
		}
		var score float32
		for _, c := range cur {
			c.seek(doc)
			if c.doc() == doc {
				score += c.score()
			}
		}
		total++
		top.offer(doc, score)
	}
	return top.sorted(), total, nil
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
		ids := ix.expandPrefix(p, PrefixTerms)
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
	// Excluded words become one bit per document, set from their lists:
	// the vector search asks about documents in no order and, with
	// common words excluded, about nearly all of them, and looking each
	// up in every list made such a query the costliest there was.
	var excluded []uint64
	for _, t := range q.Excluded {
		if id, ok := ix.termIDs[t]; ok {
			if excluded == nil {
				excluded = make([]uint64, (len(ix.docs)+63)/64)
			}
			for _, p := range ix.post[id] {
				d := p.doc()
				excluded[d/64] |= 1 << (d % 64)
			}
		}
	}
	// An excluded phrase leaves out papers that have all of its words; the
	// index keeps no positions, and this is the closest it can tell.
	var excludedPhrases [][]*seeker
	for _, ph := range q.ExcludedPhrases {
		var lists []*seeker
		for _, t := range ph {
			id, ok := ix.termIDs[t]
			if !ok {
				lists = nil // a word no paper has: nothing to leave out
				break
			}
			lists = append(lists, &seeker{cursor: cursor{list: ix.post[id]}})
		}
		if lists != nil {
			excludedPhrases = append(excludedPhrases, lists)
		}
	}
	// Phrase and author words are not checked here: their posting lists
	// drive the conjunctive path (see Search). One that is not indexed at
	// all means nothing can match.
	for _, group := range [][][]string{q.Phrases, q.Authors} {
		for _, words := range group {
			for _, t := range words {
				if _, ok := ix.termIDs[t]; !ok {
					return nil
				}
			}
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
	// The catalogue has a few hundred categories: each is matched against
	// the query's once, not once per paper ("cat:cs cat:math ..." over
	// every paper of a filter-only query).
	catOK := map[string]bool{}
	inCats := func(cats []string) bool {
		for _, c := range cats {
			ok, seen := catOK[c]
			if !seen {
				ok = inCategories([]string{c}, q.Cats)
				catOK[c] = ok
			}
			if ok {
				return true
			}
		}
		return false
	}
	return func(doc uint32) bool {
		m := &ix.docs[doc]
		if m.deleted || q.HasCode && !m.hasCode {
			return false
		}
		if dated && (m.day == 0 || m.day < fromDay || m.day > toDay) {
			return false
		}
		if len(q.Cats) > 0 && !inCats(m.cats) {
			return false
		}
		if excluded != nil && excluded[doc/64]&(1<<(doc%64)) != 0 {
			return false
		}
	phrases:
		for _, lists := range excludedPhrases {
			for _, list := range lists {
				if !list.has(doc) {
					continue phrases
				}
			}
			return false
		}
		return true
	}
}

// seeker answers whether a posting list holds a document. Ranking asks
// in increasing document order, so it walks the list forward from where
// the last answer left it (galloping); a document before that is looked
// up afresh. A query excluding common words asks once for each of
// thousands of candidates, and a binary search of each list every time
// made such a query the costliest there was.
type seeker struct {
	cursor
	last uint32
}

func (s *seeker) has(doc uint32) bool {
	if doc < s.last {
		s.pos = sort.Search(len(s.list), func(i int) bool { return s.list[i].doc() >= doc })
	}
	s.last = doc
	s.seek(doc)
	return s.doc() == doc
}

// find is the posting of doc in a list sorted by document number, or nil.
func find(list []posting, doc uint32) *posting {
	i := sort.Search(len(list), func(i int) bool { return list[i].doc() >= doc })
	if i < len(list) && list[i].doc() == doc {
		return &list[i]
	}
	return nil
}

// inCategories matches "cs.CL" exactly and "cs" as every cs.* category.
func inCategories(have, want []string) bool {
	for _, w := range want {
		for _, c := range have { // both lower case already
			if c == w || strings.HasPrefix(c, w) && len(c) > len(w) && c[len(w)] == '.' {
				return true
			}
		}
	}
	return false
}

// newest answers filter-only queries: every matching document, newest
// first. "cat:cs" matches half the catalogue; only the newest days that
// fill the page and those before it are sorted, found by counting the
// matches of each day. It stops with ctx's error when ctx ends.
func (ix *Index) newest(ctx context.Context, filter func(uint32) bool, k, offset int) (Result, error) {
	var docs []uint32
	lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
	for doc := range ix.docs {
		if (doc+1)%checkEvery == 0 && ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		if filter(uint32(doc)) {
			docs = append(docs, uint32(doc))
			d := ix.docs[doc].day
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	total, need := len(docs), offset+k+1
	if total > 4*need && int64(hi)-int64(lo) < 1<<20 {
		perDay := make([]int32, hi-lo+1)
		for _, doc := range docs {
			perDay[ix.docs[doc].day-lo]++
		}
		cut, n := hi, 0 // the oldest day the page needs
		for ; cut > lo && n+int(perDay[cut-lo]) < need; cut-- {
			n += int(perDay[cut-lo])
		}
		docs = slices.DeleteFunc(docs, func(doc uint32) bool { return ix.docs[doc].day < cut })
	}
	slices.SortFunc(docs, func(a, b uint32) int {
		if da, db := ix.docs[a].day, ix.docs[b].day; da != db {
			return int(db - da)
		}
		return int(b) - int(a)
	})
	res := Result{Total: total, Exact: true, More: total > offset+k}
	for i := offset; i < len(docs) && i < offset+k; i++ {
		res.Hits = append(res.Hits, Hit{ID: ix.docs[docs[i]].id})
	}
	return res, nil
}

// keepPhrases returns the first need candidates, in order, in whose text
// every phrase occurs, and how many candidates it checked. Texts are read
// a batch at a time: first as many as are still needed, then as many as
// the pass rate so far says it takes to find the rest, so that a query
// whose candidates mostly pass costs one read, and one whose candidates
// mostly fail a few, never one read per candidate.
func (ix *Index) keepPhrases(ctx context.Context, phrases [][]string, cands []scored, need int, texts TextSource) (kept []scored, checked int, err error) {
	const minBatch, maxBatch = 16, 512
	a := analyzers.Get().(*analyzer)
	defer analyzers.Put(a)
	firsts := phraseFirsts(phrases)
	kept = make([]scored, 0, need)
	for checked < len(cands) && len(kept) < need {
		want := need - len(kept)
		if checked > 0 { // scale by the pass rate so far
			want = want * checked / max(len(kept), 1)
		}
		batch := cands[checked:min(checked+min(max(want, minBatch), maxBatch), len(cands))]
		ids := make([]paper.ID, len(batch))
		for i, s := range batch {
			ids[i] = ix.docs[s.doc].id
		}
		docs, err := texts(ctx, ids)
		if err != nil {
			return nil, 0, err
		}
		byID := make(map[paper.ID]*Doc, len(docs))
		for i := range docs {
			byID[docs[i].ID] = &docs[i]
		}
		for i, s := range batch {
			checked++
			if d := byID[ids[i]]; d != nil && hasPhrases(a, phrases, firsts, d) {
				kept = append(kept, s)
				if len(kept) == need {
					break
				}
			}
		}
	}
	return kept, checked, nil
}

// hasPhrases checks that every phrase occurs, word after word, in one
// field. Fields are analysed only when a phrase is looked for in them: a
// phrase found in the title spares the abstract.
func hasPhrases(a *analyzer, phrases [][]string, firsts *[256]bool, d *Doc) bool {
	texts := [...]func() string{
		func() string { return d.Title },
		func() string { return d.Abstract },
		func() string { return strings.Join(d.Authors, " , ") },
	}
	var fields [len(texts)][]string
	var done [len(texts)]bool
	for _, ph := range phrases {
		found := false
		for i := range texts {
			if !done[i] {
				fields[i], done[i] = a.phraseTerms(nil, texts[i](), firsts), true
			}
			if containsRun(fields[i], ph) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// phraseFirsts marks the first bytes of the phrases' terms, for phraseTerms.
func phraseFirsts(phrases [][]string) *[256]bool {
	var firsts [256]bool
	for _, ph := range phrases {
		for _, t := range ph {
			firsts[t[0]] = true
		}
	}
	return &firsts
}

// analyzers keeps analysers, with their stem caches, from one phrase check
// to the next: the words of abstracts repeat, and a cached stem is a map
// look-up where stemming it again is most of a check's work.
var analyzers = sync.Pool{New: func() any { return newAnalyzer() }}

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
