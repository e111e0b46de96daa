package static

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// benchPapers reads the first n papers of the shared 2025-2026 listing as
// the texts the search index embeds (title, then abstract).
func benchPapers(b *testing.B, n int) []string {
	if len(benchTexts) >= n {
		return benchTexts[:n]
	}
	dir := os.Getenv("DAILYPAPERS_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data")
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
	var texts []string
	errEnough := context.Canceled
	err = ReadRecords(r, func(rec Record) error {
		texts = append(texts, rec.Title+".\n"+rec.Abstract) // search.EmbedText
		if len(texts) == n {
			return errEnough
		}
		return nil
	})
	if err != nil && err != errEnough {
		b.Fatal(err)
	}
	benchTexts = texts
	return texts
}

// benchTexts keeps the texts from one run of a benchmark to the next.
var benchTexts []string

// BenchmarkEmbed embeds real papers (title and abstract, 10,000 of them)
// and reports papers a second; run it with -cpu 1 for one core's rate.
func BenchmarkEmbed(b *testing.B) {
	texts := benchPapers(b, 10_000)
	m, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for range b.N {
		for i := 0; i < len(texts); i += 1000 {
			if _, err := m.Embed(ctx, texts[i:min(i+1000, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "papers/s")
	// On a shared machine the wall clock counts other processes' turns;
	// the process's own CPU time does not.
	b.ReportMetric(float64(b.N*len(texts))/(cpuTime(b)-cpu0).Seconds(), "papers/cpu-s")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEmbedGloVe is BenchmarkEmbed with the word vectors the static
// model replaces, for comparison on the same machine at the same time.
func BenchmarkEmbedGloVe(b *testing.B) {
	texts := benchPapers(b, 10_000)
	m, err := wordvec.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for range b.N {
		for i := 0; i < len(texts); i += 1000 {
			if _, err := m.Embed(ctx, texts[i:min(i+1000, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/(cpuTime(b)-cpu0).Seconds(), "papers/cpu-s")
}
