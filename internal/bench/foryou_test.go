package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/recommend"
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
// "More like this" and "Not interested"), as a reader meets it:
//
//   - the first request right after the site starts (the search index
//     ready, the windows' papers not read yet), and how long until the
//     page is personal (the windows read and the model trained, both in
//     the background);
//   - warm pages, 1 to 5, each timed, with the process's CPU a request;
//   - right after a new signal (an upvote of a paper of the window, by
//     another process as far as this one knows): the request itself,
//     and the time from the signal until a page ranks by the model that
//     learnt it (the paper has left the ranking, which is one shorter);
//   - apart from the site, on a For-you service of its own: reading the
//     windows and making their features, and one training (with the
//     ranking of every window) after a new signal, in CPU.
//
// It logs two readers' lists with their reasons: that one, and a new
// reader who picked two categories and three seed papers at onboarding.
func BenchmarkForYou(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	clock := func() time.Time { return forYouClock }

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
	// The new signals: papers of the window on another topic, so that
	// each leaves the ranking once the model has learnt it.
	fresh := windowPapers(b, st, topicPapers(b, svc, "large language model agents", 3000), liked, 100)

	const path = "/for-you?days=30"
	b.ResetTimer()
	for range b.N {
		// The site starts with the index ready, as serve does once it
		// has opened its snapshot.
		start := time.Now()
		site, err := web.New(st, web.Options{Search: svc, Now: clock, PageCacheBytes: -1, Limits: benchLimits()})
		if err != nil {
			b.Fatal(err)
		}
		h := site.Handler()
		first, body := getForYou(b, h, cookie, path)
		b.ReportMetric(msf(first), "first-ms")
		if personal(body) {
			b.Log("the first request was personal already")
		}
		for !personal(body) {
			time.Sleep(20 * time.Millisecond)
			_, body = getForYou(b, h, cookie, path)
		}
		b.ReportMetric(msf(time.Since(start)), "until-personal-ms")
		logRanking(b, "a reader of RLHF, Gaussian splatting and speech recognition papers (500 signals)", body)

		b.Logf("load average before the warm pages: %s", loadAverage())
		var warm []time.Duration
		cpu := processCPU()
		for i := range 500 {
			d, body := getForYou(b, h, cookie, fmt.Sprintf("%s&page=%d", path, 1+i%5))
			if !personal(body) {
				b.Fatalf("warm page %d is not personal", 1+i%5)
			}
			warm = append(warm, d)
		}
		b.ReportMetric(msf(processCPU()-cpu)/500, "warm-cpu-ms/op")
		p50, p99 := percentiles(warm)
		b.ReportMetric(p50, "warm-p50-ms")
		b.ReportMetric(p99, "warm-p99-ms")

		var after, learnt []time.Duration
		polls := 0
		cpu = processCPU()
		for _, id := range fresh {
			_, body := getForYou(b, h, cookie, path)
			total := rankedTotal(b, body)
			if _, err := st.Vote(ctx, a.ID, id, true); err != nil {
				b.Fatal(err)
			}
			signal := time.Now()
			d, body := getForYou(b, h, cookie, path)
			after = append(after, d)
			for rankedTotal(b, body) == total {
				time.Sleep(50 * time.Millisecond)
				_, body = getForYou(b, h, cookie, path)
				polls++
			}
			learnt = append(learnt, time.Since(signal))
		}
		b.ReportMetric(msf(processCPU()-cpu)/float64(len(fresh)), "signal-cpu-ms/op")
		b.ReportMetric(float64(polls)/float64(len(fresh)), "polls/op")
		p50, p99 = percentiles(after)
		b.ReportMetric(p50, "after-signal-p50-ms")
		b.ReportMetric(p99, "after-signal-p99-ms")
		p50, p99 = percentiles(learnt)
		b.ReportMetric(p50, "until-learnt-p50-ms")
		b.ReportMetric(p99, "until-learnt-p99-ms")
		b.Logf("load average after the signals: %s", loadAverage())
		site.Close()
	}
	b.StopTimer()

	// The background work alone, on a service of its own (nothing else
	// runs meanwhile): reading the windows and making their features,
	// then a training and ranking after each of 20 new signals.
	cpu, start := processCPU(), time.Now()
	recs := recommend.NewService(st, svc, slog.New(slog.DiscardHandler), clock)
	defer recs.Close()
	idle := func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		if err := recs.WaitIdle(wctx); err != nil {
			b.Fatal(err)
		}
	}
	idle()
	b.ReportMetric(msf(time.Since(start)), "windows-ms")
	b.ReportMetric(msf(processCPU()-cpu), "windows-cpu-ms")
	if _, err := recs.Rank(ctx, a, 30, 0, 20); err != nil {
		b.Fatal(err)
	}
	idle()
	more := topicPapers(b, svc, "neural machine translation", 20)
	cpu = processCPU()
	for _, id := range more {
		if _, err := st.Vote(ctx, a.ID, id, true); err != nil {
			b.Fatal(err)
		}
		if _, err := recs.Rank(ctx, a, 30, 0, 20); err != nil {
			b.Fatal(err)
		}
		idle()
	}
	b.ReportMetric(msf(processCPU()-cpu)/float64(len(more)), "train-cpu-ms/op")

	// A new reader: two categories and three seed papers.
	site, err := web.New(st, web.Options{Search: svc, Now: clock, PageCacheBytes: -1, Limits: benchLimits()})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	h := site.Handler()
	c, cookie2 := signedInReader(b, st, "foryounew")
	seeds := []store.Signal{{Kind: store.SignalSeedCategory, Subject: "cs.CL"}, {Kind: store.SignalSeedCategory, Subject: "cs.SD"}}
	for _, id := range topicPapers(b, svc, "text to speech synthesis", 3) {
		seeds = append(seeds, store.Signal{Kind: store.SignalSeedPaper, Paper: id})
	}
	if err := st.AddSignal(ctx, c.ID, seeds...); err != nil {
		b.Fatal(err)
	}
	_, body := getForYou(b, h, cookie2, "/for-you?days=7")
	for !personal(body) {
		time.Sleep(20 * time.Millisecond)
		_, body = getForYou(b, h, cookie2, "/for-you?days=7")
	}
	logRanking(b, "a new reader who picked cs.CL, cs.SD and three text-to-speech papers (7 days)", body)
	b.ReportMetric(0, "ns/op")
}

// personal reports whether a For-you page is the reader's ranking, not
// trending with a note saying why.
func personal(body string) bool { return !strings.Contains(body, `class="notice"`) }

// rankedTotal is how many papers a For-you page says its ranking holds.
func rankedTotal(b *testing.B, body string) int {
	m := pagerTotal.FindStringSubmatch(body)
	if m == nil {
		b.Fatalf("no ranking's length on the page: %.300s", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var pagerTotal = regexp.MustCompile(`Papers \d+–\d+ of (\d+)`)

// windowPapers are the first n of ids in the benchmark's 30-day window
// and not among not.
func windowPapers(b *testing.B, st store.Store, ids, not []paper.ID, n int) []paper.ID {
	ps, err := st.WindowPapers(context.Background(), forYouClock.AddDate(0, 0, -29).Format(time.DateOnly), forYouClock.Format(time.DateOnly), 30000)
	if err != nil {
		b.Fatal(err)
	}
	in := map[paper.ID]bool{}
	for _, p := range ps {
		in[p.ID] = true
	}
	var out []paper.ID
	for _, id := range ids {
		if in[id] && !slices.Contains(not, id) && len(out) < n {
			out = append(out, id)
		}
	}
	if len(out) < n {
		b.Fatalf("only %d of the papers are in the window", len(out))
	}
	return out
}
