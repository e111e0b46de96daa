// Package demo embeds a small slice of real papers (see README.md for the
// sources and licenses) and loads it into an empty store.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"

	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/store"
)

//go:embed daily-papers.jsonl.xz arxiv-listings.jsonl.xz
var files embed.FS

// Files are loaded in this order: the feed first, then the arXiv metadata
// that adds categories and listing days to some of its papers.
var Files = []string{"daily-papers.jsonl.xz", "arxiv-listings.jsonl.xz"}

// Store is what loading the demo needs of the store: its paper count and
// an import (store.Store satisfies it).
type Store interface {
	Stats(ctx context.Context) (store.Stats, error)
	ingest.Importer
}

// LoadIfEmpty loads the demo set when the store has no papers at all and
// reports whether it did. A store with papers is never touched.
func LoadIfEmpty(ctx context.Context, st Store, warn io.Writer) (bool, []ingest.Summary, error) {
	stats, err := st.Stats(ctx)
	if err != nil {
		return false, nil, err
	}
	if stats.Papers > 0 {
		return false, nil, nil
	}
	var sums []ingest.Summary
	for _, name := range Files {
		data, err := files.ReadFile(name)
		if err != nil {
			return false, sums, err
		}
		sum, err := ingest.ImportReader(ctx, st, "demo/"+name, bytes.NewReader(data), ingest.Options{Warn: warn})
		if err != nil {
			return false, sums, fmt.Errorf("demo data: %w", err)
		}
		sums = append(sums, sum)
	}
	return true, sums, nil
}
