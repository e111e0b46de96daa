//go:build !unix

package bench

// newChunk falls back to the Go heap where there is no mmap.
func newChunk(n int) []byte { return make([]byte, n) }
