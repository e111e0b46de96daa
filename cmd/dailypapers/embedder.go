package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// newEmbedder makes the embedder the configuration asks for; nil means
// semantic search is off. The built-in one is the static model trained on
// papers (package static); "glove" names the GloVe word vectors that were
// built in before it and still ship, and any other --word-vectors value is
// an asset file of either kind, told apart by its first bytes.
func newEmbedder(c *config.Config) (embed.Embedder, error) {
	switch {
	case c.Embedder == "none":
		return nil, nil
	case strings.HasPrefix(c.Embedder, "http://"), strings.HasPrefix(c.Embedder, "https://"):
		return embed.NewHTTP(embed.HTTPConfig{URL: c.Embedder, Model: c.EmbedModel, Key: c.EmbedKey})
	case c.WordVectors == "glove":
		return wordvec.Builtin()
	case c.WordVectors != "":
		data, err := os.ReadFile(c.WordVectors)
		if err != nil {
			return nil, err
		}
		if static.IsAsset(data) {
			m, err := static.Read(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.WordVectors, err)
			}
			return m, nil
		}
		m, err := wordvec.Read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.WordVectors, err)
		}
		return m, nil
	default:
		return static.Builtin()
	}
}
