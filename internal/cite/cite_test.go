package cite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

func p(id, title string, year int, authors ...string) paper.Paper {
	out := paper.Paper{ID: paper.ID(id), Title: title, Categories: []string{"cs.LG", "stat.ML"}}
	if year > 0 {
		out.Published = time.Date(year, 6, 12, 17, 0, 0, 0, time.UTC)
	}
	for _, a := range authors {
		out.Authors = append(out.Authors, paper.Author{Name: a})
	}
	return out
}

func TestSplitName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Name
	}{
		{"Ashish Vaswani", Name{Family: "Vaswani", Given: "Ashish"}},
		{"Yann  LeCun", Name{Family: "LeCun", Given: "Yann"}},
		{"Johannes van der Waals", Name{Family: "van der Waals", Given: "Johannes"}},
		{"Martin Luther King Jr.", Name{Family: "King", Given: "Martin Luther", Suffix: "Jr."}},
		{"Curie, Marie", Name{Family: "Curie", Given: "Marie"}},
		{"Plato", Name{Family: "Plato"}},
		{"Zoë Ångström", Name{Family: "Ångström", Given: "Zoë"}},
		{"", Name{}},
	} {
		if got := SplitName(tc.in); got != tc.want {
			t.Errorf("SplitName(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []paper.Paper
		want []string
	}{
		{"scholar form", []paper.Paper{p("1706.03762", "Attention Is All You Need", 2017, "Ashish Vaswani", "Noam Shazeer")}, []string{"vaswani2017attention"}},
		{"stop words skipped", []paper.Paper{p("2001.00001", "On the Nature of Things", 2020, "A. Smith")}, []string{"smith2020nature"}},
		{"accents folded", []paper.Paper{p("2001.00002", "Über Graphen", 2020, "Jürgen Müller")}, []string{"muller2020uber"}},
		{"TeX accents folded", []paper.Paper{p("2001.00003", "Graphs", 2020, `Bal\'azs Szegedy`)}, []string{"szegedy2020graphs"}},
		{"duplicates told apart", []paper.Paper{
			p("2001.00004", "Deep Nets", 2020, "Ann Lee"), p("2001.00005", "Deep nets again", 2020, "Bo Lee"), p("2001.00006", "Deep", 2020, "Cy Lee"),
		}, []string{"lee2020deep", "lee2020deepb", "lee2020deepc"}},
		{"no authors, no date", []paper.Paper{p("hep-th/9901001", "Strings", 0)}, []string{"anonhepth9901001strings"}},
		{"family name of particles", []paper.Paper{p("2001.00007", "Gases", 2020, "Johannes van der Waals")}, []string{"waals2020gases"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Keys(tc.in)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("Keys = %q, want %q", got, tc.want)
			}
			// Stable: the same list gives the same keys.
			if again := Keys(tc.in); strings.Join(again, " ") != strings.Join(got, " ") {
				t.Errorf("Keys changed between calls: %q, then %q", got, again)
			}
		})
	}
}

func TestKeysUniqueAtScale(t *testing.T) {
	ps := make([]paper.Paper, 2000)
	for i := range ps {
		ps[i] = p("2001.00001", "Same Title", 2020, "Same Author")
	}
	seen := map[string]bool{}
	for _, k := range Keys(ps) {
		if seen[k] {
			t.Fatalf("key %q given twice", k)
		}
		seen[k] = true
	}
}

func TestBibTeX(t *testing.T) {
	withDOI := p("2309.00001", `100% of C# & F_1 {robust} $x^2$ ~ \LaTeX`, 2023, "Zoë Ångström", "Johannes van der Waals", "Ding Liren")
	withDOI.DOI = "10.1000/xyz_1"
	withDOI.JournalRef = "Nature 1 (2023) 1-10"
	var buf bytes.Buffer
	if err := BibTeX(&buf, []paper.Paper{p("1706.03762", "Attention Is All You Need", 2017, "Ashish Vaswani", "Noam Shazeer"), withDOI}); err != nil {
		t.Fatal(err)
	}
	want := `@misc{vaswani2017attention,
  title         = {Attention Is All You Need},
  author        = {Vaswani, Ashish and Shazeer, Noam},
  year          = {2017},
  eprint        = {1706.03762},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  url           = {https://arxiv.org/abs/1706.03762},
}

@misc{angstrom2023100,
  title         = {100\% of C\# \& F\_1 \{robust\} \$x\textasciicircum{}2\$ \textasciitilde{} \textbackslash{}LaTeX},
  author        = {Ångström, Zoë and van der Waals, Johannes and Liren, Ding},
  year          = {2023},
  eprint        = {2309.00001},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  doi           = {10.1000/xyz\_1},
  journal       = {Nature 1 (2023) 1-10},
  url           = {https://arxiv.org/abs/2309.00001},
}
`
	if buf.String() != want {
		t.Errorf("BibTeX =\n%s\nwant\n%s", buf.String(), want)
	}
	if e := Entry(&withDOI); !strings.HasPrefix(e, "@misc{angstrom2023100,\n") {
		t.Errorf("Entry = %q", e)
	}
}

func TestBibTeXBraces(t *testing.T) {
	// Every brace a value holds is escaped, so no title can close its
	// field early and write fields of its own.
	evil := p("2001.00009", "x}, note = {pwned", 2020, "A B")
	e := Entry(&evil)
	if strings.Contains(e, "note") && !strings.Contains(e, `x\}, note = \{pwned`) {
		t.Errorf("a title broke out of its field:\n%s", e)
	}
}

func TestRIS(t *testing.T) {
	x := p("1706.03762", "Attention Is\nAll You Need", 2017, "Ashish Vaswani", "Zoë Ångström")
	x.Abstract = "Line one.\nLine two."
	var buf bytes.Buffer
	if err := RIS(&buf, []paper.Paper{x}); err != nil {
		t.Fatal(err)
	}
	want := "TY  - GEN\r\nTI  - Attention Is All You Need\r\nAU  - Vaswani, Ashish\r\nAU  - Ångström, Zoë\r\nPY  - 2017\r\nDA  - 2017/06/12\r\n" +
		"AB  - Line one. Line two.\r\nPB  - arXiv\r\nM3  - Preprint\r\nAN  - arXiv:1706.03762\r\nKW  - cs.LG\r\nKW  - stat.ML\r\n" +
		"UR  - https://arxiv.org/abs/1706.03762\r\nL1  - https://arxiv.org/pdf/1706.03762\r\nER  - \r\n"
	if buf.String() != want {
		t.Errorf("RIS =\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestCSL(t *testing.T) {
	x := p("1706.03762", "Attention Is All You Need", 2017, "Ashish Vaswani", "Zoë Ångström")
	x.DOI = "10.1/2"
	var buf bytes.Buffer
	if err := WriteCSL(&buf, []paper.Paper{x}); err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	it := items[0]
	for k, want := range map[string]any{"id": "vaswani2017attention", "type": "article", "title": "Attention Is All You Need",
		"publisher": "arXiv", "number": "arXiv:1706.03762", "DOI": "10.1/2", "URL": "https://arxiv.org/abs/1706.03762"} {
		if it[k] != want {
			t.Errorf("%s = %v, want %v", k, it[k], want)
		}
	}
	authors := it["author"].([]any)
	if a := authors[1].(map[string]any); a["family"] != "Ångström" || a["given"] != "Zoë" {
		t.Errorf("second author = %v", a)
	}
	if d := it["issued"].(map[string]any)["date-parts"].([]any)[0].([]any); d[0] != 2017.0 || d[1] != 6.0 || d[2] != 12.0 {
		t.Errorf("issued = %v", d)
	}
}

func TestManyAuthors(t *testing.T) {
	big := p("2001.00010", "Observation of a New Particle", 2012)
	for i := range 3000 {
		big.Authors = append(big.Authors, paper.Author{Name: fmt.Sprintf("Given%d Family%d", i, i)})
	}
	var bib, ris bytes.Buffer
	if err := BibTeX(&bib, []paper.Paper{big}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(bib.String(), " and "); n != MaxAuthors || !strings.Contains(bib.String(), "Family49, Given49 and others},") {
		t.Errorf("BibTeX of 3,000 authors names %d, want %d and others:\n%.300s", n+1, MaxAuthors, bib.String())
	}
	if err := RIS(&ris, []paper.Paper{big}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(ris.String(), "AU  - "); n != MaxAuthors+1 || !strings.Contains(ris.String(), "AU  - others\r\n") {
		t.Errorf("RIS of 3,000 authors: %d AU lines", n)
	}
	items := CSL([]paper.Paper{big})
	if a := items[0].Author; len(a) != MaxAuthors+1 || a[MaxAuthors].Literal != "others" || a[0].Family != "Family0" {
		t.Errorf("CSL of 3,000 authors: %d names, last %+v", len(a), a[len(a)-1])
	}
	// Exactly MaxAuthors authors: all named, no "others".
	whole := big
	whole.Authors = big.Authors[:MaxAuthors]
	if e := Entry(&whole); strings.Contains(e, "others") {
		t.Errorf("%d authors got \"others\"", MaxAuthors)
	}
}
