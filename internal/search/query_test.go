package search

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// queryCase is one row of the parser table. Notes are matched by
// substring, one per note, in order; every other field exactly.
type queryCase struct {
	in    string
	want  Query // Text is checked only when set
	notes []string
	err   error
	bug   string // a known bug: the row is skipped with this explanation
}

var queryCases = []queryCase{
	// Plain words.
	{in: "graph neural networks", want: Query{Words: []string{"graph", "neural", "network"}}},
	{in: "Attention", want: Query{Words: []string{"attent"}}},
	{in: "model model", want: Query{Words: []string{"model", "model"}}}, // repeated words weigh more
	{in: "learning to rank with the model", want: Query{Words: []string{"learn", "rank", "model"}}},
	{in: "  graph   network  ", want: Query{Text: "graph network", Words: []string{"graph", "network"}}},

	// Phrases.
	{in: `"state space model" video`, want: Query{
		Words: []string{"state", "space", "model", "video"}, Phrases: [][]string{{"state", "space", "model"}}}},
	{in: `"state of the art"`, want: Query{Words: []string{"state", "art"}, Phrases: [][]string{{"state", "art"}}}},
	{in: `"transformers"`, want: Query{Words: []string{"transform"}}}, // one word is no phrase
	{in: `"" model`, want: Query{Words: []string{"model"}}},
	{in: `"the of" model`, want: Query{Words: []string{"model"}}},
	{in: `"neural network`, want: Query{Words: []string{"neural", "network"}, Phrases: [][]string{{"neural", "network"}}},
		notes: []string{"closing quote"}},
	{in: `model "`, want: Query{Words: []string{"model"}}, notes: []string{"closing quote"}},

	// Exclusions.
	{in: "diffusion -video", want: Query{Words: []string{"diffus"}, Excluded: []string{"video"}}},
	{in: `-"video generation" diffusion`, want: Query{Words: []string{"diffus"}, ExcludedPhrases: [][]string{{"video", "generat"}}}},
	{in: "--video model", want: Query{Words: []string{"model"}, Excluded: []string{"video"}}},
	{in: "- model", want: Query{Words: []string{"model"}}}, // a lone dash is no operator
	{in: "-video", want: Query{Excluded: []string{"video"}}, err: ErrEmptyQuery},

	// Prefixes: the prefix is folded, not stemmed.
	{in: "transform*", want: Query{Prefixes: []string{"transform"}}},
	{in: "Transfo*", want: Query{Prefixes: []string{"transfo"}}},
	{in: "vision-lang*", want: Query{Words: []string{"vision"}, Prefixes: []string{"lang"}}},
	{in: "Gö*", want: Query{Prefixes: []string{"go"}}},
	{in: "graph a*", want: Query{Words: []string{"graph"}}}, // one letter is too short
	{in: "**", err: ErrEmptyQuery},
	{in: "out*", want: Query{Prefixes: []string{"out"}}},

	// Authors.
	{in: "author:Hinton", want: Query{Authors: [][]string{{"hinton"}}}},
	{in: `author:"Geoffrey Hinton"`, want: Query{Authors: [][]string{{"geoffrey", "hinton"}}}},
	{in: `AUTHOR:"Yann LeCun" attention`, want: Query{Words: []string{"attent"}, Authors: [][]string{{"yann", "lecun"}}}},
	{in: "au:LeCun", want: Query{Authors: [][]string{{"lecun"}}}},
	{in: `author:" Ada Lovelace" cat:cs`, want: Query{Authors: [][]string{{"ada", "lovelac"}}, Cats: []string{"cs"}}},
	{in: `author:"Geoffrey Hinton`, want: Query{Authors: [][]string{{"geoffrey", "hinton"}}}, notes: []string{"quote"}},
	{in: "-author:Hinton model", want: Query{Words: []string{"model"}}, notes: []string{"-author: cannot be negated"}},

	// Categories.
	{in: "cat:cs.CL", want: Query{Cats: []string{"cs.cl"}}},
	{in: "cat:cs", want: Query{Cats: []string{"cs"}}},
	{in: "category:CS.LG cat:stat.ML", want: Query{Cats: []string{"cs.lg", "stat.ml"}}},

	// Dates.
	{in: "year:2024", want: Query{From: day("2024-01-01"), To: day("2024-12-31")}},
	{in: "year:2020..2022", want: Query{From: day("2020-01-01"), To: day("2022-12-31")}},
	{in: "model year:2022..2020", want: Query{Words: []string{"model"}}, notes: []string{"year:2022..2020"}},
	{in: "year:2022..2020", notes: []string{"year:2022..2020"}, err: ErrEmptyQuery},
	{in: "model year:24", want: Query{Words: []string{"model"}}, notes: []string{"year:24"}},
	{in: "model year:1899", want: Query{Words: []string{"model"}}, notes: []string{"year:1899"}},
	{in: "model year:2024..", want: Query{Words: []string{"model"}}, notes: []string{"year:2024.."}},
	{in: "after:2024-05-01", want: Query{From: day("2024-05-01")}},
	{in: "before:2025-01-01", want: Query{To: day("2024-12-31")}}, // before a day: up to the eve
	{in: "after:2024", want: Query{From: day("2024-01-01")}},
	{in: "before:2025", want: Query{To: day("2024-12-31")}}, // before a year: up to its eve
	{in: "after:2024-05-01 before:2024-06-01", want: Query{From: day("2024-05-01"), To: day("2024-05-31")}},
	{in: "model after:yesterday", want: Query{Words: []string{"model"}}, notes: []string{"after:yesterday"}},
	{in: "model before:2024-13-01", want: Query{Words: []string{"model"}}, notes: []string{"before:2024-13-01"}},

	// has:
	{in: "has:code", want: Query{HasCode: true}},
	{in: "has:GitHub", want: Query{HasCode: true}},
	{in: "has:nonsense model", want: Query{Words: []string{"model"}}, notes: []string{"has:nonsense"}},
	{in: "has:nonsense", notes: []string{"has:nonsense"}, err: ErrEmptyQuery},

	// Operators without values.
	{in: "cat: model", want: Query{Words: []string{"model"}}, notes: []string{"cat: needs a value"}},
	{in: "model author: year: has:", want: Query{Words: []string{"model"}},
		notes: []string{"author: needs a value", "year: needs a value", "has: needs a value"}},
	{in: `author:"" model`, want: Query{Words: []string{"model"}}, notes: []string{"author: needs a value"}},

	// Unknown name:value pairs are words.
	{in: "arXiv:2509.02547", want: Query{Words: []string{"arxiv", "2509", "02547"}}},
	{in: "re:attention", want: Query{Words: []string{"re", "attent"}}},
	{in: ":model", want: Query{Words: []string{"model"}}},

	// Only operators, only stop words.
	{in: "cat:cs.CL has:code year:2024", want: Query{Cats: []string{"cs.cl"}, HasCode: true, From: day("2024-01-01"), To: day("2024-12-31")}},
	{in: "the of and", want: Query{Text: "the of and"}, err: ErrEmptyQuery},
	{in: "", err: ErrEmptyQuery},
	{in: "   \t\n ", err: ErrEmptyQuery},

	// Dirty input is cleaned.
	{in: "graph\x00neural\r\nnetwork\x7f", want: Query{Text: "graph neural network", Words: []string{"graph", "neural", "network"}}},
	{in: "gra\xffph network", want: Query{Text: "graph network", Words: []string{"graph", "network"}}},
	{in: "graph\u00a0network\u2003model", want: Query{Text: "graph network model", Words: []string{"graph", "network", "model"}}},
	{in: "\x1b[31mrobot", want: Query{Text: "[31mrobot", Words: []string{"31mrobot"}}},

	// Emoji and CJK.
	{in: "🚀 robot 🤖", want: Query{Text: "🚀 robot 🤖", Words: []string{"robot"}}},
	{in: "🚀🤖", err: ErrEmptyQuery},
	{in: "大语言模型 robot", want: Query{Words: []string{"大语言模型", "robot"}}},
}

func TestParseQuery(t *testing.T) {
	for _, tc := range queryCases {
		t.Run(fmt.Sprintf("%.40q", tc.in), func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("BUG: " + tc.bug)
			}
			q, err := ParseQuery(tc.in)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("ParseQuery(%q) error %v, want %v", tc.in, err, tc.err)
			}
			if q == nil {
				t.Fatalf("ParseQuery(%q) returned no query with error %v", tc.in, err)
			}
			checkQuery(t, tc.in, q, tc.want, tc.notes)
			if err == nil && q.Empty() {
				t.Errorf("ParseQuery(%q) succeeded with an empty query", tc.in)
			}
		})
	}
}

func checkQuery(t *testing.T, in string, got *Query, want Query, notes []string) {
	t.Helper()
	eq := func(field string, g, w any) {
		t.Helper()
		gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
		if gv.Kind() == reflect.Slice && gv.Len() == 0 && wv.Len() == 0 {
			return // nil and empty are the same here
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("ParseQuery(%q).%s = %#v, want %#v", in, field, g, w)
		}
	}
	if want.Text != "" && got.Text != want.Text {
		t.Errorf("ParseQuery(%q).Text = %q, want %q", in, got.Text, want.Text)
	}
	eq("Words", got.Words, want.Words)
	eq("Prefixes", got.Prefixes, want.Prefixes)
	eq("Phrases", got.Phrases, want.Phrases)
	eq("Excluded", got.Excluded, want.Excluded)
	eq("ExcludedPhrases", got.ExcludedPhrases, want.ExcludedPhrases)
	eq("Authors", got.Authors, want.Authors)
	eq("Cats", got.Cats, want.Cats)
	if !got.From.Equal(want.From) || !got.To.Equal(want.To) {
		t.Errorf("ParseQuery(%q) dates %v..%v, want %v..%v", in, got.From, got.To, want.From, want.To)
	}
	if got.HasCode != want.HasCode {
		t.Errorf("ParseQuery(%q).HasCode = %v", in, got.HasCode)
	}
	if len(got.Notes) != len(notes) {
		t.Errorf("ParseQuery(%q).Notes = %q, want %d notes like %q", in, got.Notes, len(notes), notes)
		return
	}
	for i, n := range notes {
		if !strings.Contains(got.Notes[i], n) {
			t.Errorf("ParseQuery(%q) note %d = %q, want it to mention %q", in, i, got.Notes[i], n)
		}
	}
}

func TestParseQueryLength(t *testing.T) {
	long := strings.Repeat("attention ", 1000) // 10,000 characters
	q, err := ParseQuery(long)
	if err == nil || errors.Is(err, ErrEmptyQuery) {
		t.Fatalf("a 10,000-character query: error %v, want a length error", err)
	}
	if q != nil {
		t.Errorf("a refused query came back as %+v", q)
	}
	if msg := err.Error(); !strings.Contains(msg, "10000") || !strings.Contains(msg, fmt.Sprint(MaxQueryLen)) {
		t.Errorf("message %q should give the length and the limit %d", msg, MaxQueryLen)
	}
	// The limit itself is allowed; one more is not.
	atLimit := strings.Repeat("word ", MaxQueryLen/5)
	if len(atLimit) != MaxQueryLen {
		t.Fatalf("test setup: %d", len(atLimit))
	}
	if _, err := ParseQuery(atLimit); err != nil {
		t.Errorf("a query of exactly %d characters: %v", MaxQueryLen, err)
	}
	if _, err := ParseQuery(atLimit + "x"); err == nil {
		t.Errorf("a query of %d characters was accepted", MaxQueryLen+1)
	}
}

func TestParseQueryLengthCountsCharacters(t *testing.T) {
	cjk := strings.Repeat("模", 400)
	if _, err := ParseQuery(cjk); err != nil {
		t.Errorf("a query of %d characters (%d bytes) was refused: %v", utf8.RuneCountInString(cjk), len(cjk), err)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, tc := range queryCases {
		f.Add(tc.in)
	}
	for _, s := range []string{
		`author:"`, `author:"x`, `-"`, `-`, `"`, `""""`, `a:"b" c:"d`, `year:..`, `year:2020..2020..2021`,
		"after:0000-00-00", "before:9999", "*", "-*", "x*y*", `"a b" -"c d" e* author:"f g" cat:h year:2000..2001`,
		"\u200b\u200e\ufeff", "\xed\xa0\x80", "a\x00:\x00b", strings.Repeat(`"`, 999),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if utf8.RuneCountInString(s) > MaxQueryLen || len(s) > 4*MaxQueryLen {
			if !errors.Is(err, ErrQueryTooLong) {
				t.Fatalf("a query of %d characters (%d bytes) was not refused as too long: %v", utf8.RuneCountInString(s), len(s), err)
			}
			return
		}
		if q == nil {
			t.Fatalf("ParseQuery(%q): no query, error %v", s, err)
		}
		if err != nil && !errors.Is(err, ErrEmptyQuery) {
			t.Fatalf("ParseQuery(%q): unexpected error %v", s, err)
		}
		if c := q.Cost(); c > MaxQueryCost {
			t.Fatalf("ParseQuery(%q) costs %d, over the budget of %d", s, c, MaxQueryCost)
		}
		if err == nil && q.Empty() {
			t.Fatalf("ParseQuery(%q) succeeded with an empty query", s)
		}
		if errors.Is(err, ErrEmptyQuery) && !q.Empty() {
			t.Fatalf("ParseQuery(%q): ErrEmptyQuery for %+v", s, q)
		}
		if !utf8.ValidString(q.Text) {
			t.Fatalf("ParseQuery(%q).Text = %q is not valid UTF-8", s, q.Text)
		}
		for _, r := range q.Text {
			if unicode.IsControl(r) {
				t.Fatalf("ParseQuery(%q).Text = %q holds control character %U", s, q.Text, r)
			}
		}
		if strings.TrimSpace(q.Text) != q.Text || strings.Contains(q.Text, "  ") {
			t.Fatalf("ParseQuery(%q).Text = %q has loose white space", s, q.Text)
		}
		terms := append(append(append([]string{}, q.Words...), q.Prefixes...), q.Excluded...)
		for _, ph := range q.Phrases {
			if len(ph) < 2 {
				t.Fatalf("ParseQuery(%q): phrase %q of fewer than two words", s, ph)
			}
			terms = append(terms, ph...)
		}
		for _, a := range q.Authors {
			terms = append(terms, a...)
		}
		for _, term := range terms {
			if term == "" || strings.ContainsFunc(term, unicode.IsSpace) {
				t.Fatalf("ParseQuery(%q): bad term %q in %+v", s, term, q)
			}
		}
	})
}
