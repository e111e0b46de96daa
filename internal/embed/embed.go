// Package embed turns text into vectors for semantic search. An Embedder
// is either built in (no network, no download) or a server speaking the
// OpenAI embeddings API, as Ollama, llama.cpp's server,
// text-embeddings-inference, vLLM and OpenAI itself do.
package embed

import (
	"context"
	"math"
)

// Embedder maps texts to vectors of a fixed dimension, one per text, in order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dim is the length of every vector, 0 until known (a server's model
	// tells it with its first answer).
	Dim() int
	// Name identifies the model, so that vectors of different models are
	// never compared.
	Name() string
}

// Normalize scales v to unit length in place (cosine similarity then is a
// dot product); a zero vector stays zero.
func Normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// Quantize maps v, normalised to unit length, to one int8 per component
// and a scale (component ≈ int8 × scale): the largest component becomes
// ±127. A zero vector gives scale 0. Both the stored form of vectors and
// the search index's use it.
func Quantize(v []float32) (scale float32, q []int8) {
	var sum, peak float64
	for _, x := range v {
		sum += float64(x) * float64(x)
		peak = math.Max(peak, math.Abs(float64(x)))
	}
	q = make([]int8, len(v))
	if sum == 0 {
		return 0, q
	}
	norm := math.Sqrt(sum)
	s := peak / norm / 127
	for i, x := range v {
		q[i] = int8(math.Round(float64(x) / norm / s))
	}
	return float32(s), q
}
