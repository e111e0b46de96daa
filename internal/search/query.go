package search

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxQueryLen bounds a query; longer input is refused with a message.
const MaxQueryLen = 1000

// Query is a parsed search: words to rank by, phrases and authors that
// must match, words that must not, and filters.
//
//	attention "graph neural" -survey author:Hinton cat:cs.LG year:2024 has:code
//	year:2019..2021  after:2024-05-01  before:2025-01-01  transform*
type Query struct {
	Text     string     // the input, cleaned
	Words    []string   // analysed terms that rank (phrase words included)
	Prefixes []string   // analysed prefixes ("transform*"), ranked like words
	Phrases  [][]string // each must occur as written
	Excluded []string   // terms no result may contain
	// ExcludedPhrases leave out results that have all of a phrase's words.
	ExcludedPhrases [][]string
	Authors         [][]string // each author's name terms must all be in the authors
	Cats            []string   // a result must be in one of them (cs.CL, or cs for cs.*)
	From, To        time.Time  // publication date range, zero for open
	HasCode         bool
	Notes           []string // what was changed or ignored, to show the user
	// Meaning is the query's wanted words as typed (no operators, no
	// excluded words), for the semantic ranking to embed.
	Meaning string
}

// Empty reports whether the query asks for nothing at all.
func (q *Query) Empty() bool {
	return len(q.Words) == 0 && len(q.Prefixes) == 0 && len(q.Phrases) == 0 && len(q.Authors) == 0 && !q.narrowed()
}

// narrowed reports whether the query keeps to a category, a date range or
// papers with code.
func (q *Query) narrowed() bool {
	return len(q.Cats) > 0 || !q.From.IsZero() || !q.To.IsZero() || q.HasCode
}

// conditioned reports whether the query leaves any paper out other than
// by its words: narrowed, or excluding words or phrases.
func (q *Query) conditioned() bool {
	return q.narrowed() || len(q.Excluded) > 0 || len(q.ExcludedPhrases) > 0
}

// ErrEmptyQuery is returned for a query with nothing to search for.
var ErrEmptyQuery = errors.New("type a few words to search for")

// ParseQuery parses the query language. Mistakes in operators become notes
// rather than errors, so that a person always gets results for what could
// be understood; only a query with nothing searchable, or an absurdly long
// one, is an error.
func ParseQuery(s string) (*Query, error) {
	// Characters, as the search box counts them; the byte bound keeps an
	// input of many invalid bytes (each one character) from being huge.
	if n := utf8.RuneCountInString(s); n > MaxQueryLen || len(s) > 4*MaxQueryLen {
		return nil, fmt.Errorf("the query is %d characters long; keep it under %d", n, MaxQueryLen)
	}
	s = cleanInput(s)
	q := &Query{Text: s}
	a := newAnalyzer()
	rest := s
	var meaning []string
	for rest != "" {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		neg := false
		if rest[0] == '-' && len(rest) > 1 && !unicode.IsSpace(rune(rest[1])) {
			neg, rest = true, rest[1:]
		}
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			var phrase string
			if end < 0 {
				phrase, rest = rest[1:], ""
				q.Notes = append(q.Notes, "a closing quote was missing; the phrase runs to the end")
			} else {
				phrase, rest = rest[1:1+end], rest[2+end:]
			}
			terms := a.terms(nil, phrase)
			switch {
			case len(terms) == 0:
			case neg && len(terms) == 1:
				q.Excluded = append(q.Excluded, terms[0])
			case neg:
				q.ExcludedPhrases = append(q.ExcludedPhrases, terms)
			case len(terms) == 1:
				q.Words = append(q.Words, terms[0])
				meaning = append(meaning, phrase)
			default:
				meaning = append(meaning, phrase)
				q.Phrases = append(q.Phrases, terms)
				q.Words = append(q.Words, terms...)
			}
			continue
		}
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			end = len(rest)
		}
		word := rest[:end]
		rest = rest[end:]
		// author:"Geoffrey Hinton" takes a quoted value.
		if i := strings.IndexByte(word, ':'); i > 0 && i+1 < len(word) && word[i+1] == '"' {
			closeAt := strings.IndexByte(rest, '"')
			if !strings.HasSuffix(word, `"`) || len(word) == i+2 {
				if closeAt < 0 {
					word, rest = word+rest, ""
					q.Notes = append(q.Notes, "a closing quote was missing; the name runs to the end")
				} else {
					word, rest = word+rest[:closeAt+1], rest[closeAt+1:]
				}
			}
		}
		if q.operator(a, word, neg) {
			continue
		}
		if strings.HasSuffix(word, "*") {
			if p := strings.TrimRight(word, "*"); p != "" {
				if neg {
					q.Notes = append(q.Notes, "-"+word+": a prefix cannot be excluded; ignored")
					continue
				}
				// "neural transfo*": every word but the last is a plain word; the
				// last is a prefix even when it is a stop word ("over*" for
				// overfitting).
				words := strings.FieldsFunc(p, func(r rune) bool { return !isWordRune(r) })
				meaning = append(meaning, words...)
				if len(words) > 1 {
					q.Words = append(q.Words, a.terms(nil, strings.Join(words[:len(words)-1], " "))...)
				}
				if len(words) > 0 {
					if t := prefixTerm(words[len(words)-1]); len(t) >= 2 {
						q.Prefixes = append(q.Prefixes, t)
					} else {
						q.Words = append(q.Words, a.terms(nil, words[len(words)-1])...)
					}
				}
				continue
			}
		}
		terms := a.terms(nil, word)
		if neg {
			q.Excluded = append(q.Excluded, terms...)
		} else {
			q.Words = append(q.Words, terms...)
			meaning = append(meaning, word)
		}
	}
	q.Meaning = strings.Join(meaning, " ")
	if q.Empty() {
		return q, ErrEmptyQuery
	}
	return q, nil
}

// prefixTerm turns the word of a prefix query into the start of index
// terms. The index holds stems, so a whole word is cut back to its stem
// when the stem starts it ("transformers" to "transform"), while a word
// the stemmer would change ("transfo") stays as typed.
func prefixTerm(word string) string {
	w := fold(word)
	if st := stem(w); len(st) >= 2 && strings.HasPrefix(w, st) {
		return st
	}
	return w
}

// operator handles name:value words; it reports false for plain words.
func (q *Query) operator(a *analyzer, word string, neg bool) bool {
	i := strings.IndexByte(word, ':')
	if i <= 0 {
		return false
	}
	name, value := strings.ToLower(word[:i]), strings.Trim(word[i+1:], `"`)
	switch name {
	case "author", "au", "cat", "category", "year", "after", "before", "has":
	default:
		return false // "arXiv:2509.02547" and "re:" are words
	}
	if value == "" {
		q.Notes = append(q.Notes, fmt.Sprintf("%s: needs a value; ignored", name))
		return true
	}
	if neg {
		q.Notes = append(q.Notes, fmt.Sprintf("-%s: cannot be negated; ignored", name))
		return true
	}
	switch name {
	case "author", "au":
		if terms := a.terms(nil, value); len(terms) > 0 {
			q.Authors = append(q.Authors, terms)
		}
	case "cat", "category":
		q.Cats = append(q.Cats, strings.ToLower(value))
	case "has":
		if v := strings.ToLower(value); v == "code" || v == "github" {
			q.HasCode = true
		} else {
			q.Notes = append(q.Notes, fmt.Sprintf("has:%s is not known (try has:code); ignored", value))
		}
	case "year":
		from, to, ok := parseYears(value)
		if !ok {
			q.Notes = append(q.Notes, fmt.Sprintf("year:%s is not a year like 2024 or 2020..2022; ignored", value))
			return true
		}
		q.From, q.To = from, to
	case "after", "before":
		t, err := time.Parse(time.DateOnly, value)
		if err != nil {
			if y, err2 := strconv.Atoi(value); err2 == nil && y >= 1900 && y <= 2999 {
				t = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
			} else {
				q.Notes = append(q.Notes, fmt.Sprintf("%s:%s is not a date like 2024-05-01; ignored", name, value))
				return true
			}
		}
		if name == "after" {
			q.From = t
		} else {
			q.To = t.AddDate(0, 0, -1) // before a day: up to the day before it
		}
	}
	return true
}

func parseYears(v string) (time.Time, time.Time, bool) {
	lo, hi, ok := strings.Cut(v, "..")
	if !ok {
		hi = lo
	}
	y1, err1 := strconv.Atoi(lo)
	y2, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || y1 < 1900 || y2 > 2999 || y1 > y2 {
		return time.Time{}, time.Time{}, false
	}
	return time.Date(y1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y2, 12, 31, 0, 0, 0, 0, time.UTC), true
}

// cleanInput drops control characters and invalid UTF-8 and folds runs of
// white space.
func cleanInput(s string) string {
	var b strings.Builder
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				continue
			}
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
