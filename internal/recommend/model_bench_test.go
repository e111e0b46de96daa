package recommend

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// benchItems are the features of the first n papers of the shared
// 2025-2026 listing, as the site makes them: BM25F terms by an index of
// those papers, the built-in embedding, categories and authors.
func benchItems(b *testing.B, n int) []*Item {
	dir := os.Getenv("DAILYPAPERS_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "arxiv-daily-2025-2026.jsonl.xz"))
	if err != nil {
		b.Skipf("shared data not found in %s (set DAILYPAPERS_SHARED_DATA): %v", dir, err)
	}
	defer f.Close()
	r, err := xz.NewReader(bufio.NewReader(f))
	if err != nil {
		b.Fatal(err)
	}
	dec := json.NewDecoder(r)
	var docs []search.Doc
	for len(docs) < n {
		var rec struct {
			ID         string          `json:"arxiv_id"`
			Title      string          `json:"title"`
			Abstract   string          `json:"abstract"`
			Authors    json.RawMessage `json:"authors"` // a list, or a Python list's repr
			Categories []string        `json:"categories"`
		}
		if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		var authors []string
		if json.Unmarshal(rec.Authors, &authors) != nil {
			var repr string
			json.Unmarshal(rec.Authors, &repr)
			for _, a := range strings.Split(strings.Trim(repr, "[]"), ", ") {
				if a = strings.Trim(a, `'"`); a != "" {
					authors = append(authors, a)
				}
			}
		}
		docs = append(docs, search.Doc{ID: paper.ID(rec.ID), Title: rec.Title, Abstract: rec.Abstract, Categories: rec.Categories, Authors: authors})
	}
	ix := search.NewBuildIndex()
	ix.Add(docs...)
	ix.Finalize()
	emb, err := static.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = search.EmbedText(d)
	}
	vecs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		b.Fatal(err)
	}
	feats := NewFeatures(ix)
	items := make([]*Item, len(docs))
	for i, d := range docs {
		embed.Normalize(vecs[i])
		items[i] = feats.Item(d, vecs[i])
	}
	return items
}

// BenchmarkTrain is one reader's training with 500 liked papers against
// a background as the site samples it: the papers of the widest window
// (30 days hold about 6,600 on the 355k-paper database) up to
// backgroundSize. It reports the CPU a training costs; run it with
// -cpu 1 for one core.
//
//	go test ./internal/recommend -run '^$' -bench Train -benchtime 5x -cpu 1
func BenchmarkTrain(b *testing.B) {
	const liked = 500
	items := benchItems(b, liked+backgroundSize)
	if len(items) < liked+backgroundSize {
		b.Skipf("%d papers, %d needed", len(items), liked+backgroundSize)
	}
	for _, window := range []int{6600, backgroundSize} {
		b.Run(fmt.Sprintf("background=%d", window), func(b *testing.B) {
			in := Input{Seed: 1}
			for _, it := range items[:liked] {
				in.Liked = append(in.Liked, Example{Item: it, Weight: 1})
			}
			in.Background = items[liked : liked+window]
			cpu0 := cpuTime(b)
			for b.Loop() {
				Train(in)
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
