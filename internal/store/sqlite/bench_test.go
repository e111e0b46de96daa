package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

const (
	benchDays   = 40
	benchPerDay = 50 // 2,000 papers in all, about a quarter of a year of the hosted feed
)

var benchStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

func benchDay(d int) string { return benchStart.AddDate(0, 0, d).Format(time.DateOnly) }

func benchID(d, i int) paper.ID { return paper.ID(fmt.Sprintf("2501.%05d", d*benchPerDay+i)) }

// benchStore fills a store with benchDays days of benchPerDay papers each,
// with the sizes of real ones: a 1,200-character abstract, five authors,
// three categories, two versions and a submitter from a pool of 200.
func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "dailypapers.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	abstract := strings.Repeat("We study a model of language and vision at scale. ", 24)
	var recs []store.Record
	for d := range benchDays {
		for i := range benchPerDay {
			n := d*benchPerDay + i
			at := benchStart.AddDate(0, 0, d).Add(time.Duration(i) * 7 * time.Minute)
			authors := make([]paper.Author, 5)
			for a := range authors {
				authors[a] = paper.Author{Name: fmt.Sprintf("Author %d-%d", n, a)}
			}
			recs = append(recs, store.Record{
				Paper: paper.Paper{
					ID: benchID(d, i), Title: fmt.Sprintf("Paper %d: scaling laws for something rather specific", n),
					Abstract: abstract, Authors: authors, Categories: []string{"cs.CL", "cs.LG", "cs.AI"},
					Versions:  []paper.Version{{N: 1, Date: at.Add(-72 * time.Hour)}, {N: 2, Date: at.Add(-24 * time.Hour)}},
					Published: at.Add(-72 * time.Hour), Updated: at.Add(-24 * time.Hour),
					GitHubRepo: fmt.Sprintf("https://github.com/lab%d/repo%d", n%50, n), GitHubStars: n % 997,
					Upvotes: (n * 37) % 113, NumComments: n % 7, AsOf: at,
				},
				Submission: &store.Submission{Day: benchDay(d), Submitter: fmt.Sprintf("user%d", n%200), SubmittedAt: at},
			})
		}
	}
	im, err := s.BeginImport(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer im.Rollback()
	for i := 0; i < len(recs); i += 500 {
		if _, err := im.Write(b.Context(), recs[i:min(i+500, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkFeedDay reads the first page of one day's feed, as the daily page does.
func BenchmarkFeedDay(b *testing.B) {
	s := benchStore(b)
	ctx := b.Context()
	d := 0
	for b.Loop() {
		day := benchDay(d % benchDays)
		items, err := s.Feed(ctx, store.FeedQuery{From: day, To: day, Limit: 50})
		if err != nil || len(items) != benchPerDay {
			b.Fatalf("Feed(%s) = %d items, %v", day, len(items), err)
		}
		d++
	}
}

// BenchmarkPaper reads one paper by id, as the paper page does.
func BenchmarkPaper(b *testing.B) {
	s := benchStore(b)
	ctx := b.Context()
	n := 0
	for b.Loop() {
		id := benchID(n%benchDays, (n*17)%benchPerDay)
		p, err := s.Paper(ctx, id)
		if err != nil || p.ID != id {
			b.Fatalf("Paper(%s) = %q, %v", id, p.ID, err)
		}
		n++
	}
}

const benchAccounts = 1000

// benchAccountStore is benchStore with benchAccounts accounts (without
// password hashes: hashing is the sign-in's cost, not the store's). It
// returns the accounts' ids.
func benchAccountStore(b *testing.B) (*sqlite.Store, []int64) {
	b.Helper()
	s := benchStore(b)
	ids := make([]int64, benchAccounts)
	for i := range ids {
		a, err := s.CreateAccount(b.Context(), store.Account{
			User:  store.User{Username: fmt.Sprintf("voter%d", i), Fullname: fmt.Sprintf("Voter %d", i)},
			Email: fmt.Sprintf("voter%d@example.org", i),
		})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = a.ID
	}
	return s, ids
}

// randomPaper is one of benchStore's papers.
func randomPaper(rng *rand.Rand) paper.ID {
	return benchID(rng.IntN(benchDays), rng.IntN(benchPerDay))
}

// reportLatency reports the median and 99th percentile of durations.
func reportLatency(b *testing.B, durations []time.Duration) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkVote casts and withdraws upvotes one at a time, as POST /vote
// does: odd iterations vote up for a random paper by a random account,
// even ones withdraw that vote, so every iteration changes a row, the
// paper's count and the store version, and commits (synchronous=FULL, so
// a commit waits for the disk). It reports votes per second and the
// latency of one vote.
func BenchmarkVote(b *testing.B) {
	s, accounts := benchAccountStore(b)
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	var durations []time.Duration
	var user int64
	var id paper.ID
	up := false
	for b.Loop() {
		if up = !up; up {
			user, id = accounts[rng.IntN(len(accounts))], randomPaper(rng)
		}
		start := time.Now()
		if _, err := s.Vote(ctx, user, id, up); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "votes/s")
	reportLatency(b, durations)
}

// BenchmarkThrottleAll asks the two limits of a vote (the account's and
// the address's) at once, as every vote, comment, submission and sign-in
// now does before its own work: one write transaction of two upserts, on
// 1,000 accounts behind 100 addresses.
func BenchmarkThrottleAll(b *testing.B) {
	s, accounts := benchAccountStore(b)
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var durations []time.Duration
	for b.Loop() {
		now = now.Add(time.Millisecond)
		a := rng.IntN(len(accounts))
		start := time.Now()
		ok, _, err := s.ThrottleAll(ctx, now,
			store.Bucket{Key: fmt.Sprint("vote/account:", accounts[a]), Burst: 100, Every: 6 * time.Second},
			store.Bucket{Key: fmt.Sprint("vote/address:192.0.2.", a%100), Burst: 300, Every: 2 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		if !ok {
			b.Fatal("refused: the benchmark should stay within the limits")
		}
		durations = append(durations, time.Since(start))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	reportLatency(b, durations)
}

// BenchmarkVoteParallel is BenchmarkVote from 8×GOMAXPROCS goroutines at
// once, like as many visitors voting together. SQLite has one writer (the
// store's write pool has one connection), so the votes queue: votes per
// second stay about those of one writer and the latency of a vote grows
// with the queue.
func BenchmarkVoteParallel(b *testing.B) {
	s, accounts := benchAccountStore(b)
	ctx := b.Context()
	var (
		mu        sync.Mutex
		durations []time.Duration
		seed      atomic.Uint64
	)
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine votes as its own accounts, so no two goroutines
		// withdraw each other's votes.
		g := seed.Add(1)
		rng := rand.New(rand.NewPCG(g, 2))
		var mine []time.Duration
		var user int64
		var id paper.ID
		up := false
		for pb.Next() {
			if up = !up; up {
				user, id = accounts[(int(g)+64*rng.IntN(len(accounts)/64))%len(accounts)], randomPaper(rng)
			}
			t := time.Now()
			if _, err := s.Vote(ctx, user, id, up); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		durations = append(durations, mine...)
		mu.Unlock()
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "votes/s")
	reportLatency(b, durations)
}

// BenchmarkVoted reads which of a day page's 50 papers the viewer upvoted,
// the one query markVotes adds to every page a signed-in viewer sees, for
// a viewer with 200 upvotes of random papers and for one who upvoted all
// 2,000. It reports how many of the 50 the viewer had upvoted.
func BenchmarkVoted(b *testing.B) {
	for _, votes := range []int{200, benchDays * benchPerDay} {
		b.Run(fmt.Sprintf("votes=%d", votes), func(b *testing.B) {
			s, accounts := benchAccountStore(b)
			ctx := b.Context()
			rng := rand.New(rand.NewPCG(1, 2))
			viewer := accounts[0]
			for _, n := range rng.Perm(benchDays * benchPerDay)[:votes] {
				if _, err := s.Vote(ctx, viewer, benchID(n/benchPerDay, n%benchPerDay), true); err != nil {
					b.Fatal(err)
				}
			}
			days := make([][]paper.ID, benchDays)
			for d := range days {
				for i := range benchPerDay {
					days[d] = append(days[d], benchID(d, i))
				}
			}
			d, voted := 0, 0
			for b.Loop() {
				m, err := s.Voted(ctx, viewer, days[d%benchDays])
				if err != nil {
					b.Fatal(err)
				}
				voted += len(m)
				d++
			}
			b.ReportMetric(float64(voted)/float64(b.N), "voted/op")
		})
	}
}

// BenchmarkAddComment adds one top-level comment of about 600 bytes of
// Markdown per iteration, by a random account on a random paper: the
// insert, the paper's comment count and the store version in one
// transaction, and the commit.
func BenchmarkAddComment(b *testing.B) {
	s, accounts := benchAccountStore(b)
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	body := strings.Repeat("The ablation in *Table 3* leaves out the [baseline](https://example.org/b). ", 8)[:600]
	var durations []time.Duration
	for b.Loop() {
		start := time.Now()
		_, err := s.AddComment(ctx, store.Comment{
			PaperID: randomPaper(rng), Author: store.User{ID: accounts[rng.IntN(len(accounts))]}, Body: body,
		})
		if err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comments/s")
	reportLatency(b, durations)
}

// BenchmarkSessionAccount finds the account of a session cookie, which
// every request of a signed-in browser pays before anything else (the
// token's SHA-256, then one indexed join of sessions and users). Each of
// the 1,000 accounts has a session; lookups pick one at random.
func BenchmarkSessionAccount(b *testing.B) {
	s, accounts := benchAccountStore(b)
	ctx := b.Context()
	now := time.Now()
	tokens := make([]string, len(accounts))
	for i, id := range accounts {
		token, hash := auth.NewSessionToken()
		if err := s.CreateSession(ctx, store.Session{TokenHash: hash, UserID: id, CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		tokens[i] = token
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		i := rng.IntN(len(tokens))
		a, _, err := s.SessionAccount(ctx, auth.HashToken(tokens[i]), now)
		if err != nil || a.ID != accounts[i] {
			b.Fatalf("SessionAccount = %d, %v; want %d", a.ID, err, accounts[i])
		}
	}
}

// BenchmarkPapersOnFeed reads 50 papers by id with their first feed
// entries, as a page of search results does.
func BenchmarkPapersOnFeed(b *testing.B) {
	s := benchStore(b)
	ctx := b.Context()
	ids := make([]paper.ID, 50)
	n := 0
	for b.Loop() {
		for i := range ids {
			ids[i] = benchID((n+i*7)%benchDays, (n*13+i)%benchPerDay)
		}
		items, err := s.PapersOnFeed(ctx, ids)
		if err != nil || len(items) == 0 {
			b.Fatalf("PapersOnFeed = %d items, %v", len(items), err)
		}
		n++
	}
}

// BenchmarkMailJobSteps measures the three writes every digest takes
// (ClaimMailJob, MarkSending, MarkSent) committed with synchronous=FULL,
// an fsync each, and with NORMAL, as the store commits them:
//
//	go test ./internal/store/sqlite -run '^$' -bench MailJobSteps -benchtime 2000x -count 3
//
// "sending" is the step whose fsync, with FULL, lies between the mark and
// the message's final dot: a process killed during it may leave the job
// marked and the message never delivered.
func BenchmarkMailJobSteps(b *testing.B) {
	for _, mode := range []struct {
		name string
		full bool
	}{{"synchronous=FULL", true}, {"synchronous=NORMAL", false}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := b.Context()
			s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "dailypapers.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.SetFullQueueSync(mode.full)
			ids := make([]int64, b.N)
			for i := range ids {
				sub, _, err := s.Subscribe(ctx, store.Subscription{Email: fmt.Sprintf("s%d@example.org", i), Frequency: store.Daily})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = sub.ID
			}
			now := time.Now()
			for _, id := range ids {
				if err := s.ConfirmSubscription(ctx, id, now); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.EnqueueDigests(ctx, "daily:2025-09-03", ids, now); err != nil {
				b.Fatal(err)
			}
			var sending time.Duration
			b.ResetTimer()
			for range b.N {
				job, err := s.ClaimMailJob(ctx, "bench", time.Now(), time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := s.MarkSending(ctx, job.ID, "bench", "<m@example.org>"); err != nil {
					b.Fatal(err)
				}
				sending += time.Since(start)
				if err := s.MarkSent(ctx, job.ID, "bench", time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sending.Microseconds())/float64(b.N), "µs-sending/op")
		})
	}
}
