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

// MaxQueryLen bounds a query, in characters; longer input is refused
// (ErrQueryTooLong) wherever a query comes in: the search page, the search
// feeds, the API and saved searches all check it through CheckQuery.
const MaxQueryLen = 1000

// The budget of one query. Its cost (Query.Cost) counts the index terms
// its ranking and checks may touch: every word (a phrase's words too),
// every phrase once more for its check, every excluded word and author
// name word, every category, and every prefix as the most terms it
// expands to. Ranking work grows with these (each term is a posting list to
// walk, each category a test per candidate), so a query cut to the
// budget is answered within the 100 ms of CPU a request may take on the
// largest catalogue (see BENCHMARKS.md, "Worst inputs"). Parts that do
// not fit are left out, in the order typed, with a note that says which.
const (
	MaxQueryCost = 32
	// PrefixTerms is the most index terms one prefix ("transfo*") expands
	// to: the most frequent of those that start with it.
	PrefixTerms = 16
)

// ErrQueryTooLong is the error (wrapped with the length) of a query over
// MaxQueryLen characters.
var ErrQueryTooLong = errors.New("the query is too long")

// CheckQuery refuses a query longer than MaxQueryLen characters, or whose
// bytes could not be that many characters (an input of many invalid bytes
// counts each as one character). It is the one length rule of every way
// a query comes in; the error says the limit and wraps ErrQueryTooLong.
func CheckQuery(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxQueryLen || len(s) > 4*MaxQueryLen {
		return fmt.Errorf("%w: %d characters; keep it under %d", ErrQueryTooLong, n, MaxQueryLen)
	}
	return nil
}

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
	// Cut says that parts of the query were left out to keep it within
	// MaxQueryCost (a note says which).
	Cut bool
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

// Cost is what the query may cost the index, in terms (see MaxQueryCost).
func (q *Query) Cost() int {
	// Phrase words are in Words already; each phrase adds its check.
	n := len(q.Words) + len(q.Phrases) + len(q.Prefixes)*PrefixTerms + len(q.Excluded) + len(q.Cats)
	for _, group := range [][][]string{q.ExcludedPhrases, q.Authors} {
		for _, terms := range group {
			n += len(terms)
		}
	}
	return n
}

// ErrEmptyQuery is returned for a query with nothing to search for.
var ErrEmptyQuery = errors.New("type a few words to search for")

// ParseQuery parses the query language. Mistakes in operators become notes
// rather than errors, so that a person always gets results for what could
// be understood; only a query with nothing searchable, or an absurdly long
// one, is an error.
func ParseQuery(s string) (*Query, error) {
	if err := CheckQuery(s); err != nil {
		return nil, err
	}
	s = cleanInput(s)
	q := &Query{Text: s}
	a := newAnalyzer()
	rest := s
	var meaning []string
	var left []string // parts left out over the budget, as typed
	for rest != "" {
		// Each part is kept only if the whole still fits the budget (a
		// filter that replaces a value, year: or has:, costs nothing and
		// still applies after a cut). Appends past the saved lengths leave
		// the saved parts as they were.
		saved, savedMeaning, start := *q, len(meaning), rest
		rest = q.parsePart(a, rest, &meaning)
		if q.Cost() > MaxQueryCost {
			part := strings.TrimSpace(strings.TrimSuffix(start, rest))
			*q, meaning = saved, meaning[:savedMeaning]
			if part != "" {
				left = append(left, part)
			}
		}
	}
	if len(left) > 0 {
		q.Cut = true
		q.Notes = append(q.Notes, cutNote(left))
	}
	q.Meaning = strings.Join(meaning, " ")
	if q.Empty() {
		return q, ErrEmptyQuery
	}
	return q, nil
}

// cutNote tells which parts of a query were left out over the budget.
func cutNote(left []string) string {
	const show = 5
	quoted := make([]string, 0, show)
	for _, p := range left[:min(len(left), show)] {
		if utf8.RuneCountInString(p) > 40 {
			p = string([]rune(p)[:40]) + "…"
		}
		quoted = append(quoted, "“"+p+"”")
	}
	more := ""
	if len(left) > show {
		more = fmt.Sprintf(" and %d more", len(left)-show)
	}
	return fmt.Sprintf("the query asks for more than one search does at once (%d terms, each prefix counting %d); left out: %s%s",
		MaxQueryCost, PrefixTerms, strings.Join(quoted, ", "), more)
}

// parsePart parses the query's next part (a word, a phrase, an operator
// or a prefix) from rest into q and returns what follows it.
func (q *Query) parsePart(a *analyzer, rest string, meaning *[]string) string {
	rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	if rest == "" {
		return ""
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
			*meaning = append(*meaning, phrase)
		default:
			*meaning = append(*meaning, phrase)
			q.Phrases = append(q.Phrases, terms)
			q.Words = append(q.Words, terms...)
		}
		return rest
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
		return rest
	}
	if strings.HasSuffix(word, "*") {
		if p := strings.TrimRight(word, "*"); p != "" {
			if neg {
				q.Notes = append(q.Notes, "-"+word+": a prefix cannot be excluded; ignored")
				return rest
			}
			// "neural transfo*": every word but the last is a plain word; the
			// last is a prefix even when it is a stop word ("over*" for
			// overfitting).
			words := strings.FieldsFunc(p, func(r rune) bool { return !isWordRune(r) })
			*meaning = append(*meaning, words...)
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
			return rest
		}
	}
	terms := a.terms(nil, word)
	if neg {
		q.Excluded = append(q.Excluded, terms...)
	} else {
		q.Words = append(q.Words, terms...)
		*meaning = append(*meaning, word)
	}
	return rest
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
