package recommend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The digest's For-you sections rank a period's papers for thousands of
// subscribers in one run, a few milliseconds each: no training fits in
// that, so they rank by the models the site trained in the background
// when each reader's signals changed, kept in the store (modelstore.go)
// because the process that sends digests need not be the one that
// trained. The period's papers get their features once per run
// (Candidates), and each reader's model is scored against all of them
// with the work shared: an inverted index of the period's terms and one
// matrix product for the embeddings.

// DigestStore is what the digest's ranking reads of the store.
type DigestStore interface {
	ReaderModel(ctx context.Context, userID int64) (store.StoredModel, error)
	ReaderState(ctx context.Context, userID int64) (store.ReaderState, error)
	WindowPapers(ctx context.Context, from, to string, limit int) ([]paper.Paper, error)
	Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error)
}

// Digest ranks periods' papers for subscribers by their kept models.
type Digest struct {
	st    DigestStore
	ix    Index
	train Trainer
}

// Trainer trains a reader's model in the background and keeps it
// (Service.Changed).
type Trainer interface{ Changed(userID int64) }

// TrainWith has the digest ask t for the models it finds missing or
// stale: a reader whose signals changed where nothing trained them (an
// upvote, a save through the API, another process without the index)
// then has a model by their next digest. Nil t asks nothing.
func (d *Digest) TrainWith(t Trainer) *Digest {
	d.train = t
	return d
}

// NewDigest returns the digest's ranking over the store and the search
// index (for the period's papers' term weights and embeddings).
func NewDigest(st DigestStore, ix Index) *Digest { return &Digest{st: st, ix: ix} }

// Candidates are a period's papers, the feed's and the catalogue's as on
// the For-you page, with their features, made once for all of the
// period's digests. Safe for concurrent use once made.
type Candidates struct {
	st     DigestStore
	train  Trainer
	feats  *Features // the period's own numbering of terms, categories, authors
	papers []store.FeedItem
	items  []*Item
	index  map[paper.ID]int
	// terms numbers the stored models' term hashes by feats.Terms;
	// postings lists, for each term, the papers holding it and its weight.
	terms    map[uint32]int32
	postings [][]posting
	// scratch holds the buffers scoring a reader needs, one set a worker
	// at a time: a run ranks thousands of readers over the same papers,
	// and allocating (and zeroing) them anew for each was a good part of
	// a reader's cost.
	scratch sync.Pool
}

// scoreScratch is one reader's scoring space over a period's papers.
type scoreScratch struct {
	parts        [4][]float64
	out          []float64
	likes, antis []float32
	lin          []float32 // the linear part's terms
	order        []int
}

// floats64 is buf grown to n and zeroed.
func floats64(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

func floats32(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

type posting struct {
	item int32
	val  float32
}

// Candidates reads and prepares the papers of the days from..to.
func (d *Digest) Candidates(ctx context.Context, from, to string) (*Candidates, error) {
	if !d.ix.Ready() {
		return nil, ErrNotReady
	}
	ps, err := d.st.WindowPapers(ctx, from, to, maxWindow)
	if err != nil {
		return nil, err
	}
	c := &Candidates{st: d.st, train: d.train, feats: NewFeatures(d.ix), index: make(map[paper.ID]int, len(ps))}
	for _, p := range ps {
		c.index[p.ID] = len(c.papers)
		c.papers = append(c.papers, store.FeedItem{Paper: p})
	}
	feed, err := d.st.Feed(ctx, store.FeedQuery{From: from, To: to, Limit: 100000})
	if err != nil {
		return nil, err
	}
	for _, it := range feed {
		if i, ok := c.index[it.Paper.ID]; ok {
			c.papers[i] = it
			continue
		}
		c.index[it.Paper.ID] = len(c.papers)
		c.papers = append(c.papers, it)
	}
	vs := d.ix.Vectors()
	c.items = make([]*Item, len(c.papers))
	for i := range c.papers {
		var v []float32
		if vs != nil {
			if v = vs.Vector(c.papers[i].Paper.ID); v != nil {
				normalize32(v)
			}
		}
		c.items[i] = c.feats.Item(search.DocFromPaper(&c.papers[i].Paper), v)
	}
	c.terms = make(map[uint32]int32, c.feats.Terms.Len())
	for id := range int32(c.feats.Terms.Len()) {
		c.terms[termHash(c.feats.Terms.Name(id))] = id
	}
	c.postings = make([][]posting, c.feats.Terms.Len())
	for i, it := range c.items {
		for k, t := range it.Terms.Idx {
			c.postings[t] = append(c.postings[t], posting{int32(i), it.Terms.Val[k]})
		}
	}
	return c, nil
}

// Len is how many papers the period has.
func (c *Candidates) Len() int { return len(c.papers) }

// DigestRanking is a reader's top papers of a period.
type DigestRanking struct {
	Papers []Ranked
	// None is set when the reader has no model kept: no signals, or
	// none trained from them yet (Preparing). Paused is set when they
	// paused personalisation. Either way Papers is empty.
	None, Preparing, Paused bool
	// Stale is set when the model is older than the reader's signals.
	Stale bool
}

// ErrBadModel is a kept model that cannot be read: from another version
// of the encoding, or damaged. The reader's next training replaces it.
var ErrBadModel = errors.New("recommend: the kept model cannot be read")

// Rank gives the reader's top n papers of the period with their reasons,
// by their kept model. A disabled account gets ErrDisabled.
func (c *Candidates) Rank(ctx context.Context, a store.Account, n int) (DigestRanking, error) {
	var out DigestRanking
	if !a.DisabledAt.IsZero() {
		return out, ErrDisabled
	}
	st, err := c.st.ReaderState(ctx, a.ID)
	if err != nil {
		return out, err
	}
	if st.Paused {
		out.Paused = true
		return out, nil
	}
	kept, err := c.st.ReaderModel(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		out.None, out.Preparing = true, st.Version > 0
		if out.Preparing && c.train != nil {
			c.train.Changed(a.ID)
		}
		return out, nil
	case err != nil:
		return out, err
	}
	out.Stale = kept.Version < st.Version
	if out.Stale && c.train != nil {
		c.train.Changed(a.ID)
	}
	km, err := decodeModel(kept.Data, c.feats, c.terms, c.index)
	if err != nil {
		return out, fmt.Errorf("reader %d: %w", a.ID, err)
	}
	if len(c.items) == 0 {
		return out, nil
	}
	sc, _ := c.scratch.Get().(*scoreScratch)
	if sc == nil {
		sc = &scoreScratch{}
	}
	defer c.scratch.Put(sc)
	scores := c.score(km.model, sc)
	// The top n, and one more for each paper of the period the reader
	// already gave a signal on: no need to sort the whole period.
	sc.order = topInto(sc.order, scores, n+len(km.dismissed))
	order := sc.order
	r := &reader{model: km.model, liked: km.liked}
	names := &Service{feats: c.feats}
	for _, i := range order {
		if len(out.Papers) == n {
			break
		}
		p := &c.papers[i]
		if km.dismissed[p.Paper.ID] {
			continue
		}
		out.Papers = append(out.Papers, Ranked{Item: *p, Score: scores[i], Reason: names.reason(r, c.items[i], p.Paper)})
	}
	return out, nil
}

// score is Model.Score over the period's papers, each part computed for
// all papers at once: the linear part from the model's term weights laid
// out by the period's numbering, and the nearest interests from the
// terms' postings and one product of the embeddings' matrices.
//
// The scores are sc's: they hold until sc scores another reader.
func (c *Candidates) score(m *Model, sc *scoreScratch) []float64 {
	n := len(c.items)
	parts := &sc.parts
	for p := range parts {
		parts[p] = floats64(parts[p], n)
	}
	// The linear part's terms through the postings of the model's terms:
	// each paper's own terms walked against the model's weights cost a
	// millisecond a reader for a week's papers, most of the section.
	if m.linear {
		sc.lin = floats32(sc.lin, n)
		for t, w := range m.wTerms[:min(len(m.wTerms), len(c.postings))] {
			if w == 0 {
				continue
			}
			for _, po := range c.postings[t] {
				sc.lin[po.item] += w * po.val
			}
		}
	}
	for i, it := range c.items {
		if m.linear {
			parts[0][i] = float64(m.bias + sc.lin[i] + m.linearNamed(it))
		}
		parts[2][i] = m.catScore(it)
		parts[3][i] = m.authorScore(it)
	}
	if len(m.protos) > 0 || len(m.anti) > 0 {
		likes := c.similarities(m.protos, &sc.likes)
		antis := c.similarities(m.anti, &sc.antis)
		var best [knnK]float32
		for i := range n {
			k := 0
			for _, s := range likes.row(i) {
				if k < knnK {
					best[k] = s
					k++
					continue
				}
				low := 0
				for j := 1; j < knnK; j++ {
					if best[j] < best[low] {
						low = j
					}
				}
				if s > best[low] {
					best[low] = s
				}
			}
			var sum float64
			for _, s := range best[:k] {
				sum += float64(s)
			}
			if k > 0 {
				sum /= float64(k)
			}
			var anti float32
			for _, s := range antis.row(i) {
				anti = max(anti, s)
			}
			parts[1][i] = sum - float64(anti)
		}
	}
	sc.out = floats64(sc.out, n)
	out := sc.out
	for p, share := range [4]float64{shareLinear, shareKNN, shareCats, shareAuthors} {
		standardise(parts[p])
		for i, v := range parts[p] {
			out[i] += share * v
		}
	}
	return out
}

// topInto is the first k of rankItems(scores) in the space of order:
// the best scores first, ties in the papers' order.
func topInto(order []int, scores []float64, k int) []int {
	order = order[:0]
	for i, x := range scores {
		if len(order) == k && (k == 0 || x <= scores[order[k-1]]) {
			continue
		}
		if len(order) < k {
			order = append(order, i)
		}
		// Move i up past the lower scores; an equal one came first and stays.
		j := len(order) - 1
		for ; j > 0 && scores[order[j-1]] < x; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	return order
}

// simMatrix is the similarity of every paper (row) to every one of a
// model's interests (column).
type simMatrix struct {
	cols int
	data []float32
}

func (s simMatrix) row(i int) []float32 { return s.data[i*s.cols : (i+1)*s.cols] }

// similarities is the term cosine of each paper with each of ps, as
// Model.closeness compares them, through the postings of the interests'
// terms, in the space of buf.
func (c *Candidates) similarities(ps []proto, buf *[]float32) simMatrix {
	n, k := len(c.items), len(ps)
	*buf = floats32(*buf, n*k)
	s := simMatrix{cols: k, data: *buf}
	if k == 0 {
		return s
	}
	for j, p := range ps {
		for x, t := range p.terms.Idx {
			if int(t) >= len(c.postings) {
				continue
			}
			v := p.terms.Val[x]
			for _, po := range c.postings[t] {
				s.data[int(po.item)*k+j] += v * po.val
			}
		}
	}
	return s
}

// truncate keeps the top n weights of a sparse vector by magnitude, in
// index order.
func truncate(s Sparse, n int) Sparse {
	if len(s.Idx) <= n {
		return s
	}
	order := make([]int, len(s.Idx))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmpAbs(s.Val[b], s.Val[a])
	})
	order = order[:n]
	slices.Sort(order)
	out := Sparse{Idx: make([]int32, n), Val: make([]float32, n)}
	for k, i := range order {
		out.Idx[k], out.Val[k] = s.Idx[i], s.Val[i]
	}
	return out
}

func cmpAbs(a, b float32) int {
	x, y := math.Abs(float64(a)), math.Abs(float64(b))
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
