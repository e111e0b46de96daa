// Package search is the full-text index of Daily Papers: an in-memory
// inverted index over titles, abstracts and authors, ranked with BM25F,
// derived from the store and rebuilt from it at will.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// analyzer turns text into index terms: lower-cased, accents folded,
// split on anything that is not a letter or digit, English stop words
// dropped, and stemmed with the Porter2 (Snowball English) stemmer. An
// analyzer caches stems and is not safe for concurrent use; make one per
// goroutine.
type analyzer struct {
	stems  map[string]string
	counts map[string]*[numFields]int // scratch of analyze
}

// newAnalyzer starts with an empty cache: queries and highlights make one
// per call and analyse a few words, builds reuse one for millions.
func newAnalyzer() *analyzer { return &analyzer{stems: map[string]string{}} }

// maxStemCache bounds the cache: the vocabulary of all of arXiv's
// abstracts is a few million words, most of them seen once, and a map that
// outgrows the processor's caches costs more per lookup than it saves.
const maxStemCache = 1 << 18

// token is one term and its word position in the text.
type token struct {
	term string
	pos  int
}

// terms appends the index terms of text to dst.
func (a *analyzer) terms(dst []string, text string) []string {
	a.each(text, func(term string, _ int, _, _ int) { dst = append(dst, term) })
	return dst
}

// each calls fn for every index term of text with its word position and
// the byte span of the word in text (for highlighting).
func (a *analyzer) each(text string, fn func(term string, pos int, start, end int)) {
	pos := 0
	eachWord(text, func(word string, ascii bool, start, end int) {
		if term, ok := a.term(word, ascii); ok {
			fn(term, pos, start, end)
		}
		pos++
	})
}

// eachWord calls fn for every word of text as written, with whether it is
// all ASCII and its byte span.
func eachWord(text string, fn func(word string, ascii bool, start, end int)) {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		ascii := true
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			if r >= utf8.RuneSelf {
				ascii = false
			}
			i += size
		}
		fn(text[start:i], ascii, start, i)
	}
}

// noTerm stands in a phrase check's term list for a term that is none of
// the phrases' words (no term contains a NUL).
const noTerm = "\x00"

// phraseTerms is terms for a phrase check, the costly part of which is
// stemming every word of an abstract (a stem-cache look-up each, most of
// them cache misses). Stemming keeps a word's first letter, so an ASCII
// word whose first letter starts no phrase word (firsts) cannot give one
// of them: it is not stemmed but stands as noTerm, or is dropped if it
// is a stop word or a single letter, as terms drops it. A run of such
// words is one noTerm, and containsRun finds the same runs in the shorter
// list. Other words are analysed as terms does.
func (a *analyzer) phraseTerms(dst []string, text string, firsts *[256]bool) []string {
	eachWord(text, func(word string, ascii bool, _, _ int) {
		if ascii && !firsts[lowerASCII(word[0])] {
			if len(dst) == 0 || dst[len(dst)-1] == noTerm || droppedASCII(word) {
				return
			}
			dst = append(dst, noTerm)
			return
		}
		if t, ok := a.term(word, ascii); ok {
			dst = append(dst, t)
		}
	})
	return dst
}

// dropped reports whether a lower-cased word has no term: a stop word or
// a single letter.
func dropped(w string) bool {
	return english.IsStopWord(w) || len(w) == 1 && w[0] >= 'a' && w[0] <= 'z'
}

// droppedASCII is dropped for an ASCII word in any case, lower-cased on
// the stack.
func droppedASCII(word string) bool {
	const longestStopWord = 10 // "yourselves"
	if len(word) > longestStopWord {
		return false
	}
	var buf [longestStopWord]byte
	for i := range len(word) {
		buf[i] = lowerASCII(word[i])
	}
	return dropped(string(buf[:len(word)]))
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// term normalises one word; ok is false for stop words.
func (a *analyzer) term(word string, ascii bool) (string, bool) {
	if t, ok := a.stems[word]; ok {
		return t, t != ""
	}
	w := word
	if ascii {
		w = asciiLower(w)
	} else {
		w = fold(w)
	}
	t := ""
	if !dropped(w) {
		t = stem(w)
	}
	if len(a.stems) < maxStemCache {
		a.stems[word] = t
	}
	return t, t != ""
}

// stem stems words of letters; numbers and mixed tokens (bert2, 3d) stay
// as they are, since the stemmer would only mangle them.
func stem(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= '0' && c <= '9' {
			return w
		}
	}
	if len(w) <= 2 {
		return w
	}
	return english.Stem(w, false)
}

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// fold lower-cases and removes accents: "Gödel" and "godel" match.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
