package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// searchPoll is how often the search index looks for changes in the store:
// a stored paper is searchable within this time.
const searchPoll = 250 * time.Millisecond

var serveCmd = command{
	name:    "serve",
	summary: "run the web site",
	help: `Serve runs the web site on --addr with the SQLite database in --data,
creating both the directory and the database when they do not exist. On
first start with an empty database it loads a built-in demo set of real
papers (the last 60 days of the Hugging Face Daily Papers feed) unless
--demo=false. It stops cleanly on SIGINT or SIGTERM, finishing requests in
flight.

Search ranks by words and meaning: papers are embedded in the background
with the built-in word vectors, or with an OpenAI-compatible embeddings
server (--embedder URL --embed-model NAME), and the vectors are kept in
the database. --embedder none turns semantic ranking off.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc { c.ServeFlags(fs); return runServe },
}

// noLimit turns a setting's 0 ("no limit") into web.Options' negative
// value, since 0 there means the default.
func noLimit[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

func runServe(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("serve takes no arguments, got %q", args)}
	}
	var harvest ingest.HarvestOptions
	if len(cfg.HarvestCategories) > 0 {
		var err error
		if harvest, err = harvestOptions(cfg, strings.Join(cfg.HarvestCategories, ",")); err != nil {
			return usageError{err}
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Demo {
		loaded, sums, err := demo.LoadIfEmpty(ctx, st, stderr)
		if err != nil {
			return err
		}
		if loaded {
			for _, s := range sums {
				slog.Info("loaded demo data", "file", s.File, "papers", s.Read, "added", s.Added)
			}
		}
	}
	// The search index opens in the background (from its snapshot, or built
	// from the database): the site serves at once and search answers
	// "being built" until it is ready.
	idx := search.NewService(st, slog.Default())
	emb, err := newEmbedder(cfg)
	if err != nil {
		return err
	}
	if emb != nil {
		idx.UseEmbedder(emb) // the embedding job starts with the other jobs, below
	}
	indexDone := make(chan struct{})
	go func() {
		defer close(indexDone)
		start := time.Now()
		built, err := idx.Open(ctx, cfg.IndexPath(), nil)
		if err != nil {
			if ctx.Err() == nil {
				slog.Error("search index failed", "err", err)
			}
			return
		}
		slog.Info("search index ready", "papers", idx.Len(), "built", built, "seconds", time.Since(start).Seconds())
		go keepSimilarWarm(ctx, st, idx)
		idx.Follow(ctx, searchPoll)
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	key, err := loadSecret(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	sender, deliverer, err := newMailer(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	base := cfg.PublicURL()
	if cfg.BaseURL == "" {
		base = "http://" + ln.Addr().String() // the port actually bound, for --addr :0
	}
	m := newMetrics(cfg, st, idx)
	site, err := web.New(st, web.Options{Logger: slog.Default(), Search: idx, Mail: sender, SecretKey: key,
		BaseURL: base, ArXiv: &arxiv.Client{BaseURL: cfg.ArXivAPI},
		SubmitWindow: noLimit(cfg.SubmitWindow), DailyCap: noLimit(cfg.DailyCap), TrustedProxies: cfg.TrustedProxies,
		Metrics: m, MetricsToken: cfg.MetricsToken, AccessLog: cfg.AccessLog})
	if err != nil {
		ln.Close()
		return err
	}
	// Comments stored before their HTML was get it now, so that page views
	// never render Markdown (a view renders one still missing, once).
	go func() {
		n, err := site.RenderStoredComments(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Error("rendering stored comments failed", "err", err)
		case n > 0:
			slog.Info("rendered stored comments", "comments", n)
		}
	}()
	// Requests' contexts come from requestsCtx, so that work still running
	// when the shutdown's grace ends is told to stop (a search stops ranking)
	// instead of outliving the server.
	requestsCtx, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return requestsCtx },
		Handler:           site.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	signer, err := digest.NewSigner(key)
	if err != nil {
		ln.Close()
		return err
	}
	loc, _ := time.LoadLocation(cfg.DigestZone) // checked by Validate
	runner := &digest.Runner{Store: st, Mail: deliverer, Composer: &digest.Composer{Store: st, Following: st, Search: digest.IndexSearcher{Index: idx},
		ForYou: recommend.NewDigest(st, idx).TrainWith(site.ForYouTrainer()), Accounts: st, Signer: signer, BaseURL: base, SiteName: "Daily Papers"}, Metrics: m, Workers: digestWorkers}
	// The scheduled jobs stop with ctx and release their leases on the way
	// out; the shutdown waits for that (see jobsGrace).
	var jobs sync.WaitGroup
	jobs.Go(func() { scheduleDigests(ctx, st, runner, loc, cfg.DigestHour, cfg.DigestEvery, m) })
	if emb != nil {
		jobs.Go(func() { followEmbedding(ctx, st, idx, embedEvery) })
	}
	if len(harvest.Categories) > 0 {
		jobs.Go(func() { scheduleHarvest(ctx, cfg, st, harvest, m) })
	}
	if cfg.StarsEvery > 0 {
		jobs.Go(func() { scheduleStars(ctx, cfg, st, m) })
	}
	fmt.Fprintf(stdout, "Daily Papers is serving http://%s/ (database %s)\n", ln.Addr(), cfg.DatabaseName())
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, m, stdout)
		if err != nil {
			srv.Close()
			return err
		}
		defer stopMetrics()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stopping: the scheduled jobs stop with ctx and release their leases
	// (another process takes them over at its next look). With --drain the
	// site keeps serving while /readyz says it is going, so that a load
	// balancer takes it out of rotation before the listener closes and no
	// connection finds the port shut. Then Shutdown stops accepting and
	// lets the requests in flight finish, for up to shutdownGrace.
	slog.Info("shutting down", "drain", cfg.Drain)
	if cfg.Drain > 0 {
		site.Drain()
		select {
		case <-time.After(cfg.Drain):
		case err := <-errc:
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.Canceled) {
		stopRequests()
		srv.Close()
		return err
	}
	site.Close()
	<-indexDone
	// Save where the index got to, so the next start only catches up.
	if idx.Ready() {
		if err := idx.Save(cfg.IndexPath()); err != nil {
			slog.Warn("search index snapshot not saved", "err", err)
		}
	}
	if !waitFor(&jobs, jobsGrace) {
		slog.Warn("scheduled jobs still stopping; their leases run out on their own", "seconds", jobsGrace.Seconds())
	}
	slog.Info("stopped")
	return nil
}

// shutdownGrace bounds how long a shutdown waits for requests in flight;
// those still running then have their contexts cancelled.
const shutdownGrace = 20 * time.Second

// jobsGrace bounds how long a shutdown waits for the scheduled jobs to
// stop and release their leases: a digest finishes the mail in hand, a
// harvest stops between requests.
const jobsGrace = 10 * time.Second

// waitFor waits for wg at most d and reports whether it was done.
func waitFor(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// scheduleDigests queues and sends digests when they come due, in the one
// process that holds the "digests" lease, looking every interval (the
// setting --digest-every). The queue would send each digest once anyway;
// the lease keeps the run records to one per period.
func scheduleDigests(ctx context.Context, st store.Store, r *digest.Runner, loc *time.Location, hour int, every time.Duration, m *metrics.Metrics) {
	done := map[string]bool{} // periods this process has queued
	asLeader(ctx, st, "digests", every, func(ctx context.Context) (err error) {
		defer func() {
			if ctx.Err() == nil {
				m.JobRun("digests", err == nil, time.Now())
			}
		}()
		var due []digest.Period
		for _, p := range digest.Due(time.Now(), loc, hour) {
			if !done[p.Key] {
				due = append(due, p)
			}
		}
		if len(due) > 0 {
			// A period another process ran, or this one before it was
			// restarted, is not run again.
			runs, err := st.DigestRuns(ctx, 50)
			if err != nil {
				return err
			}
			for _, run := range runs {
				if digest.Completed(run) {
					done[run.Period] = true
				}
			}
			due = slices.DeleteFunc(due, func(p digest.Period) bool { return done[p.Key] })
		}
		if len(due) == 0 {
			_, err := r.Send(ctx, time.Now) // retries that have come due
			return err
		}
		if _, err := r.Run(ctx, due, time.Now); err != nil {
			return err
		}
		for _, p := range due {
			done[p.Key] = true
		}
		return nil
	})
}

// embedEvery is how often a process of the site tries to take the
// "embed" lease, and its holder renews it: when the holder stops, another
// process starts embedding within this time (within three, if it died).
const embedEvery = 5 * time.Second

// followEmbedding embeds new and changed papers in the one process of the
// site that holds the "embed" lease, for as long as it holds it. The
// other processes embed nothing: their semantic indexes follow the vectors
// the holder stores (search.Service.Follow reads them from the store), so
// that a paper is embedded once, not once a process (with an embeddings
// server, each call is paid for).
func followEmbedding(ctx context.Context, st leaseStore, idx *search.Service, every time.Duration) {
	asLeader(ctx, st, "embed", every, func(ctx context.Context) error {
		idx.FollowEmbedding(ctx, searchPoll)
		return nil
	})
}

// keepSimilarWarm ranks the similar papers of the feed's newest week
// (the pages people open from it) every search.SimilarWarmEvery, so that
// none of them waits for a ranking on its first view. Each process keeps
// its own.
func keepSimilarWarm(ctx context.Context, st store.Store, idx *search.Service) {
	for {
		start := time.Now()
		ps, err := newestFeedPapers(ctx, st, 7)
		n := 0
		if err == nil {
			n, err = idx.WarmSimilar(ctx, ps, web.SimilarCount)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			slog.Warn("similar papers of the feed not warmed", "err", err)
		} else {
			slog.Debug("similar papers of the feed warmed", "papers", n, "seconds", time.Since(start).Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(search.SimilarWarmEvery):
		}
	}
}

// newestFeedPapers lists the papers of the feed's newest days: the newest
// day with papers and the days-1 before it.
func newestFeedPapers(ctx context.Context, st store.Store, days int) ([]paper.Paper, error) {
	last, err := st.LatestFeedDay(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.DateOnly, last)
	if err != nil {
		return nil, err
	}
	items, err := st.Feed(ctx, store.FeedQuery{From: t.AddDate(0, 0, 1-days).Format(time.DateOnly), To: last, Limit: 5000})
	if err != nil {
		return nil, err
	}
	ps := make([]paper.Paper, len(items))
	for i := range items {
		ps[i] = items[i].Paper
	}
	return ps, nil
}

// asLeader runs job every interval in the one process of the site that
// holds the lease called name; when that process stops, another takes
// over once the lease (three intervals) has run out, or at its next
// interval when the process released the lease on its way out, as it does
// when ctx ends. Errors are logged.
func asLeader(ctx context.Context, st leaseStore, name string, every time.Duration, job func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	l := &lease{st: st, name: name, holder: leaseHolder(), every: every, log: slog.Default()}
	defer l.release()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := whileLeading(ctx, l, job); err != nil && ctx.Err() == nil {
			slog.Error(name, "err", err)
		}
	}
}

// whileLeading runs job if the process holds (or can take) the lease l,
// and renews the lease every interval while the job runs, so that a job
// longer than the lease (a harvest waiting out arXiv) is not started again
// by another process. If the lease is lost, the job's context is
// cancelled.
func whileLeading(ctx context.Context, l *lease, job func(context.Context) error) error {
	lead, err := l.take(ctx)
	if err != nil {
		return fmt.Errorf("taking the lead: %w", err)
	}
	if !lead {
		return nil
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	var renewing sync.WaitGroup
	renewing.Go(func() {
		t := time.NewTicker(l.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if lead, err := l.take(ctx); err != nil || !lead {
				if err != nil && ctx.Err() == nil {
					l.log.Error(l.name+": the lease could not be renewed; stopping", "holder", l.holder, "err", err)
				}
				cancel()
				return
			}
		}
	})
	err = job(jobCtx)
	close(done)
	renewing.Wait()
	return err
}

// leaseStore is what a lease needs of the store.
type leaseStore interface {
	Lead(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Leases(ctx context.Context) ([]store.Lease, error)
}

// lease is this process's hold on one cluster-wide job's lease, which
// lasts three intervals and is renewed every one. It logs what an operator
// asks when a job did not run: who took the lease (info), each renewal
// (debug), its loss to another process (warn), who else holds it, when
// that changes (info), and its release.
type lease struct {
	st           leaseStore
	name, holder string
	every        time.Duration
	log          *slog.Logger
	held         bool   // whether the last take had the lease
	other        string // the other holder last logged
}

// take takes or renews the lease and reports whether this process has it.
func (l *lease) take(ctx context.Context) (bool, error) {
	now := time.Now()
	ok, err := l.st.Lead(ctx, l.name, l.holder, now, 3*l.every)
	if err != nil {
		return false, err
	}
	until := now.Add(3 * l.every)
	switch {
	case ok && !l.held:
		l.log.Info("lease taken", "job", l.name, "holder", l.holder, "until", until)
		l.other = ""
	case ok:
		l.log.Debug("lease renewed", "job", l.name, "holder", l.holder, "until", until)
	case l.held:
		l.other = l.current(ctx)
		l.log.Warn("lease lost", "job", l.name, "holder", l.holder, "taken_by", l.other)
	default:
		if h := l.current(ctx); h != l.other {
			l.log.Info("lease held by another process", "job", l.name, "holder", h)
			l.other = h
		}
	}
	l.held = ok
	return ok, nil
}

// current names the lease's holder as the store has it ("" when unknown).
func (l *lease) current(ctx context.Context) string {
	ls, err := l.st.Leases(ctx)
	if err != nil {
		return ""
	}
	for _, x := range ls {
		if x.Name == l.name {
			return x.Holder
		}
	}
	return ""
}

// release gives the lease up if this process holds it, so that another
// process takes the job over at its next interval instead of when the
// lease runs out. It runs after the process's context has ended, so it
// has a few seconds of its own.
func (l *lease) release() {
	if !l.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.st.ReleaseLease(ctx, l.name, l.holder); err != nil {
		l.log.Warn("lease not released", "job", l.name, "holder", l.holder, "err", err)
		return
	}
	l.held = false
	l.log.Info("lease released", "job", l.name, "holder", l.holder)
}

// leaseHolder names this process among a site's processes.
func leaseHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}
