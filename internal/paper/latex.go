package paper

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// combining maps TeX accent commands to Unicode combining marks.
var combining = map[byte]rune{
	'\'': '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303',
	'=': '\u0304', '.': '\u0307', 'c': '\u0327', 'v': '\u030c', 'u': '\u0306', 'H': '\u030b', 'k': '\u0328', 'r': '\u030a',
}

// letters maps TeX commands for letters to the letters.
var letters = map[string]string{
	"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
	"oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}

// DeLaTeX turns the TeX accents of arXiv metadata into Unicode:
// "Bal\'azs" becomes "Balázs" and "G{\"o}del" becomes "Gödel". Maths and
// other commands are left alone.
func DeLaTeX(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		// A letter command such as \ss or \o, ended by a non-letter.
		j := i + 1
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		if word := s[i+1 : j]; word != "" {
			if l, ok := letters[word]; ok {
				b.WriteString(l)
				i = j
				if i < len(s) && s[i] == ' ' {
					i++ // "\ss " ends the command
				} else if strings.HasPrefix(s[i:], "{}") {
					i += 2 // and so does "\L{}ukasz"
				}
				continue
			}
		}
		mark, ok := combining[s[i+1]]
		// Letter accents (\c, \v, ...) need a following space or brace to be accents.
		if ok && isASCIILetter(s[i+1]) && (i+2 >= len(s) || (s[i+2] != '{' && s[i+2] != ' ')) {
			ok = false
		}
		if !ok {
			b.WriteByte(c)
			i++
			continue
		}
		k := i + 2
		for k < len(s) && s[k] == ' ' {
			k++
		}
		base, size := rune(0), 0
		switch {
		case strings.HasPrefix(s[k:], `{\i}`): // \'{\i} and \'\i are an accented dotless i
			base, size = 'i', 4
		case strings.HasPrefix(s[k:], `\i`) && (k+2 == len(s) || !isASCIILetter(s[k+2])):
			base, size = 'i', 2
			if k+2 < len(s) && s[k+2] == ' ' {
				size = 3 // the space ends the command
			}
		case k+2 < len(s) && s[k] == '{' && s[k+2] == '}':
			base, size = rune(s[k+1]), 3
		case k < len(s) && s[k] != '{' && s[k] != '\\':
			base, size = utf8.DecodeRuneInString(s[k:])
		}
		if size == 0 || base == 0 {
			b.WriteByte(c)
			i++
			continue
		}
		b.WriteString(norm.NFC.String(string(base) + string(mark)))
		i = k + size
	}
	return stripSingleBraces(b.String())
}

// stripSingleBraces removes the braces of "{á}" groups left by accents.
func stripSingleBraces(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '{' {
			r, n := utf8.DecodeRuneInString(s[i+1:])
			if n > 0 && r >= 0x80 && i+1+n < len(s) && s[i+1+n] == '}' {
				b.WriteRune(r)
				i += n + 2
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
