package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/github"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/retry"
	"github.com/dailypapers/dailypapers/internal/store"
)

// catalogueEvery is how often serve looks whether a harvest or a star
// refresh is due.
const catalogueEvery = 5 * time.Minute

// scheduleHarvest harvests --harvest-categories once a day after
// --harvest-hour, in one process of the site; a harvest that stopped
// (the process died, arXiv failed) resumes from its checkpoint at the next
// look, and one that failed is tried again an hour later.
func scheduleHarvest(ctx context.Context, cfg *config.Config, st store.Store, opt ingest.HarvestOptions, m *metrics.Metrics) {
	h := &arxiv.Harvester{BaseURL: cfg.OAIURL}
	var failedAt time.Time
	problem := trouble{job: "harvesting arXiv", name: "harvest", metrics: m}
	asLeader(ctx, st, "harvest", catalogueEvery, func(ctx context.Context) error {
		if time.Since(failedAt) < time.Hour {
			return nil
		}
		due, err := ingest.HarvestDue(ctx, st, opt.Categories, cfg.HarvestHour, time.Now())
		if err != nil || !due {
			return err
		}
		sum, err := ingest.Harvest(ctx, st, h, opt)
		for _, s := range sum.Sets {
			slog.Info("harvested arXiv", "set", s.Set, "from", s.From, "pages", s.Pages, "read", s.Read,
				"added", s.Added, "updated", s.Updated, "on_feed", s.OnFeed)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return err // stopping, or the lead was lost: not arXiv's doing
		case err != nil:
			failedAt = time.Now()
			problem.failed(err, "retry_in", time.Hour)
			return nil
		}
		problem.ok()
		return nil
	})
}

// scheduleStars refreshes star counts older than --stars-every, a batch
// at a time, in one process of the site. A rate limit that lifts within a
// few minutes is waited out; a longer one ends the batch, and the next
// look continues.
func scheduleStars(ctx context.Context, cfg *config.Config, st store.Store, m *metrics.Metrics) {
	gh := &github.Client{BaseURL: cfg.GitHubAPI, Token: cfg.GitHubToken, MaxWait: 2 * time.Minute}
	var until time.Time // GitHub's rate limit holds until then
	problem := trouble{job: "refreshing GitHub stars", name: "stars", metrics: m}
	asLeader(ctx, st, "stars", catalogueEvery, func(ctx context.Context) error {
		if time.Now().Before(until) {
			return nil
		}
		sum, err := ingest.RefreshStars(ctx, st, gh, ingest.StarsOptions{Limit: 200, MaxAge: cfg.StarsEvery})
		until = sum.RateLimited
		switch {
		case ctx.Err() != nil:
			return err
		case err != nil:
			problem.failed(err, "checked", sum.Checked, "failed", sum.Failed)
			return nil
		case sum.Checked == 0 && sum.Failed > 0:
			problem.failed(sum.Err, "failed", sum.Failed)
			return nil
		}
		problem.ok()
		if sum.Failed > 0 {
			slog.Info("refreshed GitHub stars", "checked", sum.Checked, "gone", sum.Gone, "failed", sum.Failed, "last_err", sum.Err)
		} else if sum.Checked > 0 {
			slog.Info("refreshed GitHub stars", "checked", sum.Checked, "gone", sum.Gone)
		}
		return nil
	})
}

// trouble says a catalogue job's failure once: at warn level, with what
// failed and why, when it begins or its cause changes; at debug level
// while it goes on (offline, every look fails alike); and at info level
// when the job works again.
//
// Each run it is told of counts in the metrics under name, and a run that
// worked sets the job's last success time.
type trouble struct {
	job     string
	cause   string // "" while the job works
	name    string
	metrics *metrics.Metrics
}

func (t *trouble) failed(err error, attrs ...any) {
	t.metrics.JobRun(t.name, false, time.Now())
	cause := err.Error()
	if retry.Unreachable(err) {
		cause = "unreachable" // the same whatever address or attempt it names
	}
	args := append([]any{"err", err}, attrs...)
	if cause == t.cause {
		slog.Debug(t.job+" failed again", args...)
		return
	}
	t.cause = cause
	slog.Warn(t.job+" failed", args...)
}

func (t *trouble) ok() {
	t.metrics.JobRun(t.name, true, time.Now())
	if t.cause != "" {
		slog.Info(t.job + " works again")
		t.cause = ""
	}
}
