// Package static is the built-in embedder trained for retrieval: a vector
// per token of a subword vocabulary, trained on paper records with a
// contrastive loss (see Train), pooled into one vector per text. Like
// package wordvec it needs no network and embeds tens of thousands of
// papers a second on one core; unlike averaged word vectors, its vectors
// were trained so that a title or a sentence lands near its own paper.
//
// A token's weight inside the pooling is the length of its vector: it
// starts as the token's inverse document frequency and is learned with
// the rest, so the stored vectors carry it and a text's vector is the
// plain sum of its tokens' vectors, normalised.
package static

import (
	"context"
	"runtime"
	"sync"

	"github.com/dailypapers/dailypapers/internal/embed"
)

// Model is a quantised token-vector table and its vocabulary; it is safe
// for concurrent use.
type Model struct {
	name   string
	dim    int
	vocab  *Vocab
	scales []float32 // token → dequantisation factor
	vecs   []int8    // row-major, dim per token
	pool   sync.Pool // of *scratch
}

var _ embed.Embedder = (*Model)(nil)

// HybridWeight is the share of the semantic score in hybrid ranking that
// the built-in model's vectors were found worth (search.SemanticWeight
// explains the fusion), the same for every query. It was chosen on four
// development collections: two of papers the training held out, from its
// own fields, and two of the fields a variant trained without them never
// saw (where the vectors trail the words as they do on other corpora).
// 0.3 is, of the fusions tried, the one that keeps most of the in-field
// gain of the first weight, 0.5, while not ranking below the words, on
// average, out of field, where 0.5, 0.4 and the agreement-scaled 0.6 did
// (BENCHMARKS.md, "Fusion chosen out of the training's field"). The
// evaluation collections were only measured.
const HybridWeight = 0.3

// HybridWeight is the semantic share of hybrid ranking for these vectors
// (search.HybridWeighter); a model trained with other settings may deserve
// another, but is given this one.
func (m *Model) HybridWeight() float32 { return HybridWeight }

// HybridAgreement is false: of the shares scaled by how much the two
// rankings agree for the query (search.AgreementFuser) that kept hybrid
// at or above the words out of the training's field, none kept as much
// of the in-field gain as a fixed 0.3 (BENCHMARKS.md). A title and its
// abstract share few of their top tens even in field, so agreement does
// not tell a field the vectors know from one they do not.
func (m *Model) HybridAgreement() bool { return false }

// Name identifies the model (stored vectors of another name are never
// compared with these).
func (m *Model) Name() string { return m.name }

// Dim is the vector length.
func (m *Model) Dim() int { return m.dim }

// Vocab is the model's vocabulary.
func (m *Model) Vocab() *Vocab { return m.vocab }

// Embed returns one unit vector per text (a zero vector for a text with no
// token). A large batch is shared among the processors.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(texts)/32))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := m.scratch()
			defer m.pool.Put(sc)
			for i := w; i < len(texts); i += workers {
				if i%256 < workers && ctx.Err() != nil {
					return
				}
				out[i] = m.vector(texts[i], sc)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Vector embeds one text.
func (m *Model) Vector(text string) []float32 {
	sc := m.scratch()
	defer m.pool.Put(sc)
	return m.vector(text, sc)
}

// scratch is a worker's reusable state: the text's token ids, and each
// token's count in the text with the text it was last counted for, so that
// a token repeated in a text is added once, times its count (a third of
// an abstract's tokens are repeats).
type scratch struct {
	ids, uniq []int32
	count     []float32
	seen      []uint32
	text      uint32
}

func (m *Model) scratch() *scratch {
	if sc, ok := m.pool.Get().(*scratch); ok {
		return sc
	}
	n := m.vocab.Len()
	return &scratch{count: make([]float32, n), seen: make([]uint32, n)}
}

// vector embeds text.
func (m *Model) vector(text string, sc *scratch) []float32 {
	sc.ids = m.vocab.Append(sc.ids[:0], text)
	sc.text++
	if sc.text == 0 { // wrapped: forget every stamp
		clear(sc.seen)
		sc.text = 1
	}
	sc.uniq = sc.uniq[:0]
	for _, id := range sc.ids {
		if sc.seen[id] != sc.text {
			sc.seen[id] = sc.text
			sc.count[id] = 0
			sc.uniq = append(sc.uniq, id)
		}
		sc.count[id]++
	}
	acc := make([]float32, m.dim)
	for _, id := range sc.uniq {
		s := m.scales[id] * sc.count[id]
		addScaled(acc, m.vecs[int(id)*m.dim:int(id+1)*m.dim], s)
	}
	embed.Normalize(acc)
	return acc
}

// addScaled adds s·row to acc, eight components at a time (the compiler
// then checks bounds once for eight).
func addScaled(acc []float32, row []int8, s float32) {
	row = row[:len(acc)]
	j := 0
	for ; j+8 <= len(acc); j += 8 {
		a, r := acc[j:j+8:j+8], row[j:j+8:j+8]
		a[0] += s * float32(r[0])
		a[1] += s * float32(r[1])
		a[2] += s * float32(r[2])
		a[3] += s * float32(r[3])
		a[4] += s * float32(r[4])
		a[5] += s * float32(r[5])
		a[6] += s * float32(r[6])
		a[7] += s * float32(r[7])
	}
	for ; j < len(acc); j++ {
		acc[j] += s * float32(row[j])
	}
}
