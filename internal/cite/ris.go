package cite

import (
	"io"
	"strings"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// RIS writes papers as RIS records. RIS has no preprint type that every
// importer reads, so each is GEN with "M3 - Preprint", which Zotero reads
// as a preprint, and the arXiv id as its archive number. Text is UTF-8,
// lines end in CRLF as the format asks.
func RIS(w io.Writer, ps []paper.Paper) error {
	var b strings.Builder
	for i := range ps {
		risRecord(&b, &ps[i])
		if b.Len() > 32<<10 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func risRecord(b *strings.Builder, p *paper.Paper) {
	tag := func(t, v string) {
		// A line break would start a tag of its own. Only the breaks are
		// replaced, in one pass: splitting a whole abstract into words
		// doubled the cost of an export.
		if strings.ContainsAny(v, "\r\n") {
			v = strings.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return ' '
				}
				return r
			}, v)
		}
		if v = strings.TrimSpace(v); v == "" {
			return
		}
		b.WriteString(t)
		b.WriteString("  - ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	tag("TY", "GEN")
	tag("TI", title(p))
	ns, more := names(p)
	for _, n := range ns {
		name := n.Family
		if n.Given != "" {
			name += ", " + n.Given
		}
		if n.Suffix != "" {
			name += ", " + n.Suffix
		}
		tag("AU", name)
	}
	if more {
		tag("AU", "others")
	}
	if !p.Published.IsZero() {
		tag("PY", year(p))
		tag("DA", p.Published.UTC().Format("2006/01/02"))
	}
	tag("AB", p.Abstract)
	tag("PB", "arXiv")
	tag("M3", "Preprint")
	tag("AN", "arXiv:"+string(p.ID))
	for _, c := range p.Categories {
		tag("KW", c)
	}
	tag("DO", p.DOI)
	tag("N1", p.JournalRef)
	tag("UR", p.ID.AbsURL())
	tag("L1", p.ID.PDFURL())
	b.WriteString("ER  - \r\n")
}
