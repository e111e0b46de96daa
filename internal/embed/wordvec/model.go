// Package wordvec is the built-in embedder: pre-trained word vectors,
// pruned and quantised into a compact asset, averaged into one vector per
// text. It needs no network and no download; quality is far below a
// sentence-embedding model, which is why semantic scores only ever add to
// the lexical ranking (see package search).
//
// A text's vector is the weighted mean of its words' vectors, with the
// smooth-inverse-frequency weight a/(a+p(w)) of Arora, Liang and Ma (2017)
// so that frequent words count for little. p(w) is estimated from the
// word's rank in the vocabulary, which the asset keeps in frequency order
// (Zipf's law), so the asset needs no separate counts.
package wordvec

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/embed"
)

// Model is a set of quantised word vectors; it is safe for concurrent use.
type Model struct {
	name    string
	dim     int
	index   map[string]int32 // word -> row
	scales  []float32        // row -> dequantisation factor
	vecs    []int8           // row-major, dim per row
	weights []float32        // row -> SIF weight
}

var _ embed.Embedder = (*Model)(nil)

// sifA is the smoothing constant a of the SIF weight; 1e-3 is the value
// the paper recommends and is not tuned here.
const sifA = 1e-3

// zipfVocab is the size of the vocabulary the ranks are assumed to come
// from (the source vectors' full vocabulary, of which the asset keeps the
// head), for the harmonic normaliser of Zipf's law.
const zipfVocab = 400_000

func newModel(name string, dim int, words []string, scales []float32, vecs []int8) *Model {
	m := &Model{name: name, dim: dim, index: make(map[string]int32, len(words)),
		scales: scales, vecs: vecs, weights: make([]float32, len(words))}
	harmonic := math.Log(zipfVocab) + 0.5772
	for i, w := range words {
		if _, dup := m.index[w]; !dup {
			m.index[w] = int32(i)
		}
		p := 1 / (float64(i+1) * harmonic)
		m.weights[i] = float32(sifA / (sifA + p))
	}
	return m
}

// Name identifies the vectors (stored vectors of another name are never
// compared with these).
func (m *Model) Name() string { return m.name }

// Dim is the vector length.
func (m *Model) Dim() int { return m.dim }

// Words is the vocabulary size.
func (m *Model) Words() int { return len(m.scales) }

// Embed returns one unit vector per text (a zero vector for a text with no
// known word). A large batch is shared among the processors.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(texts)/32))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				if i%256 < workers && ctx.Err() != nil {
					return
				}
				out[i] = m.Vector(texts[i])
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
	acc := make([]float32, m.dim)
	Tokens(text, func(word string) {
		row, ok := m.index[word]
		if !ok {
			return
		}
		w := m.weights[row] * m.scales[row]
		v := m.vecs[int(row)*m.dim : int(row+1)*m.dim]
		for j, x := range v {
			acc[j] += w * float32(x)
		}
	})
	embed.Normalize(acc)
	return acc
}

// Tokens calls fn with every word of text, lower-cased: the runs of
// letters and digits, as the vectors were converted to expect.
func Tokens(text string, fn func(word string)) {
	for i := 0; i < len(text); {
		// ASCII, most of every abstract, is classified by a table; the
		// rest through package unicode.
		if c := text[i]; c < utf8.RuneSelf {
			if asciiClass[c] == 0 {
				i++
				continue
			}
			start, lower := i, true
			for i < len(text) && text[i] < utf8.RuneSelf && asciiClass[text[i]] != 0 {
				lower = lower && asciiClass[text[i]] != upper
				i++
			}
			if i == len(text) || text[i] < utf8.RuneSelf {
				if lower {
					fn(text[start:i])
				} else {
					fn(strings.ToLower(text[start:i]))
				}
				continue
			}
			// The word goes on in non-ASCII letters: start it again
			// below, where runes are decoded.
			i = start
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWord(r) {
			i += size
			continue
		}
		start, lower := i, true
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isWord(r) {
				break
			}
			if unicode.ToLower(r) != r { // upper and title case
				lower = false
			}
			i += size
		}
		if lower {
			fn(text[start:i])
		} else {
			fn(strings.ToLower(text[start:i]))
		}
	}
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// The classes of ASCII bytes in words: 0 separates words.
const (
	lowerOrDigit = 1
	upper        = 2
)

var asciiClass = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = upper
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			t[c] = lowerOrDigit
		}
	}
	return t
}()
