package recommend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

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
	km, err := decodeModel(kept.Data, c.feats, c.terms)
	if err != nil {
		return out, fmt.Errorf("reader %d: %w", a.ID, err)
	}
	if len(c.items) == 0 {
		return out, nil
	}
	scores := c.score(km.model)
	order := rankItems(scores)
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
func (c *Candidates) score(m *Model) []float64 {
	n := len(c.items)
	var parts [4][]float64
	for p := range parts {
		parts[p] = make([]float64, n)
	}
	for i, it := range c.items {
		parts[0][i] = m.linearScore(it)
		parts[2][i] = m.catScore(it)
		parts[3][i] = m.authorScore(it)
	}
	if len(m.protos) > 0 || len(m.anti) > 0 {
		likes := c.similarities(m.protos)
		antis := c.similarities(m.anti)
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
	out := make([]float64, n)
	for p, share := range [4]float64{shareLinear, shareKNN, shareCats, shareAuthors} {
		standardise(parts[p])
		for i, v := range parts[p] {
			out[i] += share * v
		}
	}
	return out
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
// terms.
func (c *Candidates) similarities(ps []proto) simMatrix {
	n, k := len(c.items), len(ps)
	s := simMatrix{cols: k, data: make([]float32, n*k)}
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
