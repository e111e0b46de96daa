package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dailypapers/dailypapers/internal/github"
	"github.com/dailypapers/dailypapers/internal/retry"
)

// RepoReader reads a repository from GitHub (github.Client).
type RepoReader interface {
	Repo(ctx context.Context, fullName string) (github.Repo, error)
}

// StarStore is what a star refresh needs of the store: the repositories
// due a look and a place for what GitHub said (store.Catalogue).
type StarStore interface {
	StaleRepos(ctx context.Context, checkedBefore time.Time, limit int) ([]string, error)
	RecordStars(ctx context.Context, repo string, stars int, found bool, at time.Time) error
}

// StarsOptions say which repositories to refresh.
type StarsOptions struct {
	// Limit is the most repositories asked about in one run (0: 1000).
	Limit int
	// MaxAge refreshes repositories last checked longer ago than this
	// (0: 24 hours).
	MaxAge time.Duration
	// DryRun asks GitHub but writes nothing.
	DryRun bool
	// Warn receives a line per repository that failed; nil discards them.
	Warn io.Writer
	// Progress, when set, hears after every repository.
	Progress func(done, of int)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// StarsSummary is what a refresh did.
type StarsSummary struct {
	Checked, Gone, Failed int
	// Err is the last repository's failure, so that a summary of failures
	// can say why.
	Err error
	// RateLimited is when GitHub's rate limit stopped the run early, with
	// the time it lifts; the rest waits for the next run.
	RateLimited time.Time
}

func (s StarsSummary) String() string {
	out := fmt.Sprintf("%d repositories checked, %d of them gone; %d failed", s.Checked, s.Gone, s.Failed)
	if !s.RateLimited.IsZero() {
		out += "; stopped by GitHub's rate limit until " + s.RateLimited.UTC().Format(time.RFC3339)
	}
	return out
}

// RefreshStars asks GitHub for the stars of the repositories that papers
// link and that were not checked within MaxAge, most relevant first (see
// store.Catalogue.StaleRepos), and records them with their daily history.
// A repository that is gone is marked so, and not asked about again until
// MaxAge has passed. The client waits out GitHub's rate limit when it
// lifts soon; when it does not, the run stops and says until when. A
// repository that fails otherwise is reported and left for the next run.
func RefreshStars(ctx context.Context, st StarStore, gh RepoReader, opt StarsOptions) (StarsSummary, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	limit, maxAge := opt.Limit, opt.MaxAge
	if limit <= 0 {
		limit = 1000
	}
	if maxAge <= 0 {
		maxAge = 24 * time.Hour
	}
	var sum StarsSummary
	repos, err := st.StaleRepos(ctx, now().Add(-maxAge), limit)
	if err != nil {
		return sum, err
	}
	warn := func(repo string, err error) {
		sum.Failed++
		sum.Err = err
		if opt.Warn != nil {
			fmt.Fprintf(opt.Warn, "stars: %s: %v\n", repo, err)
		}
	}
	for i, link := range repos {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if opt.Progress != nil && i > 0 {
			opt.Progress(i, len(repos)) // the ones before, failures included
		}
		name, ok := github.FindRepo(link)
		if !ok {
			// Not a repository GitHub can answer for (a malformed link):
			// marked as gone, so that it does not come first every run.
			warn(link, errors.New("not a GitHub repository link"))
			if !opt.DryRun {
				if err := st.RecordStars(ctx, link, 0, false, now()); err != nil {
					return sum, err
				}
			}
			continue
		}
		repo, err := gh.Repo(ctx, name)
		var limited *github.RateLimitError
		switch {
		case errors.As(err, &limited):
			sum.RateLimited = limited.Reset
			return sum, nil
		case errors.Is(err, github.ErrNotFound):
			sum.Gone++
		case err != nil:
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			warn(link, err)
			if retry.Unreachable(err) {
				// Offline, or GitHub gone: every other repository would
				// fail alike, each after its retries. They wait for the
				// next run.
				return sum, fmt.Errorf("stars: stopped, GitHub cannot be reached: %w", err)
			}
			continue
		}
		sum.Checked++
		if !opt.DryRun {
			// A renamed repository answers under its new name; papers keep
			// the link they have, which GitHub redirects.
			if err := st.RecordStars(ctx, link, repo.Stars, err == nil, now()); err != nil {
				return sum, err
			}
		}
	}
	if opt.Progress != nil && len(repos) > 0 {
		opt.Progress(len(repos), len(repos))
	}
	return sum, nil
}
