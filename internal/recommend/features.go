package recommend

import (
	"sync"

	"github.com/dailypapers/dailypapers/internal/search"
)

// Vocab numbers strings (terms, categories, authors) for the life of the
// process, so that feature vectors made at different times agree.
// Numbers are never reused; a Vocab is safe for concurrent use.
type Vocab struct {
	mu    sync.RWMutex
	ids   map[string]int32
	names []string
}

// NewVocab returns an empty vocabulary.
func NewVocab() *Vocab { return &Vocab{ids: map[string]int32{}} }

// ID numbers s, adding it when new.
func (v *Vocab) ID(s string) int32 {
	v.mu.RLock()
	id, ok := v.ids[s]
	v.mu.RUnlock()
	if ok {
		return id
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if id, ok := v.ids[s]; ok {
		return id
	}
	id = int32(len(v.names))
	v.ids[s] = id
	v.names = append(v.names, s)
	return id
}

// Lookup is s's number, if it has one.
func (v *Vocab) Lookup(s string) (int32, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	id, ok := v.ids[s]
	return id, ok
}

// Name is the string numbered id.
func (v *Vocab) Name(id int32) string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if id < 0 || int(id) >= len(v.names) {
		return ""
	}
	return v.names[id]
}

// Len is how many strings are numbered.
func (v *Vocab) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.names)
}

// Item is a paper's feature vector, ready to be scored: its title and
// abstract terms weighted as search weighs them (BM25F by the index's
// statistics, scaled to unit length), its embedding (unit length, nil
// when it has none yet), and its categories and authors.
type Item struct {
	Terms   Sparse
	Vec     []float32
	Cats    []int32
	Authors []int32
}

// TermWeigher gives a document's BM25F term weights: the search index
// (search.Index and search.Service) in the product, an index of the
// collection in the evaluation.
type TermWeigher interface {
	TermWeights(d search.Doc, fn func(term string, w float32))
}

// Features makes Items: the vocabularies they are numbered by and the
// term weights they come from.
type Features struct {
	Terms, Cats, Authors *Vocab
	Weigher              TermWeigher
}

// NewFeatures returns Features with fresh vocabularies.
func NewFeatures(w TermWeigher) *Features {
	return &Features{Terms: NewVocab(), Cats: NewVocab(), Authors: NewVocab(), Weigher: w}
}

// Item makes the feature vector of d with its embedding vec (nil when it
// has none); vec is kept, not copied.
func (f *Features) Item(d search.Doc, vec []float32) *Item {
	m := map[int32]float32{}
	f.Weigher.TermWeights(d, func(term string, w float32) { m[f.Terms.ID(term)] = w })
	it := &Item{Terms: sparseFromMap(m), Vec: vec}
	it.Terms.normalize()
	for _, c := range d.Categories {
		it.Cats = append(it.Cats, f.Cats.ID(c))
	}
	for _, a := range d.Authors {
		it.Authors = append(it.Authors, f.Authors.ID(a))
	}
	return it
}
