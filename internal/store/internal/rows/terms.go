package rows

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// AuthorTerm is one row of a paper's author index: an author key, where
// it first comes in the paper's list, and the name as written there.
type AuthorTerm struct {
	Key      string
	Position int
	Name     string
}

// PaperTerms is what the author and category indexes hold of a paper: its
// author keys (each once, at its first position; names with no key left
// out) and its categories with their archives ("cs.CL" and "cs"), each
// once. Both backends write these rows, so both find the same papers.
func PaperTerms(p *paper.Paper) ([]AuthorTerm, []string) {
	authors := make([]AuthorTerm, 0, len(p.Authors))
	seen := make(map[string]bool, len(p.Authors))
	for i, a := range p.Authors {
		k := library.AuthorKey(a.Name)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		authors = append(authors, AuthorTerm{Key: k, Position: i, Name: a.Name})
	}
	var cats []string
	for _, c := range p.Categories {
		for _, t := range []string{c, archiveOf(c)} {
			if t != "" && !slices.Contains(cats, t) {
				cats = append(cats, t)
			}
		}
	}
	return authors, cats
}

// archiveOf is a category's archive: "cs" of "cs.CL", and "hep-th" of itself.
func archiveOf(c string) string {
	if i := strings.IndexByte(c, '.'); i > 0 {
		return c[:i]
	}
	return c
}

// TermsDiffer reports whether two versions of a paper index differently,
// so that a write that changes neither authors, categories nor the date
// leaves the index alone.
func TermsDiffer(a, b *paper.Paper) bool {
	if !a.Published.Equal(b.Published) || !slices.Equal(a.Categories, b.Categories) || len(a.Authors) != len(b.Authors) {
		return true
	}
	for i := range a.Authors {
		if a.Authors[i].Name != b.Authors[i].Name {
			return true
		}
	}
	return false
}

// Published is the date the indexes order a paper by: its first version,
// in unix ms, 0 when unknown (last, as LatestPapers orders them).
func Published(p *paper.Paper) int64 {
	if p.Published.IsZero() {
		return 0
	}
	return p.Published.UnixMilli()
}

// Newest is one paper of a stream the Following page merges: its place
// in the newest-first order.
type Newest struct {
	Published int64
	Seq       int64
}

func (n Newest) before(o Newest) bool {
	return n.Published > o.Published || n.Published == o.Published && n.Seq > o.Seq
}

// MergeNewest merges streams that are each newest first and hold each
// paper once into the first limit distinct papers, newest first. Each
// stream read limit papers after the cursor: a paper among the first
// limit of the whole has fewer than limit papers before it in its own
// stream, so it is among that stream's first limit.
func MergeNewest(streams [][]Newest, limit int) []Newest {
	var all []Newest
	for _, s := range streams {
		all = append(all, s...)
	}
	slices.SortFunc(all, compareNewest)
	all = slices.Compact(all)
	return all[:min(limit, len(all))]
}

// NewestPage merges the first limit distinct papers, newest first, of
// streams after the cursor, reading as little of each as it can: fetch(i,
// after, n) reads up to n papers of stream i after a cursor. Each stream
// is read a few papers at first; once limit papers are in hand, only a
// stream whose last paper read is newer than the limit-th of them can hold
// more of the page, and only those are read further (four times as many
// each round). A Following page of sixty streams read 31 papers of each
// before; most streams give none or one to a page.
func NewestPage(streams int, after store.PaperCursor, limit int, fetch func(i int, after store.PaperCursor, n int) ([]Newest, error)) ([]Newest, error) {
	return NewestPageInRounds(streams, after, limit, func(reads []Read) ([][]Newest, error) {
		out := make([][]Newest, len(reads))
		for k, r := range reads {
			var err error
			if out[k], err = fetch(r.Stream, r.After, r.N); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// Read is one stream's read in a round of NewestPageInRounds: up to N
// papers of stream Stream after the cursor After.
type Read struct {
	Stream int
	After  store.PaperCursor
	N      int
}

// NewestPageInRounds is NewestPage for a backend that reads a whole round
// at once: fetch gets every read of a round (each stream at most once, all
// with the same N) and answers each, in the same order. A round of sixty
// streams cost sixty queries; a backend can make it one a kind of stream.
// What a read answers need not be in order: it is sorted newest first
// here.
func NewestPageInRounds(streams int, after store.PaperCursor, limit int, fetch func(reads []Read) ([][]Newest, error)) ([]Newest, error) {
	if streams == 0 || limit <= 0 {
		return nil, nil
	}
	type state struct {
		got  []Newest
		done bool // read to its end
	}
	st := make([]state, streams)
	n := min(limit, max(4, 2*limit/streams+1))
	need := func(i int, threshold *Newest) bool {
		s := &st[i]
		if s.done {
			return false
		}
		if threshold == nil || len(s.got) == 0 {
			return true
		}
		return s.got[len(s.got)-1].before(*threshold)
	}
	var threshold *Newest
	reads := make([]Read, 0, streams)
	all := make([][]Newest, streams)
	for {
		reads = reads[:0]
		for i := range st {
			if !need(i, threshold) {
				continue
			}
			from := after
			if g := st[i].got; len(g) > 0 {
				from = store.PaperCursor{Published: g[len(g)-1].Published, Seq: g[len(g)-1].Seq}
			}
			reads = append(reads, Read{Stream: i, After: from, N: n})
		}
		if len(reads) > 0 {
			got, err := fetch(reads)
			if err != nil {
				return nil, err
			}
			if len(got) != len(reads) {
				return nil, fmt.Errorf("newest page: %d answers to %d reads", len(got), len(reads))
			}
			for k, r := range reads {
				more := got[k]
				slices.SortFunc(more, compareNewest)
				st[r.Stream].got = append(st[r.Stream].got, more...)
				st[r.Stream].done = len(more) < n
			}
		}
		for i := range st {
			all[i] = st[i].got
		}
		merged := MergeNewest(all, limit)
		if len(reads) == 0 {
			return merged, nil
		}
		if len(merged) == limit {
			t := merged[limit-1]
			threshold = &t
		}
		n = min(limit, 4*n)
	}
}

// compareNewest orders papers newest first.
func compareNewest(a, b Newest) int {
	switch {
	case a.before(b):
		return -1
	case b.before(a):
		return 1
	}
	return 0
}

// CursorAfter is the cursor of the page that follows page, whose reads
// asked for one more than limit: zero when there is no next page.
func CursorAfter(page []Newest, limit int) ([]Newest, store.PaperCursor) {
	if len(page) <= limit {
		return page, store.PaperCursor{}
	}
	page = page[:limit]
	last := page[limit-1]
	return page, store.PaperCursor{Published: last.Published, Seq: last.Seq}
}

// PaperTermsOf fills what PaperTerms reads of a paper from its stored
// columns (authors JSON, categories, published_at in ms or NULL), for a
// fill of the indexes that need not read whole papers.
func PaperTermsOf(p *paper.Paper, authors, categories string, published sql.NullInt64) error {
	if err := json.Unmarshal([]byte(authors), &p.Authors); err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	p.Categories = strings.Fields(categories)
	if published.Valid {
		p.Published = time.UnixMilli(published.Int64).UTC()
	}
	return nil
}

// TopCategories counts the categories of papers (each a stored,
// space-separated list) and returns the top most frequent, ties by name.
func TopCategories(lists []string, top int) []store.NameCount {
	counts := map[string]int{}
	for _, l := range lists {
		for _, c := range strings.Fields(l) {
			counts[c]++
		}
	}
	out := make([]store.NameCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, store.NameCount{Name: c, Count: n})
	}
	slices.SortFunc(out, func(a, b store.NameCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out[:min(top, len(out))]
}
