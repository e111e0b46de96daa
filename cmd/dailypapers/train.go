package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// trainFlags are train-embeddings' own flags.
type trainFlags struct {
	out, pairs, prefixes string
	fields               string
	holdout, limit       int
	warm                 bool
	opt                  static.Options
}

var trainCmd = command{
	name:    "train-embeddings",
	args:    "--out FILE PAPERS.jsonl[.xz] ...",
	summary: "train a built-in embedding model on paper records",
	help: `Train-embeddings trains a static embedding model (a vector per token of a
subword vocabulary, summed and normalised) for retrieval, on the papers of
the JSONL files given (the arXiv listing's or the hosted feed's, plain or
xz-compressed), and writes it as an asset that --word-vectors takes. Each
paper gives pairs of a query and its document (title → abstract, first
sentences → the rest, a later sentence → the rest, the hosted feed's
summary → the abstract), and the model learns to pick each query's own
document among a batch's (in-batch negatives). One paper in every
--holdout is left out (the papers scripts/arxiv-dev-collection.py puts in
its development collection). The same flags and files give the same model.

The built-in model was made with
  dailypapers train-embeddings --out internal/embed/static/builtin.dpse \
    ../shared/data/arxiv-daily-2025-2026.jsonl.xz ../shared/data/hf-daily-papers.jsonl.xz`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		f := trainFlags{opt: static.DefaultOptions()}
		o := &f.opt
		fs.StringVar(&f.out, "out", "", "asset file to write")
		fs.IntVar(&f.holdout, "holdout", 10, "leave out one paper in every N for development (0: none)")
		fs.StringVar(&f.fields, "fields", "", "train only on papers of these primary categories or archives, comma-separated (cs.CV,cs.CL or cs): the others are held out, for a development collection out of the training's field (scripts/arxiv-dev-collection.py --outside)")
		fs.IntVar(&f.limit, "limit", 0, "train on the first N papers only (0: all), for short trials")
		fs.StringVar(&o.Name, "name", o.Name, "the model's name, under which vectors are stored")
		fs.IntVar(&o.Dim, "dim", o.Dim, "dimensions trained")
		fs.StringVar(&f.prefixes, "prefixes", joinInts(o.Prefixes), "shorter prefixes trained to work alone (Matryoshka), comma-separated")
		fs.IntVar(&o.Keep, "keep", o.Keep, "dimensions kept in the asset (a trained prefix)")
		fs.IntVar(&o.Vocab.Words, "words", o.Vocab.Words, "most frequent words kept as tokens")
		fs.IntVar(&o.Vocab.MinCount, "min-count", o.Vocab.MinCount, "times a word must occur to be a token")
		fs.IntVar(&o.Vocab.Pieces, "pieces", o.Vocab.Pieces, "subword pieces of the rarer words kept as tokens")
		fs.StringVar(&f.pairs, "pairs", strings.Join([]string{static.PairTitle, static.PairLead, static.PairSpan, static.PairSummary}, ","), "kinds of training pairs")
		fs.IntVar(&o.Epochs, "epochs", o.Epochs, "passes over the papers")
		fs.IntVar(&o.Batch, "batch", o.Batch, "pairs a step (each pair's negatives are the others)")
		fs.Float64Var(&o.Temperature, "temperature", o.Temperature, "softmax temperature over cosines")
		fs.Float64Var(&o.LearnRate, "lr", o.LearnRate, "Adam's learning rate")
		fs.IntVar(&o.MaxTokens, "max-tokens", o.MaxTokens, "tokens of a text used in training")
		fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
		fs.BoolVar(&f.warm, "warm-start", true, "start the words' vectors from the GloVe word vectors built into the binary (their first dimensions)")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runTrain(ctx, f, args, stdout, stderr)
		}
	},
}

// splitList is a comma-separated flag's items, trimmed, without empty ones.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func runTrain(ctx context.Context, f trainFlags, args []string, stdout, stderr io.Writer) error {
	if f.out == "" || len(args) == 0 {
		return usageError{errors.New("train-embeddings: give --out FILE and the paper files")}
	}
	f.opt.Prefixes = nil
	for _, p := range strings.Split(f.prefixes, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return usageError{fmt.Errorf("train-embeddings: --prefixes: %q is not a number", p)}
		}
		f.opt.Prefixes = append(f.opt.Prefixes, n)
	}
	f.opt.Pairs = strings.Split(f.pairs, ",")
	var recs []static.Record
	held := 0
	for _, path := range args {
		err := readPapers(path, func(r static.Record) error {
			if static.HeldOut(r.ID, f.holdout) {
				held++
				return nil
			}
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("train-embeddings: %s: %w", path, err)
		}
	}
	recs = static.Merge(recs)
	if fields := splitList(f.fields); len(fields) > 0 {
		// After Merge: the hosted feed's records learn their category
		// from the listing's record of the same paper.
		kept := recs[:0]
		for _, r := range recs {
			if static.OutsideFields(r.Category, fields) {
				held++
				continue
			}
			kept = append(kept, r)
		}
		recs = kept
	}
	if f.limit > 0 && len(recs) > f.limit {
		recs = recs[:f.limit]
	}
	fmt.Fprintf(stdout, "%d papers to train on (%d records held out)\n", len(recs), held)
	if f.warm {
		glove, err := wordvec.Builtin()
		if err != nil {
			return err
		}
		f.opt.Warm = func(token string) []float32 {
			if strings.HasPrefix(token, "##") {
				return nil
			}
			return glove.Vector(token) // zero for a word GloVe lacks
		}
	}
	bar, done := lossBar(stderr)
	f.opt.Progress = bar
	start := time.Now()
	m, st, err := static.Train(ctx, recs, f.opt)
	done()
	if err != nil {
		return fmt.Errorf("train-embeddings: %w", err)
	}
	if err := writeFileAtomic(f.out, m.Write); err != nil {
		return fmt.Errorf("train-embeddings: %w", err)
	}
	fi, err := os.Stat(f.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %s: %d tokens x %d dimensions on %d papers (%d tokens), %d steps in %s; loss %.4f → %.4f; wrote %s (%.1f MB)\n",
		m.Name(), m.Vocab().Len(), m.Dim(), st.Papers, st.Tokens, st.Steps, time.Since(start).Round(time.Second),
		st.FirstLoss, st.LastLoss, f.out, float64(fi.Size())/1e6)
	return nil
}

// readPapers calls fn with each record of a JSONL file, plain or xz.
func readPapers(path string, fn func(static.Record) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(6); string(magic) == "\xfd7zXZ\x00" {
		if r, err = xz.NewReader(br); err != nil {
			return err
		}
	}
	return static.ReadRecords(r, fn)
}

// writeFileAtomic writes through fn to a temporary file beside path and
// renames it into place, so a failed run leaves no half asset.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".train-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// lossBar draws the training's progress with its loss and the time left
// on a terminal, and a line every 5% elsewhere (training runs for minutes,
// often with its output in a log).
func lossBar(w io.Writer) (progress func(step, steps int, loss float64), done func()) {
	var bar *progressbar.ProgressBar
	var avg float64
	tty := isTerminal(w)
	start := time.Now()
	return func(step, steps int, loss float64) {
			if step == 1 {
				avg = loss
			}
			avg = 0.95*avg + 0.05*loss
			if !tty {
				if step == steps || step%max(1, steps/20) == 0 {
					el := time.Since(start)
					left := time.Duration(float64(el) / float64(step) * float64(steps-step))
					fmt.Fprintf(w, "step %d/%d  loss %.4f  elapsed %s  left %s\n", step, steps, avg, el.Round(time.Second), left.Round(time.Second))
				}
				return
			}
			if bar == nil {
				bar = progressbar.NewOptions(steps, progressbar.OptionSetWriter(w),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionFullWidth())
			}
			bar.Describe(fmt.Sprintf("training, loss %.4f", avg))
			_ = bar.Set(step)
		}, func() {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(w)
			}
		}
}
