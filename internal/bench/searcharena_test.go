package bench

import "unsafe"

// arena holds the corpus text outside the Go heap (see newChunk), so that
// the garbage collector neither scans it nor counts it when it decides how
// far the heap may grow: with the 500 MB of real text on the heap, every
// engine's peak RSS would carry up to that much more of uncollected
// garbage, which the engines would not have on their own.
type arena struct {
	chunk []byte
	used  int
	size  int // bytes held in all chunks
}

const arenaChunk = 64 << 20

// str copies s into the arena.
func (a *arena) str(s string) string {
	if s == "" {
		return ""
	}
	if len(a.chunk)-a.used < len(s) {
		n := max(arenaChunk, len(s))
		a.chunk, a.used = newChunk(n), 0
		a.size += n
	}
	b := a.chunk[a.used : a.used+len(s)]
	copy(b, s)
	a.used += len(s)
	return unsafe.String(&b[0], len(b))
}
