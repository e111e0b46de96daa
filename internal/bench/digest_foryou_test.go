// The For-you digest benchmark: a weekly digest run with a For-you
// section for each of 10,000 subscribers, on the 355k-paper database:
//
//	DAILYPAPERS_BENCH_DB=/var/tmp/benchdb/dailypapers.db \
//	    go test ./internal/bench -run '^$' -bench DigestForYou -benchtime 1x -timeout 60m -v
//
// Setup (timed apart): the search index with its vectors; 10,000 accounts,
// each with a confirmed weekly subscription asking for For you and 5 to
// 50 signals on one to three of 20 topics (papers found by searching the
// topic: saves, a fifth "More like this", and for a third of them a
// followed category), written in one SQL transaction; then the models of
// the first 500 readers trained by the site's For-you service, as the
// site trains them when signals change, and kept in the store; the other
// 9,500 readers have the signals of one of those 500 (reader i those of
// reader i mod 500) and a copy of its kept model, since 10,000 trainings
// would take the shared machine most of an hour and the digest's cost
// does not depend on whose model it reads.
//
// The period is the ISO week 2026-W26 (June 22-28), the last full week of
// harvested papers in the arXiv file: about 1,100 listed that week and
// the feed's entries of those days, all ranked for each reader.
//
// Measured: compose (the Edition, the period's features made once, then
// Compose and Message for each subscriber as Runner.Send does: readers/s,
// process CPU, p50 and p99 of one digest), and the run (Runner.Queue of
// the period, then Runner.Send of every job through the SMTP sender to
// an in-process sink: readers/s).
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/store"
)

const (
	forYouSubscribers = 10_000
	forYouTrained     = 500 // distinct readers whose models are trained
)

// forYouTopics are what the benchmark's readers read, each with the
// category a reader of it may follow.
var forYouTopics = []struct{ query, cat string }{
	{"reinforcement learning from human feedback", "cs.CL"},
	{"gaussian splatting", "cs.CV"},
	{"speech recognition", "eess.AS"},
	{"diffusion models image generation", "cs.CV"},
	{"graph neural networks", "cs.LG"},
	{"large language model agents", "cs.AI"},
	{"retrieval augmented generation", "cs.IR"},
	{"vision language models", "cs.CV"},
	{"robot manipulation", "cs.RO"},
	{"federated learning", "cs.LG"},
	{"quantum error correction", "quant-ph"},
	{"protein structure prediction", "q-bio.BM"},
	{"autonomous driving", "cs.RO"},
	{"time series forecasting", "cs.LG"},
	{"code generation", "cs.SE"},
	{"medical image segmentation", "eess.IV"},
	{"adversarial robustness", "cs.CR"},
	{"knowledge distillation", "cs.LG"},
	{"recommender systems", "cs.IR"},
	{"machine translation", "cs.CL"},
}

// forYouPlan is one reader's signals.
type forYouPlan struct {
	saves, more []paper.ID
	cats        []string
}

func (p forYouPlan) signals() int { return len(p.saves) + len(p.more) + len(p.cats) }

// BenchmarkDigestForYou times a weekly digest run with For-you sections
// for 10,000 subscribers; see the top of this file.
func BenchmarkDigestForYou(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	quiet := slog.New(slog.DiscardHandler)
	setupStart := time.Now()

	// The readers' signals.
	pools := make([][]paper.ID, len(forYouTopics))
	for i, t := range forYouTopics {
		pools[i] = topicPapers(b, svc, t.query, 200)
	}
	rng := rand.New(rand.NewPCG(23, 7))
	plans := make([]forYouPlan, forYouTrained)
	signals := 0
	for i := range plans {
		topics := rng.Perm(len(forYouTopics))[:1+rng.IntN(3)]
		n := 5 + rng.IntN(46)
		seen := map[paper.ID]bool{}
		p := &plans[i]
		if rng.IntN(3) == 0 {
			p.cats = append(p.cats, forYouTopics[topics[0]].cat)
		}
		for len(p.saves)+len(p.more)+len(p.cats) < n {
			pool := pools[topics[rng.IntN(len(topics))]]
			id := pool[rng.IntN(len(pool))]
			if seen[id] {
				continue
			}
			seen[id] = true
			if rng.IntN(5) == 0 {
				p.more = append(p.more, id)
			} else {
				p.saves = append(p.saves, id)
			}
		}
		signals += p.signals()
	}
	users, err := addForYouReaders(ctx, plans)
	if err != nil {
		b.Fatal(err)
	}
	writeTook := time.Since(setupStart)

	// The site trains the first 500 readers' models, as it does when
	// their signals change, and keeps them.
	site := recommend.NewService(st, svc, quiet, func() time.Time { return forYouClock })
	trainStart, trainCPU := time.Now(), processCPU()
	for _, id := range users[:forYouTrained] {
		site.Changed(id)
	}
	if err := site.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	trainTook, trainCPU := time.Since(trainStart), processCPU()-trainCPU
	site.Close()
	kept, bytes, err := copyForYouModels(ctx, users)
	if err != nil {
		b.Fatal(err)
	}
	if kept != forYouTrained {
		b.Fatalf("%d models kept after training %d readers", kept, forYouTrained)
	}
	b.Logf("setup %.1f s: %d accounts and subscriptions with %d signals (%.1f a reader of the %d distinct) written in %.1f s; %d models trained in %.1f s (%.2f s of process CPU, 2 at once), kept at %.1f KB on average and copied to the other %d readers; GOMAXPROCS=%d, load average %s",
		time.Since(setupStart).Seconds(), len(users), signals*forYouSubscribers/forYouTrained, float64(signals)/forYouTrained, forYouTrained,
		writeTook.Seconds(), forYouTrained, trainTook.Seconds(), trainCPU.Seconds(), float64(bytes)/forYouTrained/1024, len(users)-forYouTrained,
		runtime.GOMAXPROCS(0), loadAverage())

	period := digest.Weekly(time.Date(2026, 6, 24, 0, 0, 0, 0, time.UTC))
	signer, err := digest.NewSigner([]byte("digest-benchmark-signing-key-0123456789abcdef"))
	if err != nil {
		b.Fatal(err)
	}
	c := &digest.Composer{Store: st, Following: st, ForYou: recommend.NewDigest(st, svc), Accounts: st, Signer: signer,
		BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
	subs := make([]store.Subscription, 0, len(users))
	for after := int64(0); ; {
		page, err := st.ActiveSubscriptions(ctx, store.Weekly, after, 1000)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			if s.ForYou {
				subs = append(subs, s)
			}
		}
		after = page[len(page)-1].ID
	}
	if len(subs) != forYouSubscribers {
		b.Fatalf("%d For-you subscriptions, want %d", len(subs), forYouSubscribers)
	}

	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := dropJobs(period.Key); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		// Compose.
		now := time.Date(2026, 6, 29, 8, 0, 0, 0, time.UTC)
		cpu0, start := processCPU(), time.Now()
		ed, err := c.Edition(ctx, period)
		if err != nil {
			b.Fatal(err)
		}
		durations := make([]time.Duration, len(subs))
		var papers, withSection, notes int
		var first time.Duration
		example := ""
		for j := range subs {
			t := time.Now()
			d, err := c.Compose(ctx, ed, &subs[j], now)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Message(d, &subs[j], now); err != nil {
				b.Fatal(err)
			}
			durations[j] = time.Since(t)
			if j == 0 {
				first = durations[0] // the period's features are made here
			}
			papers += len(d.ForYou)
			if len(d.ForYou) > 0 {
				withSection++
			}
			if d.ForYouNote != "" {
				notes++
			}
			if j == 1 {
				for k, it := range d.ForYou {
					example += fmt.Sprintf("\n%2d. %s\n      %s", k+1, it.Paper.Title, it.Reason)
				}
			}
		}
		composeTook, composeCPU := time.Since(start), processCPU()-cpu0
		p50, p99 := percentiles(durations[1:])
		rate := float64(len(subs)) / composeTook.Seconds()
		b.Logf("compose: %d digests with For you in %.2f s = %.0f readers/s (process CPU %.2f s, %.2f ms a reader); the first (the period's features made) %.0f ms, then p50 %.2f ms, p99 %.2f ms; %d with a section (%.1f papers each), %d with a note; load average %s",
			len(subs), composeTook.Seconds(), rate, composeCPU.Seconds(), msf(composeCPU)/float64(len(subs)), msf(first), p50, p99,
			withSection, float64(papers)/float64(max(1, withSection)), notes, loadAverage())
		b.Logf("reader %d's For-you section (signals: %d saves, %d more like this, categories %v):%s",
			1, len(plans[1].saves), len(plans[1].more), plans[1].cats, example)

		// The sections apart: the For-you ranking alone (the account read
		// and Rank, as Composer.forYou does), then "From what you follow"
		// alone (the store's read of the period's followed papers).
		cands, err := c.ForYou.Candidates(ctx, period.From, period.To)
		if err != nil {
			b.Fatal(err)
		}
		cpu0, start = processCPU(), time.Now()
		for j := range subs {
			a, err := st.Account(ctx, subs[j].UserID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := cands.Rank(ctx, a, 10); err != nil {
				b.Fatal(err)
			}
		}
		rankTook, rankCPU := time.Since(start), processCPU()-cpu0
		from, to := forYouDay(b, period.From), forYouDay(b, period.To).AddDate(0, 0, 1)
		followed := 0
		cpu0, start = processCPU(), time.Now()
		for j := range subs {
			items, err := st.FollowedPapersBetween(ctx, subs[j].UserID, from, to, 30)
			if err != nil {
				b.Fatal(err)
			}
			followed += len(items)
		}
		followTook, followCPU := time.Since(start), processCPU()-cpu0
		b.Logf("sections apart: For you %.2f ms CPU a reader (%.0f readers/s); From what you follow %.2f ms CPU a reader (%.0f readers/s, %.1f papers each); the rest of compose %.2f ms; load average %s",
			msf(rankCPU)/float64(len(subs)), float64(len(subs))/rankTook.Seconds(), msf(followCPU)/float64(len(subs)), float64(len(subs))/followTook.Seconds(),
			float64(followed)/float64(len(subs)), (msf(composeCPU)-msf(rankCPU)-msf(followCPU))/float64(len(subs)), loadAverage())

		// The run: queue, then send every job.
		r := &digest.Runner{Store: st, Composer: c, Log: quiet}
		start = time.Now()
		n, err := r.Queue(ctx, period, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		queueTook := time.Since(start)
		sink := startDigestSink(b)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: sink.port, TLS: mail.TLSNone,
			From: "Daily Papers <papers@example.org>", HeloName: "papers.example.org", Timeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		r = &digest.Runner{Store: st, Composer: c, Mail: sender, Log: quiet, Workers: 2}
		cpu0, start = processCPU(), time.Now()
		counts, err := r.Send(ctx, time.Now)
		sendTook, sendCPU := time.Since(start), processCPU()-cpu0
		if err != nil {
			b.Fatal(err)
		}
		if counts.Sent != n.Queued || n.Queued < forYouSubscribers || sink.count.Load() != int64(counts.Sent) {
			b.Fatalf("queued %d, sent %+v, the sink got %d", n.Queued, counts, sink.count.Load())
		}
		runRate := float64(counts.Sent) / (queueTook + sendTook).Seconds()
		b.Logf("run: queued %d in %.2f s, sent %d in %.2f s (process CPU %.2f s, %.2f ms a reader) = %.0f readers/s over the run; load average %s",
			n.Queued, queueTook.Seconds(), counts.Sent, sendTook.Seconds(), sendCPU.Seconds(), msf(sendCPU)/float64(max(1, counts.Sent)), runRate, loadAverage())
		b.Logf("SUMMARY digest For you: %d subscribers, week %s..%s (%d papers ranked for each), compose %.0f readers/s (%.2f ms CPU each), run %.0f readers/s (target >= 200/s)",
			len(subs), period.From, period.To, forYouPeriodPapers(ctx, b, c, period), rate, msf(composeCPU)/float64(len(subs)), runRate)
		b.ReportMetric(rate, "compose-readers/s")
		b.ReportMetric(runRate, "run-readers/s")
		b.ReportMetric(p99, "compose-p99-ms")
		b.ReportMetric(0, "ns/op")
	}
}

// forYouPeriodPapers counts the papers a period's For-you sections rank.
func forYouPeriodPapers(ctx context.Context, b *testing.B, c *digest.Composer, p digest.Period) int {
	cands, err := c.ForYou.Candidates(ctx, p.From, p.To)
	if err != nil {
		b.Fatal(err)
	}
	return cands.Len()
}

// addForYouReaders writes the accounts, their signals and subscriptions
// in one transaction: reader i has plan i mod len(plans). It returns the
// accounts' ids in order.
func addForYouReaders(ctx context.Context, plans []forYouPlan) ([]int64, error) {
	db, err := sql.Open("sqlite", "file:"+siteDB+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	seqs := map[paper.ID]int64{}
	seqOf := func(id paper.ID) (int64, error) {
		if s, ok := seqs[id]; ok {
			return s, nil
		}
		var s int64
		err := tx.QueryRowContext(ctx, `SELECT seq FROM papers WHERE id = ?`, string(id)).Scan(&s)
		seqs[id] = s
		return s, err
	}
	at := forYouClock.Add(-48 * time.Hour).UnixMilli()
	ids := make([]int64, forYouSubscribers)
	for i := range ids {
		name := fmt.Sprintf("fyreader%05d", i)
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, created_at) VALUES (?, ?, ?) RETURNING id`,
			name, name+"@example.org", at).Scan(&ids[i]); err != nil {
			return nil, err
		}
		p := plans[i%len(plans)]
		for k, id := range p.saves {
			seq, err := seqOf(id)
			if err != nil {
				return nil, fmt.Errorf("paper %s: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO saved_papers (user_id, paper_seq, saved_at) VALUES (?, ?, ?)`, ids[i], seq, at+int64(k)); err != nil {
				return nil, err
			}
		}
		for k, id := range p.more {
			seq, err := seqOf(id)
			if err != nil {
				return nil, fmt.Errorf("paper %s: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reader_paper_signals (user_id, paper_seq, kind, created_at) VALUES (?, ?, 'more_like_this', ?)
				ON CONFLICT DO NOTHING`, ids[i], seq, at+int64(k)); err != nil {
				return nil, err
			}
		}
		for _, c := range p.cats {
			if _, err := tx.ExecContext(ctx, `INSERT INTO follows (user_id, kind, target, label, created_at) VALUES (?, 'category', ?, '', ?)`, ids[i], c, at); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO readers (user_id, version) VALUES (?, 1)`, ids[i]); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (email, user_id, frequency, created_at, confirmed_at, for_you)
			VALUES (?, ?, 'weekly', ?, ?, 1)`, name+"@example.org", ids[i], at, at+60_000); err != nil {
			return nil, err
		}
	}
	return ids, tx.Commit()
}

// copyForYouModels gives reader i the kept model of reader i mod
// forYouTrained, and returns how many were trained and their total size.
func copyForYouModels(ctx context.Context, users []int64) (kept int, bytes int64, err error) {
	db, err := sql.Open("sqlite", "file:"+siteDB+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	for i, id := range users[forYouTrained:] {
		src := users[(forYouTrained+i)%forYouTrained]
		if _, err := tx.ExecContext(ctx, `INSERT INTO reader_models (user_id, version, trained_at, model)
			SELECT ?, version, trained_at, model FROM reader_models WHERE user_id = ?`, id, src); err != nil {
			return 0, 0, err
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(model)), 0) FROM reader_models WHERE user_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", forYouTrained), ",")+`)`, anys(users[:forYouTrained])...).Scan(&kept, &bytes); err != nil {
		return 0, 0, err
	}
	return kept, bytes, tx.Commit()
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return slices.Clip(out)
}

// forYouDay parses a period's day.
func forYouDay(b *testing.B, day string) time.Time {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		b.Fatal(err)
	}
	return t
}
