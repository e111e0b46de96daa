package recommend

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// backgroundSize is how many papers stand for "the rest" as a reader's
// negatives besides those shown to them: in the site, the widest window
// (about 6,600 papers in 30 days on the 355k-paper database, so all of
// it); in the evaluation, a sample of the corpus. arxiv-sanity-lite
// trains against every other paper; 1,000 (as first built) lost a fifth
// of the nDCG@10 on the development collection against 20,000, and a
// 500-signal reader's training at 20,000 still costs well under a
// second (BenchmarkTrain).
const backgroundSize = 20000

// EvalForYou is the For-you model on a collection, as the site runs it:
// term weights from a search index of the corpus, embeddings from the
// configured embedder, categories; each reader's liked papers are their
// positives and a sample of the corpus their background.
type EvalForYou struct {
	items []*Item
}

// NewEvalForYou indexes and embeds the collection (emb may be nil: no
// embeddings) and makes every paper's features.
func NewEvalForYou(ctx context.Context, c *Collection, emb embed.Embedder, progress func(int)) (*EvalForYou, error) {
	docs := make([]search.Doc, len(c.Papers))
	for i, p := range c.Papers {
		docs[i] = search.Doc{ID: paper.ID(p.ID), Title: p.Title, Abstract: p.Text, Categories: p.Categories}
	}
	ix := search.NewBuildIndex()
	ix.Add(docs...)
	ix.Finalize()
	vecs := make([][]float32, len(docs))
	if emb != nil {
		const batch = 256
		for start := 0; start < len(docs); start += batch {
			end := min(start+batch, len(docs))
			texts := make([]string, 0, end-start)
			for _, d := range docs[start:end] {
				texts = append(texts, search.EmbedText(d))
			}
			out, err := emb.Embed(ctx, texts)
			if err != nil {
				return nil, err
			}
			for i, v := range out {
				embed.Normalize(v)
				vecs[start+i] = v
			}
			if progress != nil {
				progress(end)
			}
		}
	}
	f := NewFeatures(ix)
	e := &EvalForYou{items: make([]*Item, len(docs))}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(docs); i += workers {
				e.items[i] = f.Item(docs[i], vecs[i])
			}
		})
	}
	wg.Wait()
	return e, ctx.Err()
}

// Rank trains the reader's model and ranks the candidates.
func (e *EvalForYou) Rank(liked, candidates []int, k int) []int {
	h := fnv.New64a()
	isLiked := map[int]bool{}
	in := Input{}
	for _, i := range liked {
		isLiked[i] = true
		in.Liked = append(in.Liked, Example{Item: e.items[i], Weight: 1})
		h.Write([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	}
	in.Seed = h.Sum64()
	rng := rand.New(rand.NewPCG(in.Seed, 1))
	for _, i := range sampleBackground(rng, len(e.items), backgroundSize) {
		if !isLiked[i] {
			in.Background = append(in.Background, e.items[i])
		}
	}
	m := Train(in)
	items := make([]*Item, len(candidates))
	for j, i := range candidates {
		items[j] = e.items[i]
	}
	scores := m.Score(items)
	return topK(candidates, scores, k)
}

// sampleBackground picks k distinct numbers below n at random (all n,
// shuffled, when n <= k). Distinct, because a paper drawn twice would
// only weigh twice and cost twice: in the site the widest window may
// hold fewer papers than backgroundSize, and then it is the whole window.
func sampleBackground(rng *rand.Rand, n, k int) []int {
	if k >= n/2 {
		p := rng.Perm(n)
		return p[:min(k, n)]
	}
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if i := rng.IntN(n); !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}
