package recommend

import (
	"math"
	"slices"
)

// Sparse is a sparse vector: indices ascending, each once.
type Sparse struct {
	Idx []int32
	Val []float32
}

// sparseFromMap builds a vector from index → value, dropping zeros.
func sparseFromMap(m map[int32]float32) Sparse {
	s := Sparse{Idx: make([]int32, 0, len(m)), Val: make([]float32, 0, len(m))}
	for i, v := range m {
		if v != 0 {
			s.Idx = append(s.Idx, i)
		}
	}
	slices.Sort(s.Idx)
	for _, i := range s.Idx {
		s.Val = append(s.Val, m[i])
	}
	return s
}

// normalize scales s to unit length in place.
func (s Sparse) normalize() {
	var sum float64
	for _, v := range s.Val {
		sum += float64(v) * float64(v)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range s.Val {
		s.Val[i] *= inv
	}
}

// norm2 is the squared length.
func (s Sparse) norm2() float64 {
	var sum float64
	for _, v := range s.Val {
		sum += float64(v) * float64(v)
	}
	return sum
}

// dotDense is s·w; indices beyond w count as zero.
func (s Sparse) dotDense(w []float64) float64 {
	var sum float64
	for k, i := range s.Idx {
		if int(i) < len(w) {
			sum += float64(s.Val[k]) * w[i]
		}
	}
	return sum
}

// dotSparse is a·b by merging the sorted indices.
func dotSparse(a, b Sparse) float32 {
	var sum float32
	i, j := 0, 0
	for i < len(a.Idx) && j < len(b.Idx) {
		switch {
		case a.Idx[i] < b.Idx[j]:
			i++
		case a.Idx[i] > b.Idx[j]:
			j++
		default:
			sum += a.Val[i] * b.Val[j]
			i++
			j++
		}
	}
	return sum
}

func dotDense32(a, b []float32) float32 {
	var sum float32
	for i := range min(len(a), len(b)) {
		sum += a[i] * b[i]
	}
	return sum
}
