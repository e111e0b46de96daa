package search

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func TestAnalyzerTerms(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"plural and -ing forms share a stem", "Models modeling modelling model", []string{"model", "model", "model", "model"}},
		{"Porter2 stems", "languages language transformers Transformer networks", []string{"languag", "languag", "transform", "transform", "network"}},
		{"stop words and single letters dropped", "The of and a an is X y", nil},
		{"stop words among words", "learning to rank with the model", []string{"learn", "rank", "model"}},
		{"accents folded", "Gödel godel GÖDEL naïve café", []string{"godel", "godel", "godel", "naiv", "cafe"}},
		{"combining marks folded", "Go\u0308del", []string{"godel"}},
		{"numbers and mixed tokens kept unstemmed", "3D bert2 2024 GPT-4o x86", []string{"3d", "bert2", "2024", "gpt", "4o", "x86"}},
		{"single digits kept", "a 1 b 2", []string{"1", "2"}},
		{"hyphens split", "vision-language state-of-the-art", []string{"vision", "languag", "state", "art"}},
		{"punctuation splits", "graph,network;(model)[robot]", []string{"graph", "network", "model", "robot"}},
		{"CJK run is one token", "大语言模型 robot", []string{"大语言模型", "robot"}},
		{"emoji is not a word", "🚀robot🤖", []string{"robot"}},
		{"invalid UTF-8 splits", "graph\xffnetwork", []string{"graph", "network"}},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAnalyzer()
			got := a.terms(nil, tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("terms(%q) = %q, want %q", tc.text, got, tc.want)
			}
			// The stem cache must give the same answer the second time.
			if again := a.terms(nil, tc.text); !slices.Equal(again, got) {
				t.Errorf("second call (cached) = %q, first %q", again, got)
			}
		})
	}
}

func TestAnalyzerSpans(t *testing.T) {
	type occ struct {
		term string
		pos  int
		word string
	}
	text := "Gödel's 3D-model, the  BERT2 (2024)! Go\u0308del 大语言模型"
	// Word positions count every word, stop words and single letters included:
	// Gödel 0, s 1, 3D 2, model 3, the 4, BERT2 5, 2024 6, Gödel 7, CJK 8.
	want := []occ{
		{"godel", 0, "Gödel"},
		{"3d", 2, "3D"},
		{"model", 3, "model"},
		{"bert2", 5, "BERT2"},
		{"2024", 6, "2024"},
		{"godel", 7, "Go\u0308del"},
		{"大语言模型", 8, "大语言模型"},
	}
	var got []occ
	newAnalyzer().each(text, func(term string, pos, start, end int) {
		if start < 0 || end > len(text) || start >= end {
			t.Fatalf("span [%d,%d) of %q outside the text", start, end, term)
		}
		got = append(got, occ{term, pos, text[start:end]})
	})
	if !slices.Equal(got, want) {
		t.Errorf("each:\n got %+v\nwant %+v", got, want)
	}
}

// Every span must be a whole word: the bytes around it are not word runes.
func TestAnalyzerSpansAreWholeWords(t *testing.T) {
	texts := []string{
		"Large Language Models (LLMs) achieve state-of-the-art results on 3D scene understanding—ça va? Ünïcödé, naïve, Œuvre.",
		"e.g. x86-64, U.S.A., C++ and F# in 2024/25; résumé — señor Müller's Straße.",
		"ﬁnetuning İstanbul ΑΒΓ αβγ Привет мир 日本語のテキスト",
	}
	a := newAnalyzer()
	for _, text := range texts {
		prevEnd := 0
		a.each(text, func(term string, _ int, start, end int) {
			word := text[start:end]
			if start < prevEnd {
				t.Errorf("%q: span %q overlaps the previous one", text, word)
			}
			prevEnd = end
			if strings.ContainsAny(word, " ,.;:-()/'") {
				t.Errorf("%q: span %q holds a separator", text, word)
			}
			if start > 0 && isWordRune(lastRune(text[:start])) || end < len(text) && isWordRune(firstRune(text[end:])) {
				t.Errorf("%q: span %q is part of a longer word", text, word)
			}
			// The word analysed on its own gives the same term.
			if again := newAnalyzer().terms(nil, word); len(again) != 1 || again[0] != term {
				t.Errorf("%q: word %q alone gives %q, in the text %q", text, word, again, term)
			}
		})
	}
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}

// demoTexts are the titles and abstracts of the demo's arXiv listings:
// real text, with its capitals, hyphens, TeX and accents.
func demoTexts(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../demo/arxiv-listings.jsonl.xz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := xz.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	dec := json.NewDecoder(r)
	for {
		var rec struct{ Title, Abstract string }
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, rec.Title, rec.Abstract)
	}
	if len(texts) < 400 {
		t.Fatalf("only %d demo texts", len(texts))
	}
	return texts
}

// Phrase checks skip stemming words by their first letter, which holds
// only if a word's term starts with the word's first letter, lower-cased.
func TestTermsKeepTheFirstLetter(t *testing.T) {
	a := newAnalyzer()
	words := 0
	for _, text := range demoTexts(t) {
		eachWord(text, func(word string, ascii bool, _, _ int) {
			if term, ok := a.term(word, ascii); ok && ascii {
				words++
				if term[0] != lowerASCII(word[0]) {
					t.Errorf("%q gives the term %q", word, term)
				}
			}
		})
	}
	// And every word of three or four letters, where the stemmer's
	// special cases (dying -> die, skies -> sky) are, whatever a new
	// version of it does.
	var buf [4]byte
	for n := 3; n <= 4; n++ {
		for i := range int(math.Pow(26, float64(n))) {
			for j, k := 0, i; j < n; j, k = j+1, k/26 {
				buf[j] = byte('a' + k%26)
			}
			word := string(buf[:n])
			if term := stem(word); term == "" || term[0] != word[0] {
				t.Fatalf("%q stems to %q", word, term)
			}
			words++
		}
	}
	t.Logf("%d words checked", words)
}

// phraseTerms finds a phrase exactly where terms does: runs of one to
// four consecutive terms of every demo text (runs that stepped over stop
// words included), looked for in the text they come from and in the next.
func TestPhraseTermsFindWhatTermsFind(t *testing.T) {
	a := newAnalyzer()
	texts := demoTexts(t)
	var found, missed int
	for i, text := range texts {
		terms := a.terms(nil, text)
		for start := 0; start < len(terms); start += 3 {
			ph := terms[start:min(start+1+start%4, len(terms))]
			var firsts [256]bool
			for _, w := range ph {
				firsts[w[0]] = true
			}
			for _, in := range []string{text, texts[(i+1)%len(texts)]} {
				want := containsRun(a.terms(nil, in), ph)
				if got := containsRun(a.phraseTerms(nil, in, &firsts), ph); got != want {
					t.Fatalf("phrase %q in %q: phraseTerms says %v, terms %v", ph, in, got, want)
				}
				if want {
					found++
				} else {
					missed++
				}
			}
		}
	}
	if found < 1000 || missed < 1000 {
		t.Fatalf("found %d phrases and missed %d: too few of either to compare", found, missed)
	}
}
