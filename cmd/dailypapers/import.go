package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/ingest"
)

// importFlags are import's own flags.
type importFlags struct {
	format string
	index  bool
}

var importCmd = command{
	name:    "import",
	args:    "FILE...",
	summary: "load papers from daily-papers JSON/JSONL or arXiv metadata files",
	help: `Import loads papers into the database from files in these formats, plain,
.gz or .xz, recognised by their content:

  hf-api       the hosted API's GET /api/daily_papers JSON (an array of items)
  hf-jsonl     the hosted feed flattened, one (feed day, paper) per line
  arxiv-jsonl  arXiv metadata, one paper per line with an arxiv_id field
  kaggle       Kaggle's arxiv-metadata-oai-snapshot.json

Daily-papers records put papers on the feed of their day with their
submitter and upvotes; arXiv metadata fills the catalogue without touching
the feed. Importing again changes nothing; newer records update papers.
A bad record is reported with its file and line and skipped. Each file is
imported in one transaction: a file that cannot be read to the end leaves
nothing behind, and the command exits with status 1. At the end the
search index is built from the database and saved beside it, where serve
loads it (--index=false leaves that to serve's start).`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f importFlags
		c.DataFlags(fs)
		fs.StringVar(&f.format, "format", "auto", "force a format: auto, hf-api, hf-jsonl, arxiv-jsonl or kaggle")
		fs.BoolVar(&f.index, "index", true, "build the search index (and embed new papers) at the end, as reindex does, when papers changed")
		c.EmbedFlags(fs)
		return func(ctx context.Context, cfg *config.Config, files []string, stdout, stderr io.Writer) error {
			return runImport(ctx, cfg, f, files, stdout, stderr)
		}
	},
}

func runImport(ctx context.Context, cfg *config.Config, f importFlags, files []string, stdout, stderr io.Writer) error {
	if len(files) == 0 {
		return usageError{errors.New("import: name at least one file")}
	}
	format, err := ingest.ParseFormat(f.format)
	if err != nil {
		return usageError{err}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	tty := isTerminal(stderr)
	var failed []error
	changed := false
	for _, file := range files {
		opt := ingest.Options{Format: format, Warn: stderr}
		var bar *progressbar.ProgressBar
		if tty {
			bar = newBar(file)
			opt.Progress = func(p ingest.Progress) {
				if p.Size > 0 {
					bar.ChangeMax64(p.Size)
				}
				bar.Describe(fmt.Sprintf("%s: %d records", file, p.Records))
				_ = bar.Set64(p.BytesRead)
			}
		}
		sum, err := ingest.ImportFile(ctx, st, file, opt)
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(stderr)
		}
		if err != nil {
			fmt.Fprintln(stderr, "dailypapers import:", err)
			failed = append(failed, err)
			continue
		}
		fmt.Fprintln(stdout, sum)
		changed = changed || sum.Added > 0 || sum.Updated > 0
	}
	if f.index && changed {
		if err := reindex(ctx, cfg, st, stdout, stderr); err != nil {
			return fmt.Errorf("import: the papers are in; building the search index failed (run reindex): %w", err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("import: %d of %d files failed", len(failed), len(files))
	}
	return nil
}

// newBar draws progress over the bytes of the file, which gives a true ETA
// for compressed files too; the description counts records.
func newBar(file string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(file),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionThrottle(100e6),
		progressbar.OptionSetWidth(30),
		progressbar.OptionFullWidth(),
	)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
