package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// forYouClock is the benchmark's "now": the newest listing day of the
// 2025-2026 arXiv file, so that the 30-day window holds its last 30 days
// of harvested papers (about 6,600) and the feed's entries of those days.
var forYouClock = time.Date(2026, 7, 1, 18, 0, 0, 0, time.UTC)

// signedInReader makes an account with a session and returns it and the cookie.
func signedInReader(b *testing.B, st store.Store, name string) (store.Account, *http.Cookie) {
	ctx := context.Background()
	a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: name}, Email: name + "@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	token, hash := auth.NewSessionToken()
	now := time.Now()
	if err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	return a, &http.Cookie{Name: "dp_session", Value: token}
}

// topicPapers are the best lexical matches of a query.
func topicPapers(b *testing.B, svc *search.Service, query string, n int) []paper.ID {
	_, res, err := svc.Search(context.Background(), query, search.Lexical, n, 0)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]paper.ID, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}

// getForYou serves one For-you page for the reader and returns how long
// it took and the page.
func getForYou(b *testing.B, h http.Handler, cookie *http.Cookie, path string) (time.Duration, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	start := time.Now()
	h.ServeHTTP(rec, req)
	d := time.Since(start)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
	}
	return d, rec.Body.String()
}

// logRanking writes the first papers of a For-you page with their reasons.
func logRanking(b *testing.B, who, body string) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	doc.Find("article.card").Each(func(i int, c *goquery.Selection) {
		if i < 10 {
			lines = append(lines, fmt.Sprintf("%2d. %s\n      %s", i+1, strings.Join(strings.Fields(c.Find("h3").Text()), " "),
				strings.TrimSpace(c.Find(".reason").Text())))
		}
	})
	b.Logf("For you, %s:\n%s", who, strings.Join(lines, "\n"))
}

// BenchmarkForYou: the For-you page of the last 30 days on the 360k-paper
// site, for a reader with 500 signals (upvotes of papers on three topics,
// "More like this" and "Not interested"): the first request (the
// window's features made, the model trained), warm pages (the cached
// ranking, the reader's version checked), and the page right after a
// new signal (the model trained again). It logs two readers' lists with
// their reasons: that one, and a new reader who picked two categories
// and three seed papers at onboarding.
func BenchmarkForYou(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	h := newHandler(b, st, web.Options{Search: svc, Now: func() time.Time { return forYouClock }, PageCacheBytes: -1})

	a, cookie := signedInReader(b, st, "foryoureader")
	var signals []store.Signal
	topics := []string{"reinforcement learning from human feedback", "gaussian splatting", "speech recognition"}
	var liked []paper.ID
	for _, q := range topics {
		liked = append(liked, topicPapers(b, svc, q, 170)...)
	}
	rng := rand.New(rand.NewPCG(19, 5))
	rng.Shuffle(len(liked), func(i, j int) { liked[i], liked[j] = liked[j], liked[i] })
	for _, id := range liked[:480] {
		if _, err := st.Vote(ctx, a.ID, id, true); err != nil {
			b.Fatal(err)
		}
	}
	for i, id := range liked[480:500] {
		kind := store.SignalMoreLikeThis
		if i%2 == 1 {
			kind = store.SignalNotInterested
		}
		signals = append(signals, store.Signal{Kind: kind, Paper: id})
	}
	if err := st.AddSignal(ctx, a.ID, signals...); err != nil {
		b.Fatal(err)
	}
	const path = "/for-you?days=30"
	b.ResetTimer()
	for range b.N {
		first, body := getForYou(b, h, cookie, path)
		b.ReportMetric(msf(first), "first-ms")
		logRanking(b, "a reader of RLHF, Gaussian splatting and speech recognition papers (500 signals)", body)

		var warm []time.Duration
		cpu := processCPU()
		for i := range 500 {
			d, _ := getForYou(b, h, cookie, fmt.Sprintf("%s&page=%d", path, 1+i%5))
			warm = append(warm, d)
		}
		b.ReportMetric(msf(processCPU()-cpu)/500, "warm-cpu-ms/op")
		p50, p99 := percentiles(warm)
		b.ReportMetric(p50, "warm-p50-ms")
		b.ReportMetric(p99, "warm-p99-ms")

		var fresh []time.Duration
		cpu = processCPU()
		others := topicPapers(b, svc, "large language model agents", 100)
		for i := range 100 {
			if _, err := st.Vote(ctx, a.ID, others[i], true); err != nil {
				b.Fatal(err)
			}
			d, _ := getForYou(b, h, cookie, path)
			fresh = append(fresh, d)
		}
		b.ReportMetric(msf(processCPU()-cpu)/100, "fresh-cpu-ms/op")
		p50, p99 = percentiles(fresh)
		b.ReportMetric(p50, "fresh-p50-ms")
		b.ReportMetric(p99, "fresh-p99-ms")
	}
	b.StopTimer()

	// A new reader: two categories and three seed papers.
	c, cookie2 := signedInReader(b, st, "foryounew")
	seeds := []store.Signal{{Kind: store.SignalSeedCategory, Subject: "cs.CL"}, {Kind: store.SignalSeedCategory, Subject: "cs.SD"}}
	for _, id := range topicPapers(b, svc, "text to speech synthesis", 3) {
		seeds = append(seeds, store.Signal{Kind: store.SignalSeedPaper, Paper: id})
	}
	if err := st.AddSignal(ctx, c.ID, seeds...); err != nil {
		b.Fatal(err)
	}
	_, body := getForYou(b, h, cookie2, "/for-you?days=7")
	logRanking(b, "a new reader who picked cs.CL, cs.SD and three text-to-speech papers (7 days)", body)
	b.ReportMetric(0, "ns/op")
}
