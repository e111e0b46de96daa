package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// twoLetterPrefixes is the review's costly query: ab* ac* ad* ... of up to
// n characters.
func twoLetterPrefixes(n int) string {
	var b strings.Builder
	for c1 := 'a'; c1 <= 'z'; c1++ {
		for c2 := 'a'; c2 <= 'z'; c2++ {
			if c1 == c2 {
				continue
			}
			if b.Len()+4 > n {
				return strings.TrimSpace(b.String())
			}
			fmt.Fprintf(&b, "%c%c* ", c1, c2)
		}
	}
	return strings.TrimSpace(b.String())
}

func TestParseQueryBudget(t *testing.T) {
	many := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	var words []string
	for i := range 150 {
		words = append(words, fmt.Sprintf("w%03dx", i))
	}
	for _, tc := range []struct {
		name, in string
		cut      bool
		check    func(t *testing.T, q *Query)
	}{
		{name: "333 two-letter prefixes", in: twoLetterPrefixes(999), cut: true, check: func(t *testing.T, q *Query) {
			if want := MaxQueryCost / PrefixTerms; len(q.Prefixes) != want {
				t.Errorf("%d prefixes kept, want the first %d", len(q.Prefixes), want)
			}
			if q.Prefixes[0] != "ab" {
				t.Errorf("first prefix kept %q, want the first typed, ab", q.Prefixes[0])
			}
		}},
		{name: "150 distinct words", in: strings.Join(words, " "), cut: true, check: func(t *testing.T, q *Query) {
			if len(q.Words) != MaxQueryCost || q.Words[0] != "w000x" {
				t.Errorf("kept %d words from %q, want the first %d", len(q.Words), q.Words[0], MaxQueryCost)
			}
			if strings.Count(q.Meaning, " ")+1 != MaxQueryCost {
				t.Errorf("the meaning holds %d words, want only the kept ones", strings.Count(q.Meaning, " ")+1)
			}
		}},
		{name: "a phrase counts its words and its check", in: many(`"graph network"`, 40), cut: true, check: func(t *testing.T, q *Query) {
			if len(q.Phrases) != MaxQueryCost/3 {
				t.Errorf("%d phrases kept, want %d", len(q.Phrases), MaxQueryCost/3)
			}
		}},
		{name: "a long title in quotes is whole", in: `"Causal-rCM: A Unified Teacher-Forcing and Self-Forcing Open Recipe for Autoregressive Diffusion Distillation in Streaming Video Generation and Interactive World Models"`},
		{name: "excluded words", in: "model " + many("-video", 100), cut: true},
		{name: "excluded phrases", in: "model " + many(`-"video generation"`, 45), cut: true},
		{name: "authors", in: many(`author:"Ada Lovelace"`, 40), cut: true},
		{name: "categories", in: "model " + many("cat:cs.CL", 90), cut: true},
		{name: "a filter after the cut still applies", in: twoLetterPrefixes(200) + " year:2024", cut: true, check: func(t *testing.T, q *Query) {
			if q.From.Year() != 2024 {
				t.Errorf("year:2024 typed after the cut was dropped: From = %v", q.From)
			}
		}},
		{name: "an ordinary query is whole", in: `"graph neural" networks transfo* -survey author:Hinton cat:cs.LG year:2024 has:code`},
		{name: "at the budget exactly", in: twoLetterPrefixes(4 * MaxQueryCost / PrefixTerms)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.in)
			if err != nil && !errors.Is(err, ErrEmptyQuery) {
				t.Fatalf("ParseQuery: %v", err)
			}
			if c := q.Cost(); c > MaxQueryCost {
				t.Errorf("cost %d, over the budget of %d", c, MaxQueryCost)
			}
			if q.Cut != tc.cut {
				t.Errorf("Cut = %v, want %v (notes %q)", q.Cut, tc.cut, q.Notes)
			}
			noted := false
			for _, n := range q.Notes {
				noted = noted || strings.Contains(n, "left out")
			}
			if noted != tc.cut {
				t.Errorf("notes %q: a note of what was left out = %v, want %v", q.Notes, noted, tc.cut)
			}
			if tc.check != nil {
				tc.check(t, q)
			}
		})
	}
}

// prefixIndex holds, for every two-letter prefix, more words than one
// prefix expands to.
func prefixIndex() *Index {
	ix := NewIndex()
	var docs []Doc
	for c1 := 'a'; c1 <= 'z'; c1++ {
		for c2 := 'a'; c2 <= 'z'; c2++ {
			var title []string
			for i := range PrefixTerms + 8 {
				title = append(title, fmt.Sprintf("%c%cq%cz", c1, c2, 'a'+i%26)+strings.Repeat("x", i/26))
			}
			docs = append(docs, Doc{ID: paper.ID(fmt.Sprintf("%c%c", c1, c2)), Title: strings.Join(title, " ")})
		}
	}
	ix.Add(docs...)
	return ix
}

// The review's query: each of its 333 prefixes expanded to 32 terms,
// more than ten thousand posting lists ranked at once.
func TestPrefixQueryExpandsWithinBudget(t *testing.T) {
	ix := prefixIndex()
	for _, n := range []int{250, MaxQueryLen - 1} {
		q, err := ParseQuery(twoLetterPrefixes(n))
		if err != nil {
			t.Fatal(err)
		}
		if terms := len(ix.rankingTerms(q)); terms > MaxQueryCost {
			t.Errorf("%d characters of prefixes: %d terms ranked, over the budget of %d", n, terms, MaxQueryCost)
		}
		res, err := ix.Search(context.Background(), q, 10, 0, nil)
		if err != nil || len(res.Hits) == 0 {
			t.Errorf("%d characters of prefixes: %d hits, %v; want the kept prefixes' papers", n, len(res.Hits), err)
		}
	}
}

// A client that hangs up stops the ranking: each path of it (ranked OR,
// required words, filters only) answers an ended context with its error.
func TestSearchStopsWhenContextEnds(t *testing.T) {
	ix := NewIndex()
	docs := make([]Doc, 5000)
	for i := range docs {
		docs[i] = Doc{ID: paper.ID(fmt.Sprintf("p%d", i)), Title: fmt.Sprintf("Graph model number %d", i),
			Abstract: "A graph model of networks.", Date: time.Date(2020, 1, 1+i%300, 0, 0, 0, 0, time.UTC)}
	}
	ix.Add(docs...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, query := range []string{"graph model", "graph network*", `author:nobody graph`, `"graph model"`, "year:2020"} {
		t.Run(query, func(t *testing.T) {
			q, err := ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			if query == `author:nobody graph` {
				q.Authors = [][]string{{"graph"}} // every paper: a required word with a long list
			}
			if _, err := ix.Search(ctx, q, 10, 0, nil); !errors.Is(err, context.Canceled) {
				t.Errorf("Search with an ended context: %v, want context.Canceled", err)
			}
			if res, err := ix.Search(context.Background(), q, 10, 0, nil); err != nil || len(res.Hits) == 0 && query != `author:nobody graph` {
				t.Errorf("Search: %d hits, %v", len(res.Hits), err)
			}
		})
	}
}

// FuzzQueryBudget checks that no input makes a query that ranks more
// terms than the budget, whatever its prefixes expand to, and that
// parsing and ranking never panic.
func FuzzQueryBudget(f *testing.F) {
	for _, s := range []string{
		twoLetterPrefixes(999), twoLetterPrefixes(250), "ab* " + strings.Repeat(`"abqaz acqbz" `, 60),
		strings.Repeat("abqaz* ", 140), strings.Repeat("-ab* ", 200), strings.Repeat("cat:cs ", 140),
		strings.Repeat(`author:"ab ac" `, 60), `a"b*" c*"d e*`, "ab*ac*ad* ae.af*",
	} {
		f.Add(s)
	}
	ix := prefixIndex()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if q == nil {
			return // refused as too long
		}
		if c := q.Cost(); c > MaxQueryCost {
			t.Fatalf("ParseQuery(%q) costs %d, over the budget of %d", s, c, MaxQueryCost)
		}
		if err != nil {
			return
		}
		if n := len(ix.rankingTerms(q)); n > MaxQueryCost {
			t.Fatalf("ParseQuery(%q) ranks %d terms, over the budget of %d", s, n, MaxQueryCost)
		}
		if _, err := ix.Search(context.Background(), q, 10, 0, nil); err != nil {
			t.Fatalf("Search(%q): %v", s, err)
		}
	})
}

// A seeker answers as a lookup does, asked in any order: forward, as
// ranking asks, and backward, as the vector search's filter may.
func TestSeekerAnswersInAnyOrder(t *testing.T) {
	var list []posting
	for d := uint32(3); d < 5000; d += 7 {
		list = append(list, newPosting(d, 1, packTF(1, 0, 0)))
	}
	asks := []uint32{0, 3, 4, 10, 10, 17, 4000, 4001, 12, 3, 4995, 4996, 5000, 1 << 31, 24}
	for d := uint32(0); d < 5100; d += 5 {
		asks = append(asks, d)
	}
	s := &seeker{cursor: cursor{list: list}}
	for _, d := range asks {
		if got, want := s.has(d), find(list, d) != nil; got != want {
			t.Fatalf("has(%d) = %v, want %v", d, got, want)
		}
	}
}

// Filter-only queries page newest first however many papers match; only
// the newest days are sorted when many do.
func TestNewestPagesOfManyMatches(t *testing.T) {
	ix := NewIndex()
	var docs []Doc
	for i := range 3000 {
		d := Doc{ID: paper.ID(fmt.Sprintf("p%04d", i)), Title: "Probe", Categories: []string{"cs.LG"}}
		if i%7 != 0 { // some undated
			d.Date = time.Date(2020, 1, 1+(i*37)%400, 0, 0, 0, 0, time.UTC)
		}
		docs = append(docs, d)
	}
	ix.Add(docs...)
	q := mustParse(t, "cat:cs")
	var all []paper.ID
	for page := 0; ; page++ {
		res, err := ix.Search(context.Background(), q, 20, page*20, nil)
		if err != nil || res.Total != len(docs) {
			t.Fatalf("page %d: total %d, %v", page, res.Total, err)
		}
		all = append(all, res.IDs()...)
		if !res.More {
			break
		}
	}
	if len(all) != len(docs) {
		t.Fatalf("%d papers over the pages, want %d", len(all), len(docs))
	}
	day := func(id paper.ID) int32 { return ix.docs[ix.live[id]].day }
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if day(a) < day(b) || day(a) == day(b) && ix.live[a] < ix.live[b] {
			t.Fatalf("%s (day %d) before %s (day %d)", a, day(a), b, day(b))
		}
	}
}
