package rows

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
)

// NewestPage reads streams little by little and must give what merging
// them whole gives: every page, for streams of every size and overlap.
func TestNewestPage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		streams := make([][]Newest, 1+rng.IntN(12))
		for i := range streams {
			seen := map[Newest]bool{}
			for range rng.IntN([]int{3, 40, 400}[rng.IntN(3)]) {
				// Few dates, so that ties are common; papers shared across streams.
				n := Newest{Published: int64(rng.IntN(50)), Seq: 1 + int64(rng.IntN(300))}
				if !seen[n] {
					seen[n] = true
					streams[i] = append(streams[i], n)
				}
			}
			slices.SortFunc(streams[i], func(a, b Newest) int {
				if a.before(b) {
					return -1
				}
				return 1
			})
		}
		limit := 1 + rng.IntN(31)
		fetch := func(i int, after store.PaperCursor, n int) ([]Newest, error) {
			var out []Newest
			for _, x := range streams[i] {
				if after != (store.PaperCursor{}) && !(Newest{after.Published, after.Seq}).before(x) {
					continue
				}
				if len(out) == n {
					break
				}
				out = append(out, x)
			}
			return out, nil
		}
		// Page through everything both ways.
		var after store.PaperCursor
		for page := 0; ; page++ {
			got, err := NewestPage(len(streams), after, limit, fetch)
			if err != nil {
				t.Fatal(err)
			}
			// Read in rounds, each answer shuffled as a query of many
			// streams may give it: the same page.
			rounds, err := NewestPageInRounds(len(streams), after, limit, func(reads []Read) ([][]Newest, error) {
				out := make([][]Newest, len(reads))
				seen := map[int]bool{}
				for k, r := range reads {
					if seen[r.Stream] || r.N != reads[0].N {
						t.Fatalf("trial %d: round %v reads a stream twice or with different sizes", trial, reads)
					}
					seen[r.Stream] = true
					out[k], _ = fetch(r.Stream, r.After, r.N)
					rng.Shuffle(len(out[k]), func(a, b int) { out[k][a], out[k][b] = out[k][b], out[k][a] })
				}
				return out, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rounds, got) {
				t.Fatalf("trial %d page %d: in rounds %v, one at a time %v", trial, page, rounds, got)
			}
			var whole [][]Newest
			for i := range streams {
				s, _ := fetch(i, after, 1<<30)
				whole = append(whole, s)
			}
			want := MergeNewest(whole, limit)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d page %d: got %v, want %v", trial, page, got, want)
			}
			if len(got) < limit {
				break
			}
			last := got[len(got)-1]
			after = store.PaperCursor{Published: last.Published, Seq: last.Seq}
		}
	}
}
