package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// BenchmarkSimilarDepth measures what the depth of similar papers' fusion
// and the number of words that find their candidates cost and change
// (search.Service.SimilarAtDepth, SimilarFromWords): for 1,000 random
// papers of the feed (the pages people open) in the 355k-paper database
// (words and meaning, as serve runs),
// the six similar papers as served (depth 100, candidates from the
// query's 12 strongest words of 24) and fusing fewer (depthN), or with
// candidates from all 24, 8 or 6 words (wordsN). Per ranking: p50 and p99,
// and how far its six agree with depth100's (as served): the mean share of
// those six it also lists (overlap) and the share of papers whose six are
// the same papers in the same order (same).
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
	for _, words := range []int{24, 8, 6} {
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

// BenchmarkSimilarQuality judges similar papers by a measure independent
// of how they are ranked: the key phrases the hosted feed's language model
// wrote for each paper (ai_keywords), which the search index does not
// read. The corpus is the hosted feed alone (9,877 papers, so that every
// listed paper can be judged), with words and meaning as serve ranks. For
// 2,000 random papers with key phrases, a list's score is the mean over
// its six papers of the key phrases each shares with the paper (lower-
// cased, exact), each weighted by its rarity, ln(N/df) over the N papers
// with phrases: a shared "reinforcement learning" (730 papers) counts 2.2,
// a shared "group relative policy optimization" (79) 4.4. Per ranking:
// the mean score (-score), the share of lists with a score above zero
// (-hit), p50 of one ranking, and the mean paired difference from the
// first ranking, words24 (candidates from all 24 of the query's words),
// with its standard error (-diff, -diff-se). "served" is Similar's ranking
// (12 words), depth20 it fusing 20 candidates, words8 it from 8 words;
// lexical-words24 and lexical-served the same two without the embedder
// (by words alone); glove-served as served with the GloVe word vectors
// that were the built-in embedder before the trained model; "random" six random papers, for scale.
//
//	go test ./internal/bench -run '^$' -bench SimilarQuality -benchtime 1x -timeout 30m
func BenchmarkSimilarQuality(b *testing.B) {
	const k = 6
	dir := dataDir(b)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hosted.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := ingest.ImportFile(ctx, st, filepath.Join(dir, "hf-daily-papers.jsonl.xz"), ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	svc := apiSearchService(b, st, true)
	lexical := apiSearchService(b, st, false) // as a site without an embedder ranks
	glove, err := wordvec.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	gloveSvc := searchServiceWith(b, st, glove) // as served before the trained model
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 20_000})
	if err != nil {
		b.Fatal(err)
	}
	phrases := map[paper.ID]map[string]bool{}
	df := map[string]int{}
	var judged []paper.Paper
	for _, it := range items {
		p := it.Paper
		if _, seen := phrases[p.ID]; seen || len(p.AIKeywords) == 0 {
			continue
		}
		set := map[string]bool{}
		for _, kw := range p.AIKeywords {
			set[strings.ToLower(kw)] = true
		}
		for kw := range set {
			df[kw]++
		}
		phrases[p.ID] = set
		judged = append(judged, p)
	}
	n := float64(len(judged))
	rel := func(a, b paper.ID) float64 {
		s := 0.0
		for kw := range phrases[a] {
			if phrases[b][kw] {
				s += math.Log(n / float64(df[kw]))
			}
		}
		return s
	}
	rng := rand.New(rand.NewPCG(9, 10))
	rng.Shuffle(len(judged), func(i, j int) { judged[i], judged[j] = judged[j], judged[i] })
	sample := judged[:min(2000, len(judged))]
	all := slices.Clone(judged)
	type variant struct {
		name string
		rank func(p *paper.Paper) ([]search.Hit, error)
	}
	variants := []variant{
		{"words24", func(p *paper.Paper) ([]search.Hit, error) { return svc.SimilarFromWords(ctx, p, k, 0) }},
		{"served", func(p *paper.Paper) ([]search.Hit, error) { return svc.SimilarAtDepth(ctx, p, k, 100) }},
		{"depth20", func(p *paper.Paper) ([]search.Hit, error) { return svc.SimilarAtDepth(ctx, p, k, 20) }},
		{"words8", func(p *paper.Paper) ([]search.Hit, error) { return svc.SimilarFromWords(ctx, p, k, 8) }},
		{"lexical-words24", func(p *paper.Paper) ([]search.Hit, error) { return lexical.SimilarFromWords(ctx, p, k, 0) }},
		{"lexical-served", func(p *paper.Paper) ([]search.Hit, error) { return lexical.SimilarAtDepth(ctx, p, k, 100) }},
		{"glove-served", func(p *paper.Paper) ([]search.Hit, error) { return gloveSvc.SimilarAtDepth(ctx, p, k, 100) }},
		{"random", func(p *paper.Paper) ([]search.Hit, error) {
			var hits []search.Hit
			for len(hits) < k {
				if q := all[rng.IntN(len(all))]; q.ID != p.ID {
					hits = append(hits, search.Hit{ID: q.ID})
				}
			}
			return hits, nil
		}},
	}
	b.Logf("%d hosted papers, %d with key phrases (%d distinct), %d judged", len(items), len(judged), len(df), len(sample))
	first := make([]float64, len(sample)) // the first variant's score of each list
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for vi, v := range variants {
			var lat []time.Duration
			total, hit := 0.0, 0
			var diffs []float64
			for j := range sample {
				start := time.Now()
				hits, err := v.rank(&sample[j])
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				score := 0.0
				for _, h := range hits {
					score += rel(sample[j].ID, h.ID)
				}
				if len(hits) > 0 {
					score /= float64(len(hits))
				}
				total += score
				if score > 0 {
					hit++
				}
				if vi == 0 {
					first[j] = score
				}
				diffs = append(diffs, score-first[j])
			}
			p50, _ := percentiles(lat)
			b.ReportMetric(total/float64(len(sample)), v.name+"-score")
			if vi > 0 {
				// The paired difference from the first ranking, and its
				// standard error: a difference within about two of them
				// is noise.
				mean, se := meanSE(diffs)
				b.ReportMetric(mean, v.name+"-diff")
				b.ReportMetric(se, v.name+"-diff-se")
			}
			b.ReportMetric(float64(hit)/float64(len(sample)), v.name+"-hit")
			b.ReportMetric(p50, v.name+"-p50-ms")
		}
	}
	b.ReportMetric(0, "ns/op")
}

// meanSE is the mean of xs and its standard error.
func meanSE(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / math.Sqrt(float64(len(xs)))
}
