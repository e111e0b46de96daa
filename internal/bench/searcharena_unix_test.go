//go:build unix

package bench

import "syscall"

// newChunk maps n bytes of anonymous memory, never unmapped: the corpus
// lives as long as the process.
func newChunk(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	return b
}
