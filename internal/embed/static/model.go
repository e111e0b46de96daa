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
}

var _ embed.Embedder = (*Model)(nil)

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
			var ids []int32
			for i := w; i < len(texts); i += workers {
				if i%256 < workers && ctx.Err() != nil {
					return
				}
				out[i], ids = m.vector(texts[i], ids[:0])
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
	v, _ := m.vector(text, nil)
	return v
}

// vector embeds text, tokenising into ids (returned for reuse).
func (m *Model) vector(text string, ids []int32) ([]float32, []int32) {
	ids = m.vocab.Append(ids, text)
	acc := make([]float32, m.dim)
	for _, id := range ids {
		s := m.scales[id]
		row := m.vecs[int(id)*m.dim : int(id+1)*m.dim]
		row = row[:len(acc)]
		for j, x := range row {
			acc[j] += s * float32(x)
		}
	}
	embed.Normalize(acc)
	return acc, ids
}
