package static

import (
	_ "embed"
	"sync"
)

// builtinAsset is the model trained by "dailypapers train-embeddings" on
// the shared 2025-2026 arXiv listing and the hosted feed (see README.md
// here for how, and on what).
//
//go:embed builtin.dpse
var builtinAsset []byte

var builtin = sync.OnceValues(func() (*Model, error) { return Read(builtinAsset) })

// Builtin is the model that ships in the binary, loaded on first use.
func Builtin() (*Model, error) { return builtin() }
