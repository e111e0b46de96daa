package paper

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// stored is a paper as the store might hold it after a feed import.
func stored() Paper {
	return Paper{
		ID:       "2510.00515",
		Title:    "Efficient Multi-modal Large Language Models via Progressive Consistency Distillation",
		Abstract: "Visual tokens consume substantial computational resources.",
		Authors: []Author{
			{Name: "Zichen Wen", User: "zichenwen"},
			{Name: "Shaobo Wang"},
		},
		Categories:  []string{"cs.CV"},
		Versions:    []Version{{N: 1, Date: day("2025-10-01T04:56:40Z")}},
		Published:   day("2025-10-01T04:56:40Z"),
		Updated:     day("2025-10-01T04:56:40Z"),
		GitHubRepo:  "https://github.com/ZichenWen1/EPIC",
		GitHubStars: 4,
		ProjectPage: "https://zichenwen1.github.io/EPIC",
		Upvotes:     16,
		NumComments: 1,
		AISummary:   "EPIC reduces training difficulty through token and layer consistency distillation.",
		AIKeywords:  []string{"visual tokens", "token compression"},
		AsOf:        day("2025-10-06T03:44:13Z"),
	}
}

func diffPapers(t *testing.T, got, want Paper) {
	t.Helper()
	if !Equal(got, want) {
		t.Errorf("papers differ:\n got %+v\nwant %+v", got, want)
	}
}

func TestMergeFresherRecordWins(t *testing.T) {
	old := stored()
	rec := Paper{
		ID:         old.ID,
		Title:      "EPIC: Efficient MLLMs via Progressive Consistency Distillation",
		Authors:    []Author{{Name: "Zichen Wen"}, {Name: "Shaobo Wang"}, {Name: "Yufa Zhou"}},
		Categories: []string{"cs.CL", "cs.CV"},
		Versions:   []Version{{N: 2, Date: day("2025-10-09T10:00:00Z")}},
		Updated:    day("2025-10-09T10:00:00Z"),
		DOI:        "10.1000/epic",
		Upvotes:    3, // an older capture of the feed
		// An empty abstract, project page, repo and keywords must not erase what is stored.
		NumComments: 7,
		AISummary:   "EPIC compresses visual tokens.",
		AIModel:     "some/model",
		AsOf:        day("2025-10-09T10:00:00Z"),
	}
	got := Merge(old, rec)
	want := old
	want.Title = rec.Title
	want.Authors = []Author{{Name: "Zichen Wen", User: "zichenwen"}, {Name: "Shaobo Wang"}, {Name: "Yufa Zhou"}}
	want.Categories = []string{"cs.CL", "cs.CV"}
	want.Versions = []Version{{N: 1, Date: day("2025-10-01T04:56:40Z")}, {N: 2, Date: day("2025-10-09T10:00:00Z")}}
	want.Updated = rec.Updated
	want.DOI = rec.DOI
	want.Upvotes = 16
	want.NumComments = 7
	want.AISummary, want.AIModel = rec.AISummary, rec.AIModel
	want.AsOf = rec.AsOf
	diffPapers(t, got, want)
	if old.Title != stored().Title || len(old.Authors) != 2 {
		t.Error("Merge modified its first argument")
	}
}

func TestMergeOlderRecordFillsGaps(t *testing.T) {
	old := stored()
	rec := Paper{
		ID:         old.ID,
		Title:      "A stale title",
		Abstract:   "A stale abstract.",
		Authors:    []Author{{Name: "Somebody Else"}},
		Categories: []string{"cs.AI"},
		Versions:   []Version{{N: 1, Date: day("2025-09-30T23:00:00Z")}},
		Published:  day("2025-09-30T23:00:00Z"),
		Listed:     "2025-10-02",
		JournalRef: "Journal 1 (2025)",
		Comments:   "12 pages",
		Withdrawn:  true,
		GitHubRepo: "https://github.com/other/repo",
		Upvotes:    99,
		AISummary:  "A stale summary.",
		AIKeywords: []string{"stale"},
		AsOf:       day("2025-10-01T00:00:00Z"),
	}
	got := Merge(old, rec)
	want := old
	want.Published = rec.Published // the earliest publication date is the true one
	want.Listed = rec.Listed
	want.JournalRef = rec.JournalRef
	want.Comments = rec.Comments
	want.Upvotes = 99
	diffPapers(t, got, want)
}

func TestMergeVersions(t *testing.T) {
	d1, d2, d3 := day("2020-01-01T00:00:00Z"), day("2020-02-01T00:00:00Z"), day("2020-03-01T00:00:00Z")
	tests := []struct {
		name     string
		old, rec []Version
		want     []Version
	}{
		{"none", nil, nil, nil},
		{"only old", []Version{{1, d1}}, nil, []Version{{1, d1}}},
		{"only new", nil, []Version{{1, d1}}, []Version{{1, d1}}},
		{"united and sorted", []Version{{3, d3}, {1, d1}}, []Version{{2, d2}, {1, d1}}, []Version{{1, d1}, {2, d2}, {3, d3}}},
		{"gap date filled", []Version{{1, time.Time{}}, {2, d2}}, []Version{{1, d1}}, []Version{{1, d1}, {2, d2}}},
		{"known date kept", []Version{{1, d1}}, []Version{{1, d2}}, []Version{{1, d1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, rec := stored(), stored()
			old.Versions, rec.Versions = tt.old, tt.rec
			got := Merge(old, rec).Versions
			if !slices.EqualFunc(got, tt.want, func(x, y Version) bool { return x.N == y.N && x.Date.Equal(y.Date) }) {
				t.Errorf("versions = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMergeCountsOnlyGrow(t *testing.T) {
	newer := func(p Paper) Paper { p.AsOf = p.AsOf.Add(time.Hour); return p }
	tests := []struct {
		name              string
		rec               Paper
		upvotes, comments int
		repo              string
		stars             int
	}{
		{"lower counts from a newer record", func() Paper { p := newer(stored()); p.Upvotes, p.NumComments, p.GitHubStars = 1, 0, 1; return p }(),
			16, 1, "https://github.com/ZichenWen1/EPIC", 4},
		{"higher counts from an older record", func() Paper {
			p := stored()
			p.AsOf = p.AsOf.Add(-time.Hour)
			p.Upvotes, p.NumComments, p.GitHubStars = 40, 9, 50
			return p
		}(), 40, 9, "https://github.com/ZichenWen1/EPIC", 4}, // stars follow the fresher record
		{"a new repo brings its own stars", func() Paper {
			p := newer(stored())
			p.GitHubRepo, p.GitHubStars = "https://github.com/new/home", 2
			return p
		}(), 16, 1, "https://github.com/new/home", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Merge(stored(), tt.rec)
			if got.Upvotes != tt.upvotes || got.NumComments != tt.comments || got.GitHubRepo != tt.repo || got.GitHubStars != tt.stars {
				t.Errorf("got upvotes %d, comments %d, repo %s (%d stars); want %d, %d, %s (%d)",
					got.Upvotes, got.NumComments, got.GitHubRepo, got.GitHubStars, tt.upvotes, tt.comments, tt.repo, tt.stars)
			}
		})
	}
}

func TestMergeAuthorsKeepUsernames(t *testing.T) {
	old := stored()
	old.Authors = []Author{{Name: "Zichen Wen", User: "zichenwen"}, {Name: "Shaobo Wang", User: "swang"}, {Name: "Linfeng Zhang"}}
	rec := stored()
	rec.AsOf = rec.AsOf.Add(time.Hour)
	// The arXiv listing knows no usernames; one author claimed the paper meanwhile.
	rec.Authors = []Author{{Name: "Shaobo Wang"}, {Name: "Zichen Wen"}, {Name: "Linfeng Zhang", User: "lzhang"}, {Name: "Yufa Zhou"}}
	got := Merge(old, rec).Authors
	want := []Author{{"Shaobo Wang", "swang"}, {"Zichen Wen", "zichenwen"}, {"Linfeng Zhang", "lzhang"}, {"Yufa Zhou", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("authors = %v, want %v", got, want)
	}
}

func TestMergeWithdrawn(t *testing.T) {
	rec := stored()
	rec.Withdrawn = true
	rec.AsOf = rec.AsOf.Add(time.Hour)
	if !Merge(stored(), rec).Withdrawn {
		t.Error("a newer withdrawal notice was ignored")
	}
	rec.AsOf = stored().AsOf.Add(-time.Hour)
	if Merge(stored(), rec).Withdrawn {
		t.Error("an older withdrawal notice was taken")
	}
}

func TestMergeIdempotent(t *testing.T) {
	old := stored()
	recs := map[string]Paper{
		"same record":  stored(),
		"newer record": func() Paper { p := stored(); p.Title = "New"; p.Upvotes = 30; p.AsOf = p.AsOf.Add(time.Hour); return p }(),
		"older record": func() Paper {
			p := stored()
			p.Title = "Old"
			p.DOI = "10.1/x"
			p.AsOf = p.AsOf.Add(-time.Hour)
			return p
		}(),
		"arXiv record": {ID: old.ID, Title: "T", Categories: []string{"cs.CV", "cs.AI"}, Versions: []Version{{2, day("2025-10-03T00:00:00Z")}}, Updated: day("2025-10-03T00:00:00Z")},
	}
	for name, rec := range recs {
		t.Run(name, func(t *testing.T) {
			once := Merge(old, rec)
			twice := Merge(once, rec)
			diffPapers(t, twice, once)
		})
	}
	diffPapers(t, Merge(old, old), old)
	// Merging into an empty paper yields the record.
	diffPapers(t, Merge(Paper{ID: old.ID}, old), old)
}

// TestEqualSeesEveryField changes each field of Paper in turn: Equal must
// notice, or a change would be counted as "unchanged" by imports.
func TestEqualSeesEveryField(t *testing.T) {
	base := stored()
	base.Listed, base.DOI, base.JournalRef, base.Comments = "2025-10-02", "10.1/x", "J", "C"
	rt := reflect.TypeOf(base)
	for i := 0; i < rt.NumField(); i++ {
		field := rt.Field(i)
		t.Run(field.Name, func(t *testing.T) {
			p := base
			p.Authors, p.Categories, p.Versions = slices.Clone(p.Authors), slices.Clone(p.Categories), slices.Clone(p.Versions)
			v := reflect.ValueOf(&p).Elem().Field(i)
			switch x := v.Addr().Interface().(type) {
			case *ID:
				*x += "9"
			case *string:
				*x += "x"
			case *int:
				*x++
			case *bool:
				*x = !*x
			case *time.Time:
				*x = x.Add(time.Millisecond)
			case *[]Author:
				(*x)[0].User = "someone"
			case *[]string:
				*x = append(*x, "cs.AI")
			case *[]Version:
				(*x)[0].Date = (*x)[0].Date.Add(time.Second)
			default:
				t.Fatalf("field %s of type %s: teach this test how to change it", field.Name, field.Type)
			}
			if Equal(base, p) || Equal(p, base) {
				t.Errorf("Equal does not compare %s", field.Name)
			}
		})
	}
	// Times are compared as instants, not by location.
	p := base
	p.AsOf = p.AsOf.In(time.FixedZone("X", 3600))
	if !Equal(base, p) {
		t.Error("Equal compares time zones")
	}
}

func TestPaperAccessors(t *testing.T) {
	p := stored()
	p.Categories = []string{"cs.CL", "cs.AI"}
	p.Versions = []Version{{N: 3}, {N: 1}, {N: 2}}
	if got := p.PrimaryCategory(); got != "cs.CL" {
		t.Errorf("PrimaryCategory = %q", got)
	}
	if got := p.LatestVersion(); got != 3 {
		t.Errorf("LatestVersion = %d", got)
	}
	if got := fmt.Sprint(p.AuthorNames()); got != "[Zichen Wen Shaobo Wang]" {
		t.Errorf("AuthorNames = %s", got)
	}
	var empty Paper
	if empty.PrimaryCategory() != "" || empty.LatestVersion() != 0 || len(empty.AuthorNames()) != 0 {
		t.Error("accessors of an empty paper")
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"  padded  ", "padded"},
		{"Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
			"Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"},
		{"  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production\n",
			"A fully differential calculation in perturbative quantum chromodynamics is presented for the production"},
		{"two  spaces", "two spaces"},
		{"tab\there", "tab here"},
		{"windows\r\nline", "windows line"},
		{"\n\t \r\n", ""},
		{"Gödel, Escher,  Bach", "Gödel, Escher, Bach"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDeLaTeX(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Bal\'azs`, "Balázs"},
		{`G{\"o}del`, "Gödel"},
		{`\c{C}etin`, "Çetin"},
		{`Erd\H{o}s`, "Erdős"},
		{`\ss`, "ß"},
		{`Stra\ss e`, "Straße"},
		{`P\'eter E. Frenkel`, "Péter E. Frenkel"},
		{`{\'e}`, "é"},
		{`\"{a}`, "ä"},
		{`\"O`, "Ö"},
		{`\^o`, "ô"},
		{`\~n`, "ñ"},
		{`\={o}`, "ō"},
		{`\.{Z}`, "Ż"},
		{`\v{S}koda`, "Škoda"},
		{`\v s`, "š"},
		{`\u{g}`, "ğ"},
		{`\k{a}`, "ą"},
		{`\r{u}`, "ů"},
		{`\H o`, "ő"},
		{`\c c`, "ç"},
		{`Dj\o rup`, "Djørup"},
		{`{\o}`, "ø"},
		{`\AA ngstr\"om`, "Ångström"},
		{`\L{}ukasz`, "Łukasz"},
		{`Mart\'inez`, "Martínez"},
		{`Mart\'{\i}nez`, "Martínez"},
		{`Mart\'\i nez`, "Martínez"},
		{`Garc\'\i a`, "García"},
		{`Ana\"{\i}s`, "Anaïs"},
		{`\'\i`, "í"},
		// Maths and other commands are left alone.
		{`$\alpha$`, `$\alpha$`},
		{`From dyadic $\Lambda_{\alpha}$ to $\Lambda_{\alpha}$`, `From dyadic $\Lambda_{\alpha}$ to $\Lambda_{\alpha}$`},
		{`$\int_0^1 f$`, `$\int_0^1 f$`},
		{`$\vec{x}$`, `$\vec{x}$`},
		{`see \url{https://x.org}`, `see \url{https://x.org}`},
		{`\cite{key}`, `\cite{key}`},
		{`\label{eq}`, `\label{eq}`},
		{`$\omega$ and $\Lambda$`, `$\omega$ and $\Lambda$`},
		{`a\\b`, `a\\b`},
		{`\^{}`, `\^{}`},
		{`\c{}`, `\c{}`},
		{`trailing \`, `trailing \`},
		{`trailing \'`, `trailing \'`},
		// Without backslashes nothing changes, braces included.
		{"Fal'ko {and} d'Ambrumenil", "Fal'ko {and} d'Ambrumenil"},
		{"", ""},
		{"Gödel", "Gödel"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := DeLaTeX(tt.in); got != tt.want {
				t.Errorf("DeLaTeX(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzDeLaTeX(f *testing.F) {
	for _, s := range []string{`Bal\'azs`, `G{\"o}del`, `\c{C}etin`, `Erd\H{o}s`, `\ss`, `$\alpha$`, `Mart\'{\i}nez`, `\'\i`, `\L{}`, `\"{}`, "\\'\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := DeLaTeX(s)
		if !containsBackslash(s) && out != s {
			t.Fatalf("DeLaTeX(%q) = %q: changed a string without backslashes", s, out)
		}
		if len(out) > 2*len(s)+8 {
			t.Fatalf("DeLaTeX(%q) = %q: grew too much", s, out)
		}
	})
}

func containsBackslash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			return true
		}
	}
	return false
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"one two three four", 12, "one two…"},
		{"onetwothreefour five", 8, "onetwoth…"},
		{"ends with a comma, then more words", 20, "ends with a comma…"},
		{"héllo wörld ünïcode", 13, "héllo…"},
		{"ééééééé", 5, "éé…"}, // never inside a two-byte letter
	} {
		got := Excerpt(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Excerpt(%q, %d) is not valid UTF-8", tc.in, tc.n)
		}
	}
}

func TestInCategories(t *testing.T) {
	cats := []string{"cs.CL", "cs.LG", "hep-th"}
	for _, tc := range []struct {
		want []string
		in   bool
	}{
		{[]string{"cs.CL"}, true}, {[]string{"cs"}, true}, {[]string{"CS.cl"}, true}, {[]string{"hep-th"}, true},
		{[]string{"math", "cs.LG"}, true}, {[]string{"cs.C"}, false}, {[]string{"c"}, false},
		{[]string{"hep"}, false}, {[]string{"cs.CV"}, false}, {nil, false},
	} {
		if got := InCategories(cats, tc.want); got != tc.in {
			t.Errorf("InCategories(%v, %v) = %v, want %v", cats, tc.want, got, tc.in)
		}
	}
}

// The hosted feed's summary and key phrases survive a later record that
// has none (an arXiv harvest), and fill in from an older one.
func TestMergeAIFields(t *testing.T) {
	harvested := Paper{ID: "2510.00515", Title: "EPIC", AsOf: day("2025-11-01T00:00:00Z")}
	if got := Merge(stored(), harvested); got.AISummary != stored().AISummary || !slices.Equal(got.AIKeywords, stored().AIKeywords) {
		t.Errorf("a fresher record without them erased the AI fields: %q %q", got.AISummary, got.AIKeywords)
	}
	bare := stored()
	bare.AISummary, bare.AIKeywords = "", nil
	older := stored()
	older.AsOf = day("2025-01-01T00:00:00Z")
	older.AIModel = "some/model"
	if got := Merge(bare, older); got.AISummary != older.AISummary || got.AIModel != "some/model" || !slices.Equal(got.AIKeywords, older.AIKeywords) {
		t.Errorf("an older record did not fill the AI fields: %q %q %q", got.AISummary, got.AIModel, got.AIKeywords)
	}

	// The model stays with its summary whichever source names it.
	named := stored()
	named.AIModel = "some/model"
	unnamed := stored() // the same summary, from a source without the model's name
	unnamed.AsOf = named.AsOf.AddDate(0, 1, 0)
	if got := Merge(named, unnamed); got.AIModel != "some/model" {
		t.Errorf("a fresher record of the same summary without a model erased it: %q", got.AIModel)
	}
	if got := Merge(stored(), named); got.AIModel != "some/model" {
		t.Errorf("a record naming the model of the same summary did not add it: %q", got.AIModel)
	}
	named.AsOf = stored().AsOf.AddDate(0, -1, 0)
	if got := Merge(stored(), named); got.AIModel != "some/model" {
		t.Errorf("an older record naming the model of the same summary did not add it: %q", got.AIModel)
	}
	rewritten := unnamed
	rewritten.AISummary, rewritten.AsOf = "A new summary.", named.AsOf.AddDate(0, 2, 0)
	if got := Merge(named, rewritten); got.AISummary != "A new summary." || got.AIModel != "" {
		t.Errorf("a new summary kept the old one's model: %q %q", got.AISummary, got.AIModel)
	}
}

func TestIsWithdrawn(t *testing.T) {
	for comment, want := range map[string]bool{
		"This paper has been withdrawn by the author due to a crucial error in equation 3": true,
		"This submission has been withdrawn by arXiv administrators":                       true,
		"Withdrawn: the result is wrong":                                                   true,
		"withdrawn":                                                                        true,
		"paper withdrawn by the authors":                                                   true,
		"20 pages, 3 figures":                                                              false,
		"v2: figure 3 withdrawn, typos fixed":                                              false,
		"":                                                                                 false,
		"The submission was withdrawn: see v1":                                             true,
	} {
		if got := IsWithdrawn(comment); got != want {
			t.Errorf("IsWithdrawn(%q) = %v", comment, got)
		}
	}
}
