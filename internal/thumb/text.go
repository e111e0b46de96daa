package thumb

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// ellipsis ends a title that had to be cut short.
const ellipsis = "…"

// clean prepares a string for drawing with a font that has a glyph for a
// rune when has(rune) is true.
//
// Whitespace of any kind (newlines, tabs, runs of spaces) becomes single
// spaces, and invisible format characters (soft hyphens, joiners) go. A
// font would draw a rune it has no glyph for as a box, so every run of
// such runes (Chinese or Japanese text, emoji), together with any spaces
// inside the run, becomes a single space, and so drops out:
// "大语言模型 LLM 综述" becomes "LLM". Dropping reads better than a row of
// "?", and the title is on the paper's page in full. What the drop leaves
// pointless goes with it: brackets left empty ("LLM (大模型) Survey" becomes
// "LLM Survey"), the second of two separators that met ("A - 综述 - B"
// becomes "A - B"), and separators left at either end
// ("基于大模型的推理: A Survey" becomes "A Survey"). The result may be "".
func clean(s string, has func(rune) bool) string {
	s = norm.NFC.String(s)
	out := make([]byte, 0, len(s))
	space := false   // a space is due before the next rune drawn
	missing := false // just after a run of missing runes
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b': // and the zero-width space
			space = true
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
			// Invisible: soft hyphens, joiners, direction marks, and
			// the selectors that ask for a character's emoji form.
		case !unicode.IsPrint(r) || !has(r):
			missing, space = true, true
		default:
			if missing {
				if unicode.In(r, unicode.Mn, unicode.Me) {
					continue // an accent whose letter was dropped
				}
				last, n := utf8.DecodeLastRune(out)
				if n > 0 && closes(last, r) {
					out = bytes.TrimRight(out[:len(out)-n], " ")
					continue // an empty pair of brackets
				}
				if isSeparator(r) && (n == 0 || isSeparator(last)) {
					continue // a separator with nothing left to separate
				}
			}
			missing = false
			if space && len(out) > 0 {
				out = append(out, ' ')
			}
			space = false
			out = utf8.AppendRune(out, r)
		}
	}
	if missing {
		out = bytes.TrimRightFunc(out, func(r rune) bool { return r == ' ' || isSeparator(r) })
	}
	return string(out)
}

// isSeparator reports whether r only separates the text on either side.
func isSeparator(r rune) bool {
	return strings.ContainsRune(":;,-–—|/·", r)
}

// closes reports whether r closes the bracket or quotation opened by open.
func closes(open, r rune) bool {
	switch open {
	case '(':
		return r == ')'
	case '[':
		return r == ']'
	case '“':
		return r == '”'
	case '"':
		return r == '"'
	}
	return false
}

// width is the advance of s drawn with f, kerning included.
func width(f font.Face, s string) fixed.Int26_6 {
	return font.MeasureString(f, s)
}

// fits reports whether width(f, s) <= max, measuring no further than it
// must (a title may hold a "word" thousands of runes long).
func fits(f font.Face, s string, max fixed.Int26_6) bool {
	var w fixed.Int26_6
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			w += f.Kern(prev, r)
		}
		a, _ := f.GlyphAdvance(r)
		if w += a; w > max {
			return false
		}
		prev = r
	}
	return true
}

// wrap breaks text into lines no wider than max, at spaces, keeping at most
// maxLines lines. A word wider than a whole line is broken between runes.
// When the text needs more lines than that, the last line kept ends with
// "…" (after any separator it ended with is dropped) and truncated is true.
func wrap(f font.Face, text string, max fixed.Int26_6, maxLines int) (lines []string, truncated bool) {
	words := strings.Fields(text)
	if len(words) == 0 || maxLines <= 0 {
		return nil, len(words) > 0
	}
	var line string
	for i := 0; i < len(words); i++ {
		w := words[i]
		candidate := w
		if line != "" {
			candidate = line + " " + w
		}
		if fits(f, candidate, max) {
			line = candidate
			continue
		}
		if line == "" {
			// A single word wider than the line: split it.
			head, tail := fitPrefix(f, w, max)
			line = head
			words[i] = tail
		}
		if len(lines) == maxLines-1 {
			return append(lines, withEllipsis(f, line, max)), true
		}
		lines = append(lines, line)
		line = ""
		i-- // the word starts the next line
	}
	return append(lines, line), false
}

// fitPrefix splits s into its longest prefix no wider than max (at least one
// rune, so that wrapping always makes progress) and the rest.
func fitPrefix(f font.Face, s string, max fixed.Int26_6) (head, tail string) {
	cut := 0
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if cut > 0 && !fits(f, s[:end], max) {
			break
		}
		cut = end
	}
	return s[:cut], s[cut:]
}

// withEllipsis ends line with "…", dropping words (or, for a single word,
// runes) from its end until the whole fits in max.
func withEllipsis(f font.Face, line string, max fixed.Int26_6) string {
	for {
		line = strings.TrimRightFunc(line, func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune(":;,.-–—|/·", r)
		})
		if line == "" || fits(f, line+ellipsis, max) {
			return line + ellipsis
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			line = line[:i]
		} else {
			_, n := utf8.DecodeLastRuneInString(line)
			line = line[:len(line)-n]
		}
	}
}

// balance narrows the lines of a wrapped paragraph as far as it can without
// adding a line, so that a title of two lines has two lines of about the
// same length rather than a full one and a single word (as CSS's
// text-wrap: balance does).
func balance(f font.Face, text string, max fixed.Int26_6, lines []string) []string {
	n := len(lines)
	if n < 2 {
		return lines
	}
	lo, hi := max/fixed.Int26_6(n)/2, max // hi always gives n lines
	for hi-lo > 64*4 {                    // to within 4px
		mid := (lo + hi) / 2
		if l, cut := wrap(f, text, mid, n); !cut && len(l) == n && !brokenWord(l, text) {
			hi = mid
		} else {
			lo = mid
		}
	}
	l, _ := wrap(f, text, hi, n)
	return l
}

// brokenWord reports whether wrapping split a word of text.
func brokenWord(lines []string, text string) bool {
	return len(strings.Fields(strings.Join(lines, " "))) != len(strings.Fields(text))
}

// authorLines lists names in at most maxLines lines no wider than max: all
// of them ("A, B and C") when they fit, else as many as fit followed by how
// many are left ("A, B, C and 12 others"). A line breaks only between
// names. total is the number of authors, which is more than len(names) when
// some names had nothing that could be drawn; those are counted among the
// others.
func authorLines(f font.Face, names []string, total int, max fixed.Int26_6, maxLines int) []string {
	if len(names) == 0 {
		switch total {
		case 0:
			return nil
		case 1:
			return []string{"1 author"}
		}
		return []string{strconv.Itoa(total) + " authors"}
	}
	if len(names) == total {
		if lines, ok := packNames(f, names, "", max, maxLines); ok {
			return lines
		}
	}
	// Name as many as fit. Each name more takes more room than the count
	// gives back, so the first k that does not fit ends the search.
	best := []string(nil)
	for k := 1; k <= len(names) && k < total; k++ {
		lines, ok := packNames(f, names[:k], others(total-k), max, maxLines)
		if !ok {
			break
		}
		best = lines
	}
	if best == nil {
		// Not even one name fits beside the count: cut the first name short.
		tail := " " + others(total-1)
		if total == 1 {
			tail = ""
		}
		first := withEllipsis(f, names[0], max-width(f, tail))
		best = []string{first + tail}
	}
	return best
}

// others is how the count of authors left out is said.
func others(n int) string {
	if n == 1 {
		return "and 1 other"
	}
	return "and " + strconv.Itoa(n) + " others"
}

// packNames lays out names joined by commas, with "and" before the last
// name or, when rest is not "", before rest, in at most maxLines lines no
// wider than max. ok is false when they do not fit.
func packNames(f font.Face, names []string, rest string, max fixed.Int26_6, maxLines int) (lines []string, ok bool) {
	// units are what a line may not break inside.
	units := make([]string, 0, len(names)+1)
	for _, n := range names {
		units = append(units, n+",")
	}
	// No comma before the "and": "A, B and C", "A, B and 3 others".
	last := len(units) - 1
	units[last] = names[last]
	if rest != "" {
		units = append(units, rest)
	} else if last > 0 {
		units[last-1] = names[last-1]
		units[last] = "and " + names[last]
	}
	var line string
	for _, u := range units {
		candidate := u
		if line != "" {
			candidate = line + " " + u
		}
		if fits(f, candidate, max) {
			line = candidate
			continue
		}
		if line == "" || len(lines) == maxLines-1 {
			return nil, false
		}
		lines = append(lines, line)
		if !fits(f, u, max) {
			return nil, false
		}
		line = u
	}
	return append(lines, line), true
}
