package search

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// Vectors is the semantic index: one unit vector per paper, quantised to
// 8 bits with a scale per vector (a quarter of the memory of float32, and
// no loss that changes a top-10 measurably; see BENCHMARKS.md). Below
// exactBelow vectors a search compares the query with every vector; above,
// with the vectors of the few clusters nearest to it (an inverted-file
// index, see ivf.go). Safe for concurrent use.
type Vectors struct {
	mu     sync.RWMutex
	model  string
	dim    int
	ids    []paper.ID // by row; "" for a deleted row (rows are renumbered by clustering)
	rows   map[paper.ID]int32
	scales []float32
	data   []int8 // dim per row
	ivf    *ivf   // nil while exact search is fast enough
}

// NewVectors returns an empty index for vectors of the named model.
func NewVectors(model string, dim int) *Vectors {
	return &Vectors{model: model, dim: dim, rows: map[paper.ID]int32{}}
}

// Model is the name of the embedding model the vectors come from.
func (v *Vectors) Model() string { return v.model }

// Dim is the vector length.
func (v *Vectors) Dim() int { return v.dim }

// Len is the number of papers with a vector.
func (v *Vectors) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.rows)
}

// Put sets the vector of a paper; vec must have Dim components and is
// normalised here. A vector of another length is ignored and reported.
func (v *Vectors) Put(id paper.ID, vec []float32) bool {
	if len(vec) != v.dim {
		return false
	}
	scale, q := embed.Quantize(vec)
	v.mu.Lock()
	defer v.mu.Unlock()
	if row, ok := v.rows[id]; ok {
		v.scales[row] = scale
		copy(v.data[int(row)*v.dim:], q)
		if v.ivf != nil {
			v.ivf.move(row, q, scale)
		}
		return true
	}
	row := int32(len(v.ids))
	v.ids = append(v.ids, id)
	v.rows[id] = row
	v.scales = append(v.scales, scale)
	v.data = append(v.data, q...)
	if v.ivf != nil {
		v.ivf.add(row, q, scale)
	}
	return true
}

// Delete forgets a paper's vector.
func (v *Vectors) Delete(id paper.ID) {
	v.mu.Lock()
	defer v.mu.Unlock()
	row, ok := v.rows[id]
	if !ok {
		return
	}
	delete(v.rows, id)
	v.ids[row] = ""
	v.scales[row] = 0 // a dead row scores 0 and is skipped
}

// Vector returns a copy of a paper's vector, dequantised, or nil.
func (v *Vectors) Vector(id paper.ID) []float32 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	row, ok := v.rows[id]
	if !ok {
		return nil
	}
	return v.dequantize(row)
}

// Similarities gives the cosine of q with the vector of each paper, in
// order, and whether the paper has one.
func (v *Vectors) Similarities(q []float32, ids []paper.ID) (sims []float32, ok []bool) {
	sims, ok = make([]float32, len(ids)), make([]bool, len(ids))
	if len(q) != v.dim {
		return sims, ok
	}
	qs, qq := embed.Quantize(q)
	v.mu.RLock()
	defer v.mu.RUnlock()
	for i, id := range ids {
		if row, found := v.rows[id]; found {
			sims[i], ok[i] = v.score(qq, qs, row), true
		}
	}
	return sims, ok
}

// Similarity is the cosine of q with a paper's vector; ok is false when
// the paper has none.
func (v *Vectors) Similarity(q []float32, id paper.ID) (sim float32, ok bool) {
	sims, oks := v.Similarities(q, []paper.ID{id})
	return sims[0], oks[0]
}

// VecHit is a nearest neighbour.
type VecHit struct {
	ID  paper.ID
	Sim float32
}

// Nearest returns the n vectors most similar to q, best first, among those
// accept (nil: all) lets through. Exact returns the true top n by scanning
// every vector whatever the size; otherwise large indexes answer from the
// clusters nearest to q.
func (v *Vectors) Nearest(q []float32, n int, accept func(paper.ID) bool, exact bool) []VecHit {
	if len(q) != v.dim || n <= 0 {
		return nil
	}
	qs, qq := embed.Quantize(q)
	v.mu.RLock()
	defer v.mu.RUnlock()
	// top is a heap whose root is the worst hit kept (byVecSim's last), so
	// that a better one replaces it in log n steps.
	top := make([]VecHit, 0, n)
	worst := float32(math.Inf(-1))
	offer := func(row int32) {
		s := v.score(qq, qs, row)
		if len(top) == n && s <= worst {
			return
		}
		id := v.ids[row]
		if id == "" || (accept != nil && !accept(id)) {
			return
		}
		if len(top) < n {
			top = append(top, VecHit{ID: id, Sim: s})
			worstUp(top, len(top)-1)
		} else {
			top[0] = VecHit{ID: id, Sim: s}
			worstDown(top, 0)
		}
		if len(top) == n {
			worst = top[0].Sim
		}
	}
	if v.ivf == nil || exact {
		for row := range int32(len(v.ids)) {
			offer(row)
		}
	} else {
		v.ivf.scan(qq, qs, offer, func() bool { return len(top) == n })
	}
	slices.SortFunc(top, byVecSim)
	return top
}

func byVecSim(a, b VecHit) int {
	if c := cmp.Compare(b.Sim, a.Sim); c != 0 { // best first
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// worstUp and worstDown keep h a heap with the worst hit (the last in
// byVecSim's order) at the root, after h[i] was added or replaced.
func worstUp(h []VecHit, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if byVecSim(h[i], h[parent]) <= 0 { // not worse than its parent
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func worstDown(h []VecHit, i int) {
	for {
		worst := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && byVecSim(h[c], h[worst]) > 0 {
				worst = c
			}
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// score is the approximate cosine of a quantised query with a row.
func (v *Vectors) score(qq []int8, qs float32, row int32) float32 {
	return float32(dot8(qq, v.data[int(row)*v.dim:int(row+1)*v.dim])) * qs * v.scales[row]
}

// dot8Go is the integer dot product of two equally long int8 vectors, in
// portable Go; dot8 (dot8_amd64.go, dot8_other.go) is the one to call.
func dot8Go(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

func (v *Vectors) rowVec(row int32) []int8 { return v.data[int(row)*v.dim : int(row+1)*v.dim] }

func (v *Vectors) dequantize(row int32) []float32 {
	out := make([]float32, v.dim)
	s := v.scales[row]
	for i, x := range v.rowVec(row) {
		out[i] = float32(x) * s
	}
	return out
}

// Cluster groups the vectors for fast approximate search once there are
// enough of them that scanning all would be slow, and again whenever the
// count has doubled since the last clustering; it reports whether it did.
func (v *Vectors) Cluster(force bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := len(v.rows)
	if !force && (n < exactBelow || (v.ivf != nil && n < 2*v.ivf.trained)) {
		return false
	}
	if n == 0 {
		return false
	}
	v.cluster(uint64(n))
	return true
}
