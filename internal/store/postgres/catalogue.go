package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// HarvestState reads where the harvest of source stands.
func (s *Store) HarvestState(ctx context.Context, source string) (_ store.HarvestState, err error) {
	defer wrap(&err, "harvest %s", source)
	st := store.HarvestState{Source: source}
	err = s.pool.QueryRow(ctx, `SELECT run_from, run_until, token, done, pages, records, updated_at
		FROM harvests WHERE source = $1`, source).Scan(&st.From, &st.Until, &st.Token, &st.Done, &st.Pages, &st.Records, rows.Millis(&st.UpdatedAt))
	return st, err
}

// SaveHarvestState writes st over its source's row.
func (s *Store) SaveHarvestState(ctx context.Context, st store.HarvestState) (err error) {
	defer wrap(&err, "save harvest %s", st.Source)
	_, err = s.pool.Exec(ctx, `INSERT INTO harvests (source, run_from, run_until, token, done, pages, records, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (source) DO UPDATE SET run_from = excluded.run_from, run_until = excluded.run_until,
			token = excluded.token, done = excluded.done, pages = excluded.pages, records = excluded.records,
			updated_at = excluded.updated_at`,
		st.Source, st.From, st.Until, st.Token, st.Done, st.Pages, st.Records, st.UpdatedAt.UnixMilli())
	return err
}

// StaleRepos ranks repositories by their papers' newest feed day, then by
// their newest paper.
func (s *Store) StaleRepos(ctx context.Context, checkedBefore time.Time, limit int) ([]string, error) {
	return queryAll(ctx, s.pool, "stale repositories", func(scan func(dest ...any) error) (string, error) {
		var repo string
		return repo, scan(&repo)
	}, `SELECT p.github_repo FROM papers p
		LEFT JOIN feed_entries f ON f.paper_seq = p.seq
		LEFT JOIN repos r ON r.repo = p.github_repo
		WHERE p.github_repo <> '' AND (r.checked_at IS NULL OR r.checked_at < $1)
		GROUP BY p.github_repo
		ORDER BY max(coalesce(f.day, '')) DESC, max(coalesce(p.published_at, 0)) DESC, p.github_repo
		LIMIT $2`, checkedBefore.UnixMilli(), limit)
}

// RecordStars updates the papers of repo, its day's count and when it was
// checked in one transaction, which takes the next store version only
// when a paper's count changed.
func (s *Store) RecordStars(ctx context.Context, repo string, stars int, found bool, at time.Time) (err error) {
	defer wrap(&err, "stars of %s", repo)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO repos (repo, checked_at, found) VALUES ($1, $2, $3)
			ON CONFLICT (repo) DO UPDATE SET checked_at = $2, found = $3`, repo, at.UnixMilli(), found); err != nil {
			return err
		}
		if !found {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO star_counts (repo, day, stars) VALUES ($1, $2, $3)
			ON CONFLICT (repo, day) DO UPDATE SET stars = $3`, repo, at.UTC().Format(time.DateOnly), stars); err != nil {
			return err
		}
		var changed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM papers WHERE github_repo = $1 AND github_repo <> '' AND github_stars <> $2)`,
			repo, stars).Scan(&changed); err != nil || !changed {
			return err
		}
		// The version row first, as every change to what pages show takes
		// it, so that changes commit in version order.
		if _, err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE papers SET github_stars = $1 WHERE github_repo = $2 AND github_repo <> '' AND github_stars <> $1`, stars, repo)
		return err
	})
}

// StarHistory lists repo's daily counts.
func (s *Store) StarHistory(ctx context.Context, repo string) ([]store.StarCount, error) {
	return queryAll(ctx, s.pool, "star history of "+repo, func(scan func(dest ...any) error) (store.StarCount, error) {
		var c store.StarCount
		return c, scan(&c.Day, &c.Stars)
	}, `SELECT day, stars FROM star_counts WHERE repo = $1 ORDER BY day`, repo)
}

// StarsGained subtracts each repository's first count since the day of
// since from its last.
func (s *Store) StarsGained(ctx context.Context, repos []string, since time.Time) (map[string]int, error) {
	type gain struct {
		repo string
		n    int
	}
	gains, err := queryAll(ctx, s.pool, "stars gained", func(scan func(dest ...any) error) (gain, error) {
		var g gain
		return g, scan(&g.repo, &g.n)
	}, `SELECT repo, (array_agg(stars ORDER BY day DESC))[1] - (array_agg(stars ORDER BY day))[1]
		FROM star_counts WHERE day >= $1 AND repo = ANY($2)
		GROUP BY repo HAVING count(*) > 1`, since.UTC().Format(time.DateOnly), repos)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(gains))
	for _, g := range gains {
		out[g.repo] = g.n
	}
	return out, nil
}
