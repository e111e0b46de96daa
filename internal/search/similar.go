package search

import (
	"math"
	"slices"
)

// moreLikeThis builds a query from a document's most distinctive terms:
// term frequency in the title (counted double) and abstract, times idf,
// keeping the best n. Terms in almost every document carry no meaning and
// terms in only one (the paper itself) find nothing else, so both are left out.
func (ix *Index) moreLikeThis(d Doc, n int) *Query {
	a := newAnalyzer()
	tf := map[string]float64{}
	for _, t := range a.terms(nil, d.Title) {
		tf[t] += 2
	}
	for _, t := range a.terms(nil, d.Abstract) {
		tf[t]++
	}
	ix.mu.RLock()
	type weighted struct {
		term string
		w    float64
	}
	var ws []weighted
	for t, f := range tf {
		id, ok := ix.termIDs[t]
		if !ok {
			continue
		}
		df := len(ix.post[id])
		if df < 2 || df > ix.nLive/5 {
			continue
		}
		ws = append(ws, weighted{t, math.Log1p(f) * float64(idf(df, ix.nLive))})
	}
	ix.mu.RUnlock()
	slices.SortFunc(ws, func(x, y weighted) int {
		if x.w != y.w {
			if x.w > y.w {
				return -1
			}
			return 1
		}
		if x.term < y.term {
			return -1
		}
		return 1
	})
	q := &Query{}
	for i := 0; i < len(ws) && i < n; i++ {
		q.Words = append(q.Words, ws[i].term)
	}
	return q
}
