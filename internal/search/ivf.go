package search

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// ivf is an inverted-file index over the vectors: they are grouped into
// clusters by spherical k-means, and a search compares the query with the
// cluster centres and then scans only the vectors of the nearest clusters.
//
// Training is two-level so that it stays fast at millions of vectors: a
// coarse k-means of about √nlist centres, then a k-means inside each
// coarse cluster with as many fine centres as its share of the sample.
// Every vector is filed under the nearest fine centre of its ivfCoarseTry
// nearest coarse clusters. Clustering then renumbers the vectors so that
// each list is one run of rows: a scan reads memory in order, which on
// this hardware makes it several times faster than rows scattered across
// the whole array. Vectors added afterwards are filed in their list's
// extra rows until the next clustering.
type ivf struct {
	dim     int
	centres []int8    // nlist*dim, quantised unit vectors
	cscale  []float32 // by list
	start   []int32   // list l is rows start[l]..start[l+1] at clustering time
	extra   [][]int32 // rows filed in list l since
	where   []int32   // list by row
	coarse  []coarseCluster
	nprobe  int
	trained int // vectors at clustering time
}

type coarseCluster struct {
	centre []int8
	scale  float32
	leaves []int32 // list numbers of its fine clusters
}

// IVF parameters: lists ≈ ivfListsPerRoot·√n, and a search scans the
// ivfProbeShare of them nearest to the query (at least ivfMinProbe), more
// when a filter leaves fewer than the results asked for. Recall against
// exact search is measured by the search benchmark (BENCHMARKS.md).
const (
	exactBelow      = 30_000
	ivfListsPerRoot = 2
	ivfProbeShare   = 0.08
	ivfMinProbe     = 32
	ivfMaxWiden     = 4 // a filtered search scans at most this many times the lists
	ivfSamplePer    = 48
	ivfCoarseTry    = 3
	kmeansRounds    = 10
)

// cluster builds the inverted file over the live rows of v and renumbers
// v's rows list by list. It is called with v's write lock held.
func (v *Vectors) cluster(seed uint64) {
	var live []int32
	for row, id := range v.ids {
		if id != "" {
			live = append(live, int32(row))
		}
	}
	n := len(live)
	nlist := max(16, int(ivfListsPerRoot*math.Sqrt(float64(n))))
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	sample := live
	if want := nlist * ivfSamplePer; len(sample) > want {
		sample = slices.Clone(live)
		rng.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
		sample = sample[:want]
	}
	points := make([][]float32, len(sample))
	for i, row := range sample {
		points[i] = v.dequantize(row)
	}
	ix := &ivf{dim: v.dim, trained: n}
	k1 := max(1, int(math.Sqrt(float64(nlist))))
	top, groups := kmeans(points, k1, rng)
	for c, centre := range top {
		group := groups[c]
		if len(group) == 0 {
			continue
		}
		cc := coarseCluster{}
		cc.scale, cc.centre = embed.Quantize(centre)
		k2 := max(1, int(math.Round(float64(nlist)*float64(len(group))/float64(len(points)))))
		sub := make([][]float32, len(group))
		for i, p := range group {
			sub[i] = points[p]
		}
		fine, _ := kmeans(sub, min(k2, len(group)), rng)
		for _, f := range fine {
			s, q := embed.Quantize(f)
			cc.leaves = append(cc.leaves, int32(len(ix.cscale)))
			ix.cscale = append(ix.cscale, s)
			ix.centres = append(ix.centres, q...)
		}
		ix.coarse = append(ix.coarse, cc)
	}

	// File every live row, in parallel.
	assign := make([]int32, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				row := live[i]
				assign[i] = ix.nearestList(v.rowVec(row), v.scales[row])
			}
		}()
	}
	wg.Wait()

	// Renumber the rows list by list, dropping deleted rows and empty lists
	// (degenerate data, such as many identical vectors, leaves some).
	nl := len(ix.cscale)
	counts := make([]int32, nl+1)
	for _, l := range assign {
		counts[l+1]++
	}
	renum := make([]int32, nl)
	var (
		centres []int8
		scales  []float32
		start   []int32
		pos     = int32(0)
	)
	for l := range nl {
		if counts[l+1] == 0 {
			renum[l] = -1
			continue
		}
		renum[l] = int32(len(scales))
		centres = append(centres, ix.centre(int32(l))...)
		scales = append(scales, ix.cscale[l])
		start = append(start, pos)
		pos += counts[l+1]
	}
	start = append(start, pos)
	next := slices.Clone(start[:len(start)-1])
	ids := make([]paper.ID, n)
	newScales := make([]float32, n)
	data := make([]int8, n*v.dim)
	where := make([]int32, n)
	for i, row := range live {
		l := renum[assign[i]]
		to := next[l]
		next[l]++
		ids[to] = v.ids[row]
		newScales[to] = v.scales[row]
		copy(data[int(to)*v.dim:], v.rowVec(row))
		where[to] = l
	}
	coarse := ix.coarse[:0]
	for _, cc := range ix.coarse {
		leaves := cc.leaves[:0]
		for _, l := range cc.leaves {
			if renum[l] >= 0 {
				leaves = append(leaves, renum[l])
			}
		}
		if len(leaves) > 0 {
			cc.leaves = leaves
			coarse = append(coarse, cc)
		}
	}
	ix.centres, ix.cscale, ix.start, ix.where, ix.coarse = centres, scales, start, where, coarse
	ix.extra = make([][]int32, len(scales))
	ix.nprobe = min(len(scales), max(ivfMinProbe, int(math.Ceil(ivfProbeShare*float64(len(scales))))))

	v.ids, v.scales, v.data = ids, newScales, data
	clear(v.rows)
	for row, id := range v.ids {
		v.rows[id] = int32(row)
	}
	v.ivf = ix
}

// nearestList finds the list of a vector: the nearest fine centre among
// those of the ivfCoarseTry nearest coarse centres.
func (ix *ivf) nearestList(q []int8, qs float32) int32 {
	var best [ivfCoarseTry]int
	var bestS [ivfCoarseTry]float32
	for i := range bestS {
		best[i], bestS[i] = -1, float32(math.Inf(-1))
	}
	for c := range ix.coarse {
		s := float32(dot8(q, ix.coarse[c].centre)) * ix.coarse[c].scale
		for i := range best {
			if s > bestS[i] {
				copy(best[i+1:], best[i:len(best)-1])
				copy(bestS[i+1:], bestS[i:len(bestS)-1])
				best[i], bestS[i] = c, s
				break
			}
		}
	}
	leaf, leafS := int32(0), float32(math.Inf(-1))
	for _, c := range best {
		if c < 0 {
			break
		}
		for _, l := range ix.coarse[c].leaves {
			if s := float32(dot8(q, ix.centre(l))) * ix.cscale[l]; s > leafS {
				leaf, leafS = l, s
			}
		}
	}
	return leaf
}

func (ix *ivf) centre(l int32) []int8 { return ix.centres[int(l)*ix.dim : int(l+1)*ix.dim] }

// add files a new row in its list's extra rows.
func (ix *ivf) add(row int32, q []int8, s float32) {
	for int(row) >= len(ix.where) {
		ix.where = append(ix.where, -1)
	}
	l := ix.nearestList(q, s)
	ix.where[row] = l
	ix.extra[l] = append(ix.extra[l], row)
}

// move re-files an updated row. A row that leaves the run of its old list
// stays there but is skipped, as its where no longer names that list.
func (ix *ivf) move(row int32, q []int8, s float32) {
	if old := ix.where[row]; old >= 0 {
		ix.extra[old] = slices.DeleteFunc(ix.extra[old], func(r int32) bool { return r == row })
	}
	l := ix.nearestList(q, s)
	ix.where[row] = l
	if row < ix.start[l] || row >= ix.start[l+1] { // not back in its own run
		ix.extra[l] = append(ix.extra[l], row)
	}
}

// scan offers the rows of the lists nearest to the query: nprobe of them,
// and more, up to ivfMaxWiden times as many, while enough() is false (a
// filter let too few through).
func (ix *ivf) scan(q []int8, qs float32, offer func(int32), enough func() bool) {
	type cand struct {
		l int32
		s float32
	}
	cands := make([]cand, len(ix.cscale))
	for l := range cands {
		cands[l] = cand{int32(l), float32(dot8(q, ix.centre(int32(l)))) * ix.cscale[l]}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmpFloat(b.s, a.s) }) // nearest first
	limit := min(len(cands), ix.nprobe*ivfMaxWiden)
	for i, c := range cands[:limit] {
		if i >= ix.nprobe && enough() {
			return
		}
		for row := ix.start[c.l]; row < ix.start[c.l+1]; row++ {
			if ix.where[row] == c.l {
				offer(row)
			}
		}
		for _, row := range ix.extra[c.l] {
			offer(row)
		}
	}
}

// kmeans is spherical k-means (cosine) started from k distinct random
// points; it returns the unit centres and the indexes of the points in
// each cluster.
func kmeans(points [][]float32, k int, rng *rand.Rand) ([][]float32, [][]int) {
	if k >= len(points) {
		groups := make([][]int, len(points))
		centres := make([][]float32, len(points))
		for i := range points {
			centres[i], groups[i] = slices.Clone(points[i]), []int{i}
		}
		return centres, groups
	}
	dim := len(points[0])
	centres := make([][]float32, k)
	for c, i := range rng.Perm(len(points))[:k] {
		centres[c] = slices.Clone(points[i])
	}
	assign := make([]int, len(points))
	workers := runtime.GOMAXPROCS(0)
	for round := range kmeansRounds {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(points); i += workers {
					assign[i] = nearestCentre(points[i], centres)
				}
			}()
		}
		wg.Wait()
		if round == kmeansRounds-1 {
			break
		}
		sums := make([][]float32, k)
		for c := range sums {
			sums[c] = make([]float32, dim)
		}
		counts := make([]int, k)
		for i, c := range assign {
			counts[c]++
			for j, x := range points[i] {
				sums[c][j] += x
			}
		}
		for c := range centres {
			if counts[c] == 0 { // an empty cluster restarts at a random point
				copy(sums[c], points[rng.IntN(len(points))])
			}
			embed.Normalize(sums[c])
			centres[c] = sums[c]
		}
	}
	groups := make([][]int, k)
	for i, c := range assign {
		groups[c] = append(groups[c], i)
	}
	return centres, groups
}

func nearestCentre(p []float32, centres [][]float32) int {
	best, bestS := 0, float32(math.Inf(-1))
	for c, centre := range centres {
		if s := dotF32(p, centre); s > bestS {
			best, bestS = c, s
		}
	}
	return best
}

func dotF32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
