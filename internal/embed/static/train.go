package static

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// Options configure training. The zero value of a field takes the
// default that DefaultOptions gives.
type Options struct {
	Name string // the model's name, which stored vectors are kept under
	// Dim is the width trained; Prefixes are shorter leading parts of the
	// vector trained to work on their own too (Matryoshka representation
	// learning, Kusupati et al. 2022), so the asset can keep only a prefix.
	Dim      int
	Prefixes []int
	// Keep is the number of leading dimensions the model keeps (Dim if 0).
	Keep  int
	Vocab VocabOptions
	// Pairs are the kinds of training pairs drawn from each paper; see
	// the pair kinds below. Empty means all.
	Pairs       []string
	Epochs      int
	Batch       int     // pairs a step; the rest of the batch are each pair's negatives
	Temperature float64 // of the softmax over cosines
	LearnRate   float64 // Adam's step, warmed up then decayed linearly to 0
	MaxTokens   int     // a text's tokens beyond this are left out in training
	Seed        uint64
	// Warm, when set, gives a starting vector for a token (nil for none):
	// its first components start there, scaled to the length the random
	// start would have, instead of at random.
	Warm func(token string) []float32
	// Progress, when set, is called after each step with the steps done,
	// the steps in all and the loss of the step.
	Progress func(step, steps int, loss float64)
}

// DefaultOptions are the settings of the shipped model (see README.md).
func DefaultOptions() Options {
	return Options{
		Name: "dailypapers-static-v1-128d", Dim: 256, Prefixes: []int{64, 128}, Keep: 128,
		Vocab:  VocabOptions{Words: 60_000, MinCount: 3, Pieces: 20_000},
		Epochs: 6, Batch: 512, Temperature: 0.05, LearnRate: 0.02, MaxTokens: 256, Seed: 1,
	}
}

// The kinds of pairs (query → document) a paper gives for free.
const (
	PairTitle   = "title"   // title → abstract
	PairLead    = "lead"    // first one or two sentences → title and the rest
	PairSpan    = "span"    // a later sentence → title and the other sentences, like a claim
	PairSummary = "summary" // the hosted feed's summary → title and abstract
)

var allPairs = []string{PairTitle, PairLead, PairSpan, PairSummary}

func (o *Options) fill() error {
	d := DefaultOptions()
	if o.Name == "" {
		o.Name = d.Name
	}
	if o.Dim == 0 {
		o.Dim, o.Prefixes = d.Dim, d.Prefixes
		if o.Keep == 0 {
			o.Keep = d.Keep
		}
	}
	if o.Keep == 0 {
		o.Keep = o.Dim
	}
	if o.Vocab == (VocabOptions{}) {
		o.Vocab = d.Vocab
	}
	if o.Epochs == 0 {
		o.Epochs = d.Epochs
	}
	if o.Batch == 0 {
		o.Batch = d.Batch
	}
	if o.Temperature == 0 {
		o.Temperature = d.Temperature
	}
	if o.LearnRate == 0 {
		o.LearnRate = d.LearnRate
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = d.MaxTokens
	}
	if len(o.Pairs) == 0 {
		o.Pairs = allPairs
	}
	for _, p := range o.Pairs {
		if !slices.Contains(allPairs, p) {
			return fmt.Errorf("static: unknown pair kind %q (want %v)", p, allPairs)
		}
	}
	switch {
	case o.Dim < 8 || o.Dim > 4096:
		return fmt.Errorf("static: dimension %d: want 8 to 4096", o.Dim)
	case o.Keep < 1 || o.Keep > o.Dim:
		return fmt.Errorf("static: keep %d dimensions of %d", o.Keep, o.Dim)
	case o.Batch < 2:
		return fmt.Errorf("static: batch of %d: want at least 2 pairs", o.Batch)
	case o.Epochs < 1 || o.Temperature <= 0 || o.LearnRate <= 0 || o.MaxTokens < 1:
		return errors.New("static: epochs, temperature, learning rate and token limit must be positive")
	}
	for _, p := range o.Prefixes {
		if p < 1 || p >= o.Dim {
			return fmt.Errorf("static: prefix %d: want 1 to %d", p, o.Dim-1)
		}
	}
	return nil
}

// Stats describe a training run.
type Stats struct {
	Papers, Tokens, Steps int
	FirstLoss, LastLoss   float64 // mean loss of the first and the last tenth of the steps
}

// paperToks is a paper tokenised for making pairs.
type paperToks struct {
	title, summary []int32
	sents          [][]int32
}

// Train trains a model on recs with in-batch negatives: for a batch of
// pairs (query, document), the loss is the cross-entropy of picking each
// query's own document among the batch's documents by cosine over the
// temperature, and each document's own query among the queries (InfoNCE,
// symmetric), summed over the Matryoshka prefixes. Each epoch shuffles the
// papers and draws one pair of a random kind from each, so no paper is in
// a batch twice (its other texts would be false negatives). Vectors start
// random with the length of the token's inverse document frequency and
// are updated with Adam, only the rows of the batch's tokens (lazy Adam).
//
// Everything random comes from Seed, and the work is split among the
// processors so that every sum is made in the same order however many
// there are (a text's pooling by one worker, a dimension's scatter by one
// worker, a matrix product's entry by one worker), so a seed gives the
// same model.
func Train(ctx context.Context, recs []Record, opt Options) (*Model, Stats, error) {
	if err := opt.fill(); err != nil {
		return nil, Stats{}, err
	}
	if len(recs) < opt.Batch {
		return nil, Stats{}, fmt.Errorf("static: %d papers for batches of %d", len(recs), opt.Batch)
	}
	counts := map[string]int{}
	for _, r := range recs {
		for _, t := range []string{r.Title, r.Abstract, r.Summary} {
			wordvec.Tokens(t, func(w string) { counts[w]++ })
		}
	}
	vocab := BuildVocab(counts, opt.Vocab)
	V, D := vocab.Len(), opt.Dim

	papers := make([]paperToks, len(recs))
	df := make([]int32, V)
	stamp := make([]int32, V)
	var stats Stats
	for i, r := range recs {
		p := &papers[i]
		p.title = vocab.Append(nil, r.Title)
		p.summary = vocab.Append(nil, r.Summary)
		for _, s := range sentences(r.Abstract) {
			if t := vocab.Append(nil, s); len(t) > 0 {
				p.sents = append(p.sents, t)
			}
		}
		for _, part := range append([][]int32{p.title, p.summary}, p.sents...) {
			stats.Tokens += len(part)
			for _, id := range part {
				if stamp[id] != int32(i+1) {
					stamp[id] = int32(i + 1)
					df[id]++
				}
			}
		}
	}
	stats.Papers = len(recs)

	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	tr := newTrainer(V, D, opt)
	for id := range V {
		idf := float32(math.Log(float64(len(recs)+1) / float64(df[id]+1)))
		row := tr.emb[id*D : (id+1)*D]
		for j := range row {
			row[j] = float32(rng.NormFloat64()) * idf / float32(math.Sqrt(float64(D)))
		}
		if opt.Warm == nil {
			continue
		}
		if w := opt.Warm(vocab.Token(int32(id))); len(w) > 0 {
			var norm float64
			for _, x := range w[:min(len(w), D)] {
				norm += float64(x) * float64(x)
			}
			if norm > 0 {
				k := idf / float32(math.Sqrt(norm))
				clear(row)
				for j, x := range w[:min(len(w), D)] {
					row[j] = x * k
				}
			}
		}
	}

	stepsPer := len(recs) / opt.Batch
	steps := stepsPer * opt.Epochs
	stats.Steps = steps
	order := make([]int, len(recs))
	var losses []float64
	step := 0
	for range opt.Epochs {
		for i := range order {
			order[i] = i
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for s := range stepsPer {
			if err := ctx.Err(); err != nil {
				return nil, stats, err
			}
			tr.qs, tr.ds = tr.qs[:0], tr.ds[:0]
			for _, pi := range order[s*opt.Batch : (s+1)*opt.Batch] {
				q, d := makePair(&papers[pi], opt.Pairs, rng, tr.qbuf[len(tr.qs)][:0], tr.dbuf[len(tr.ds)][:0], opt.MaxTokens)
				tr.qbuf[len(tr.qs)], tr.dbuf[len(tr.ds)] = q, d
				tr.qs, tr.ds = append(tr.qs, q), append(tr.ds, d)
			}
			lr := schedule(opt.LearnRate, step, steps)
			loss := tr.step(lr)
			losses = append(losses, loss)
			step++
			if opt.Progress != nil {
				opt.Progress(step, steps, loss)
			}
		}
	}
	tenth := max(1, len(losses)/10)
	stats.FirstLoss = mean(losses[:tenth])
	stats.LastLoss = mean(losses[len(losses)-tenth:])
	return tr.model(vocab), stats, nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// schedule is the learning rate at a step: a linear warm-up over the
// first 5% of the steps, then a linear decay to zero.
func schedule(lr float64, step, steps int) float64 {
	warm := max(1, steps/20)
	if step < warm {
		return lr * float64(step+1) / float64(warm)
	}
	return lr * float64(steps-step) / float64(steps-warm+1)
}

// makePair draws a pair of one of the kinds from a paper, appending the
// query's tokens to q and the document's to d, each cut at limit.
func makePair(p *paperToks, kinds []string, rng *rand.Rand, q, d []int32, limit int) ([]int32, []int32) {
	var ok [4]string
	n := 0
	for _, k := range kinds {
		switch {
		case k == PairTitle && len(p.title) > 0,
			k == PairLead && len(p.sents) >= 2,
			k == PairSpan && len(p.sents) >= 3,
			k == PairSummary && len(p.summary) > 0:
			ok[n] = k
			n++
		}
	}
	kind := PairTitle
	if n > 0 {
		kind = ok[rng.IntN(n)]
	}
	cut := func(x []int32) []int32 { return x[:min(len(x), limit)] }
	switch kind {
	case PairLead:
		lead := 1
		if len(p.sents) >= 4 && rng.IntN(2) == 0 {
			lead = 2
		}
		for _, s := range p.sents[:lead] {
			q = append(q, s...)
		}
		d = append(d, p.title...)
		for _, s := range p.sents[lead:] {
			d = append(d, s...)
		}
	case PairSpan:
		k := 1 + rng.IntN(len(p.sents)-1)
		q = append(q, p.sents[k]...)
		d = append(d, p.title...)
		for i, s := range p.sents {
			if i != k {
				d = append(d, s...)
			}
		}
	case PairSummary:
		q = append(q, p.summary...)
		d = append(d, p.title...)
		for _, s := range p.sents {
			d = append(d, s...)
		}
	default:
		q = append(q, p.title...)
		for _, s := range p.sents {
			d = append(d, s...)
		}
	}
	return cut(q), cut(d)
}

// trainer holds the parameters, Adam's moments and a step's buffers.
type trainer struct {
	opt         Options
	V, D, B     int
	workers     int
	emb, m1, m2 []float32 // V×D: vectors, Adam's first and second moments
	grad        []float32 // V×D, zero outside the rows of the step's tokens
	touched     []int32   // rows with a gradient this step
	mark        []int32   // row → last step it was touched + 1
	t           int       // steps taken, for Adam's bias correction
	qs, ds      [][]int32 // this step's queries' and documents' tokens
	qbuf, dbuf  [][]int32 // reused token buffers, one a pair
	xq, xd      []float32 // B×D pooled sums
	gq, gd      []float32 // B×D their gradients
	// per prefix: normalised copies, cosines and their gradients
	nq, nd, s, g, dq, dd []float32
	normQ, normD         []float32
	rowSum, colSum       []float64
	blas                 gonum.Implementation
}

func newTrainer(V, D int, opt Options) *trainer {
	B := opt.Batch
	return &trainer{
		opt: opt, V: V, D: D, B: B, workers: runtime.GOMAXPROCS(0),
		emb: make([]float32, V*D), m1: make([]float32, V*D), m2: make([]float32, V*D),
		grad: make([]float32, V*D), mark: make([]int32, V),
		qbuf: make([][]int32, B), dbuf: make([][]int32, B),
		xq: make([]float32, B*D), xd: make([]float32, B*D),
		gq: make([]float32, B*D), gd: make([]float32, B*D),
		nq: make([]float32, B*D), nd: make([]float32, B*D),
		s: make([]float32, B*B), g: make([]float32, B*B),
		dq: make([]float32, B*D), dd: make([]float32, B*D),
		normQ: make([]float32, B), normD: make([]float32, B),
		rowSum: make([]float64, B), colSum: make([]float64, B),
	}
}

// parallel runs fn on n items split into contiguous ranges, one a worker.
func (tr *trainer) parallel(n int, fn func(lo, hi int)) {
	w := min(tr.workers, n)
	if w <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() { defer wg.Done(); fn(lo, hi) }()
	}
	wg.Wait()
}

// step makes one optimisation step on the batch in qs and ds and returns
// its loss.
func (tr *trainer) step(lr float64) float64 {
	B, D := tr.B, tr.D
	pool := func(texts [][]int32, x []float32) {
		tr.parallel(B, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				row := x[i*D : (i+1)*D]
				clear(row)
				for _, id := range texts[i] {
					for j, v := range tr.emb[int(id)*D : int(id+1)*D] {
						row[j] += v
					}
				}
			}
		})
	}
	pool(tr.qs, tr.xq)
	pool(tr.ds, tr.xd)
	clear(tr.gq)
	clear(tr.gd)
	dims := append(slices.Clone(tr.opt.Prefixes), D)
	var loss float64
	for _, m := range dims {
		loss += tr.prefixLoss(m, 1/float32(len(dims)))
	}
	loss /= float64(len(dims))

	// Scatter the texts' gradients to their tokens' rows; each worker
	// owns a range of dimensions, so every sum has one order.
	step := int32(tr.t + 1)
	tr.touched = tr.touched[:0]
	for _, texts := range [][][]int32{tr.qs, tr.ds} {
		for _, ids := range texts {
			for _, id := range ids {
				if tr.mark[id] != step {
					tr.mark[id] = step
					tr.touched = append(tr.touched, id)
				}
			}
		}
	}
	tr.parallel(D, func(lo, hi int) {
		for _, side := range []struct {
			texts [][]int32
			g     []float32
		}{{tr.qs, tr.gq}, {tr.ds, tr.gd}} {
			for i, ids := range side.texts {
				gi := side.g[i*D : (i+1)*D]
				for _, id := range ids {
					row := tr.grad[int(id)*D : int(id+1)*D]
					for j := lo; j < hi; j++ {
						row[j] += gi[j]
					}
				}
			}
		}
	})
	tr.adam(lr)
	return loss
}

// prefixLoss adds the gradient of the loss on the first m dimensions,
// times weight, to gq and gd, and returns the loss.
func (tr *trainer) prefixLoss(m int, weight float32) float64 {
	B, D := tr.B, tr.D
	inv := float32(1 / tr.opt.Temperature)
	normalize := func(x, n, norms []float32) {
		for i := range B {
			src, dst := x[i*D:i*D+m], n[i*m:(i+1)*m]
			var s float64
			for _, v := range src {
				s += float64(v) * float64(v)
			}
			norms[i] = float32(math.Sqrt(s))
			k := float32(0)
			if norms[i] > 0 {
				k = 1 / norms[i]
			}
			for j, v := range src {
				dst[j] = v * k
			}
		}
	}
	normalize(tr.xq, tr.nq, tr.normQ)
	normalize(tr.xd, tr.nd, tr.normD)
	nq, nd, s, g := tr.nq[:B*m], tr.nd[:B*m], tr.s, tr.g
	tr.blas.Sgemm(blas.NoTrans, blas.Trans, B, B, m, inv, nq, m, nd, m, 0, s, B)

	// g = (rowsoftmax(s) − I + colsoftmax(s) − I) / 2B. A cosine over the
	// temperature is at most inv, so exp(s − inv) neither overflows nor
	// (in float64 sums, down to e^−2·inv) vanishes, and one exponential an
	// entry serves both softmaxes.
	rowSum, colSum := tr.rowSum, tr.colSum
	tr.parallel(B, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, e := s[i*B:(i+1)*B], g[i*B:(i+1)*B]
			var sum float64
			for j, v := range row {
				x := math.Exp(float64(v - inv))
				e[j] = float32(x)
				sum += x
			}
			rowSum[i] = sum
		}
	})
	tr.parallel(B, func(lo, hi int) {
		clear(colSum[lo:hi])
		for i := range B {
			for j, x := range g[i*B+lo : i*B+hi] {
				colSum[lo+j] += float64(x)
			}
		}
	})
	var loss float64
	for i := range B {
		diag := float64(s[i*B+i] - inv)
		loss += math.Log(rowSum[i]) + math.Log(colSum[i]) - 2*diag
	}
	loss /= float64(2 * B)
	scale := 1 / float64(2*B)
	tr.parallel(B, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			e := g[i*B : (i+1)*B]
			ri := scale / rowSum[i]
			for j, x := range e {
				e[j] = float32(float64(x) * (ri + scale/colSum[j]))
			}
			e[i] -= float32(2 * scale)
		}
	})

	dq, dd := tr.dq[:B*m], tr.dd[:B*m]
	tr.blas.Sgemm(blas.NoTrans, blas.NoTrans, B, m, B, inv, g, B, nd, m, 0, dq, m)
	tr.blas.Sgemm(blas.Trans, blas.NoTrans, B, m, B, inv, g, B, nq, m, 0, dd, m)
	// Through the normalisation: d x = (d n − n (n·d n)) / |x|.
	back := func(n, dn, norms, gx []float32) {
		for i := range B {
			if norms[i] == 0 {
				continue
			}
			ni, di := n[i*m:(i+1)*m], dn[i*m:(i+1)*m]
			var dot float32
			for j := range ni {
				dot += ni[j] * di[j]
			}
			k := weight / norms[i]
			out := gx[i*D : i*D+m]
			for j := range out {
				out[j] += (di[j] - ni[j]*dot) * k
			}
		}
	}
	back(nq, dq, tr.normQ, tr.gq)
	back(nd, dd, tr.normD, tr.gd)
	return loss
}

// adam updates the touched rows with lazy Adam (β1 0.9, β2 0.999) and
// clears their gradients.
func (tr *trainer) adam(lr float64) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	tr.t++
	c1 := 1 - math.Pow(b1, float64(tr.t))
	c2 := 1 - math.Pow(b2, float64(tr.t))
	step := float32(lr * math.Sqrt(c2) / c1)
	D := tr.D
	tr.parallel(len(tr.touched), func(lo, hi int) {
		for _, id := range tr.touched[lo:hi] {
			o := int(id) * D
			g, e, m1, m2 := tr.grad[o:o+D], tr.emb[o:o+D], tr.m1[o:o+D], tr.m2[o:o+D]
			for j := range g {
				m1[j] = b1*m1[j] + (1-b1)*g[j]
				m2[j] = b2*m2[j] + (1-b2)*g[j]*g[j]
				e[j] -= step * m1[j] / (float32(math.Sqrt(float64(m2[j]))) + eps)
				g[j] = 0
			}
		}
	})
}

// model quantises the first Keep dimensions of the vectors to int8 with a
// scale a row (the row's largest component becomes ±127).
func (tr *trainer) model(vocab *Vocab) *Model {
	D, K := tr.D, tr.opt.Keep
	scales := make([]float32, tr.V)
	vecs := make([]int8, tr.V*K)
	for id := range tr.V {
		row := tr.emb[id*D : id*D+K]
		var peak float32
		for _, v := range row {
			peak = max(peak, float32(math.Abs(float64(v))))
		}
		if peak == 0 {
			continue
		}
		s := peak / 127
		scales[id] = s
		for j, v := range row {
			vecs[id*K+j] = int8(math.Round(float64(v / s)))
		}
	}
	return &Model{name: tr.opt.Name, dim: K, vocab: vocab, scales: scales, vecs: vecs}
}
