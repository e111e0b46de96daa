package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/recommend"
)

// runEvalRecs scores a recommender on a recommendation collection.
func runEvalRecs(ctx context.Context, cfg *config.Config, f evalFlags, stdout, stderr io.Writer) error {
	c, err := recommend.LoadCollection(f.recs)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if f.recsReaders < 0 {
		return usageError{fmt.Errorf("eval: --recs-readers %d: want 0 or more", f.recsReaders)}
	}
	if f.recsReaders > 0 && f.recsReaders < len(c.Users) {
		c.Users = c.Users[:f.recsReaders]
	}
	start := time.Now()
	var (
		r    recommend.Ranker
		desc string
	)
	switch f.recsModel {
	case "svm-tfidf":
		r, desc = recommend.NewSVMTfidf(c), "svm-tfidf (arxiv-sanity-lite)"
	case "for-you":
		emb, err := newEmbedder(cfg)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		progress, done := countBar(stderr, len(c.Papers), "featurising papers")
		fy, err := recommend.NewEvalForYou(ctx, c, emb, progress)
		done()
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		r, desc = fy, "for-you"
		if emb != nil {
			desc += ", embeddings " + emb.Name()
		}
	default:
		return usageError{fmt.Errorf("eval: --recs-model %q: want for-you or svm-tfidf", f.recsModel)}
	}
	prepared := time.Since(start)
	fmt.Fprintf(stderr, "prepared in %.1fs\n", prepared.Seconds())
	progress, done := countBar(stderr, len(c.Users), "ranking for each reader")
	scores, err := c.Evaluate(ctx, r, progress)
	done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d papers, window %s..%s (%d papers), %d readers, model %s; prepared in %.1fs, ranked in %.1fs\n",
		f.recs, len(c.Papers), c.From, c.To, len(c.Window), len(c.Users), desc, prepared.Seconds(), time.Since(start).Seconds()-prepared.Seconds())
	if f.perQuery != "" {
		var buf strings.Builder
		for _, u := range scores.PerUser {
			fmt.Fprintf(&buf, "%s\t%.4f\t%.4f\n", u.User, u.NDCG10, u.Recall50)
		}
		if err := os.WriteFile(f.perQuery, []byte(buf.String()), 0o644); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	fmt.Fprintln(stdout, scores)
	return nil
}
