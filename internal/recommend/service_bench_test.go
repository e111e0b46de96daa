package recommend

import (
	"context"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// BenchmarkRankAfterSignal is a For-you request right after a new signal,
// by a reader with 200 upvotes on the demo site: "request" is the
// request alone (what a reader waits for), "request+training" adds the
// job it leads to (its 100 ms start delay, the training and the ranking
// of the windows) until its model serves, which a request paid for
// itself before training moved to the background.
//
//	go test ./internal/recommend -run '^$' -bench RankAfterSignal -benchtime 20x
func BenchmarkRankAfterSignal(b *testing.B) {
	for _, bc := range []struct {
		name  string
		train bool
	}{{"request", false}, {"request+training", true}} {
		b.Run(bc.name, func(b *testing.B) {
			svc, st, _ := demoSite(b)
			ctx := context.Background()
			a := account(b, st, "bench")
			ps, _, err := st.LatestPapers(ctx, store.PaperCursor{}, 1000)
			if err != nil {
				b.Fatal(err)
			}
			const liked = 200
			if len(ps) < liked+b.N {
				b.Skipf("the demo has %d papers, %d needed", len(ps), liked+b.N)
			}
			for _, p := range ps[:liked] {
				if _, err := st.Vote(ctx, a.ID, p.ID, true); err != nil {
					b.Fatal(err)
				}
			}
			idle := func() {
				wctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				if err := svc.WaitIdle(wctx); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := svc.Rank(ctx, a, 30, 0, 10); err != nil {
				b.Fatal(err)
			}
			idle()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				if err := st.AddSignal(ctx, a.ID, store.Signal{Kind: store.SignalMoreLikeThis, Paper: ps[liked+i].ID}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := svc.Rank(ctx, a, 30, 0, 10); err != nil {
					b.Fatal(err)
				}
				if !bc.train {
					b.StopTimer()
				}
				idle()
				b.StartTimer()
			}
		})
	}
}
