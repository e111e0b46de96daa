package search

// TermWeights calls fn with each index term of d's title and abstract and
// its BM25F weight by this index's statistics (document frequencies,
// average field lengths): what a one-word query for the term would score
// d. Authors are left out: a reader model keeps them as features of their
// own. d need not be indexed; its terms the index has never seen weigh as
// the rarest do. The recommender builds its term features from this, so
// that they are weighted exactly as search weighs them.
func (ix *Index) TermWeights(d Doc, fn func(term string, w float32)) {
	a := newAnalyzer()
	d.Authors = nil
	an := a.analyze(d)
	m := docMeta{}
	for f := range numFields {
		m.lens[f] = uint16(min(an.lens[f], 1<<16-1))
	}
	ix.mu.RLock()
	avg := ix.avgLens()
	n := max(ix.nLive, 1)
	dfs := make([]int, len(an.terms))
	for i, t := range an.terms {
		if id, ok := ix.termIDs[t.term]; ok {
			dfs[i] = len(ix.post[id])
		}
	}
	ix.mu.RUnlock()
	for i, t := range an.terms {
		fn(t.term, bm25f(t.tf, &m, &avg)*idf(dfs[i], n))
	}
}

// TermWeights is the current index's Index.TermWeights.
func (s *Service) TermWeights(d Doc, fn func(term string, w float32)) {
	s.ix.Load().TermWeights(d, fn)
}
