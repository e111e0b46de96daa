package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/github"
	"github.com/dailypapers/dailypapers/internal/ingest"
)

// starsFlags are stars' own flags.
type starsFlags struct {
	limit  int
	maxAge time.Duration
	dryRun bool
}

var starsCmd = command{
	name:    "stars",
	args:    "[--limit N] [--max-age 24h] [--dry-run]",
	summary: "refresh the GitHub stars of papers' repositories",
	help: `Stars asks the GitHub REST API (GET /repos/{owner}/{repo}) for the star
counts of the repositories that papers link, most relevant first: those of
papers on the feed, newest day first, then those of the newest papers. It
skips repositories checked within --max-age, keeps one count a day per
repository (trending ranks by the stars gained in its week as well as the
total), and marks repositories that are gone.

It keeps to GitHub's rate limits: when a response says none are left, it
sends nothing more until the limit resets, waiting up to an hour; a longer
wait ends the run, which says until when. Without --github-token GitHub
allows 60 requests an hour; with one, 5,000. "serve" refreshes stars on
its own (--stars-every).`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f starsFlags
		c.DataFlags(fs)
		c.StarsFlags(fs)
		fs.IntVar(&f.limit, "limit", 1000, "most repositories to ask about")
		fs.DurationVar(&f.maxAge, "max-age", 24*time.Hour, "refresh counts older than this")
		fs.BoolVar(&f.dryRun, "dry-run", false, "ask GitHub, write nothing")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runStars(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runStars(ctx context.Context, cfg *config.Config, f starsFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("stars takes no arguments, got %q", args)}
	}
	if f.limit <= 0 || f.maxAge < 0 {
		return usageError{fmt.Errorf("--limit must be positive and --max-age not negative")}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opt := ingest.StarsOptions{Limit: f.limit, MaxAge: f.maxAge, DryRun: f.dryRun, Warn: stderr}
	if isTerminal(stderr) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("stars"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionFullWidth())
		opt.Progress = func(done, of int) {
			bar.ChangeMax(of)
			_ = bar.Set(done)
		}
		defer fmt.Fprintln(stderr)
	}
	gh := &github.Client{BaseURL: cfg.GitHubAPI, Token: cfg.GitHubToken}
	sum, err := ingest.RefreshStars(ctx, st, gh, opt)
	fmt.Fprintln(stdout, sum)
	if left, reset := gh.Remaining(); left >= 0 && !reset.IsZero() {
		fmt.Fprintf(stdout, "GitHub allows %d more requests until %s\n", left, reset.Local().Format(time.TimeOnly))
	}
	if f.dryRun {
		fmt.Fprintln(stdout, "dry run: nothing was written")
	}
	return err
}
