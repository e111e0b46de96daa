package recommend

import (
	"context"
	"testing"
	"time"
)

// BenchmarkDigestRank is one subscriber's For-you section by their kept
// model (30 saves), over the demo site's last 30 days: the reads of the
// reader's state and model, decoding, scoring every paper, and the top
// ten's reasons. The 355k-paper figure is BenchmarkDigestForYou's.
//
//	go test ./internal/recommend -run '^$' -bench DigestRank -benchtime 200x
func BenchmarkDigestRank(b *testing.B) {
	svc, st, _ := demoSite(b)
	ctx := context.Background()
	a := account(b, st, "bench")
	for _, p := range titled(b, st, "model", 30) {
		if err := st.SavePaper(ctx, a.ID, p.ID, time.Time{}, 0); err != nil {
			b.Fatal(err)
		}
	}
	svc.Changed(a.ID)
	if err := svc.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	c, err := NewDigest(st, svc.ix).Candidates(ctx, "2026-07-23", "2026-08-21")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		r, err := c.Rank(ctx, a, 10)
		if err != nil || len(r.Papers) != 10 {
			b.Fatalf("%d papers, %v", len(r.Papers), err)
		}
	}
	b.ReportMetric(float64(c.Len()), "papers")
}
