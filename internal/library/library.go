// Package library holds the rules of a reader's own library: the Saved
// list and collections. It checks what people write (titles, descriptions,
// notes, themes), makes and reads collection slugs, and sets the limits;
// the store keeps the rows and the web and API packages speak to people.
package library

import (
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/dailypapers/dailypapers/internal/markdown"
)

// The limits of a reader's library. Titles and descriptions are as long
// as the hosted site allows; a note is a comment's length (it is Markdown
// rendered by the comments' renderer). The counts bound what one export
// of a whole collection or Saved list costs: 2,000 papers as BibTeX take
// about 70 ms of CPU (BENCHMARKS.md), inside the 100 ms any request may.
const (
	MaxTitle       = 60  // characters of a collection's title
	MaxDescription = 150 // characters of its description
	MaxNote        = markdown.MaxBytes
	MaxCollections = 100  // collections per person
	MaxItems       = 2000 // papers per collection
	MaxSaved       = 2000 // papers in one person's Saved list
)

// Themes are the colours a collection may wear, the hosted site's.
var Themes = []string{"orange", "blue", "green", "purple", "pink", "indigo"}

// DefaultTheme is a new collection's colour.
const DefaultTheme = "orange"

// ErrInvalid is what Check functions wrap: the message is for people.
var ErrInvalid = errors.New("invalid")

// invalid is an error whose text is safe to show.
type invalid struct{ msg string }

func (e *invalid) Error() string   { return e.msg }
func (e *invalid) Is(t error) bool { return t == ErrInvalid }

func bad(format string, args ...any) error { return &invalid{msg: fmt.Sprintf(format, args...)} }

// plain checks text from a person: valid UTF-8 without control characters
// (tabs are spaces; line breaks only where lines are allowed).
func plain(what, s string, lines bool) error {
	if !utf8.ValidString(s) {
		return bad("The %s is not valid UTF-8.", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && !(lines && (r == '\n' || r == '\r')) {
			return bad("The %s holds control characters.", what)
		}
	}
	return nil
}

// Title checks and tidies a collection's title: spaces trimmed and runs of
// them made one, 1 to MaxTitle characters.
func Title(s string) (string, error) {
	if err := plain("title", s, false); err != nil {
		return "", err
	}
	s = strings.Join(strings.Fields(s), " ")
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", bad("Give the collection a title.")
	case n > MaxTitle:
		return "", bad("The title is %d characters long; titles are limited to %d.", n, MaxTitle)
	}
	if Slug(s) == "" {
		return "", bad("The title needs at least one letter or digit.")
	}
	return s, nil
}

// Description checks a collection's description: up to MaxDescription
// characters on one line.
func Description(s string) (string, error) {
	if err := plain("description", s, true); err != nil {
		return "", err
	}
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > MaxDescription {
		return "", bad("The description is %d characters long; descriptions are limited to %d.", n, MaxDescription)
	}
	return s, nil
}

// Theme checks a theme's name; "" is DefaultTheme.
func Theme(s string) (string, error) {
	if s == "" {
		return DefaultTheme, nil
	}
	for _, t := range Themes {
		if s == t {
			return s, nil
		}
	}
	return "", bad("%q is not a theme; use one of %s.", s, strings.Join(Themes, ", "))
}

// Note checks a note on a paper and renders it once, as comments are:
// the Markdown as written (trimmed) and its sanitised HTML. An empty note
// is no note.
func Note(s string) (string, template.HTML, error) {
	if strings.TrimSpace(s) == "" {
		return "", "", nil
	}
	body, html, err := markdown.Prepare(s)
	if err != nil {
		// markdown's errors speak of comments; a note is held to the same rules.
		msg := strings.ReplaceAll(strings.ReplaceAll(err.Error(), "comment", "note"), "Comment", "Note")
		return "", "", bad("%s", msg)
	}
	return body, html, nil
}

// Slug is the address form of a title: lowercase ASCII letters and digits
// in words joined by hyphens, accents folded ("Über Graphen!" becomes
// "uber-graphen"), at most 50 characters cut at a word. Letters of other
// scripts are kept out; a title of those alone has the slug "", and its
// collection is addressed by its id ("c-12").
func Slug(title string) string {
	var b strings.Builder
	gap := false
	for _, r := range norm.NFKD.String(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r = unicode.ToLower(r)
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent of the letter before
		default:
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte('-')
			gap = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(s) > 50 {
		s = s[:50]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// Path is a collection's slug as the hosted site writes it, without the
// owner: the title's slug and the collection's id, "reading-list-12".
func Path(title string, id int64) string {
	s := Slug(title)
	if s == "" {
		s = "c"
	}
	return s + "-" + strconv.FormatInt(id, 10)
}

// ParsePath reads the id from the end of a collection's path; the words
// before it need not match the current title (an old link still works and
// is sent to the current address).
func ParsePath(path string) (int64, bool) {
	i := strings.LastIndexByte(path, '-')
	if i < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(path[i+1:], 10, 64)
	if err != nil || id <= 0 || path[i+1] == '+' {
		return 0, false
	}
	return id, true
}
