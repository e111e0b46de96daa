package recommend

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// A reader's trained model is kept in the store (store.StoredModel) in
// the encoding below, so that a process that did not train it (a digest
// run) ranks by it. The encoding is a compact copy, not the model
// itself: features are named rather than numbered (each process numbers
// its own vocabularies), terms by a 32-bit hash of the term (two terms
// of one vocabulary sharing one is rare, and costs a little noise), and
// only the heaviest part of each weight vector is kept, so that 10,000
// readers' models fit in tens of megabytes rather than gigabytes.
//
// The fields of Model it reads and writes: bias, linear, wTerms,
// wCats, wAuthors, protos, anti, catLift, follows, catFollow, liked and
// reasonIdx (the liked examples reasons are drawn from); and of a
// training's result: version, liked (titles and kinds) and dismissed.

// modelMagic starts every kept model; its last byte is the encoding's
// version. A model of another version is not read (ErrBadModel) and the
// reader's next training replaces it.
const modelMagic = "DPM\x02"

// What a kept model keeps.
const (
	// storedTerms bounds the linear part's term weights, the largest
	// by magnitude: the rest of a reader's few thousand move a score
	// by less than the ranking's ties.
	storedTerms = 1024
	// storedAuthors bounds the linear part's author weights likewise.
	storedAuthors = 256
	// storedVecTerms bounds each interest's (and disliked or reason
	// paper's) terms: a paper's top 32 BM25F weights carry most of its
	// unit length.
	storedVecTerms = 32
	// storedAnti bounds the disliked papers, the newest.
	storedAnti = 32
	// storedReasons bounds the liked papers reasons name, the first of
	// Model.reasonIdx (the heaviest, newest).
	storedReasons = 32
	// storedDismissed bounds the papers left out of a digest's ranking
	// for having a signal already, the newest: a digest ranks the
	// period's new papers, which only new signals can name.
	storedDismissed = 2000
)

// termHash names a term in a kept model.
func termHash(term string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(term))
	return h.Sum32()
}

// modelKeeper is the store's side of keeping models (store.Readers).
type modelKeeper interface {
	SaveReaderModel(ctx context.Context, userID int64, m store.StoredModel) error
}

// keepModel writes the model a training gave to the store, for the
// processes that rank by it without training (the digest), or forgets
// the kept one when the reader has nothing to train on. A failure is
// logged: the page ranks by the model in memory all the same.
func (s *Service) keepModel(userID int64, t *trained) {
	keeper, ok := s.st.(modelKeeper)
	if !ok {
		return
	}
	var data []byte
	if t.model != nil {
		data = encodeModel(t, s.feats)
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	if err := keeper.SaveReaderModel(ctx, userID, store.StoredModel{Version: t.version, TrainedAt: s.now(), Data: data}); err != nil && s.ctx.Err() == nil {
		s.log.Warn("recommend: keeping a reader's model", "user", userID, "err", err)
	}
}

// encoder appends a kept model's fields.
type encoder struct{ b []byte }

func (e *encoder) uvarint(v int)     { e.b = binary.AppendUvarint(e.b, uint64(v)) }
func (e *encoder) f32(v float32)     { e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v)) }
func (e *encoder) f64(v float64)     { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) u32(v uint32)      { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) str(s string)      { e.uvarint(len(s)); e.b = append(e.b, s...) }
func (e *encoder) count(n, most int) { e.uvarint(min(n, most)) }

func (e *encoder) boolean(v bool) {
	var b byte
	if v {
		b = 1
	}
	e.b = append(e.b, b)
}

// terms writes a sparse vector of term weights by hash, its heaviest n.
func (e *encoder) terms(s Sparse, n int, v *Vocab) {
	s = truncate(s, n)
	e.uvarint(len(s.Idx))
	for k, t := range s.Idx {
		e.u32(termHash(v.Name(t)))
		e.f32(s.Val[k])
	}
}

// vec8 writes an embedding as bytes scaled by its largest magnitude: the
// cosines it enters move by less than 0.01.
func (e *encoder) vec8(v []float32) {
	e.uvarint(len(v))
	if len(v) == 0 {
		return
	}
	var top float32
	for _, x := range v {
		top = max(top, float32(math.Abs(float64(x))))
	}
	scale := top / 127
	e.f32(scale)
	for _, x := range v {
		q := int8(0)
		if scale > 0 {
			q = int8(math.Round(float64(x / scale)))
		}
		e.b = append(e.b, byte(q))
	}
}

// named writes a map of numbered names (categories, authors) to weights,
// the heaviest most by magnitude.
func named[V float32 | float64](e *encoder, m map[int32]V, v *Vocab, most int) {
	ids := make([]int32, 0, len(m))
	for id, w := range m {
		if w != 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := cmpAbs(float32(m[b]), float32(m[a])); c != 0 {
			return c
		}
		return int(a - b)
	})
	ids = ids[:min(len(ids), most)]
	e.uvarint(len(ids))
	for _, id := range ids {
		e.str(v.Name(id))
		e.f64(float64(m[id]))
	}
}

// encodeModel encodes a training's model, with names from feats.
func encodeModel(t *trained, feats *Features) []byte {
	m := t.model
	e := &encoder{b: []byte(modelMagic)}
	e.f32(m.bias)
	e.boolean(m.linear)
	// The linear part.
	w := Sparse{}
	for id, x := range m.wTerms {
		if x != 0 {
			w.Idx = append(w.Idx, int32(id))
			w.Val = append(w.Val, x)
		}
	}
	e.terms(w, storedTerms, feats.Terms)
	named(e, m.wCats, feats.Cats, math.MaxInt)
	named(e, m.wAuthors, feats.Authors, storedAuthors)
	// The interests and the disliked papers.
	e.uvarint(len(m.protos))
	for _, p := range m.protos {
		e.terms(p.terms, storedVecTerms, feats.Terms)
		e.vec8(p.vec)
	}
	e.count(len(m.anti), storedAnti)
	for _, p := range m.anti[:min(len(m.anti), storedAnti)] {
		e.terms(p.terms, storedVecTerms, feats.Terms)
		e.vec8(p.vec)
	}
	// The priors.
	named(e, m.catLift, feats.Cats, math.MaxInt)
	named(e, m.follows, feats.Authors, math.MaxInt)
	named(e, m.catFollow, feats.Cats, math.MaxInt)
	// The liked papers reasons name: while the interests are the liked
	// papers themselves (no more than maxProtos), by their place there.
	asProtos := len(m.liked) <= maxProtos && len(m.protos) == len(m.liked)
	idx := m.reasonIdx[:min(len(m.reasonIdx), storedReasons)]
	e.uvarint(len(idx))
	for _, i := range idx {
		e.str(t.liked[i].title)
		e.str(string(t.liked[i].kind))
		e.f32(float32(m.liked[i].Weight))
		if asProtos {
			e.uvarint(i + 1)
			continue
		}
		e.uvarint(0)
		e.terms(m.liked[i].Item.Terms, storedVecTerms, feats.Terms)
		e.vec8(m.liked[i].Item.Vec)
	}
	// The papers known to the reader, newest signal first.
	var gone []paper.ID
	seen := map[paper.ID]bool{}
	for _, sg := range t.signals {
		if len(gone) == storedDismissed {
			break
		}
		if sg.Kind.OnPaper() && t.dismissed[sg.Paper] && !seen[sg.Paper] {
			seen[sg.Paper] = true
			gone = append(gone, sg.Paper)
		}
	}
	e.uvarint(len(gone))
	for _, id := range gone {
		e.str(string(id))
	}
	return e.b
}

// decoder reads a kept model's fields; the first error sticks.
type decoder struct {
	b    []byte
	err  error
	keys []uint64 // terms' scratch space
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrBadModel
	}
	d.b = nil
}

func (d *decoder) uvarint() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > 1<<24 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) take(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail()
		return make([]byte, max(n, 0))
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32() uint32   { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) f32() float32  { return math.Float32frombits(d.u32()) }
func (d *decoder) f64() float64  { return math.Float64frombits(binary.LittleEndian.Uint64(d.take(8))) }
func (d *decoder) str() string   { return string(d.take(d.uvarint())) }
func (d *decoder) boolean() bool { return d.take(1)[0] == 1 }

// terms reads a sparse vector of term weights, numbered by the reader's
// own vocabulary through terms; a term no paper there holds is dropped,
// since it adds nothing to a dot product with them. The terms are put in
// order as (number, weight bits) keys in the decoder's scratch space:
// sorting plain integers, with no comparison function, is most of what
// made decoding cheap enough for a digest run's thousands of readers.
func (d *decoder) terms(terms map[uint32]int32) Sparse {
	n := d.uvarint()
	keys := d.keys[:0]
	for range n {
		h, w := d.u32(), d.f32()
		if id, ok := terms[h]; ok && w != 0 {
			keys = append(keys, uint64(id)<<32|uint64(math.Float32bits(w)))
		}
	}
	d.keys = keys
	slices.Sort(keys)
	s := Sparse{Idx: make([]int32, 0, len(keys)), Val: make([]float32, 0, len(keys))}
	for _, key := range keys {
		id, w := int32(key>>32), math.Float32frombits(uint32(key))
		if k := len(s.Idx); k > 0 && s.Idx[k-1] == id {
			s.Val[k-1] += w // two terms of one hash
			continue
		}
		s.Idx, s.Val = append(s.Idx, id), append(s.Val, w)
	}
	return s
}

func (d *decoder) vec8() []float32 {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	scale := d.f32()
	raw := d.take(n)
	v := make([]float32, n)
	for i, q := range raw {
		v[i] = float32(int8(q)) * scale
	}
	return v
}

func decodeNamed[V float32 | float64](d *decoder, v *Vocab) map[int32]V {
	n := d.uvarint()
	m := make(map[int32]V, n)
	for range n {
		name, w := d.str(), d.f64()
		if id, ok := v.Lookup(name); ok {
			m[id] = V(w)
		}
	}
	return m
}

// keptModel is a kept model read for ranking: the model, numbered by
// the reading process's features, the liked papers reasons name, and the
// papers not to recommend.
type keptModel struct {
	model     *Model
	liked     []likedPaper
	dismissed map[paper.ID]bool
}

// decodeModel reads a kept model, numbering its features by feats (whose
// terms are numbered by hash in terms). Features feats has never seen
// are dropped: no paper it numbers holds them. Papers not to recommend
// are kept only when index holds them (all of them when index is nil).
func decodeModel(data []byte, feats *Features, terms map[uint32]int32, index map[paper.ID]int) (*keptModel, error) {
	if len(data) < len(modelMagic) || string(data[:len(modelMagic)]) != modelMagic {
		return nil, ErrBadModel
	}
	d := &decoder{b: data[len(modelMagic):], keys: make([]uint64, 0, storedTerms)}
	m := &Model{}
	m.bias = d.f32()
	m.linear = d.boolean()
	w := d.terms(terms)
	m.wTerms = make([]float32, feats.Terms.Len())
	for k, t := range w.Idx {
		m.wTerms[t] = w.Val[k]
	}
	m.wCats = decodeNamed[float32](d, feats.Cats)
	m.wAuthors = decodeNamed[float32](d, feats.Authors)
	m.protos = make([]proto, d.uvarint())
	for i := range m.protos {
		m.protos[i] = proto{terms: d.terms(terms), vec: d.vec8()}
	}
	m.anti = make([]proto, d.uvarint())
	for i := range m.anti {
		m.anti[i] = proto{terms: d.terms(terms), vec: d.vec8()}
	}
	m.catLift = decodeNamed[float64](d, feats.Cats)
	m.follows = decodeNamed[float64](d, feats.Authors)
	m.catFollow = decodeNamed[float64](d, feats.Cats)
	km := &keptModel{model: m, dismissed: map[paper.ID]bool{}}
	n := d.uvarint()
	for i := range n {
		lp := likedPaper{title: d.str(), kind: store.SignalKind(d.str())}
		wt := float64(d.f32())
		it := &Item{}
		if at := d.uvarint(); at > 0 {
			if at > len(m.protos) {
				d.fail()
				break
			}
			it.Terms, it.Vec = m.protos[at-1].terms, m.protos[at-1].vec
		} else {
			it.Terms, it.Vec = d.terms(terms), d.vec8()
		}
		km.liked = append(km.liked, lp)
		m.liked = append(m.liked, Example{Item: it, Weight: wt})
		m.reasonIdx = append(m.reasonIdx, i)
	}
	for range d.uvarint() {
		// Only the papers of index count: their ids are looked up as bytes,
		// so the 2,000 others a reader may have cost no string each.
		id := d.take(d.uvarint())
		if index == nil {
			km.dismissed[paper.ID(id)] = true
		} else if _, ok := index[paper.ID(id)]; ok {
			km.dismissed[paper.ID(id)] = true
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes past its end", ErrBadModel, len(d.b))
	}
	return km, nil
}
