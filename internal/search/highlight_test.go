package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

const ellipsis = "…"

func mustParse(t testing.TB, s string) *Query {
	t.Helper()
	q, err := ParseQuery(s)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return q
}

// marked lists the marked segments; joined concatenates every segment
// but the ellipses.
func marked(segs []Segment) []string {
	var out []string
	for _, s := range segs {
		if s.Match {
			out = append(out, s.Text)
		}
	}
	return out
}

func joined(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if !s.Match && s.Text == ellipsis {
			continue
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		query, text string
		want        []string
	}{
		{"transformer", "Transformers transform everything; a transformer-based model.", []string{"Transformers", "transform", "transformer"}},
		{"lang*", "Large language models and Langevin dynamics, not slang.", []string{"language", "Langevin"}},
		{"author:Hinton", "G. Hinton, Y. LeCun", []string{"Hinton"}},
		{`author:"Yann LeCun"`, "G. Hinton, Y. LeCun, Yann Dauphin", []string{"LeCun", "Yann"}},
		{"godel", "On Gödel's theorem and GODEL", []string{"Gödel", "GODEL"}},
		{"graph -survey", "A survey of graph methods", []string{"graph"}},
		{`"state of the art" results`, "state of the art results", []string{"state", "art", "results"}},
		{"3d bert2", "3D scenes with BERT2 and 3-D", []string{"3D", "BERT2"}},
		{"model cat:cs.CL year:2024", "A model of models.", []string{"model", "models"}},
		{"robot", "No match here.", nil},
		{"robot", "", nil},
		{"大语言模型", "关于大语言模型的研究, 大语言模型", []string{"大语言模型"}}, // the first run is one longer token
	} {
		t.Run(tc.query, func(t *testing.T) {
			segs := Highlight(tc.text, mustParse(t, tc.query), 0)
			if got := marked(segs); !slices.Equal(got, tc.want) {
				t.Errorf("Highlight(%q, %q) marks %q, want %q", tc.text, tc.query, got, tc.want)
			}
			if got := joined(segs); got != tc.text {
				t.Errorf("segments join to %q, want the text %q", got, tc.text)
			}
			for i, s := range segs {
				if s.Text == "" {
					t.Errorf("segment %d is empty", i)
				}
				if i > 0 && !s.Match && !segs[i-1].Match {
					t.Errorf("segments %d and %d are both unmarked: %q %q", i-1, i, segs[i-1].Text, s.Text)
				}
			}
		})
	}
}

// checkWindow checks a highlighted window of text: it is a whole-word
// slice of the text no longer than maxLen, marked ellipses where it was
// cut, marked segments are whole words; it returns the window's offset.
func checkWindow(t *testing.T, text string, segs []Segment, maxLen int) int {
	t.Helper()
	window := joined(segs)
	lo := strings.Index(text, window)
	if lo < 0 || window == "" && text != "" {
		t.Fatalf("window %q is not part of the text", window)
	}
	hi := lo + len(window)
	if len(text) <= maxLen && window != text {
		t.Errorf("a text of %d bytes, under maxLen %d, was cut to %q", len(text), maxLen, window)
	}
	if len(window) > maxLen {
		t.Errorf("window of %d bytes, maxLen %d", len(window), maxLen)
	}
	if lo > 0 && text[lo-1] != ' ' || hi < len(text) && text[hi] != ' ' {
		t.Errorf("window [%d,%d) cuts a word: %q", lo, hi, window)
	}
	if !utf8.ValidString(window) {
		t.Errorf("window %q is not valid UTF-8", window)
	}
	if first := segs[0]; (lo > 0) != (first.Text == ellipsis && !first.Match) {
		t.Errorf("window starts at %d; first segment %q", lo, first.Text)
	}
	if last := segs[len(segs)-1]; (hi < len(text)) != (last.Text == ellipsis && !last.Match) {
		t.Errorf("window ends at %d of %d; last segment %q", hi, len(text), last.Text)
	}
	at := lo
	for _, s := range segs {
		if !s.Match && s.Text == ellipsis {
			continue
		}
		if s.Match && (at > 0 && isWordRune(lastRune(text[:at])) || at+len(s.Text) < len(text) && isWordRune(firstRune(text[at+len(s.Text):]))) {
			t.Errorf("marked %q at %d is part of a word", s.Text, at)
		}
		at += len(s.Text)
	}
	return lo
}

func TestHighlightWindow(t *testing.T) {
	const maxLen = 300
	words := strings.Fields(filler(400)) // 2,400 bytes or so
	build := func(at int, word string) string {
		w := slices.Clone(words)
		w[at] = word
		return strings.Join(w, " ")
	}
	q := mustParse(t, "zeolite")
	for _, at := range []int{0, 5, 30, 150, 399} {
		text := build(at, "zeolite")
		match := strings.Index(text, "zeolite")
		segs := Highlight(text, q, maxLen)
		lo := checkWindow(t, text, segs, maxLen)
		if got := marked(segs); !slices.Equal(got, []string{"zeolite"}) {
			t.Errorf("match at byte %d: marked %q", match, got)
		}
		// Early matches keep the start; later ones start shortly before the match.
		if match <= maxLen/3 {
			if lo != 0 {
				t.Errorf("match at byte %d: window starts at %d, want 0", match, lo)
			}
		} else if lo > match || match-lo > maxLen/6+len("consectetur ") {
			t.Errorf("match at byte %d: window starts at %d, want a little before", match, lo)
		}
	}
	// No match: the start of the text.
	text := build(0, "lorem")
	segs := Highlight(text, mustParse(t, "zeolite"), maxLen)
	if lo := checkWindow(t, text, segs, maxLen); lo != 0 || len(marked(segs)) != 0 {
		t.Errorf("without a match the window starts at %d with %q", lo, marked(segs))
	}
	// Short texts are whole.
	segs = Highlight("A zeolite.", q, maxLen)
	if joined(segs) != "A zeolite." || segs[0].Text == ellipsis {
		t.Errorf("a short text: %+v", segs)
	}
	// Matches after the window are not marked, and the window holds the first.
	text = build(100, "zeolite")
	text = strings.Replace(text, words[390], "zeolite", 1)
	segs = Highlight(text, q, maxLen)
	checkWindow(t, text, segs, maxLen)
	if got := marked(segs); len(got) != 1 {
		t.Errorf("marked %q, want only the first zeolite", got)
	}
}

// Demo abstracts, highlighted as the search page does (every third one:
// each Highlight call allocates a 16k-entry stem cache and takes about a
// millisecond).
func TestHighlightDemoAbstracts(t *testing.T) {
	t.Parallel()
	st := demoStore(t)
	var papers []paper.Paper
	for i, p := range storetest.AllPapers(t, st) {
		if i%3 == 0 {
			papers = append(papers, p)
		}
	}
	for i, query := range []string{"model", `diffus* "large language"`} {
		q := mustParse(t, query)
		withMatch := 0
		for _, p := range papers {
			if p.Abstract == "" {
				continue
			}
			segs := Highlight(p.Abstract, q, 420)
			if len(segs) == 0 {
				t.Fatalf("%s: no segments", p.ID)
			}
			checkWindow(t, p.Abstract, segs, 420)
			if len(marked(segs)) > 0 {
				withMatch++
			}
			if i == 0 && joined(Highlight(p.Abstract, q, 0)) != p.Abstract {
				t.Fatalf("%s: segments do not give back the abstract", p.ID)
			}
		}
		if withMatch == 0 {
			t.Errorf("%q: no abstract has a marked word", query)
		}
	}
}

// A window over text with no space in it must still show text, whole runes.
func TestHighlightUnbrokenText(t *testing.T) {
	q := mustParse(t, "target")
	t.Run("long token before the match", func(t *testing.T) {
		text := "x " + strings.Repeat("y", 500) + " target"
		segs := Highlight(text, q, 420)
		if w := joined(segs); w == "" || !utf8.ValidString(w) {
			t.Fatalf("highlight.go Highlight: wordEnd looks for the last space before lo+maxLen, which can be before lo, so hi < lo and the window is empty: %q gives segments %+v", "x "+"y×500"+" target", segs)
		}
	})
	t.Run("no space at all", func(t *testing.T) {
		text := "a" + strings.Repeat("语", 300) + " target"
		segs := Highlight(text, q, 420)
		if w := joined(segs); !utf8.ValidString(w) {
			t.Fatalf("highlight.go wordEnd falls back to the byte offset lo+maxLen when there is no space, cutting a multi-byte rune: window ends in %q", w[len(w)-3:])
		}
	})
}

func FuzzHighlight(f *testing.F) {
	f.Add("Large language models (LLMs) and Gödel's 3D-model", "languag* author:Gödel", 20)
	f.Add("x "+strings.Repeat("y", 50)+" target", "target", 30)
	f.Add("a语语语语语 target", "target", 7)
	f.Add("", "model", 0)
	f.Fuzz(func(t *testing.T, text, query string, maxLen int) {
		q, err := ParseQuery(query)
		if err != nil {
			return
		}
		if got := joined(Highlight(text, q, 0)); got != text && !(strings.Contains(text, ellipsis)) {
			t.Fatalf("Highlight(%q, %q, 0) joins to %q", text, query, got)
		}
		segs := Highlight(text, q, maxLen%2000)
		if w := joined(segs); !strings.Contains(text, w) && !strings.Contains(text, ellipsis) {
			t.Fatalf("Highlight(%q, %q, %d): window %q is not part of the text", text, query, maxLen%2000, w)
		}
		for _, s := range segs {
			if s.Match && len(newAnalyzer().terms(nil, s.Text)) != 1 {
				t.Fatalf("Highlight(%q, %q): marked %q is not one word", text, query, s.Text)
			}
		}
	})
}

func BenchmarkParseQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseQuery(`graph neural networks -survey author:"Ada Lovelace" cat:cs.LG`)
	}
}

// The search page highlights three fields of each of its 20 results.
func BenchmarkHighlight(b *testing.B) {
	q, _ := ParseQuery("graph neural networks")
	text := "Graph neural networks (GNNs) learn on graphs. " + filler(60)
	b.ReportAllocs()
	for b.Loop() {
		Highlight(text, q, 420)
	}
}
