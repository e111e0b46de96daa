package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/ingest"
)

// harvestFlags are harvest's own flags.
type harvestFlags struct {
	categories, from, until, format string
	days                            int
	dryRun                          bool
}

var harvestCmd = command{
	name:    "harvest",
	args:    "[--categories cs.CL,cs.CV] [--from YYYY-MM-DD] [--dry-run]",
	summary: "pull new and updated papers from arXiv (OAI-PMH)",
	help: `Harvest asks arXiv's OAI-PMH interface for the papers of the categories
that are new or changed, and merges them into the catalogue: one paper per
arXiv id however many versions it has, the latest version's metadata, the
list of versions with their dates, withdrawn papers marked. A repository
named in a paper's abstract or comments is linked to it. Harvested papers
are searchable; they go on the daily feed only when someone submits them,
or when their category is in --auto-feed (then on their announcement day).

It asks at most once every 3 seconds and waits as long as a 503 answer's
Retry-After says. After every page it saves where it is in the database:
stopped at any point, it continues from there when run again, and loses
nothing. A second run asks only for what changed since the first ended;
--from starts again from a day. Each category's archive is one OAI-PMH
set (cs, math, physics:hep-th), harvested once for all its categories.
"serve" harvests --harvest-categories each day.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f harvestFlags
		c.DataFlags(fs)
		c.HarvestFlags(fs)
		daily, _ := config.Lookup("harvest-categories") // what serve harvests each day
		fs.StringVar(&f.categories, "categories", "", "comma-separated arXiv categories or archives, such as cs.CL,cs.CV,cs.LG (default "+daily.Env+", or "+daily.Default+")")
		fs.StringVar(&f.from, "from", "", "start from this day (YYYY-MM-DD) instead of where the last harvest ended")
		fs.StringVar(&f.until, "until", "", "stop at this day (YYYY-MM-DD); default up to now")
		fs.IntVar(&f.days, "days", 7, "how many days back a category's first harvest goes without --from")
		fs.StringVar(&f.format, "format", arxiv.MetadataArXivRaw, "OAI-PMH metadata format: arXivRaw (with every version's date) or arXiv")
		fs.BoolVar(&f.dryRun, "dry-run", false, "fetch and count, write nothing")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runHarvest(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runHarvest(ctx context.Context, cfg *config.Config, f harvestFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("harvest takes no arguments, got %q", args)}
	}
	list := f.categories
	if list == "" {
		list = strings.Join(cfg.HarvestCategories, ",")
	}
	opt, err := harvestOptions(cfg, list)
	if err != nil {
		return usageError{err}
	}
	for _, day := range []string{f.from, f.until} {
		if _, err := time.Parse(time.DateOnly, day); day != "" && err != nil {
			return usageError{fmt.Errorf("--from and --until: %q is not a day such as 2025-09-01", day)}
		}
	}
	if f.format != arxiv.MetadataArXivRaw && f.format != arxiv.MetadataArXiv {
		return usageError{fmt.Errorf("--format %q: want arXivRaw or arXiv", f.format)}
	}
	opt.From, opt.Until, opt.FirstDays = f.from, f.until, f.days
	opt.MetadataPrefix, opt.DryRun = f.format, f.dryRun
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if isTerminal(stderr) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("harvest"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionFullWidth())
		opt.Progress = func(p ingest.HarvestProgress) {
			if p.Size > 0 {
				bar.ChangeMax(p.Size)
			}
			bar.Describe(fmt.Sprintf("%s: page %d, %d records", p.Set, p.Pages, p.Records))
			_ = bar.Set(p.Cursor)
		}
		defer fmt.Fprintln(stderr)
	}
	sum, err := ingest.Harvest(ctx, st, &arxiv.Harvester{BaseURL: cfg.OAIURL}, opt)
	for _, s := range sum.Sets {
		fmt.Fprintln(stdout, s)
	}
	if f.dryRun {
		fmt.Fprintln(stdout, "dry run: nothing was written")
	}
	return err
}

// harvestOptions checks the categories and auto-feed ones.
func harvestOptions(cfg *config.Config, categories string) (ingest.HarvestOptions, error) {
	cats, err := ingest.ParseCategories(categories)
	if err != nil {
		return ingest.HarvestOptions{}, fmt.Errorf("--categories: %w", err)
	}
	if len(cats) == 0 {
		return ingest.HarvestOptions{}, errors.New("name the categories to harvest with --categories, such as cs.CL,cs.CV")
	}
	auto, err := ingest.ParseCategories(strings.Join(cfg.AutoFeed, ","))
	if err != nil {
		return ingest.HarvestOptions{}, fmt.Errorf("--auto-feed: %w", err)
	}
	return ingest.HarvestOptions{Categories: cats, AutoFeed: auto}, nil
}
