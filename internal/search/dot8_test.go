package search

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// dot8 must agree with the portable loop for every length (the assembly
// takes multiples of 16, Go the rest) and for the extreme values.
func TestDot8MatchesPortableLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for n := 0; n <= 300; n++ {
		for trial := 0; trial < 5; trial++ {
			a, b := make([]int8, n), make([]int8, n)
			for i := range a {
				a[i], b[i] = int8(rng.IntN(256)-128), int8(rng.IntN(256)-128)
			}
			if trial == 0 { // the extremes: -128·-128 and -128·127 everywhere
				for i := range a {
					a[i], b[i] = -128, int8(-128+255*(i%2))
				}
			}
			if got, want := dot8(a, b), dot8Go(a, b); got != want {
				t.Fatalf("n=%d trial %d: dot8 = %d, portable loop %d", n, trial, got, want)
			}
		}
	}
	// A slice that starts inside a larger array, as rows of the vector
	// arena do, and a longer b (only len(a) components count).
	arena := make([]int8, 1000)
	for i := range arena {
		arena[i] = int8(i * 7)
	}
	a, b := arena[3:103], arena[500:620]
	if got, want := dot8(a, b), dot8Go(a, b[:100]); got != want {
		t.Errorf("offset rows: dot8 = %d, portable loop %d", got, want)
	}
}

func BenchmarkDot8(b *testing.B) {
	for _, n := range []int{100, 384, 768} {
		x, y := make([]int8, n), make([]int8, n)
		for i := range x {
			x[i], y[i] = int8(i), int8(3*i)
		}
		b.Run("go/"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				sink += dot8Go(x, y)
			}
		})
		b.Run("dot8/"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				sink += dot8(x, y)
			}
		})
	}
}

var sink int32
