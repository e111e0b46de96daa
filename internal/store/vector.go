package store

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// EmbedTask is a paper whose vector for a model is missing or was made
// from an older revision of it.
type EmbedTask struct {
	ID              paper.ID
	Rev             int64 // the revision the new vector will describe
	Title, Abstract string
	Cursor          Cursor // the paper's position in the change feed
}

// Vector is a paper's embedding by one model.
type Vector struct {
	ID  paper.ID
	Rev int64 // the paper revision that was embedded
	Vec []float32
	// Seq is the vector's position in its model's change feed, set by the
	// store.
	Seq int64
}

// PackVector encodes a vector as backends keep it: normalised to unit
// length, then a little-endian float32 scale and one int8 per component
// (component = int8 × scale). A quarter of float32's size, and the form
// the search index holds in memory anyway.
func PackVector(v []float32) []byte {
	scale, q := embed.Quantize(v)
	out := make([]byte, 4+len(q))
	binary.LittleEndian.PutUint32(out, math.Float32bits(scale))
	for i, c := range q {
		out[4+i] = byte(c)
	}
	return out
}

// UnpackVector decodes PackVector's form.
func UnpackVector(b []byte) ([]float32, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("store: a packed vector of %d bytes", len(b))
	}
	scale := math.Float32frombits(binary.LittleEndian.Uint32(b))
	out := make([]float32, len(b)-4)
	for i, c := range b[4:] {
		out[i] = float32(int8(c)) * scale
	}
	return out, nil
}
