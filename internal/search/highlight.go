package search

import (
	"strings"
	"unicode/utf8"
)

// Segment is a piece of text, marked when it matched the query.
type Segment struct {
	Text  string
	Match bool
}

// Highlight splits text into segments, marking the words whose terms the
// query asked for (words, phrase words, prefixes, authors). When maxLen > 0
// and the text is longer, it keeps a window of about maxLen bytes starting
// shortly before the first match, with ellipses where it was cut.
func Highlight(text string, q *Query, maxLen int) []Segment {
	want := map[string]bool{}
	for _, w := range q.Words {
		want[w] = true
	}
	for _, name := range q.Authors {
		for _, w := range name {
			want[w] = true
		}
	}
	a := newAnalyzer()
	type span struct{ start, end int }
	var spans []span
	a.each(text, func(term string, _ int, start, end int) {
		match := want[term]
		for _, p := range q.Prefixes {
			if !match && strings.HasPrefix(fold(text[start:end]), p) {
				match = true
			}
		}
		if match {
			spans = append(spans, span{start, end})
		}
	})
	lo, hi := 0, len(text)
	if maxLen > 0 && len(text) > maxLen {
		if len(spans) > 0 && spans[0].start > maxLen/3 {
			lo = wordStart(text, spans[0].start-maxLen/6)
		}
		hi = wordEnd(text, lo, min(len(text), lo+maxLen))
	}
	var segs []Segment
	if lo > 0 {
		segs = append(segs, Segment{Text: "…"})
	}
	at := lo
	for _, s := range spans {
		if s.start < lo || s.end > hi {
			continue
		}
		if s.start > at {
			segs = append(segs, Segment{Text: text[at:s.start]})
		}
		segs = append(segs, Segment{Text: text[s.start:s.end], Match: true})
		at = s.end
	}
	if at < hi {
		segs = append(segs, Segment{Text: text[at:hi]})
	}
	if hi < len(text) {
		segs = append(segs, Segment{Text: "…"})
	}
	return segs
}

// wordStart moves i back to the start of a word (a space boundary).
func wordStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if j := strings.LastIndexByte(s[:i], ' '); j >= 0 {
		return j + 1
	}
	return 0
}

// wordEnd moves i back to the end of a word after lo, so no word is cut in
// two; text without a space after lo is cut at a character boundary.
func wordEnd(s string, lo, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if j := strings.LastIndexByte(s[lo:i], ' '); j > 0 {
		return lo + j
	}
	for i > lo && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}
