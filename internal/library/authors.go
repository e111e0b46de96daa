// Package library holds the rules of a reader's own layer: author names
// and the keys that match them, claims of authorship, and follows. It
// holds no SQL: the store keeps what these rules decide.
package library

import (
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxAuthorKey bounds an author key, in bytes: a "name" longer than this
// is a mistake of the source (a whole author list in one field), and the
// key keeps its beginning.
const MaxAuthorKey = 200

// folded spells out letters that Unicode does not decompose into a base
// letter and a mark, so that "Ø" matches "O" as "Ö" does.
var folded = map[rune]string{
	'ß': "ss", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ı': "i", 'þ': "th", 'Þ': "th",
}

// AuthorKey is the key under which an author name is matched: two names
// with the same key are the same author to the site. The rule is
// conservative, so that two people are never merged by it:
//
//   - compatibility decomposition (NFKD), then every combining mark
//     dropped, and letters without a decomposition spelled out
//     ("Müller", "Muller" and "Müller" alike; "Łukasz" as "lukasz");
//   - lower case;
//   - apostrophes dropped ("O'Brien" is "obrien");
//   - every other run of punctuation, symbols and spaces one space, none
//     at either end ("Y. LeCun", "Y LeCun" and "y  lecun" alike;
//     "Jean-Pierre" as "Jean Pierre").
//
// Initials are not expanded: "Y. LeCun" and "Yann LeCun" have different
// keys, and only an approved claim joins them (see ClaimedKeys). Word
// order is kept: "LeCun, Yann" is another key.
func AuthorKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFKD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if f, ok := folded[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			space = true
		}
		if b.Len() >= MaxAuthorKey {
			break
		}
	}
	k := b.String()
	if len(k) > MaxAuthorKey {
		k = strings.ToValidUTF8(k[:MaxAuthorKey], "")
	}
	return k
}

// AuthorPath is the path of an author's page: /authors/ and the name as
// written, escaped. The page matches it by its key, so any spelling with
// the same key lands on the same page.
func AuthorPath(name string) string {
	return "/authors/" + url.PathEscape(name)
}
