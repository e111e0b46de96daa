package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// searchFlags are search's own flags.
type searchFlags struct {
	limit int
	mode  string
}

var searchCmd = command{
	name:    "search",
	args:    `"QUERY"`,
	summary: "search the papers from the command line",
	help: `Search builds the search index from the database and prints the ranking
the site's /search page shows for QUERY: rank, arXiv id, score and title.
The query language is the site's: words, "exact phrases", -excluded words,
prefix*, author:Name, cat:cs.CL, year:2024, year:2020..2022,
after:2025-01-01, before:2025-06-30 and has:code. Semantic and hybrid
ranking use the vectors stored in the database (see serve and reindex).`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f searchFlags
		c.DataFlags(fs)
		c.EmbedFlags(fs)
		fs.IntVar(&f.limit, "limit", 10, "number of results to print (1-1000)")
		fs.StringVar(&f.mode, "mode", "hybrid", "ranking: hybrid, lexical or semantic")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runSearch(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runSearch(ctx context.Context, cfg *config.Config, f searchFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(`search: give a query, such as dailypapers search "long context language models"`)}
	}
	if f.limit < 1 || f.limit > 1000 {
		return usageError{fmt.Errorf("search: --limit %d: want 1 to 1000", f.limit)}
	}
	mode, err := search.ParseMode(f.mode)
	if err != nil {
		return usageError{fmt.Errorf("search: --mode: %w", err)}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := search.NewService(st, slog.Default())
	emb, err := newEmbedder(cfg)
	if err != nil {
		return err
	}
	if emb != nil && mode != search.Lexical {
		svc.UseEmbedder(emb)
	}
	if err := svc.Load(ctx, cfg.IndexPath()); err != nil {
		if !errors.Is(err, search.ErrNoSnapshot) {
			return err
		}
		if err := svc.Build(ctx, nil); err != nil {
			return err
		}
	}
	q, res, err := svc.Search(ctx, strings.Join(args, " "), mode, f.limit, 0)
	if q != nil {
		for _, n := range q.Notes {
			fmt.Fprintln(stderr, "note:", n)
		}
	}
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if res.Exact {
		fmt.Fprintf(stdout, "%d papers match; the first %d:\n", res.Total, len(res.Hits))
	} else {
		fmt.Fprintf(stdout, "the best %d matches:\n", len(res.Hits))
	}
	for i, h := range res.Hits {
		p, err := st.Paper(ctx, h.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%3d  %-18s %6.2f  %s\n", i+1, h.ID, h.Score, p.Title)
	}
	return nil
}

var reindexCmd = command{
	name:    "reindex",
	summary: "rebuild the search index from the database",
	help: `Reindex builds the search index again from every paper in the database
and saves it beside the database (search.idx), where "serve" loads it at
start and catches up with what changed since. Run it after upgrading, or
if search results look wrong; a running server keeps its own index. It
then embeds the papers that have no vector of the configured embedder
yet (serve does that too, in the background).`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc { c.DataFlags(fs); c.EmbedFlags(fs); return runReindex },
}

func runReindex(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("reindex takes no arguments, got %q", args)}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return reindex(ctx, cfg, st, stdout, stderr)
}

// reindex builds the search index from the store, saves it beside the
// database, and embeds the papers that have no vector yet.
func reindex(ctx context.Context, cfg *config.Config, st store.Store, stdout, stderr io.Writer) error {
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	svc := search.NewService(st, slog.Default())
	progress, done := countBar(stderr, stats.Papers, "indexing papers")
	defer done()
	start := time.Now()
	if err := svc.Build(ctx, progress); err != nil {
		return err
	}
	built := time.Since(start)
	if err := svc.Save(cfg.IndexPath()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "indexed %d papers in %.1fs (%.0f papers/s), saved to %s\n",
		svc.Len(), built.Seconds(), float64(svc.Len())/built.Seconds(), cfg.IndexPath())
	emb, err := newEmbedder(cfg)
	if err != nil || emb == nil {
		return err
	}
	svc.UseEmbedder(emb)
	progress, done = countBar(stderr, -1, "embedding papers without a vector")
	start = time.Now()
	n, err := svc.EmbedMissing(ctx, progress)
	done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "embedded %d papers with %s in %.1fs\n", n, emb.Name(), time.Since(start).Seconds())
	return nil
}

// evalFlags are eval's own flags.
type evalFlags struct {
	beir, split, mode, perQuery, fusion string
	weight                              float64
	recs, recsModel                     string
	recsReaders                         int
}

var evalCmd = command{
	name:    "eval",
	args:    "--beir DIR | --recs DIR",
	summary: "score search quality on a BEIR-layout test collection, or For-you rankings on a recommendation one",
	help: `Eval indexes a test collection in the BEIR layout (corpus.jsonl or
corpus.jsonl.xz, queries.jsonl, qrels/SPLIT.tsv) in a throwaway index, runs
every judged query and prints, on its last line,

  nDCG@10=0.xxxx Recall@100=0.xxxx

for the chosen ranking: lexical (BM25F), semantic (embeddings alone) or
hybrid (both fused, what the site serves). Semantic and hybrid embed the
whole collection with the configured embedder first (the built-in word
vectors by default). The database is not touched.

With --recs DIR it scores the For-you ranking instead, on a collection of
corpus.jsonl, users.jsonl and window.json (scripts/arxiv-recs-collection.py
builds one): for each reader the window's papers are ranked from the ones
they liked, and the last line is

  nDCG@10=0.xxxx Recall@50=0.xxxx users=N

--recs-model for-you (the default) is the site's reader model, with the
configured embedder; svm-tfidf is arxiv-sanity-lite's method, the baseline.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f evalFlags
		fs.StringVar(&f.beir, "beir", "", "directory of the collection")
		fs.StringVar(&f.split, "split", "", "judgments to use: qrels/SPLIT.tsv (default: dev, else test)")
		fs.StringVar(&f.mode, "mode", "lexical", "ranking to score: lexical, semantic or hybrid")
		fs.Float64Var(&f.weight, "semantic-weight", -1, "hybrid mode: share of the semantic score, 0..1 (default: the embedder's, 0.3 for the built-in model and 0.1 for others)")
		fs.StringVar(&f.fusion, "fusion", "", "hybrid mode: fixed (the weight for every query) or agreement (the weight times a half plus half the share of the lexical top ten the semantic top ten holds); default: the embedder's choice, fixed for the built-in model, GloVe and servers")
		fs.StringVar(&f.perQuery, "per-query", "", "also write each query's id and nDCG@10 to this file (tab-separated), to compare two runs query by query; with --recs, each reader's id, nDCG@10 and Recall@50")
		fs.StringVar(&f.recs, "recs", "", "directory of a recommendation collection (instead of --beir)")
		fs.StringVar(&f.recsModel, "recs-model", "for-you", "with --recs: for-you or svm-tfidf")
		fs.IntVar(&f.recsReaders, "recs-readers", 0, "with --recs: score only the first N readers, for a quick look (0: all)")
		c.EmbedFlags(fs)
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runEval(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runEval(ctx context.Context, cfg *config.Config, f evalFlags, args []string, stdout, stderr io.Writer) error {
	if (f.beir == "") == (f.recs == "") || len(args) > 0 {
		return usageError{errors.New("eval: give the collection with --beir DIR or --recs DIR")}
	}
	if f.recs != "" {
		return runEvalRecs(ctx, cfg, f, stdout, stderr)
	}
	mode, err := search.ParseMode(f.mode)
	if err != nil {
		return usageError{fmt.Errorf("eval: --mode: %w", err)}
	}
	if f.weight > 1 {
		return usageError{fmt.Errorf("eval: --semantic-weight %v: want 0 to 1", f.weight)}
	}
	if f.fusion != "" && f.fusion != "fixed" && f.fusion != "agreement" {
		return usageError{fmt.Errorf("eval: --fusion %q: want fixed or agreement", f.fusion)}
	}
	if mode != search.Lexical && cfg.Embedder == "none" {
		return usageError{fmt.Errorf("eval: --mode %s needs an embedder (not --embedder none)", mode)}
	}
	var b *search.BEIR
	splits := []string{f.split}
	if f.split == "" {
		splits = []string{"dev", "test"}
	}
	for _, split := range splits {
		if b, err = search.LoadBEIR(f.beir, split); err == nil {
			f.split = split
			break
		}
	}
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	ix := search.NewIndex()
	ix.Add(b.Docs...)
	var (
		emb  embed.Embedder
		vecs *search.Vectors
	)
	if mode != search.Lexical {
		if emb, err = newEmbedder(cfg); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		vecs, err = embedAll(ctx, emb, b.Docs, stderr)
		if err != nil {
			return fmt.Errorf("eval: embedding the collection: %w", err)
		}
	}
	weight := mode.WeightFor(emb)
	if mode == search.Hybrid && f.weight >= 0 {
		weight = float32(f.weight)
	}
	agree := mode.AgreeFor(emb)
	if f.fusion != "" {
		agree = mode == search.Hybrid && f.fusion == "agreement"
	}
	scores, err := b.Evaluate(ctx, ix.FusionRanker(weight, agree, emb, vecs))
	if err != nil {
		return err
	}
	model := ""
	if emb != nil {
		model = ", model " + emb.Name()
	}
	if f.perQuery != "" {
		var buf strings.Builder
		for i, q := range b.Queries {
			fmt.Fprintf(&buf, "%s\t%.6f\n", q.ID, scores.PerQuery[i])
		}
		if err := os.WriteFile(f.perQuery, []byte(buf.String()), 0o644); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	fmt.Fprintf(stdout, "%s (%s): %d documents, %d queries, mode %s%s\n", f.beir, f.split, len(b.Docs), scores.Queries, mode, model)
	fmt.Fprintln(stdout, scores)
	return nil
}

// embedAll embeds docs into a new vector index, with a progress bar on a
// terminal.
func embedAll(ctx context.Context, emb embed.Embedder, docs []search.Doc, stderr io.Writer) (*search.Vectors, error) {
	progress, done := countBar(stderr, len(docs), "embedding documents")
	defer done()
	dim := emb.Dim() // a server's model says it with its first answer
	if dim == 0 {
		first, err := emb.Embed(ctx, []string{search.EmbedText(docs[0])})
		if err != nil {
			return nil, err
		}
		dim = len(first[0])
	}
	vecs := search.NewVectors(emb.Name(), dim)
	err := search.EmbedDocs(ctx, emb, docs, vecs, 64, progress)
	vecs.Cluster(false)
	return vecs, err
}

// countBar draws a progress bar of n items (-1: unknown) on a terminal; elsewhere the
// progress function does nothing. Call done when the work ends.
func countBar(w io.Writer, n int, what string) (progress func(int), done func()) {
	if !isTerminal(w) {
		return func(int) {}, func() {}
	}
	bar := progressbar.NewOptions(n, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(),
		progressbar.OptionShowIts(), progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionFullWidth())
	return func(i int) { _ = bar.Set(i) }, func() { _ = bar.Finish(); fmt.Fprintln(w) }
}
