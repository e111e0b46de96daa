//go:build !amd64

package search

// dot8 is the integer dot product of two equally long int8 vectors.
func dot8(a, b []int8) int32 { return dot8Go(a, b) }
