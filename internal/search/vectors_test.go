package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

func vecIDs(hits []VecHit) []paper.ID {
	ids := make([]paper.ID, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// checkSorted fails when hits are not by descending similarity, or repeat an id.
func checkSorted(t *testing.T, hits []VecHit) {
	t.Helper()
	seen := map[paper.ID]bool{}
	for i, h := range hits {
		if i > 0 && h.Sim > hits[i-1].Sim {
			t.Errorf("hit %d (%s %.4f) ranks after a less similar one (%s %.4f)", i, h.ID, h.Sim, hits[i-1].ID, hits[i-1].Sim)
		}
		if seen[h.ID] {
			t.Errorf("%s is returned twice", h.ID)
		}
		seen[h.ID] = true
	}
}

func unit(v ...float32) []float32 {
	v = slices.Clone(v)
	embed.Normalize(v)
	return v
}

func TestVectorsPutNearestDelete(t *testing.T) {
	v := NewVectors("test-model", 3)
	if v.Model() != "test-model" || v.Dim() != 3 || v.Len() != 0 {
		t.Fatalf("new index: model %q dim %d len %d", v.Model(), v.Dim(), v.Len())
	}
	if hits := v.Nearest([]float32{1, 0, 0}, 5, nil, false); len(hits) != 0 {
		t.Errorf("empty index found %v", hits)
	}
	// Not normalised on purpose: Put normalises.
	for id, vec := range map[paper.ID][]float32{
		"x":  {2, 0, 0},
		"xy": {1, 1, 0},
		"y":  {0, 3, 0},
		"z":  {0, 0, 0.5},
		"-x": {-1, 0, 0},
	} {
		if !v.Put(id, vec) {
			t.Fatalf("Put(%s) refused", id)
		}
	}
	if v.Put("bad", []float32{1, 0}) || v.Put("bad", []float32{1, 0, 0, 0}) || v.Put("bad", nil) {
		t.Error("a vector of the wrong length was accepted")
	}
	if v.Len() != 5 || v.Vector("bad") != nil {
		t.Errorf("len %d, vector of a refused id %v", v.Len(), v.Vector("bad"))
	}

	q := []float32{1, 0.1, 0}
	hits := v.Nearest(q, 10, nil, false)
	checkSorted(t, hits)
	if got, want := vecIDs(hits), []paper.ID{"x", "xy", "y", "z", "-x"}; !slices.Equal(got, want) {
		t.Errorf("Nearest = %v, want %v", got, want)
	}
	if exact := v.Nearest(q, 10, nil, true); !slices.Equal(exact, hits) {
		t.Errorf("exact %v differs from %v below the clustering size", exact, hits)
	}
	if got := vecIDs(v.Nearest(q, 2, nil, false)); !slices.Equal(got, []paper.ID{"x", "xy"}) {
		t.Errorf("top 2 = %v", got)
	}
	for _, n := range []int{0, -1} {
		if hits := v.Nearest(q, n, nil, false); len(hits) != 0 {
			t.Errorf("n=%d gave %v", n, hits)
		}
	}
	if hits := v.Nearest([]float32{1, 0}, 3, nil, false); len(hits) != 0 {
		t.Errorf("a query of the wrong length found %v", hits)
	}
	// Similarities are cosines.
	for _, h := range hits {
		var want float64
		switch h.ID {
		case "x":
			want = 1 / math.Sqrt(1.01)
		case "xy":
			want = 1.1 / math.Sqrt(1.01) / math.Sqrt2
		case "y":
			want = 0.1 / math.Sqrt(1.01)
		case "z":
			want = 0
		case "-x":
			want = -1 / math.Sqrt(1.01)
		}
		if math.Abs(float64(h.Sim)-want) > 0.01 {
			t.Errorf("%s: similarity %.4f, want %.4f", h.ID, h.Sim, want)
		}
	}

	// The accept filter.
	noX := func(id paper.ID) bool { return id != "x" && id != "xy" }
	if got := vecIDs(v.Nearest(q, 2, noX, false)); !slices.Equal(got, []paper.ID{"y", "z"}) {
		t.Errorf("with a filter: %v, want [y z]", got)
	}
	if got := v.Nearest(q, 3, func(paper.ID) bool { return false }, false); len(got) != 0 {
		t.Errorf("a filter refusing all: %v", got)
	}

	// Delete.
	v.Delete("x")
	v.Delete("x")       // again: no effect
	v.Delete("unknown") // unknown: no effect
	if v.Len() != 4 || v.Vector("x") != nil {
		t.Errorf("after delete: len %d, vector %v", v.Len(), v.Vector("x"))
	}
	if _, ok := v.Similarity(q, "x"); ok {
		t.Error("a deleted id has a similarity")
	}
	for _, exact := range []bool{false, true} {
		if got := vecIDs(v.Nearest(q, 10, nil, exact)); !slices.Equal(got, []paper.ID{"xy", "y", "z", "-x"}) {
			t.Errorf("after delete (exact %v): %v", exact, got)
		}
	}
	// A query opposite to everything still never sees the deleted row
	// (which scores 0, more than the live ones).
	if got := vecIDs(v.Nearest([]float32{-1, -1, -1}, 10, nil, false)); slices.Contains(got, "x") || len(got) != 4 {
		t.Errorf("opposite query: %v", got)
	}

	// Update: y moves to where x was.
	v.Put("y", []float32{5, 0, 0})
	if v.Len() != 4 {
		t.Errorf("updating changed the count to %d", v.Len())
	}
	if got := vecIDs(v.Nearest(q, 10, nil, false)); !slices.Equal(got, []paper.ID{"y", "xy", "z", "-x"}) {
		t.Errorf("after update: %v", got)
	}
	// Put again after delete.
	v.Put("x", []float32{0, 0, -1})
	if got := vecIDs(v.Nearest([]float32{0, 0, -1}, 1, nil, false)); !slices.Equal(got, []paper.ID{"x"}) {
		t.Errorf("re-added x: %v", got)
	}
	if v.Len() != 5 {
		t.Errorf("len %d after re-adding", v.Len())
	}
}

func TestVectorsZeroVector(t *testing.T) {
	v := NewVectors("m", 2)
	v.Put("zero", []float32{0, 0})
	v.Put("a", []float32{1, 0})
	hits := v.Nearest([]float32{1, 0}, 5, nil, false)
	if got := vecIDs(hits); !slices.Equal(got, []paper.ID{"a", "zero"}) || hits[1].Sim != 0 {
		t.Errorf("hits %v", hits)
	}
	if hits := v.Nearest([]float32{0, 0}, 5, nil, false); len(hits) != 2 || hits[0].Sim != 0 || hits[1].Sim != 0 {
		t.Errorf("a zero query: %v", hits)
	}
}

func TestVectorsSimilarityAndVector(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	v := NewVectors("m", 96)
	vecs := map[paper.ID][]float32{}
	for i := range 50 {
		id := paper.ID(fmt.Sprintf("p%d", i))
		vecs[id] = randomUnit(rng, 96)
		v.Put(id, vecs[id])
	}
	for id, vec := range vecs {
		// The same vector, scaled, is the same direction.
		scaled := slices.Clone(vec)
		for i := range scaled {
			scaled[i] *= 3.5
		}
		s, ok := v.Similarity(scaled, id)
		if !ok || math.Abs(float64(s)-1) > 0.01 {
			t.Errorf("%s: self-similarity %v (ok %v), want 1±0.01", id, s, ok)
		}
		got := v.Vector(id)
		if len(got) != 96 {
			t.Fatalf("Vector(%s) has %d components", id, len(got))
		}
		if c := dotF32(got, vec) / float32(math.Sqrt(float64(dotF32(got, got)))); c < 0.999 {
			t.Errorf("%s: dequantised vector has cosine %.5f with the original", id, c)
		}
		// Vector returns a copy.
		got[0] = 42
		if v.Vector(id)[0] == 42 {
			t.Errorf("Vector(%s) returns the index's own storage", id)
		}
		// Cross similarities are close to the true cosines.
		other := paper.ID("p0")
		want := dotF32(vec, vecs[other])
		if s, _ := v.Similarity(vec, other); math.Abs(float64(s-want)) > 0.02 {
			t.Errorf("similarity of %s and %s: %.4f, want %.4f", id, other, s, want)
		}
	}
	if _, ok := v.Similarity(vecs["p1"], "nobody"); ok {
		t.Error("an unknown id has a similarity")
	}
	if _, ok := v.Similarity(vecs["p1"][:95], "p1"); ok {
		t.Error("a query of the wrong length has a similarity")
	}
}

func randomUnit(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	embed.Normalize(v)
	return v
}

// clustered draws unit vectors around centres, as embeddings of papers
// gather around topics.
type clustered struct {
	rng     *rand.Rand
	centres [][]float32
	noise   float64
}

func newClustered(seed uint64, nCentres, dim int, noise float64) *clustered {
	c := &clustered{rng: rand.New(rand.NewPCG(seed, 1)), noise: noise}
	for range nCentres {
		c.centres = append(c.centres, randomUnit(c.rng, dim))
	}
	return c
}

func (c *clustered) next() []float32 {
	centre := c.centres[c.rng.IntN(len(c.centres))]
	v := make([]float32, len(centre))
	for i, x := range centre {
		v[i] = x + float32(c.noise*c.rng.NormFloat64())
	}
	embed.Normalize(v)
	return v
}

func TestVectorsClusterSmall(t *testing.T) {
	v := NewVectors("m", 8)
	if v.Cluster(true) {
		t.Error("an empty index was clustered")
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 500 {
		v.Put(paper.ID(fmt.Sprintf("p%03d", i)), randomUnit(rng, 8))
	}
	if v.Cluster(false) {
		t.Error("500 vectors were clustered without force")
	}
	// Forced, a small index clusters; with at least ivfMinProbe lists
	// probed of few, the search stays exhaustive-like but must work.
	if !v.Cluster(true) {
		t.Fatal("Cluster(true) did not cluster")
	}
	q := randomUnit(rng, 8)
	approx, exact := v.Nearest(q, 10, nil, false), v.Nearest(q, 10, nil, true)
	checkSorted(t, approx)
	if len(approx) != 10 || len(exact) != 10 {
		t.Fatalf("%d approximate, %d exact hits", len(approx), len(exact))
	}
}

// Updates, deletions and additions after clustering.
func TestVectorsUpdateAfterCluster(t *testing.T) {
	const dim = 16
	gen := newClustered(11, 20, dim, 0.15)
	v := NewVectors("m", dim)
	for i := range 3000 {
		v.Put(paper.ID(fmt.Sprintf("p%04d", i)), gen.next())
	}
	if !v.Cluster(true) {
		t.Fatal("not clustered")
	}
	// Move p0000 onto another point's exact direction far from its own.
	target := v.Vector("p0000")
	var far paper.ID
	for i := 1; i < 3000; i++ {
		id := paper.ID(fmt.Sprintf("p%04d", i))
		if s, _ := v.Similarity(target, id); s < -0.2 {
			far = id
			break
		}
	}
	if far == "" {
		t.Fatal("no far point")
	}
	farVec := v.Vector(far)
	v.Put("p0000", farVec)
	hits := v.Nearest(farVec, 2, nil, false)
	checkSorted(t, hits)
	if got := vecIDs(hits); !slices.Contains(got, "p0000") || !slices.Contains(got, far) {
		t.Errorf("after moving p0000 onto %s: nearest %v", far, hits)
	}
	// Its old place no longer finds it.
	for _, h := range v.Nearest(target, 50, nil, false) {
		if h.ID == "p0000" {
			t.Errorf("p0000 is still found at its old place (%.3f)", h.Sim)
		}
	}
	// Moved again, several times: never returned twice.
	for i := range 5 {
		v.Put("p0000", v.Vector(paper.ID(fmt.Sprintf("p%04d", 10+i))))
	}
	for _, exact := range []bool{false, true} {
		hits := v.Nearest(v.Vector("p0014"), 3000, nil, exact)
		checkSorted(t, hits)
		if len(hits) > 3000 {
			t.Errorf("%d hits for 3000 vectors", len(hits))
		}
	}
	if got := vecIDs(v.Nearest(v.Vector("p0014"), 1, func(id paper.ID) bool { return id != "p0014" }, false)); !slices.Equal(got, []paper.ID{"p0000"}) {
		t.Errorf("p0000 (now on p0014) not found: %v", got)
	}

	// Deleted ids are never returned, approximate or exact.
	deleted := map[paper.ID]bool{}
	for i := 100; i < 400; i++ {
		id := paper.ID(fmt.Sprintf("p%04d", i))
		v.Delete(id)
		deleted[id] = true
	}
	for i := 100; i < 400; i += 37 {
		q := gen.next()
		for _, exact := range []bool{false, true} {
			for _, h := range v.Nearest(q, 200, nil, exact) {
				if deleted[h.ID] {
					t.Fatalf("deleted %s returned", h.ID)
				}
			}
		}
	}
	// Deleted and added again after clustering: found at the new place.
	v.Put("p0100", farVec)
	if got := vecIDs(v.Nearest(farVec, 3, nil, false)); !slices.Contains(got, "p0100") {
		t.Errorf("re-added p0100 not found: %v", got)
	}
	// Reclustering keeps everything findable.
	if !v.Cluster(true) {
		t.Fatal("not reclustered")
	}
	for _, id := range []paper.ID{"p0000", "p0100", "p2999"} {
		vec := v.Vector(id)
		found := false
		for _, h := range v.Nearest(vec, 5, nil, false) {
			found = found || h.ID == id
			if deleted[h.ID] && h.ID != "p0100" {
				t.Errorf("deleted %s returned after reclustering", h.ID)
			}
		}
		if !found {
			t.Errorf("%s not among the 5 nearest to its own vector after reclustering", id)
		}
	}
	if v.Len() != 3000-300+1 {
		t.Errorf("len %d", v.Len())
	}
}

func TestVectorsIVFRecall(t *testing.T) {
	const (
		dim      = 64
		n        = 60_000
		nCentres = 200
		queries  = 200
	)
	// Noise of 0.15 per component puts a vector at a cosine of about 0.6
	// from its centre and its nearest neighbours at about 0.5: clearly
	// clustered, as embeddings of papers on a topic are. (At 0.2 the true
	// neighbours are hardly closer than random vectors' best matches, and
	// no inverted file can find them by probing few lists.)
	gen := newClustered(2024, nCentres, dim, 0.15)
	v := NewVectors("m", dim)
	for i := range n {
		v.Put(paper.ID(fmt.Sprintf("p%05d", i)), gen.next())
	}
	if v.Cluster(false) != true {
		t.Fatalf("%d vectors were not clustered", n)
	}
	if v.Cluster(false) {
		t.Error("clustered again without the count having doubled")
	}
	var sum, tenth float64
	worst := 1.0
	for range queries {
		q := gen.next()
		approx := v.Nearest(q, 10, nil, false)
		exact := v.Nearest(q, 10, nil, true)
		checkSorted(t, approx)
		if len(exact) != 10 {
			t.Fatalf("%d exact hits", len(exact))
		}
		tenth += float64(exact[9].Sim)
		want := map[paper.ID]bool{}
		for _, h := range exact {
			want[h.ID] = true
		}
		hit := 0
		for _, h := range approx {
			if want[h.ID] {
				hit++
			}
		}
		r := float64(hit) / 10
		sum += r
		worst = min(worst, r)
	}
	recall := sum / queries
	t.Logf("IVF recall@10 over %d queries on %d clustered vectors: mean %.3f, worst %.1f (mean similarity of the 10th true neighbour %.3f)",
		queries, n, recall, worst, tenth/queries)
	if recall < 0.9 {
		t.Errorf("mean recall@10 %.3f, want at least 0.9", recall)
	}

	// Vectors added after clustering go into the lists and are found.
	added := make([][]float32, 1000)
	for i := range added {
		added[i] = gen.next()
		v.Put(paper.ID(fmt.Sprintf("new%04d", i)), added[i])
	}
	missed := 0
	for i := 0; i < len(added); i += 10 {
		id := paper.ID(fmt.Sprintf("new%04d", i))
		hits := v.Nearest(added[i], 1, nil, false)
		// A point of another vector in the same direction may tie; what
		// matters is that this one is found with similarity ~1.
		if len(hits) == 0 || hits[0].ID != id {
			s, _ := v.Similarity(added[i], id)
			if len(hits) == 0 || hits[0].Sim > s+1e-6 {
				missed++
				t.Errorf("added %s not first for its own vector: %v", id, hits)
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d of 100 vectors added after clustering not found", missed)
	}
}

func TestVectorsConcurrentUse(t *testing.T) {
	const dim = 32
	gen := newClustered(5, 10, dim, 0.2)
	v := NewVectors("m", dim)
	for i := range 2000 {
		v.Put(paper.ID(fmt.Sprintf("p%d", i)), gen.next())
	}
	v.Cluster(true)
	qs := make([][]float32, 50)
	for i := range qs {
		qs[i] = gen.next()
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, q := range qs {
				switch (i + w) % 4 {
				case 0:
					v.Put(paper.ID(fmt.Sprintf("w%d-%d", w, i)), q)
				case 1:
					v.Delete(paper.ID(fmt.Sprintf("p%d", i*w)))
				case 2:
					v.Similarity(q, "p1")
				default:
					v.Nearest(q, 10, nil, i%2 == 0)
				}
			}
		}()
	}
	wg.Wait()
}

// Fewer distinct directions than coarse clusters (duplicated vectors, as
// a degenerate embedder or many identical texts give): every vector must
// still be found by a search for its own direction. Known failure, two
// causes (see the report): (1) k-means leaves some coarse clusters without
// points, hence without fine lists, and ivf.nearestList then files a
// vector whose nearest coarse centre is such an empty one in list 0 (a
// list of another coarse cluster), which a search near it never probes;
// (2) a coarse cluster of identical points gets dozens of identical fine
// centres of which one list holds them all and the rest are empty, and
// ivf.scan's unstable sort of the tied centres may leave the full list
// out of the nprobe lists it scans.
func TestVectorsIVFFewDistinctVectors(t *testing.T) {
	const (
		dim      = 16
		n        = exactBelow + 1000
		distinct = 20
	)
	gen := newClustered(99, distinct, dim, 0)
	v := NewVectors("m", dim)
	for i := range n {
		v.Put(paper.ID(fmt.Sprintf("p%05d", i)), gen.centres[i%distinct])
	}
	if !v.Cluster(false) {
		t.Fatal("not clustered")
	}
	missed := 0
	for d, centre := range gen.centres {
		hits := v.Nearest(centre, 5, nil, false)
		if len(hits) < 5 || hits[0].Sim < 0.99 {
			missed++
			t.Logf("direction %d (papers p%05d, p%05d, ...): nearest %v", d, d, d+distinct, hits)
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d directions, each the vector of %d papers, are not found by approximate search", missed, distinct, n/distinct)
	}
}

// The exact search keeps the same n hits, ties included, as scoring every
// vector and sorting them all would.
func TestVectorsNearestKeepsTheBest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const dim, count = 16, 2000
	v := NewVectors("m", dim)
	for i := range count {
		vec := make([]float32, dim)
		for j := range vec {
			vec[j] = float32(rng.IntN(5) - 2) // few distinct values: many ties
		}
		if rng.IntN(10) == 0 {
			vec[0] = 0.5 // some vectors repeat others
		}
		v.Put(paper.ID(fmt.Sprintf("p%04d", i)), vec)
	}
	q := unit(1, -1, 2, 0, 1, 1, -2, 0, 0, 1, 1, 0, -1, 2, 1, 0)
	qs, qq := embed.Quantize(q)
	var all []VecHit
	for row, id := range v.ids {
		all = append(all, VecHit{ID: id, Sim: v.score(qq, qs, int32(row))})
	}
	slices.SortFunc(all, byVecSim)
	odd := func(id paper.ID) bool { return id[len(id)-1]%2 == 1 }
	for _, n := range []int{1, 7, 100, count + 5} {
		got := v.Nearest(q, n, nil, true)
		if want := all[:min(n, count)]; !slices.Equal(got, want) {
			t.Errorf("n=%d: %d hits differ from the sorted scores", n, len(got))
		}
		got = v.Nearest(q, n, odd, true)
		want := slices.DeleteFunc(slices.Clone(all), func(h VecHit) bool { return !odd(h.ID) })
		if want = want[:min(n, len(want))]; !slices.Equal(got, want) {
			t.Errorf("n=%d, filtered: %d hits differ from the sorted scores", n, len(got))
		}
	}
}
