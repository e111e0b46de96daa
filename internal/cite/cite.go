// Package cite writes citations of papers: BibTeX in arXiv's own @misc
// form, RIS for reference managers that import files (Zotero, EndNote,
// Mendeley), and CSL-JSON for citeproc processors. Pure functions of the
// papers: the same papers in the same order always give the same bytes.
package cite

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// particles are the lowercase words that belong to a family name ("van
// der Waals", "de la Cruz"), so that "Johannes van der Waals" is cited as
// "van der Waals, Johannes" and not "Waals, Johannes van der".
var particles = map[string]bool{
	"van": true, "von": true, "der": true, "den": true, "de": true, "del": true, "della": true,
	"di": true, "da": true, "du": true, "la": true, "le": true, "dos": true, "das": true, "ter": true, "zu": true,
}

// suffixes end a name without being its family name ("Jr.").
var suffixes = map[string]bool{"jr": true, "jr.": true, "sr": true, "sr.": true, "ii": true, "iii": true, "iv": true}

// Name is an author's name split for a bibliography.
type Name struct {
	Family string
	Given  string
	Suffix string
}

// SplitName splits a name as written on arXiv ("Given Family"), or as
// "Family, Given" when it holds a comma. A single word is a family name.
// Names are split conservatively: a name the rules cannot read (one word,
// an organisation) keeps all of its words as the family name.
func SplitName(name string) Name {
	if fam, given, ok := strings.Cut(name, ","); ok {
		return Name{Family: strings.Join(strings.Fields(fam), " "), Given: strings.Join(strings.Fields(given), " ")}
	}
	words := strings.Fields(name)
	var n Name
	if len(words) > 1 && suffixes[strings.ToLower(words[len(words)-1])] {
		n.Suffix = words[len(words)-1]
		words = words[:len(words)-1]
	}
	switch len(words) {
	case 0:
		return n
	case 1:
		n.Family = words[0]
		return n
	}
	last := len(words) - 1
	start := last
	for start > 1 && particles[words[start-1]] {
		start--
	}
	n.Family = strings.Join(words[start:], " ")
	n.Given = strings.Join(words[:start], " ")
	return n
}

// title is a paper's title on one line, its TeX accents as letters.
func title(p *paper.Paper) string {
	return strings.Join(strings.Fields(paper.DeLaTeX(p.Title)), " ")
}

// MaxAuthors is how many authors a citation names before "and others"
// (BibTeX), or before it stops (RIS, CSL-JSON, which mark the rest as
// "others"). INSPIRE cuts a collaboration's thousands of names after ten;
// 50 keeps every paper but the big collaborations whole, and bounds what
// an export of a whole collection costs by its number of papers alone.
const MaxAuthors = 50

// names are a paper's first MaxAuthors authors, split, with TeX accents as
// letters, and whether there were more.
func names(p *paper.Paper) ([]Name, bool) {
	out := make([]Name, 0, min(len(p.Authors), MaxAuthors))
	for i, a := range p.Authors {
		if len(out) == MaxAuthors {
			return out, i < len(p.Authors)
		}
		if n := SplitName(paper.DeLaTeX(a.Name)); n.Family != "" {
			out = append(out, n)
		}
	}
	return out, false
}

// year is the year of a paper's first version, "" when unknown.
func year(p *paper.Paper) string {
	if p.Published.IsZero() {
		return ""
	}
	return p.Published.UTC().Format("2006")
}

// keyWord folds a word to the ASCII letters and digits of a citation key:
// "Müller" becomes "muller", "Ångström" "angstrom".
func keyWord(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø' || r == 'Ø':
			b.WriteString("o")
		case r == 'ł' || r == 'Ł':
			b.WriteString("l")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		}
	}
	return b.String()
}

// stopWords are not a title's key word.
var stopWords = map[string]bool{"a": true, "an": true, "the": true, "on": true, "of": true, "in": true, "for": true,
	"and": true, "to": true, "with": true, "from": true, "is": true, "are": true, "towards": true, "toward": true, "via": true}

// baseKey is the key a paper is cited by before duplicates are told
// apart: the first author's family name, the year and the title's first
// word that says something, as Google Scholar makes them (vaswani2017attention).
// A paper without authors takes "anon", one without a year the arXiv id's
// digits.
func baseKey(p *paper.Paper) string {
	fam := "anon"
	// The first author with a name; the others are not read.
	for _, a := range p.Authors {
		if n := SplitName(paper.DeLaTeX(a.Name)); n.Family != "" {
			words := strings.Fields(n.Family)
			if k := keyWord(words[len(words)-1]); k != "" {
				fam = k
			}
			break
		}
	}
	y := year(p)
	if y == "" {
		y = keyWord(string(p.ID))
	}
	word := ""
	for _, w := range strings.FieldsFunc(title(p), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if k := keyWord(w); k != "" && !stopWords[k] {
			word = k
			break
		}
	}
	return fam + y + word
}

// Keys gives each paper a citation key, unique within the list: a key
// that two papers would share gets b, c, ... after the first ("smith2020deepb").
// A paper's key depends only on the papers before it in the list.
func Keys(ps []paper.Paper) []string {
	keys := make([]string, len(ps))
	used := make(map[string]bool, len(ps))
	// next is the suffix each base key tries next, so that a thousand
	// papers of one key cost a thousand tries, not half a million.
	next := make(map[string]int)
	for i := range ps {
		base := baseKey(&ps[i])
		k := base
		if used[k] {
			n := max(next[base], 1)
			for k = base + suffix(n); used[k]; k = base + suffix(n) {
				n++
			}
			next[base] = n + 1
		}
		used[k] = true
		keys[i] = k
	}
	return keys
}

// suffix is the n-th disambiguating suffix: b ... z, then ba, bb, ...
func suffix(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	s := ""
	for {
		s = string(letters[n%26]) + s
		if n /= 26; n == 0 {
			return s
		}
	}
}
