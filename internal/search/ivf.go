package search

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// ivf is an inverted-file index over the vectors: they are grouped into
// clusters by spherical k-means, and a search compares the query with the
// cluster centres and then scans only the vectors of the nprobe nearest
// clusters. Training is two-level so that it stays fast at millions of
// vectors: a coarse k-means of about √nlist centres, then a k-means inside
// each coarse cluster, with as many fine centres as its share of the
// sample; every vector is then assigned through its coarse cluster.
type ivf struct {
	dim     int
	centres []int8    // nlist*dim, quantised unit vectors
	cscale  []float32 // by list
	lists   [][]int32 // rows by list
	where   []int32   // list by row
	coarse  []coarseCluster
	nprobe  int
	trained int // vectors at training time
}

type coarseCluster struct {
	centre []int8
	scale  float32
	leaves []int32 // list numbers of its fine clusters
}

// IVF parameters: lists ≈ ivfListsPerRoot·√n, and a search scans
// ivfProbeShare of them (at least ivfMinProbe). Recall against exact
// search is measured by the search benchmark (BENCHMARKS.md).
const (
	exactBelow      = 30_000
	ivfListsPerRoot = 4
	ivfProbeShare   = 0.02
	ivfMinProbe     = 24
	ivfSamplePer    = 40 // training vectors per list
	kmeansRounds    = 8
)

// buildIVF clusters the live rows of v. It is called with v's write lock
// held, or before v is shared.
func buildIVF(v *Vectors, seed uint64) *ivf {
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
	ix := &ivf{dim: v.dim, trained: n, where: make([]int32, len(v.ids))}
	for i := range ix.where {
		ix.where[i] = -1
	}
	k1 := max(1, int(math.Sqrt(float64(nlist))))
	top, groups := kmeans(points, k1, rng)
	for c, centre := range top {
		cc := coarseCluster{}
		cc.scale, cc.centre = quantize(centre)
		group := groups[c]
		k2 := max(1, int(math.Round(float64(nlist)*float64(len(group))/float64(len(points)))))
		k2 = min(k2, len(group))
		sub := make([][]float32, len(group))
		for i, p := range group {
			sub[i] = points[p]
		}
		fine, _ := kmeans(sub, k2, rng)
		for _, f := range fine {
			s, q := quantize(f)
			cc.leaves = append(cc.leaves, int32(len(ix.cscale)))
			ix.cscale = append(ix.cscale, s)
			ix.centres = append(ix.centres, q...)
		}
		ix.coarse = append(ix.coarse, cc)
	}
	ix.lists = make([][]int32, len(ix.cscale))

	// Assign every live row, in parallel; lists are filled afterwards in
	// row order so that scans walk memory forwards.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				row := live[i]
				ix.where[row] = ix.nearestList(v.rowVec(row), v.scales[row])
			}
		}()
	}
	wg.Wait()
	for _, row := range live {
		l := ix.where[row]
		ix.lists[l] = append(ix.lists[l], row)
	}
	ix.dropEmpty()
	return ix
}

// dropEmpty removes the lists no vector went to, and coarse clusters left
// without lists. They arise from degenerate data (many identical vectors
// give identical centres, of which only the first is ever chosen) and
// would otherwise take probes from lists that hold the answers, or catch
// new vectors in a coarse cluster with nowhere to file them.
func (ix *ivf) dropEmpty() {
	renum := make([]int32, len(ix.lists))
	var (
		centres []int8
		scales  []float32
		lists   [][]int32
	)
	for l, rows := range ix.lists {
		if len(rows) == 0 {
			renum[l] = -1
			continue
		}
		renum[l] = int32(len(lists))
		centres = append(centres, ix.centre(int32(l))...)
		scales = append(scales, ix.cscale[l])
		lists = append(lists, rows)
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
	for row, l := range ix.where {
		if l >= 0 {
			ix.where[row] = renum[l]
		}
	}
	ix.centres, ix.cscale, ix.lists, ix.coarse = centres, scales, lists, coarse
	ix.nprobe = min(len(ix.lists), max(ivfMinProbe, int(math.Ceil(ivfProbeShare*float64(len(ix.lists))))))
}

// nearestList finds the list of a vector: the nearest coarse centre, then
// the nearest of its fine centres.
func (ix *ivf) nearestList(q []int8, qs float32) int32 {
	best, bestS := 0, float32(math.Inf(-1))
	for c := range ix.coarse {
		if s := float32(dot8(q, ix.coarse[c].centre)) * ix.coarse[c].scale; s > bestS {
			best, bestS = c, s
		}
	}
	leaf, leafS := int32(0), float32(math.Inf(-1))
	for _, l := range ix.coarse[best].leaves {
		if s := float32(dot8(q, ix.centre(l))) * ix.cscale[l]; s > leafS {
			leaf, leafS = l, s
		}
	}
	return leaf
}

func (ix *ivf) centre(l int32) []int8 { return ix.centres[int(l)*ix.dim : int(l+1)*ix.dim] }

func (ix *ivf) add(row int32, q []int8, s float32) {
	for int(row) >= len(ix.where) {
		ix.where = append(ix.where, -1)
	}
	l := ix.nearestList(q, s)
	ix.where[row] = l
	ix.lists[l] = append(ix.lists[l], row)
}

// move re-files an updated row (its old list keeps a stale entry only if
// the row was unknown, which cannot happen).
func (ix *ivf) move(row int32, q []int8, s float32) {
	if int(row) < len(ix.where) && ix.where[row] >= 0 {
		old := ix.where[row]
		ix.lists[old] = slices.DeleteFunc(ix.lists[old], func(r int32) bool { return r == row })
	}
	ix.add(row, q, s)
}

// scan offers every row of the nprobe lists nearest to the query.
func (ix *ivf) scan(q []int8, qs float32, offer func(int32)) {
	type cand struct {
		l int32
		s float32
	}
	cands := make([]cand, len(ix.lists))
	for l := range ix.lists {
		cands[l] = cand{int32(l), float32(dot8(q, ix.centre(int32(l)))) * ix.cscale[l]}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.s > b.s {
			return -1
		}
		if a.s < b.s {
			return 1
		}
		return 0
	})
	for _, c := range cands[:ix.nprobe] {
		for _, row := range ix.lists[c.l] {
			offer(row)
		}
	}
}

// kmeans is spherical k-means (cosine) with k-means++-style seeding by
// distance-weighted sampling; it returns the unit centres and the indexes
// of the points in each cluster.
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
	centres := seedCentres(points, k, rng)
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
			normalize(sums[c])
			centres[c] = sums[c]
		}
	}
	groups := make([][]int, k)
	for i, c := range assign {
		groups[c] = append(groups[c], i)
	}
	return centres, groups
}

// seedCentres picks k starting centres: the first at random, each next one
// among a few random candidates the one farthest from those chosen so far
// (a cheap approximation of k-means++ that spreads the centres out).
func seedCentres(points [][]float32, k int, rng *rand.Rand) [][]float32 {
	centres := [][]float32{slices.Clone(points[rng.IntN(len(points))])}
	for len(centres) < k {
		var best []float32
		bestSim := float32(math.Inf(1))
		for range 8 {
			p := points[rng.IntN(len(points))]
			if s := dotF32(p, centres[nearestCentre(p, centres)]); s < bestSim {
				best, bestSim = p, s
			}
		}
		centres = append(centres, slices.Clone(best))
	}
	return centres
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

func normalize(v []float32) {
	n := float32(math.Sqrt(float64(dotF32(v, v))))
	if n == 0 {
		return
	}
	for i := range v {
		v[i] /= n
	}
}
