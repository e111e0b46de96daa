package bench

// The corpus and the query set of the search benchmarks (search_test.go):
// the real arXiv records of the shared data set, amplified on demand with
// synthetic copies, and a fixed set of queries derived from their titles
// and abstracts.

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// searchCorpus is the benchmark corpus: the real papers, kept in memory,
// and the size to index, reached by appending synthetic copies of them.
type searchCorpus struct {
	real   []realRec
	arena  arena            // the text of real, outside the Go heap
	byID   map[paper.ID]int // real id -> index in real
	n      int              // papers to index (DAILYPAPERS_BENCH_PAPERS)
	cats   map[string]int   // category token (see catTokens) -> number, for FTS5
	load   time.Duration
	heapMB float64 // Go heap in use with the corpus loaded, after GC

	queries []benchQuery
}

// benchQuery is one query of the fixed set, kept in a neutral form that
// each engine translates into its own language.
type benchQuery struct {
	mode   string   // title, abstract, phrase, cat, single
	words  []string // lower-case words as typed, no stop words
	phrase bool     // words are one quoted phrase
	cat    string   // cat: filter ("cs.CL", or an archive such as "math"), or ""
	text   string   // our query language
}

// Query modes, in the order they are reported, and how many of each the
// fixed set holds (2,000 in all).
var queryModes = []struct {
	name  string
	count int
}{
	{"title", 900},    // 2-4 consecutive content words of a real title
	{"abstract", 400}, // 2-4 consecutive content words of a real abstract
	{"phrase", 200},   // 2-3 adjacent words of a real title, quoted
	{"cat", 200},      // 2-3 title words plus cat: one of the paper's categories
	{"single", 300},   // one of the 300 most frequent title words, each once
}

var (
	corpusOnce sync.Once
	corpus     *searchCorpus
	corpusErr  error
)

// searchBenchPapers is the corpus size asked for: DAILYPAPERS_BENCH_PAPERS,
// or 0 for all the real papers.
func searchBenchPapers(b *testing.B) int {
	return envInt(b, "DAILYPAPERS_BENCH_PAPERS")
}

func envInt(b *testing.B, name string) int {
	s := os.Getenv(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a number of papers", name, s)
	}
	return n
}

// loadSearchCorpus reads the real papers once per process and derives the
// query set from them.
func loadSearchCorpus(b *testing.B) *searchCorpus {
	dir := dataDir(b)
	want := searchBenchPapers(b)
	corpusOnce.Do(func() {
		start := time.Now()
		c := &searchCorpus{byID: map[paper.ID]int{}, cats: map[string]int{}}
		for _, f := range arxivFiles {
			if err := c.readFile(filepath.Join(dir, f)); err != nil {
				corpusErr = fmt.Errorf("%s: %w", f, err)
				return
			}
		}
		c.n = len(c.real)
		if want > 0 {
			c.n = want
		}
		var names []string
		for i := range c.real {
			for _, t := range catTokens(strings.Fields(c.real[i].cats)) {
				if _, ok := c.cats[t]; !ok {
					c.cats[t] = 0
					names = append(names, t)
				}
			}
		}
		slices.Sort(names)
		for i, t := range names {
			c.cats[t] = i + 1
		}
		c.queries = makeQueries(c)
		c.load = time.Since(start)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		c.heapMB = float64(ms.HeapInuse) / (1 << 20)
		corpus = c
	})
	if corpusErr != nil {
		b.Fatal(corpusErr)
	}
	return corpus
}

// arxivLine is what the benchmark reads of a line of the arXiv files.
type arxivLine struct {
	ArxivID         string   `json:"arxiv_id"`
	Title           string   `json:"title"`
	Abstract        string   `json:"abstract"`
	Authors         []string `json:"authors"`
	Categories      []string `json:"categories"`
	PrimaryCategory string   `json:"primary_category"`
	ListingDate     string   `json:"listing_date"`
	Created         string   `json:"created"`
}

// readFile appends the papers of one arXiv JSONL file, cleaned as the
// importer cleans them; a paper already read (same id) is skipped.
func (c *searchCorpus) readFile(path string) error {
	r, wait, err := xzReader(path)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var row arxivLine
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		id, _, err := paper.ParseID(row.ArxivID)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if _, dup := c.byID[id]; dup {
			continue
		}
		rec := realRec{
			id:       paper.ID(c.arena.str(string(id))),
			title:    c.arena.str(paper.CleanText(row.Title)),
			abstract: c.arena.str(paper.CleanText(row.Abstract)),
			listed:   c.arena.str(row.ListingDate),
		}
		var authors []string
		for _, name := range row.Authors {
			if name = paper.CleanText(paper.DeLaTeX(name)); name != "" {
				authors = append(authors, name)
			}
		}
		rec.authors = c.arena.str(strings.Join(authors, "\n"))
		cats := []string{}
		if row.PrimaryCategory != "" {
			cats = append(cats, row.PrimaryCategory)
		}
		for _, cat := range row.Categories {
			if cat != row.PrimaryCategory {
				cats = append(cats, cat)
			}
		}
		rec.cats = c.arena.str(strings.Join(cats, " "))
		if t, err := time.Parse(time.DateOnly, row.Created); err == nil {
			rec.published = t.Unix()
		}
		c.byID[rec.id] = len(c.real)
		c.real = append(c.real, rec)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return wait()
}

// xzReader decompresses with the xz command when there is one (about
// twice as fast, and on the other core) and with the Go reader otherwise.
func xzReader(path string) (io.Reader, func() error, error) {
	if xzPath, err := exec.LookPath("xz"); err == nil {
		cmd := exec.Command(xzPath, "-dc", path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, nil, err
		}
		return out, cmd.Wait, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := xz.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f.Close, nil
}

// synthetic reports how many of the n papers are synthetic copies.
func (c *searchCorpus) synthetic(n int) int { return max(0, n-len(c.real)) }

// describe says what a corpus of n papers is made of, for the output.
func (c *searchCorpus) describe(n int) string {
	if n <= len(c.real) {
		return fmt.Sprintf("%d real arXiv papers (of %d read)", n, len(c.real))
	}
	return fmt.Sprintf("%d papers = %d real + %d SYNTHETIC copies (ids \"x<copy>-<real id>\", "+
		"two title words swapped, abstract sentences rotated; deterministic)", n, len(c.real), c.synthetic(n))
}

// realRec is a real paper as the corpus keeps it: its strings point into
// the arena, authors separated by new lines, categories by spaces (the
// primary one first).
type realRec struct {
	id                                     paper.ID
	title, abstract, authors, cats, listed string
	published                              int64 // Unix time of the first version, 0 when unknown
}

// paper makes a paper of rec, with its own copies of the strings the
// indexes keep (the id and categories), so that they count in the heap.
func (rec *realRec) paper() paper.Paper {
	p := paper.Paper{ID: paper.ID(strings.Clone(string(rec.id))), Title: rec.title, Abstract: rec.abstract, Listed: rec.listed}
	if rec.authors != "" {
		for _, name := range strings.Split(rec.authors, "\n") {
			p.Authors = append(p.Authors, paper.Author{Name: name})
		}
	}
	for _, cat := range strings.Fields(rec.cats) {
		p.Categories = append(p.Categories, strings.Clone(cat))
	}
	if rec.published != 0 {
		p.Published = time.Unix(rec.published, 0).UTC()
	}
	return p
}

// paperAt is paper i of the corpus. Papers 0..len(real)-1 are the real
// ones in file order; after them come copy 1 of every real paper, copy 2,
// and so on. A copy has a new id ("x3-2503.11677"), the same authors and
// categories, two words of its title swapped and its abstract's sentences
// rotated: the same vocabulary and lengths, lightly permuted text.
func (c *searchCorpus) paperAt(i int) paper.Paper {
	r, copyN := i%len(c.real), i/len(c.real)
	rec := &c.real[r]
	p := rec.paper()
	if copyN == 0 {
		return p
	}
	p.ID = copyID(copyN, rec.id)
	p.Title = swapTwoWords(p.Title, mix64(uint64(copyN)<<32|uint64(r)))
	p.Abstract = rotateSentences(p.Abstract, copyN)
	return p
}

// idAt is the id of paper i, without building the paper.
func (c *searchCorpus) idAt(i int) paper.ID {
	r, copyN := i%len(c.real), i/len(c.real)
	if copyN == 0 {
		return c.real[r].id
	}
	return copyID(copyN, c.real[r].id)
}

func copyID(n int, id paper.ID) paper.ID {
	return paper.ID("x" + strconv.Itoa(n) + "-" + string(id))
}

// textOf rebuilds the text of any paper of the corpus from its id, for
// our engine's phrase check (what the store does in the real service).
func (c *searchCorpus) textOf(id paper.ID) (search.Doc, bool) {
	s, copyN := string(id), 0
	if strings.HasPrefix(s, "x") {
		if n, rest, ok := strings.Cut(s[1:], "-"); ok {
			if v, err := strconv.Atoi(n); err == nil {
				s, copyN = rest, v
			}
		}
	}
	r, ok := c.byID[paper.ID(s)]
	if !ok {
		return search.Doc{}, false
	}
	p := c.paperAt(copyN*len(c.real) + r)
	return search.DocFromPaper(&p), true
}

// mix64 is SplitMix64's finaliser: a cheap deterministic hash.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// swapTwoWords swaps two of the title's words, chosen by h.
func swapTwoWords(title string, h uint64) string {
	words := strings.Fields(title)
	if len(words) < 2 {
		return title
	}
	i := int(h % uint64(len(words)))
	j := int((h >> 32) % uint64(len(words)-1))
	if j >= i {
		j++
	}
	words[i], words[j] = words[j], words[i]
	return strings.Join(words, " ")
}

// rotateSentences moves the first k sentences of the abstract to its end,
// k between 1 and the number of sentences - 1 (varying with copy n).
func rotateSentences(abstract string, n int) string {
	var sents []string
	rest := abstract
	for {
		i := strings.Index(rest, ". ")
		if i < 0 {
			break
		}
		sents = append(sents, rest[:i+1])
		rest = rest[i+2:]
	}
	if rest != "" {
		sents = append(sents, rest)
	}
	if len(sents) < 2 {
		return abstract
	}
	k := 1 + (n-1)%(len(sents)-1)
	return strings.Join(append(sents[k:len(sents):len(sents)], sents[:k]...), " ")
}

// catTokens are the category terms the other engines index for cat:
// filters: every category lower-cased and, for "cs.CL", also its archive
// "cs" (our engine's cat:cs matches every cs.* category).
func catTokens(cats []string) []string {
	var out []string
	for _, c := range cats {
		c = strings.ToLower(c)
		out = append(out, c)
		if i := strings.IndexByte(c, '.'); i > 0 {
			out = append(out, c[:i])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// latexCommand is a TeX control word (\mathbb, \rightarrow), which no
// one types in a search box: queries skip them.
var latexCommand = regexp.MustCompile(`\\[A-Za-z]+`)

// words splits text into lower-cased words, on anything that is not a
// letter or digit (as our analyser, FTS5's unicode61 and Bleve's unicode
// tokenizer all do).
func words(text string) []string {
	text = latexCommand.ReplaceAllString(text, " ")
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// contentWord is a word a person would type: three or more ASCII letters,
// not an English stop word.
func contentWord(w string) bool {
	if len(w) < 3 || english.IsStopWord(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// contentWords are the content words of text in order, others dropped.
func contentWords(text string) []string {
	var out []string
	for _, w := range words(text) {
		if contentWord(w) {
			out = append(out, w)
		}
	}
	return out
}

// adjacentRuns are the runs of content words that follow each other
// directly in text, with no other word between them.
func adjacentRuns(text string) [][]string {
	var runs [][]string
	var run []string
	for _, w := range words(text) {
		if contentWord(w) {
			run = append(run, w)
			continue
		}
		if len(run) > 0 {
			runs = append(runs, run)
		}
		run = nil
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// makeQueries derives the fixed query set from the real papers with a
// fixed seed. Nothing here looks at any engine or its results.
func makeQueries(c *searchCorpus) []benchQuery {
	real := c.real
	rng := rand.New(rand.NewPCG(2026, 7))
	pick := func() *realRec { return &real[rng.IntN(len(real))] }
	nWords := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	window := func(ws []string, n int) []string {
		i := rng.IntN(len(ws) - n + 1)
		return slices.Clone(ws[i : i+n])
	}
	var out []benchQuery
	add := func(q benchQuery) bool {
		switch {
		case q.phrase:
			q.text = `"` + strings.Join(q.words, " ") + `"`
		default:
			q.text = strings.Join(q.words, " ")
		}
		if q.cat != "" {
			q.text += " cat:" + q.cat
		}
		parsed, err := search.ParseQuery(q.text)
		if err != nil || len(parsed.Words) == 0 || q.phrase && len(parsed.Phrases) != 1 {
			return false
		}
		out = append(out, q)
		return true
	}
	for _, m := range queryModes {
		for made := 0; made < m.count; {
			switch m.name {
			case "title":
				ws := contentWords(pick().title)
				if n := nWords(2, 4); len(ws) >= n && add(benchQuery{mode: m.name, words: window(ws, n)}) {
					made++
				}
			case "abstract":
				ws := contentWords(pick().abstract)
				if n := nWords(2, 4); len(ws) >= n && add(benchQuery{mode: m.name, words: window(ws, n)}) {
					made++
				}
			case "phrase":
				runs := adjacentRuns(pick().title)
				n := nWords(2, 3)
				runs = slices.DeleteFunc(runs, func(r []string) bool { return len(r) < n })
				if len(runs) > 0 && add(benchQuery{mode: m.name, words: window(runs[rng.IntN(len(runs))], n), phrase: true}) {
					made++
				}
			case "cat":
				p := pick()
				ws := contentWords(p.title)
				n := nWords(2, 3)
				cats := strings.Fields(p.cats)
				if len(ws) < n || len(cats) == 0 {
					continue
				}
				cat := cats[rng.IntN(len(cats))]
				if i := strings.IndexByte(cat, '.'); i > 0 && rng.IntN(3) == 0 {
					cat = cat[:i] // the whole archive: cat:cs, cat:math
				}
				if add(benchQuery{mode: m.name, words: window(ws, n), cat: cat}) {
					made++
				}
			case "single":
				for _, w := range commonTitleWords(real, m.count) {
					if add(benchQuery{mode: m.name, words: []string{w}}) {
						made++
					}
				}
				if made < m.count {
					panic("not enough common title words")
				}
			}
		}
	}
	// Interleave the modes, so that no engine meets one kind in a block.
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// queryHash identifies the query set in the output, so that runs can be
// seen to have used the same one.
func (c *searchCorpus) queryHash() string {
	h := sha256.New()
	for _, q := range c.queries {
		fmt.Fprintf(h, "%s\t%s\n", q.mode, q.text)
	}
	return fmt.Sprintf("sha256 %x", h.Sum(nil)[:6])
}

// commonTitleWords are the n content words found in the most titles.
func commonTitleWords(real []realRec, n int) []string {
	df := map[string]int{}
	for i := range real {
		seen := map[string]bool{}
		for _, w := range contentWords(real[i].title) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	all := make([]string, 0, len(df))
	for w := range df {
		all = append(all, w)
	}
	slices.SortFunc(all, func(a, b string) int {
		if c := cmp.Compare(df[b], df[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return all[:min(n, len(all))]
}
