package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// viewerVotes is how many papers the benchmark's signed-in viewer has
// upvoted, spread over the whole feed, so that the viewer's votes query
// finds some on more than a quarter of the day pages.
const viewerVotes = 200

var viewerSeq atomic.Int64

// signIn creates an account with a session and viewerVotes upvotes of
// random feed papers, and returns the session token, the value of the
// dp_session cookie.
func signIn(b *testing.B, st store.Store) string {
	ctx := context.Background()
	n := viewerSeq.Add(1)
	a, err := st.CreateAccount(ctx, store.Account{
		User:  store.User{Username: fmt.Sprintf("benchviewer%d", n), Fullname: "Bench Viewer"},
		Email: fmt.Sprintf("benchviewer%d@example.org", n),
	})
	if err != nil {
		b.Fatal(err)
	}
	token, hash := auth.NewSessionToken()
	now := time.Now()
	if err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	items, err := st.Feed(ctx, store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, i := range rng.Perm(len(items))[:min(viewerVotes, len(items))] {
		if _, err := st.Vote(ctx, a.ID, items[i].Paper.ID, true); err != nil {
			b.Fatal(err)
		}
	}
	return token
}

// BenchmarkFeedPageSignedIn: day pages of random feed days for a
// signed-in viewer, with the page cache on as the server runs it. The
// session cookie makes every request look up its session, skip the page
// cache (a signed-in page shows its viewer) and read which of the page's
// papers the viewer upvoted, then render: compare with
// BenchmarkFeedPageUncached, the same pages rendered for nobody. It also
// reports the share of pages that showed one of the viewer's votes.
func BenchmarkFeedPageSignedIn(b *testing.B) {
	st := benchStore(b)
	days, _ := feedPaths(b, st)
	token := signIn(b, st)
	h := newHandler(b, st, web.Options{})
	const requests = 3000
	rng := rand.New(rand.NewPCG(1, 2))
	durations := make([]time.Duration, 0, requests)
	withVotes := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		durations, withVotes = durations[:0], 0
		for j := 0; j < requests; j++ {
			path := days[rng.IntN(len(days))]
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Cookie", "dp_session="+token)
			start := time.Now()
			h.ServeHTTP(rec, req)
			durations = append(durations, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
			if c := rec.Header().Get("Set-Cookie"); c != "" || !bytes.Contains(rec.Body.Bytes(), []byte("benchviewer")) {
				b.Fatalf("GET %s: not signed in (Set-Cookie: %q)", path, c)
			}
			if bytes.Contains(rec.Body.Bytes(), []byte(`class="vote voted"`)) {
				withVotes++
			}
		}
	}
	slices.Sort(durations)
	b.ReportMetric(ms(durations[len(durations)/2]), "p50-ms")
	b.ReportMetric(ms(durations[len(durations)*99/100]), "p99-ms")
	b.ReportMetric(float64(withVotes)/requests, "pages-with-votes")
	b.ReportMetric(0, "ns/op")
}
