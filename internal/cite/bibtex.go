package cite

import (
	"io"
	"strings"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// latexSpecials escapes the characters that mean something to LaTeX, so
// that a title such as "100% of C# & F_1" typesets as written. Non-ASCII
// letters are kept as UTF-8, which biber and bibtex with inputenc read.
var latexSpecials = strings.NewReplacer(
	`\`, `\textbackslash{}`, `{`, `\{`, `}`, `\}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
)

// TeX escapes s for a BibTeX field.
func TeX(s string) string { return latexSpecials.Replace(s) }

// BibTeX writes papers as BibTeX entries in arXiv's @misc form (the one
// arXiv's own "Export BibTeX citation" gives): eprint, archivePrefix and
// primaryClass, with the DOI and journal reference when known. Keys come
// from Keys, unique within the call.
func BibTeX(w io.Writer, ps []paper.Paper) error {
	keys := Keys(ps)
	var b strings.Builder
	for i := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		entry(&b, &ps[i], keys[i])
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

// Entry is one paper's BibTeX entry, with the key it would have alone.
func Entry(p *paper.Paper) string {
	var b strings.Builder
	entry(&b, p, Keys([]paper.Paper{*p})[0])
	return b.String()
}

func entry(b *strings.Builder, p *paper.Paper, key string) {
	b.WriteString("@misc{")
	b.WriteString(key)
	b.WriteString(",\n")
	field := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString("  ")
		b.WriteString(name)
		b.WriteString(strings.Repeat(" ", 13-len(name)))
		b.WriteString(" = {")
		b.WriteString(value)
		b.WriteString("},\n")
	}
	field("title", TeX(title(p)))
	ns, more := names(p)
	authors := make([]string, len(ns), len(ns)+1)
	for i, n := range ns {
		authors[i] = bibName(n)
	}
	if more {
		authors = append(authors, "others") // BibTeX writes "et al."
	}
	field("author", strings.Join(authors, " and "))
	field("year", year(p))
	field("eprint", string(p.ID))
	field("archivePrefix", "arXiv")
	field("primaryClass", TeX(p.PrimaryCategory()))
	field("doi", TeX(p.DOI))
	field("journal", TeX(p.JournalRef))
	field("url", p.ID.AbsURL())
	b.WriteString("}\n")
}

// bibName writes a name as BibTeX reads it: "Family, Suffix, Given". A
// family name of several words is braced so that BibTeX keeps it whole.
func bibName(n Name) string {
	fam := TeX(n.Family)
	if strings.ContainsRune(n.Family, ' ') && !startsLower(n.Family) {
		fam = "{" + fam + "}"
	}
	switch {
	case n.Given == "" && n.Suffix == "":
		return fam
	case n.Suffix != "":
		return fam + ", " + TeX(n.Suffix) + ", " + TeX(n.Given)
	}
	return fam + ", " + TeX(n.Given)
}

// startsLower reports whether a family name starts with a particle, which
// BibTeX reads as the "von" part by its lowercase.
func startsLower(s string) bool { return s != "" && s[0] >= 'a' && s[0] <= 'z' }
