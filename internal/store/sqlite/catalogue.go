package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// HarvestState reads where the harvest of source stands.
func (s *Store) HarvestState(ctx context.Context, source string) (_ store.HarvestState, err error) {
	defer wrap(&err, "harvest %s", source)
	st := store.HarvestState{Source: source}
	err = s.r.QueryRowContext(ctx, `SELECT run_from, run_until, token, done, pages, records, updated_at
		FROM harvests WHERE source = ?`, source).Scan(&st.From, &st.Until, &st.Token, &st.Done, &st.Pages, &st.Records, rows.Millis(&st.UpdatedAt))
	return st, err
}

// SaveHarvestState writes st over its source's row.
func (s *Store) SaveHarvestState(ctx context.Context, st store.HarvestState) (err error) {
	defer wrap(&err, "save harvest %s", st.Source)
	_, err = s.w.ExecContext(ctx, `INSERT INTO harvests (source, run_from, run_until, token, done, pages, records, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET run_from = excluded.run_from, run_until = excluded.run_until,
			token = excluded.token, done = excluded.done, pages = excluded.pages, records = excluded.records,
			updated_at = excluded.updated_at`,
		st.Source, st.From, st.Until, st.Token, st.Done, st.Pages, st.Records, st.UpdatedAt.UnixMilli())
	return err
}

// StaleRepos ranks repositories by their papers' newest feed day, then by
// their newest paper.
func (s *Store) StaleRepos(ctx context.Context, checkedBefore time.Time, limit int) ([]string, error) {
	return queryAll(ctx, s.r, "stale repositories", func(scan func(dest ...any) error) (string, error) {
		var repo string
		return repo, scan(&repo)
	}, `SELECT p.github_repo FROM papers p
		LEFT JOIN feed_entries f ON f.paper_seq = p.seq
		LEFT JOIN repos r ON r.repo = p.github_repo
		WHERE p.github_repo <> '' AND (r.checked_at IS NULL OR r.checked_at < ?)
		GROUP BY p.github_repo
		ORDER BY max(coalesce(f.day, '')) DESC, max(coalesce(p.published_at, 0)) DESC, p.github_repo
		LIMIT ?`, checkedBefore.UnixMilli(), limit)
}

// RecordStars updates the papers of repo, its day's count and when it was
// checked in one transaction.
func (s *Store) RecordStars(ctx context.Context, repo string, stars int, found bool, at time.Time) (err error) {
	defer wrap(&err, "stars of %s", repo)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO repos (repo, checked_at, found) VALUES (?1, ?2, ?3)
			ON CONFLICT (repo) DO UPDATE SET checked_at = ?2, found = ?3`, repo, at.UnixMilli(), found); err != nil {
			return err
		}
		if !found {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO star_counts (repo, day, stars) VALUES (?1, ?2, ?3)
			ON CONFLICT (repo, day) DO UPDATE SET stars = ?3`, repo, at.UTC().Format(time.DateOnly), stars); err != nil {
			return err
		}
		// github_repo <> '' lets SQLite use the partial index of papers by
		// repository; without it the update reads the whole table.
		res, err := tx.ExecContext(ctx, `UPDATE papers SET github_stars = ?1
			WHERE github_repo = ?2 AND github_repo <> '' AND github_stars <> ?1`, stars, repo)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return bumpVersion(tx)
	})
}

// StarHistory lists repo's daily counts.
func (s *Store) StarHistory(ctx context.Context, repo string) ([]store.StarCount, error) {
	return queryAll(ctx, s.r, "star history of "+repo, func(scan func(dest ...any) error) (store.StarCount, error) {
		var c store.StarCount
		return c, scan(&c.Day, &c.Stars)
	}, `SELECT day, stars FROM star_counts WHERE repo = ? ORDER BY day`, repo)
}

// StarsGained reads the counts of repos since the day of since, oldest
// first, and subtracts each repository's first from its last.
func (s *Store) StarsGained(ctx context.Context, repos []string, since time.Time) (map[string]int, error) {
	gained := map[string]int{}
	list, err := json.Marshal(repos)
	if err != nil {
		return nil, fmt.Errorf("store: stars gained: %w", err)
	}
	type count struct {
		repo  string
		stars int
	}
	counts, err := queryAll(ctx, s.r, "stars gained", func(scan func(dest ...any) error) (count, error) {
		var c count
		return c, scan(&c.repo, &c.stars)
	}, `SELECT repo, stars FROM star_counts WHERE day >= ? AND repo IN (SELECT value FROM json_each(?))
		ORDER BY repo, day`, since.UTC().Format(time.DateOnly), string(list))
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(counts); {
		j := i
		for j+1 < len(counts) && counts[j+1].repo == counts[i].repo {
			j++
		}
		if j > i {
			gained[counts[i].repo] = counts[j].stars - counts[i].stars
		}
		i = j + 1
	}
	return gained, nil
}
