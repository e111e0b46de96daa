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
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/paper"
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
		idx.UseEmbedder(emb)
		go idx.FollowEmbedding(ctx, searchPoll)
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
	site, err := web.New(st, web.Options{Logger: slog.Default(), Search: idx, Mail: sender, SecretKey: key,
		BaseURL: base, ArXiv: &arxiv.Client{BaseURL: cfg.ArXivAPI},
		SubmitWindow: noLimit(cfg.SubmitWindow), DailyCap: noLimit(cfg.DailyCap), TrustedProxies: cfg.TrustedProxies})
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
	runner := &digest.Runner{Store: st, Mail: deliverer, Composer: &digest.Composer{Store: st, Search: digest.IndexSearcher{Index: idx},
		Signer: signer, BaseURL: base, SiteName: "Daily Papers"}}
	go scheduleDigests(ctx, st, runner, loc, cfg.DigestHour)
	if len(harvest.Categories) > 0 {
		go scheduleHarvest(ctx, cfg, st, harvest)
	}
	if cfg.StarsEvery > 0 {
		go scheduleStars(ctx, cfg, st)
	}
	fmt.Fprintf(stdout, "Daily Papers is serving http://%s/ (database %s)\n", ln.Addr(), cfg.DatabaseName())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
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
	return nil
}

// digestEvery is how often serve looks for due digests and retries.
const digestEvery = time.Minute

// scheduleDigests queues and sends digests when they come due, in the one
// process that holds the "digests" lease. The queue would send each digest
// once anyway; the lease keeps the run records to one per period.
func scheduleDigests(ctx context.Context, st store.Store, r *digest.Runner, loc *time.Location, hour int) {
	done := map[string]bool{} // periods this process has queued
	asLeader(ctx, st, "digests", digestEvery, func(ctx context.Context) error {
		var due []digest.Period
		for _, p := range digest.Due(time.Now(), loc, hour) {
			if !done[p.Key] {
				due = append(due, p)
			}
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
// over once the lease (three intervals) has run out. Errors are logged.
func asLeader(ctx context.Context, st store.Store, name string, every time.Duration, job func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	holder := leaseHolder()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := whileLeading(ctx, st, name, holder, every, job); err != nil && ctx.Err() == nil {
			slog.Error(name, "err", err)
		}
	}
}

// whileLeading runs job if holder holds (or can take) the lease called
// name, and renews the lease every interval while the job runs, so that a
// job longer than the lease (a harvest waiting out arXiv) is not started
// again by another process. If the lease is lost, the job's context is
// cancelled.
func whileLeading(ctx context.Context, st store.Store, name, holder string, every time.Duration, job func(context.Context) error) error {
	lead, err := st.Lead(ctx, name, holder, time.Now(), 3*every)
	if err != nil {
		return fmt.Errorf("taking the lead: %w", err)
	}
	if !lead {
		return nil
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if lead, err := st.Lead(ctx, name, holder, time.Now(), 3*every); err != nil || !lead {
				if ctx.Err() == nil {
					slog.Error(name+": the lead was lost; stopping", "err", err)
				}
				cancel()
				return
			}
		}
	}()
	err = job(jobCtx)
	close(done)
	return err
}

// leaseHolder names this process among a site's processes.
func leaseHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}
