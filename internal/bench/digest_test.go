// Digest benchmark: composing, queueing and sending the email digests of
// 100,000 subscribers on the shared benchmark database (the two arXiv
// files and the hosted feed, about 355,000 papers):
//
//	go test ./internal/bench -run '^$' -bench 'Digests$' -benchtime 1x -timeout 60m
//
// Setup (timed apart, not a target): the database, the search index
// (search.Service.Build, so that saved searches run through
// digest.IndexSearcher as in production), and 100,000 confirmed
// subscriptions with varied filters, half daily and half weekly, drawn
// with a fixed seed from the real titles and categories: a fifth with no
// filter; 1-3 categories (some a whole archive, such as "cs"); 1-3
// keywords (title words, some two-word phrases); both; and a tenth with a
// saved search query made of real title words. The first 1,000 are
// subscribed and confirmed through the store's API (Subscribe and
// ConfirmSubscription, a transaction each, whose rate is logged); the
// rest are inserted in one transaction of plain SQL, which is much
// faster, and a sample is read back through the store to check that both
// ways give the same subscriptions.
//
// The periods are real: the ISO week of the hosted feed's latest day
// (weekly subscribers) and the daily digest that covers that day (daily
// subscribers).
//
// Measured:
//   - compose: the two Editions, then Compose and Message for every
//     subscriber, one at a time as Runner.Send does: digests/s, and the
//     p50 and p99 of one digest (Compose+Message);
//   - queue: Runner.Queue of both periods (reading the active
//     subscriptions, EnqueueDigests of 100,000): jobs/s;
//   - send: Runner.Send of DAILYPAPERS_BENCH_DIGEST_SEND jobs (5,000 by
//     default; "all" sends every queued job) through mail.SMTPSender
//     (RatePerSecond 0, no TLS) to an in-process go-smtp server on
//     loopback that reads each message and discards it: mails/s. Each
//     mail is the whole path: claim (a write transaction), the
//     subscription, Compose, Message, the SMTP conversation on a new
//     connection, MarkSending and MarkSent (a write transaction each; the
//     store commits with synchronous=FULL, so every one is an fsync).
package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

const (
	digestSubscribers = 100_000
	digestViaAPI      = 1_000 // of them, subscribed through the store's API
	digestSendDefault = 5_000
)

// digestSetup is what the benchmark adds to the database once per
// process.
type digestSetup struct {
	weekly, daily digest.Period
	subs          int           // subscriptions added
	queries       int           // of them with a saved search query
	took          time.Duration // of the subscriptions, and finding the periods
	apiRate       float64       // subscriptions/s through Subscribe+ConfirmSubscription
	weeklyPapers  int
	dailyPapers   int
	distinctQuery int
}

var (
	digestOnce sync.Once
	digestSt   *digestSetup
	digestErr  error
)

// BenchmarkDigests composes, queues and sends the digests of 100,000
// subscribers; see the top of this file.
func BenchmarkDigests(b *testing.B) {
	dbStart := time.Now()
	st := benchStore(b)
	dbTook := time.Since(dbStart)
	ctx := context.Background()
	digestOnce.Do(func() { digestSt, digestErr = setupDigests(ctx, st) })
	if digestErr != nil {
		b.Fatal(digestErr)
	}
	s := digestSt
	// The search index, for saved queries, on this benchmark's store.
	indexStart := time.Now()
	index := search.NewService(st, slog.New(slog.DiscardHandler))
	if err := index.Build(ctx, nil); err != nil {
		b.Fatal(err)
	}
	indexTook := time.Since(indexStart)
	setupTook := s.took + indexTook
	b.Logf("database %.1f s (the arXiv files and the hosted feed; built by the first benchmark of the process that needs it)", dbTook.Seconds())
	b.Logf("setup %.1f s: search index %.1f s (%d papers), %d subscriptions %.1f s (%d via the API at %.0f subscriptions/s, the rest in one SQL transaction), %d with a saved query (%d distinct)",
		setupTook.Seconds(), indexTook.Seconds(), index.Len(), s.subs, s.took.Seconds(), digestViaAPI, s.apiRate, s.queries, s.distinctQuery)
	b.Logf("periods: %s (%s..%s, %d papers) and %s (%s..%s, %d papers); GOMAXPROCS=%d, load average %s",
		s.weekly.Key, s.weekly.From, s.weekly.To, s.weeklyPapers, s.daily.Key, s.daily.From, s.daily.To, s.dailyPapers,
		runtime.GOMAXPROCS(0), loadAverage())

	key := []byte("digest-benchmark-signing-key-0123456789abcdef")
	signer, err := digest.NewSigner(key)
	if err != nil {
		b.Fatal(err)
	}
	c := &digest.Composer{Store: st, Search: digest.IndexSearcher{Index: index}, Signer: signer,
		BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
	quiet := slog.New(slog.DiscardHandler)

	sendN := digestSendDefault
	if v := os.Getenv("DAILYPAPERS_BENCH_DIGEST_SEND"); v == "all" {
		sendN = -1
	} else if v != "" {
		if sendN, err = strconv.Atoi(v); err != nil || sendN <= 0 {
			b.Fatalf("DAILYPAPERS_BENCH_DIGEST_SEND=%q: want a positive number or all", v)
		}
	}

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Another iteration (or -count) queues and sends again.
		if err := dropJobs(s.weekly.Key, s.daily.Key); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		// Compose.
		loadStart := time.Now()
		subs := activeSubs(b, st, store.Weekly)
		subs = append(subs, activeSubs(b, st, store.Daily)...)
		slices.SortFunc(subs, func(x, y store.Subscription) int { return int(x.ID - y.ID) })
		loadTook := time.Since(loadStart)
		if len(subs) != s.subs {
			b.Fatalf("%d active subscriptions, want %d", len(subs), s.subs)
		}
		cpu0 := processCPU()
		start := time.Now()
		eds := map[store.Frequency]*digest.Edition{}
		for _, p := range []digest.Period{s.weekly, s.daily} {
			ed, err := c.Edition(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			eds[p.Frequency] = ed
		}
		editionTook := time.Since(start)
		durations := make([]time.Duration, len(subs))
		var queryTime time.Duration
		var empty, matches, withMatches, size, queryMatches int
		// A fixed time: the mails are the same from run to run.
		now, _ := time.Parse(time.DateOnly, s.weekly.To)
		now = now.Add(32 * time.Hour) // Monday after the week, 08:00 UTC
		for j := range subs {
			sub := &subs[j]
			t := time.Now()
			d, err := c.Compose(ctx, eds[sub.Frequency], sub, now)
			if err != nil {
				b.Fatal(err)
			}
			m, err := c.Message(d, sub, now)
			if err != nil {
				b.Fatal(err)
			}
			durations[j] = time.Since(t)
			if sub.Query != "" {
				queryTime += durations[j]
				queryMatches += len(d.Matches)
			}
			if d.Empty() {
				empty++
			}
			if len(d.Matches) > 0 {
				withMatches++
			}
			matches += len(d.Matches)
			size += len(m.Text) + len(m.HTML)
		}
		composeTook := time.Since(start)
		composeCPU := processCPU() - cpu0
		composeRate := float64(len(subs)) / composeTook.Seconds()
		p50, p99 := percentiles(durations)
		b.Logf("compose: %d digests in %.2f s = %.0f digests/s (process CPU %.2f s; Editions %.1f ms; reading the subscriptions before, %.2f s); per digest p50 %.3f ms, p99 %.3f ms, max %.1f ms",
			len(subs), composeTook.Seconds(), composeRate, composeCPU.Seconds(), msf(editionTook), loadTook.Seconds(), p50, p99, msf(slices.Max(durations)))
		b.Logf("compose: %d with a saved query took %.2f s of it (%.0f matches each on average); %d digests have matches (%.1f on average), %d are empty; text+HTML %.1f KB on average",
			s.queries, queryTime.Seconds(), float64(queryMatches)/float64(max(1, s.queries)), withMatches,
			float64(matches)/float64(len(subs)), empty, float64(size)/float64(len(subs))/1024)

		// Queue.
		r := &digest.Runner{Store: st, Composer: c, Log: quiet}
		start = time.Now()
		queued := 0
		for _, p := range []digest.Period{s.weekly, s.daily} {
			n, err := r.Queue(ctx, p, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			queued += n.Queued
		}
		queueTook := time.Since(start)
		if queued != len(subs) {
			b.Fatalf("queued %d jobs, want %d", queued, len(subs))
		}
		queueRate := float64(queued) / queueTook.Seconds()
		b.Logf("queue: %d jobs in %.2f s = %.0f jobs/s", queued, queueTook.Seconds(), queueRate)

		// Send.
		sink := startDigestSink(b)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: sink.port, TLS: mail.TLSNone,
			From: "Daily Papers <papers@example.org>", HeloName: "papers.example.org", Timeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		want := sendN
		if want < 0 || want > queued {
			want = queued
		}
		timed := &timedDeliverer{d: sender}
		limited := &claimLimit{Store: st, left: want}
		r = &digest.Runner{Store: limited, Composer: c, Mail: timed, Log: quiet}
		cpu0 = processCPU()
		start = time.Now()
		counts, err := r.Send(ctx, time.Now)
		sendTook := time.Since(start)
		sendCPU := processCPU() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		if counts.Sent != want || counts.Failed+counts.Retried != 0 || sink.count.Load() != int64(want) {
			b.Fatalf("send: %+v, the sink got %d, want %d sent", counts, sink.count.Load(), want)
		}
		sendRate := float64(counts.Sent) / sendTook.Seconds()
		b.Logf("send: %d mails in %.2f s = %.0f mails/s (process CPU %.2f s), %.1f s of it in SMTPSender.Deliver (with MarkSending); the sink read %.1f MB",
			counts.Sent, sendTook.Seconds(), sendRate, sendCPU.Seconds(), timed.took.Seconds(), float64(sink.bytes.Load())/(1<<20))

		peak := procStatusMB("VmHWM")
		b.Logf("SUMMARY digests: %d subscribers, compose %.0f digests/s (p50 %.3f ms, p99 %.3f ms; target >= 1,000/s), queue %.0f jobs/s, send %.0f mails/s over %d mails (target >= 200/s); setup %.1f s; peak RSS %.0f MB",
			len(subs), composeRate, p50, p99, queueRate, sendRate, counts.Sent, setupTook.Seconds(), peak)
		b.ReportMetric(composeRate, "digests/s")
		b.ReportMetric(p50, "compose-p50-ms")
		b.ReportMetric(p99, "compose-p99-ms")
		b.ReportMetric(queueRate, "jobs/s")
		b.ReportMetric(sendRate, "mails/s")
		b.ReportMetric(setupTook.Seconds(), "setup-s")
		b.ReportMetric(peak, "peak-RSS-MB")
		b.ReportMetric(0, "ns/op")
	}
}

// setupDigests finds the periods and adds the subscriptions.
func setupDigests(ctx context.Context, st store.Store) (*digestSetup, error) {
	start := time.Now()
	s := &digestSetup{}

	// The periods: the week of the feed's latest day, and the daily digest
	// that covers that day (sent the next weekday).
	days, err := st.FeedDays(ctx, "0000-01-01", "9999-12-31")
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		return nil, fmt.Errorf("the feed is empty")
	}
	last, err := time.Parse(time.DateOnly, days[len(days)-1].Day)
	if err != nil {
		return nil, err
	}
	s.weekly = digest.Weekly(last)
	next := last.AddDate(0, 0, 1)
	for next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.AddDate(0, 0, 1)
	}
	s.daily = digest.Daily(next)
	for _, p := range []struct {
		p digest.Period
		n *int
	}{{s.weekly, &s.weeklyPapers}, {s.daily, &s.dailyPapers}} {
		if *p.n, err = st.FeedCount(ctx, p.p.From, p.p.To); err != nil {
			return nil, err
		}
		if *p.n == 0 {
			return nil, fmt.Errorf("period %s has no papers", p.p.Key)
		}
	}

	// The subscriptions.
	db, err := sql.Open("sqlite", "file:"+siteDB+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	v, err := digestVocabulary(ctx, db)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(11, 12))
	subs := make([]store.Subscription, digestSubscribers)
	distinct := map[string]bool{}
	for i := range subs {
		subs[i] = v.subscription(rng, i)
		if subs[i].Query != "" {
			s.queries++
			distinct[subs[i].Query] = true
		}
	}
	s.distinctQuery = len(distinct)
	created := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Millisecond)
	confirmed := created.Add(time.Minute)
	apiStart := time.Now()
	for i := range subs[:digestViaAPI] {
		subs[i].CreatedAt = created
		got, added, err := st.Subscribe(ctx, subs[i])
		if err != nil {
			return nil, err
		}
		if !added {
			return nil, fmt.Errorf("%s: already subscribed", subs[i].Email)
		}
		if err := st.ConfirmSubscription(ctx, got.ID, confirmed); err != nil {
			return nil, err
		}
	}
	s.apiRate = digestViaAPI / time.Since(apiStart).Seconds()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO subscriptions (email, frequency, categories, keywords, query, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs[digestViaAPI:] {
		kw, err := json.Marshal(sub.Keywords)
		if err != nil {
			return nil, err
		}
		if sub.Keywords == nil {
			kw = []byte("[]")
		}
		if _, err := stmt.ExecContext(ctx, sub.Email, string(sub.Frequency), strings.Join(sub.Categories, " "), string(kw),
			sub.Query, created.UnixMilli(), confirmed.UnixMilli()); err != nil {
			return nil, err
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.subs = len(subs)
	// Both ways give the same subscriptions.
	for _, i := range []int{0, 1, digestViaAPI - 1, digestViaAPI, digestViaAPI + 1, len(subs) / 2, len(subs) - 1} {
		got, err := st.SubscriptionByEmail(ctx, subs[i].Email)
		if err != nil {
			return nil, err
		}
		w := subs[i]
		if got.Frequency != w.Frequency || !slices.Equal(got.Categories, w.Categories) || !slices.Equal(got.Keywords, w.Keywords) ||
			got.Query != w.Query || !got.Active() || !got.CreatedAt.Equal(created) || !got.ConfirmedAt.Equal(confirmed) {
			return nil, fmt.Errorf("subscription %d reads back as %+v, want %+v", i, got, w)
		}
	}
	s.took = time.Since(start)
	return s, nil
}

// dropJobs deletes the jobs of the periods, so that they queue again.
func dropJobs(periods ...string) error {
	db, err := sql.Open("sqlite", "file:"+siteDB+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, p := range periods {
		if _, err := db.Exec(`DELETE FROM mail_jobs WHERE period = ?`, p); err != nil {
			return err
		}
	}
	return nil
}

func activeSubs(b *testing.B, st store.Store, f store.Frequency) []store.Subscription {
	var out []store.Subscription
	for after := int64(0); ; {
		page, err := st.ActiveSubscriptions(context.Background(), f, after, 1000)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// vocabulary is what subscriptions are drawn from: the most frequent
// content words and adjacent word pairs of real titles (every tenth paper),
// and the real categories and archives.
type vocabulary struct {
	words, pairs, cats, archives []string
}

var titleStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the of for and or in on to with from by via at as is are be its it this that
		we our using use based towards toward into over under between through without new can do does not how what when
		which why where one two three study analysis approach method methods results paper case some their all than
		more less other non pre multi`) {
		titleStop[w] = true
	}
}

func titleWords(title string) []string {
	return strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
}

func digestVocabulary(ctx context.Context, db *sql.DB) (*vocabulary, error) {
	rows, err := db.QueryContext(ctx, `SELECT title, categories FROM papers WHERE seq % 10 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	words, pairs, cats, archives := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var title, categories string
		if err := rows.Scan(&title, &categories); err != nil {
			return nil, err
		}
		ws := titleWords(title)
		for j, w := range ws {
			if len(w) < 4 || titleStop[w] || strings.Trim(w, "-") != w {
				continue
			}
			words[w]++
			if j+1 < len(ws) && len(ws[j+1]) >= 4 && !titleStop[ws[j+1]] && strings.Trim(ws[j+1], "-") == ws[j+1] {
				pairs[w+" "+ws[j+1]]++
			}
		}
		for _, c := range strings.Fields(categories) {
			cats[c]++
			a, _, _ := strings.Cut(c, ".")
			archives[a]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	top := func(m map[string]int, n, atLeast int) []string {
		keys := make([]string, 0, len(m))
		for k, c := range m {
			if c >= atLeast {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(x, y string) int {
			if m[x] != m[y] {
				return m[y] - m[x]
			}
			return strings.Compare(x, y)
		})
		return keys[:min(n, len(keys))]
	}
	v := &vocabulary{words: top(words, 3000, 5), pairs: top(pairs, 1000, 5), cats: top(cats, 150, 20), archives: top(archives, 20, 50)}
	if len(v.words) < 100 || len(v.pairs) < 100 || len(v.cats) < 20 || len(v.archives) < 3 {
		return nil, fmt.Errorf("vocabulary too small: %d words, %d pairs, %d categories, %d archives", len(v.words), len(v.pairs), len(v.cats), len(v.archives))
	}
	return v, nil
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// subscription i: 20% no filter, 25% categories, 25% keywords, 20% both,
// 10% a saved query (a third of those with categories or keywords too);
// half daily, half weekly.
func (v *vocabulary) subscription(rng *rand.Rand, i int) store.Subscription {
	sub := store.Subscription{Email: fmt.Sprintf("reader%06d@example.org", i), Frequency: store.Weekly}
	if rng.IntN(2) == 0 {
		sub.Frequency = store.Daily
	}
	cats := func() {
		for n := 1 + rng.IntN(3); len(sub.Categories) < n; {
			c := pick(rng, v.cats)
			if rng.IntN(10) == 0 {
				c = pick(rng, v.archives)
			}
			if !slices.Contains(sub.Categories, c) {
				sub.Categories = append(sub.Categories, c)
			}
		}
	}
	keywords := func() {
		for n := 1 + rng.IntN(3); len(sub.Keywords) < n; {
			k := pick(rng, v.words)
			if rng.IntN(5) == 0 {
				k = pick(rng, v.pairs)
			}
			if !slices.Contains(sub.Keywords, k) {
				sub.Keywords = append(sub.Keywords, k)
			}
		}
	}
	switch r := rng.IntN(100); {
	case r < 20:
	case r < 45:
		cats()
	case r < 70:
		keywords()
	case r < 90:
		cats()
		keywords()
	default:
		switch rng.IntN(4) {
		case 0:
			sub.Query = pick(rng, v.words)
		case 1:
			sub.Query = pick(rng, v.words) + " " + pick(rng, v.words)
		case 2:
			sub.Query = pick(rng, v.pairs)
		default:
			sub.Query = `"` + pick(rng, v.pairs) + `"`
		}
		if rng.IntN(5) == 0 {
			sub.Query += " cat:" + pick(rng, v.cats)
		}
		switch rng.IntN(6) {
		case 0:
			cats()
		case 1:
			keywords()
		}
	}
	return sub
}

// claimLimit lets Runner.Send claim at most left jobs, then reports that
// none is due.
type claimLimit struct {
	store.Store
	left int
}

func (s *claimLimit) ClaimMailJob(ctx context.Context, claim string, now time.Time, lease time.Duration) (store.MailJob, error) {
	if s.left <= 0 {
		return store.MailJob{}, fmt.Errorf("benchmark: claim limit reached: %w", store.ErrNotFound)
	}
	s.left--
	return s.Store.ClaimMailJob(ctx, claim, now, lease)
}

// timedDeliverer adds up the time spent in Deliver.
type timedDeliverer struct {
	d    digest.Deliverer
	took time.Duration
}

func (t *timedDeliverer) Deliver(ctx context.Context, m mail.Message, commit func() error) error {
	start := time.Now()
	err := t.d.Deliver(ctx, m, commit)
	t.took += time.Since(start)
	return err
}

// digestSink is an in-process SMTP server that reads every message and
// discards it.
type digestSink struct {
	port         int
	count, bytes atomic.Int64
}

type digestSinkSession struct{ s *digestSink }

func (digestSinkSession) Reset()                                 {}
func (digestSinkSession) Logout() error                          { return nil }
func (digestSinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (digestSinkSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (ss digestSinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	ss.s.count.Add(1)
	ss.s.bytes.Add(n)
	return nil
}

func startDigestSink(b *testing.B) *digestSink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &digestSink{port: l.Addr().(*net.TCPAddr).Port}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return digestSinkSession{s}, nil
	}))
	srv.Domain = "sink.example.org"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return s
}
