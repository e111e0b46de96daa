package store

import (
	"context"
	"time"
)

// HarvestState is where the harvest of one source stands, saved after
// every page so that a harvest that stops resumes where it stopped.
type HarvestState struct {
	Source string // what is harvested: "arxiv:cs", "arxiv:math"
	// From and Until bound the run in progress (YYYY-MM-DD, "" for open),
	// and Token is its next page's resumption token; Token "" means no run
	// is in progress.
	From, Until string
	Token       string
	// Done is the Until of the last run that finished (the day it ran
	// when open): the next run asks for what changed from then on.
	Done string
	// Pages and Records count the run in progress, or the last one.
	Pages, Records int
	UpdatedAt      time.Time
}

// StarCount is a repository's stars on one day.
type StarCount struct {
	Day   string // YYYY-MM-DD
	Stars int
}

// Catalogue is what keeps the catalogue full by itself: harvest
// checkpoints and the GitHub stars of papers' repositories.
type Catalogue interface {
	// HarvestState returns the state saved for source, or ErrNotFound
	// when it was never harvested.
	HarvestState(ctx context.Context, source string) (HarvestState, error)
	// SaveHarvestState saves st as its source's state.
	SaveHarvestState(ctx context.Context, st HarvestState) error

	// StaleRepos lists up to limit repositories (as papers link them,
	// https://github.com/owner/name) whose stars were last checked before
	// the given time, or never: the most relevant first, which are those
	// of papers on the feed by newest feed day, then the rest by newest
	// paper.
	StaleRepos(ctx context.Context, checkedBefore time.Time, limit int) ([]string, error)
	// RecordStars saves what GitHub said of repo at time at: with found,
	// its star count, which every paper linking it then shows and which
	// becomes the day's entry in its history; without (the repository is
	// gone), only that it was checked, so that it is not asked about
	// again soon, and the papers keep their last count.
	RecordStars(ctx context.Context, repo string, stars int, found bool, at time.Time) error
	// StarHistory lists a repository's daily star counts, oldest first.
	StarHistory(ctx context.Context, repo string) ([]StarCount, error)
	// StarsGained returns, for each of repos with two or more daily counts
	// on or after since, the stars it gained between the first and the
	// last of them.
	StarsGained(ctx context.Context, repos []string, since time.Time) (map[string]int, error)
}
