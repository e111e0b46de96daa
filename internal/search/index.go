package search

import (
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Fields of a document, in the order of the weights.
const (
	fieldTitle = iota
	fieldAbstract
	fieldAuthors
	numFields
)

// Ranking parameters. k1 and b are the values Anserini uses for BM25 on
// short scientific abstracts (k1 0.9, b 0.4); the title counts twice, as
// a title is a summary of the abstract. None of this is tuned on the
// evaluation collections.
var (
	k1           = float32(0.9)
	bParam       = float32(0.4)
	fieldWeights = [numFields]float32{2.0, 1.0, 1.0}
)

// Doc is what the index needs of a paper.
type Doc struct {
	ID         paper.ID
	Title      string
	Abstract   string
	Authors    []string
	Categories []string
	Date       time.Time // publication (or listing) date, for date filters and ties
	HasCode    bool
}

// DocFromPaper takes the indexed fields of a paper.
func DocFromPaper(p *paper.Paper) Doc {
	d := Doc{ID: p.ID, Title: p.Title, Abstract: p.Abstract, Authors: p.AuthorNames(), Categories: p.Categories,
		Date: p.Published, HasCode: p.GitHubRepo != ""}
	if d.Date.IsZero() && p.Listed != "" {
		d.Date, _ = time.Parse(time.DateOnly, p.Listed)
	}
	return d
}

// posting is one document in one term's list, in six bytes: the document
// number (4 bytes, little-endian), its precomputed BM25F term-frequency
// score without idf, quantised to 8 bits (the impact), and its term
// frequencies, packed. A byte array has no padding, so a list costs 6
// bytes a posting where a struct would cost 8: at three million papers,
// 0.7 GB less. The precomputed score lets a search skip work: a term's
// best score bounds what any of its documents can add (MaxScore). Eight
// bits change no evaluation score by more than 0.0015 nDCG@10 against
// sixteen (BENCHMARKS.md), as the literature on impact-ordered indexes
// found too.
type posting [6]byte

func newPosting(doc uint32, imp uint8, tf packedTF) posting {
	var p posting
	binary.LittleEndian.PutUint32(p[:4], doc)
	p[4], p[5] = imp, byte(tf)
	return p
}

func (p *posting) doc() uint32     { return binary.LittleEndian.Uint32(p[:4]) }
func (p *posting) imp() uint8      { return p[4] }
func (p *posting) tf() packedTF    { return packedTF(p[5]) }
func (p *posting) setDoc(d uint32) { binary.LittleEndian.PutUint32(p[:4], d) }

// packedTF holds a term's frequency per field in one byte: title 0-7 (3
// bits), abstract 0-15 (4 bits), authors 0-1 (1 bit). BM25 saturates long
// before these caps with k1 = 0.9 (the 15th occurrence adds under 1%).
type packedTF uint8

func packTF(title, abstract, authors int) packedTF {
	return packedTF(min(title, 7) | min(abstract, 15)<<3 | min(authors, 1)<<7)
}

func (t packedTF) field(f int) int {
	switch f {
	case fieldTitle:
		return int(t & 7)
	case fieldAbstract:
		return int(t >> 3 & 15)
	}
	return int(t >> 7)
}

// docMeta is what the index keeps per document number.
type docMeta struct {
	id      paper.ID
	lens    [numFields]uint16
	day     int32    // days since 1970, 0 when unknown
	cats    []string // lower case, for the cat: filter
	hasCode bool
	deleted bool
}

// Index is an in-memory inverted index. Updating a paper deletes its old
// document number and appends a new one, so posting lists stay sorted by
// document number without being rewritten; Compact drops the dead ones.
// An Index is safe for concurrent use: searches share a read lock,
// updates take the write lock.
type Index struct {
	mu      sync.RWMutex
	termIDs map[string]uint32
	terms   []string    // by term id, for prefix expansion
	post    [][]posting // by term id
	maxImp  []uint8     // by term id: the highest imp in the list
	// blockMax holds, by term id, the highest imp of each run of blockSize
	// postings, so that a search can skip runs that cannot reach the top.
	blockMax [][]uint8

	prefixMu sync.Mutex
	sorted   []uint32  // term ids in term order, for prefix search; see expandPrefix
	docs     []docMeta // by document number
	live     map[paper.ID]uint32
	lenSum   [numFields]float64
	nLive    int
	// deferScores leaves scoring to Finalize (see NewBuildIndex).
	deferScores bool
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{termIDs: map[string]uint32{}, live: map[paper.ID]uint32{}}
}

// NewBuildIndex returns an empty index for a bulk build: Add only files
// the postings and Finalize scores them all once, instead of scoring each
// posting twice. It must not be searched before Finalize.
func NewBuildIndex() *Index {
	ix := NewIndex()
	ix.deferScores = true
	return ix
}

// Len is the number of live documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.nLive
}

// analyzed is a document reduced to its distinct terms with their field
// frequencies, ready to be added. Analysis runs on many goroutines; only
// adding takes the index's lock, so the work is done here.
type analyzed struct {
	doc   Doc
	lens  [numFields]int
	terms []termTF
}

type termTF struct {
	term string
	tf   packedTF
}

func (a *analyzer) analyze(d Doc) analyzed {
	out := analyzed{doc: d}
	if a.counts == nil {
		a.counts = map[string]*[numFields]int{}
	}
	clear(a.counts)
	count := func(f int, text string) {
		a.each(text, func(term string, _ int, _, _ int) {
			c := a.counts[term]
			if c == nil {
				c = new([numFields]int)
				a.counts[term] = c
			}
			c[f]++
			out.lens[f]++
		})
	}
	count(fieldTitle, d.Title)
	count(fieldAbstract, d.Abstract)
	for _, name := range d.Authors {
		count(fieldAuthors, name)
	}
	out.terms = make([]termTF, 0, len(a.counts))
	for t, c := range a.counts {
		out.terms = append(out.terms, termTF{t, packTF(c[fieldTitle], c[fieldAbstract], c[fieldAuthors])})
	}
	return out
}

// Add indexes documents, replacing any with the same id.
func (ix *Index) Add(docs ...Doc) {
	a := newAnalyzer()
	batch := make([]analyzed, len(docs))
	for i, d := range docs {
		batch[i] = a.analyze(d)
	}
	ix.addAnalyzed(batch)
}

// addAnalyzed appends analysed documents under the write lock.
func (ix *Index) addAnalyzed(batch []analyzed) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// Score with averages that include this batch: one Add of a whole
	// collection is then exact, and a build in batches drifts only a little
	// until Finalize.
	var avg [numFields]float32
	for f := range avg {
		sum, n := ix.lenSum[f], float64(ix.nLive+len(batch))
		for i := range batch {
			sum += float64(min(batch[i].lens[f], math.MaxUint16))
		}
		avg[f] = 1
		if n > 0 && sum > 0 {
			avg[f] = float32(sum / n)
		}
	}
	for i := range batch {
		d := &batch[i]
		ix.deleteLocked(d.doc.ID)
		num := uint32(len(ix.docs))
		meta := docMeta{id: d.doc.ID, cats: lowerAll(d.doc.Categories), hasCode: d.doc.HasCode}
		if !d.doc.Date.IsZero() {
			meta.day = int32(d.doc.Date.Unix() / 86400)
		}
		for f := 0; f < numFields; f++ {
			meta.lens[f] = uint16(min(d.lens[f], math.MaxUint16))
			ix.lenSum[f] += float64(meta.lens[f])
		}
		for _, t := range d.terms {
			id := ix.termID(t.term)
			imp := uint8(1)
			if !ix.deferScores {
				imp = impact(t.tf, &meta, &avg)
			}
			ix.push(id, newPosting(num, imp, t.tf))
		}
		ix.docs = append(ix.docs, meta)
		ix.live[d.doc.ID] = num
		ix.nLive++
	}
}

func (ix *Index) termID(t string) uint32 {
	if id, ok := ix.termIDs[t]; ok {
		return id
	}
	id := uint32(len(ix.terms))
	t = strings.Clone(t)
	ix.termIDs[t] = id
	ix.terms = append(ix.terms, t)
	ix.post = append(ix.post, nil)
	ix.maxImp = append(ix.maxImp, 0)
	ix.blockMax = append(ix.blockMax, nil)
	return id
}

// Delete removes a paper from the index; unknown ids are ignored.
func (ix *Index) Delete(id paper.ID) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.deleteLocked(id)
}

func (ix *Index) deleteLocked(id paper.ID) {
	num, ok := ix.live[id]
	if !ok {
		return
	}
	m := &ix.docs[num]
	m.deleted = true
	for f := 0; f < numFields; f++ {
		ix.lenSum[f] -= float64(m.lens[f])
	}
	delete(ix.live, id)
	ix.nLive--
}

// Has reports whether the paper is indexed.
func (ix *Index) Has(id paper.ID) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.live[id]
	return ok
}

// idf is BM25's inverse document frequency, never negative. Posting lists
// still hold the postings of replaced papers until Compact, so df can
// exceed the live count n; it is capped there.
func idf(df, n int) float32 {
	df = min(df, n)
	return float32(math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5)))
}

// avgLens are the average field lengths of live documents.
func (ix *Index) avgLens() [numFields]float32 {
	var avg [numFields]float32
	for f := range avg {
		avg[f] = 1
		if ix.nLive > 0 && ix.lenSum[f] > 0 {
			avg[f] = float32(ix.lenSum[f] / float64(ix.nLive))
		}
	}
	return avg
}

// bm25f is the term-frequency part of BM25F: field frequencies are
// length-normalised per field and weighted, then saturated once. A term's
// score in a document is this times the term's idf.
func bm25f(tf packedTF, m *docMeta, avg *[numFields]float32) float32 {
	var sum float32
	for f := 0; f < numFields; f++ {
		n := tf.field(f)
		if n == 0 {
			continue
		}
		norm := 1 - bParam + bParam*float32(m.lens[f])/avg[f]
		sum += fieldWeights[f] * float32(n) / norm
	}
	return sum * (k1 + 1) / (k1 + sum)
}

// impScale maps bm25f's range [0, k1+1) onto the impacts 1..255.
var impScale = 255 / (k1 + 1)

func impact(tf packedTF, m *docMeta, avg *[numFields]float32) uint8 {
	return uint8(max(1, min(255, bm25f(tf, m, avg)*impScale+0.5)))
}

// Finalize recomputes every precomputed score with the final average field
// lengths. Documents added one by one are scored with the averages of the
// moment, which drift as the index grows; a full build calls this once at
// the end, so a built index ranks exactly as BM25F says.
func (ix *Index) Finalize() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	avg := ix.avgLens()
	// Terms are independent: each processor takes every workers-th run
	// of 1,024 term ids.
	const run = 1024
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := w * run; lo < len(ix.post); lo += workers * run {
				for id := lo; id < min(lo+run, len(ix.post)); id++ {
					list := ix.post[id]
					for i := range list {
						p := &list[i]
						p[4] = impact(p.tf(), &ix.docs[p.doc()], &avg)
					}
					ix.summarise(uint32(id))
				}
			}
		}()
	}
	wg.Wait()
	ix.sortedTerms(0) // now rather than in the first prefix search
	ix.deferScores = false
}

// blockSize is the run of postings one block maximum covers.
const blockSize = 64

// push appends a posting to a term's list and keeps its maxima.
func (ix *Index) push(id uint32, p posting) {
	list := append(ix.post[id], p)
	ix.post[id] = list
	ix.maxImp[id] = max(ix.maxImp[id], p.imp())
	b := (len(list) - 1) / blockSize
	if b == len(ix.blockMax[id]) {
		ix.blockMax[id] = append(ix.blockMax[id], 0)
	}
	ix.blockMax[id][b] = max(ix.blockMax[id][b], p.imp())
}

// summarise recomputes a term's maxima from its list.
func (ix *Index) summarise(id uint32) {
	list := ix.post[id]
	blocks := ix.blockMax[id][:0]
	var best uint8
	for i := range list {
		if i%blockSize == 0 {
			blocks = append(blocks, 0)
		}
		imp := list[i].imp()
		blocks[len(blocks)-1] = max(blocks[len(blocks)-1], imp)
		best = max(best, imp)
	}
	ix.blockMax[id] = blocks
	ix.maxImp[id] = best
}

// expandPrefix lists the indexed terms that start with prefix, the most
// frequent first, at most limit of them. It is called with the read lock
// held. Terms are found by binary search in a sorted copy of the
// vocabulary; terms added since the copy was made are scanned, and the
// copy is made again once they are many.
func (ix *Index) expandPrefix(prefix string, limit int) []uint32 {
	sorted := ix.sortedTerms(4096)

	var ids []uint32
	i, _ := slices.BinarySearchFunc(sorted, prefix, func(id uint32, p string) int { return strings.Compare(ix.terms[id], p) })
	for ; i < len(sorted) && strings.HasPrefix(ix.terms[sorted[i]], prefix); i++ {
		if len(ix.post[sorted[i]]) > 0 {
			ids = append(ids, sorted[i])
		}
	}
	for id := len(sorted); id < len(ix.terms); id++ {
		if strings.HasPrefix(ix.terms[id], prefix) && len(ix.post[id]) > 0 {
			ids = append(ids, uint32(id))
		}
	}
	slices.SortFunc(ids, func(a, b uint32) int { return len(ix.post[b]) - len(ix.post[a]) })
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids
}

// sortedTerms returns the sorted copy of the vocabulary, sorting again
// when more than stale terms were added since. Callers hold ix.mu.
func (ix *Index) sortedTerms(stale int) []uint32 {
	ix.prefixMu.Lock()
	defer ix.prefixMu.Unlock()
	if len(ix.terms)-len(ix.sorted) > stale {
		sorted := make([]uint32, len(ix.terms))
		for i := range sorted {
			sorted[i] = uint32(i)
		}
		slices.SortFunc(sorted, func(a, b uint32) int { return strings.Compare(ix.terms[a], ix.terms[b]) })
		ix.sorted = sorted
	}
	return ix.sorted
}

// Compact drops deleted documents from the posting lists, renumbers the
// rest in order and recomputes every score with the final average lengths.
// Afterwards the index ranks exactly as a fresh build of the same papers:
// idf counts only live documents again.
func (ix *Index) Compact() {
	ix.mu.Lock()
	renum := make([]uint32, len(ix.docs))
	docs := make([]docMeta, 0, ix.nLive)
	for i := range ix.docs {
		if ix.docs[i].deleted {
			renum[i] = noDoc
			continue
		}
		renum[i] = uint32(len(docs))
		ix.live[ix.docs[i].id] = renum[i]
		docs = append(docs, ix.docs[i])
	}
	ix.docs = docs
	for id, list := range ix.post {
		kept := list[:0]
		for _, p := range list {
			if n := renum[p.doc()]; n != noDoc {
				p.setDoc(n)
				kept = append(kept, p)
			}
		}
		ix.post[id] = slices.Clip(kept)
	}
	ix.mu.Unlock()
	ix.Finalize()
}

// deadShare is the share of document numbers that belong to deleted documents.
func (ix *Index) deadShare() float64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(ix.docs) == 0 {
		return 0
	}
	return 1 - float64(ix.nLive)/float64(len(ix.docs))
}

// lowerAll lower-cases category names once, at indexing, so that the
// category filter compares without allocating; most are lower case already.
func lowerAll(cats []string) []string {
	for i, c := range cats {
		if l := strings.ToLower(c); l != c {
			out := slices.Clone(cats)
			for j := i; j < len(out); j++ {
				out[j] = strings.ToLower(out[j])
			}
			return out
		}
	}
	return cats
}
