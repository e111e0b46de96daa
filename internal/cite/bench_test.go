package cite

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// exportPapers are n papers as an export of a big collection meets them:
// a dozen authors each (every fiftieth paper with 300), accents and TeX in
// some names, an abstract of 1,200 characters.
func exportPapers(n int) []paper.Paper {
	ps := make([]paper.Paper, n)
	abstract := strings.Repeat("We study how models learn from data; results hold at 100% of scales. ", 18)
	for i := range ps {
		authors := 12
		if i%50 == 0 {
			authors = 300
		}
		p := paper.Paper{ID: paper.ID(fmt.Sprintf("2501.%05d", i)), Title: fmt.Sprintf("Learning to Learn $x_%d$ & More", i%7),
			Abstract: abstract, Categories: []string{"cs.LG", "cs.AI"}, Published: time.Date(2025, 1, 1+i%28, 0, 0, 0, 0, time.UTC), DOI: "10.1/x_y"}
		for a := range authors {
			name := fmt.Sprintf("Author%d Family%d", a, i%97)
			if a%5 == 0 {
				name = `Bal\'azs M\"uller-Ødegaard`
			}
			p.Authors = append(p.Authors, paper.Author{Name: name})
		}
		ps[i] = p
	}
	return ps
}

func BenchmarkExport2000(b *testing.B) {
	ps := exportPapers(2000)
	for _, f := range []struct {
		name  string
		write func(io.Writer, []paper.Paper) error
	}{{"bibtex", BibTeX}, {"ris", RIS}, {"csl", WriteCSL}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f.write(io.Discard, ps); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
