package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// BenchmarkSimilarDepth measures what the depth of similar papers' fusion
// costs and changes (search.Service.SimilarAtDepth): for 1,000 random
// papers of the feed (the pages people open) in the 355k-paper database
// (words and meaning, as serve runs),
// the six similar papers fusing the top 100 of each ranking (the search
// default) and fewer. Per depth: p50 and p99 of one ranking, and how far
// its six agree with depth 100's: the mean share of depth 100's six it
// also lists (overlap) and the share of papers whose six are the same
// papers in the same order (same). Then, at depth 100, lexical candidates
// found with the query's 12, 8 or 6 strongest words only (and scored with
// all 24): wordsN.
//
//	go test ./internal/bench -run '^$' -bench SimilarDepth -benchtime 1x -timeout 30m
func BenchmarkSimilarDepth(b *testing.B) {
	const k = 6
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	ctx := context.Background()
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 20_000})
	if err != nil {
		b.Fatal(err)
	}
	ps := make([]paper.Paper, len(items))
	for i := range items {
		ps[i] = items[i].Paper
	}
	rng := rand.New(rand.NewPCG(7, 8))
	rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	ps = ps[:min(1000, len(ps))]
	type variant struct {
		name string
		rank func(p *paper.Paper) ([]search.Hit, error)
	}
	variants := []variant{}
	for _, depth := range []int{100, 50, 30, 20} {
		variants = append(variants, variant{fmt.Sprintf("depth%d", depth), func(p *paper.Paper) ([]search.Hit, error) {
			return svc.SimilarAtDepth(ctx, p, k, depth)
		}})
	}
	for _, words := range []int{12, 8, 6} {
		variants = append(variants, variant{fmt.Sprintf("words%d", words), func(p *paper.Paper) ([]search.Hit, error) {
			return svc.SimilarFromWords(ctx, p, k, words)
		}})
	}
	base := make([][]search.Hit, len(ps))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for vi, v := range variants {
			var lat []time.Duration
			overlap, same := 0.0, 0
			for j := range ps {
				start := time.Now()
				hits, err := v.rank(&ps[j])
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if vi == 0 {
					base[j] = hits
				}
				overlap += share(base[j], hits)
				if slices.Equal(ids(base[j]), ids(hits)) {
					same++
				}
			}
			p50, p99 := percentiles(lat)
			name := v.name
			b.ReportMetric(p50, name+"-p50-ms")
			b.ReportMetric(p99, name+"-p99-ms")
			b.ReportMetric(overlap/float64(len(ps)), name+"-overlap")
			b.ReportMetric(float64(same)/float64(len(ps)), name+"-same")
		}
	}
	b.ReportMetric(0, "ns/op")
}

// share is the part of want's papers that got lists too (1 when want is empty).
func share(want, got []search.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	n := 0
	for _, w := range want {
		if slices.ContainsFunc(got, func(g search.Hit) bool { return g.ID == w.ID }) {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

func ids(hits []search.Hit) []paper.ID {
	out := make([]paper.ID, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}
