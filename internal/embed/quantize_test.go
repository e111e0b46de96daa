package embed

import (
	"math"
	"testing"
)

func TestQuantize(t *testing.T) {
	v := []float32{3, -4, 0, 0.01}
	scale, q := Quantize(v)
	norm := math.Sqrt(9 + 16 + 0.0001)
	if q[1] != -127 {
		t.Errorf("the largest component maps to %d, want -127", q[1])
	}
	for i, x := range v {
		got, want := float64(q[i])*float64(scale), float64(x)/norm
		if math.Abs(got-want) > float64(scale)/2+1e-9 {
			t.Errorf("component %d: %v back as %v, want %v within half a step", i, x, got, want)
		}
	}
	if scale, q := Quantize([]float32{0, 0}); scale != 0 || q[0] != 0 || q[1] != 0 {
		t.Errorf("zero vector: scale %v, %v", scale, q)
	}
}
