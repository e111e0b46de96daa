package search

import "golang.org/x/sys/cpu"

// useAVX2 selects the vector instructions where the processor has them.
var useAVX2 = cpu.X86.HasAVX2

// dot8 is the integer dot product of two equally long int8 vectors: with
// AVX2, 16 components an instruction (dot8_amd64.s), about eight times
// faster than Go's scalar loop on 100 components (BenchmarkDot8); the
// last len%16 components in Go.
func dot8(a, b []int8) int32 {
	if !useAVX2 || len(a) < 16 {
		return dot8Go(a, b)
	}
	b = b[:len(a)]
	n := len(a) &^ 15
	s := dot8AVX2(&a[0], &b[0], n)
	if n < len(a) {
		s += dot8Go(a[n:], b[n:])
	}
	return s
}

// dot8AVX2 sums a[i]*b[i] for i < n; n must be a positive multiple of 16.
//
//go:noescape
func dot8AVX2(a, b *int8, n int) int32
