package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// paperCols is the column list every paper query selects, in scanPaper's order.
const paperCols = `p.id, p.title, p.abstract, p.authors, p.categories, p.versions, p.published_at, p.updated_at,
	p.listed, p.doi, p.journal_ref, p.comments, p.withdrawn, p.github_repo, p.github_stars, p.project_page,
	p.upvotes, p.num_comments, p.as_of, p.ai_summary, p.ai_keywords, p.ai_model`

type scanner interface{ Scan(dest ...any) error }

// scanPaper reads paperCols, then any extra columns into extra.
func scanPaper(sc scanner, extra ...any) (paper.Paper, error) {
	var (
		p                        paper.Paper
		id                       string
		authors, versions        string
		keywords                 string
		categories               string
		published, updated, asOf sql.NullInt64
	)
	dest := append([]any{&id, &p.Title, &p.Abstract, &authors, &categories, &versions, &published, &updated,
		&p.Listed, &p.DOI, &p.JournalRef, &p.Comments, &p.Withdrawn, &p.GitHubRepo, &p.GitHubStars, &p.ProjectPage,
		&p.Upvotes, &p.NumComments, &asOf, &p.AISummary, &keywords, &p.AIModel}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return p, err
	}
	p.ID = paper.ID(id)
	if err := json.Unmarshal([]byte(authors), &p.Authors); err != nil {
		return p, fmt.Errorf("paper %s: authors: %w", id, err)
	}
	if err := json.Unmarshal([]byte(versions), &p.Versions); err != nil {
		return p, fmt.Errorf("paper %s: versions: %w", id, err)
	}
	for i := range p.Versions {
		// JSON keeps the writer's offset; every time the store returns is UTC.
		p.Versions[i].Date = p.Versions[i].Date.UTC()
	}
	if keywords != "[]" { // the common case, spared a decode
		if err := json.Unmarshal([]byte(keywords), &p.AIKeywords); err != nil {
			return p, fmt.Errorf("paper %s: ai_keywords: %w", id, err)
		}
		if len(p.AIKeywords) == 0 {
			p.AIKeywords = nil
		}
	}
	if categories != "" {
		p.Categories = strings.Fields(categories)
	}
	p.Published = fromMillis(published)
	p.Updated = fromMillis(updated)
	p.AsOf = fromMillis(asOf)
	return p, nil
}

// paperArgs are the values of the writable columns, in insert order.
func paperArgs(p *paper.Paper) ([]any, error) {
	authors, err := json.Marshal(nonNil(p.Authors))
	if err != nil {
		return nil, err
	}
	versions, err := json.Marshal(nonNil(p.Versions))
	if err != nil {
		return nil, err
	}
	keywords := "[]"
	if len(p.AIKeywords) > 0 {
		b, err := json.Marshal(p.AIKeywords)
		if err != nil {
			return nil, err
		}
		keywords = string(b)
	}
	return []any{string(p.ID), p.Title, p.Abstract, string(authors), strings.Join(p.Categories, " "), string(versions),
		toMillis(p.Published), toMillis(p.Updated), p.Listed, p.DOI, p.JournalRef, p.Comments, p.Withdrawn,
		p.GitHubRepo, p.GitHubStars, p.ProjectPage, p.Upvotes, p.NumComments, toMillis(p.AsOf),
		p.AISummary, keywords, p.AIModel}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// Paper returns one paper by canonical id.
func (s *Store) Paper(ctx context.Context, id paper.ID) (paper.Paper, error) {
	row := s.paperByID.QueryRowContext(ctx, string(id))
	p, err := scanPaper(row)
	if err != nil {
		return paper.Paper{}, fmt.Errorf("store: paper %q: %w", id, mapErr(err))
	}
	return p, nil
}

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	var first, last sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM papers), (SELECT count(*) FROM feed_entries),
		(SELECT count(*) FROM users) + (SELECT count(DISTINCT imported_submitter COLLATE NOCASE) FROM feed_entries WHERE imported_submitter <> ''),
		(SELECT min(day) FROM feed_entries), (SELECT max(day) FROM feed_entries)`).
		Scan(&st.Papers, &st.FeedEntries, &st.Users, &first, &last)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	st.FirstDay, st.LastDay = first.String, last.String
	return st, nil
}

// LatestPapers pages through all papers, newest first.
func (s *Store) LatestPapers(ctx context.Context, after store.PaperCursor, limit int) ([]paper.Paper, store.PaperCursor, error) {
	if limit <= 0 {
		return nil, store.PaperCursor{}, nil
	}
	type row struct {
		p         paper.Paper
		published int64
		seq       int64
	}
	scan := func(sc scanner) (row, error) {
		var r row
		var err error
		r.p, err = scanPaper(sc, &r.published, &r.seq)
		return r, err
	}
	where := `WHERE ` + notHidden // papers hidden from the feed are not listed
	args := []any{}
	if after != (store.PaperCursor{}) {
		// Not the row value (coalesce(published_at, 0), seq) < (?, ?),
		// which SQLite reads through the index's first column only: every
		// page read the catalogue from its newest paper down to the cursor.
		where += ` AND coalesce(p.published_at, 0) <= ?1 AND (coalesce(p.published_at, 0) < ?1 OR p.seq < ?2)`
		args = append(args, after.Published, after.Seq)
	}
	// One more than asked says whether there is a next page.
	rows, err := queryAll(ctx, s.r, "latest papers", scan, `SELECT `+paperCols+`, coalesce(p.published_at, 0), p.seq FROM papers p `+where+`
		ORDER BY coalesce(p.published_at, 0) DESC, p.seq DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, store.PaperCursor{}, err
	}
	var next store.PaperCursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = store.PaperCursor{Published: last.published, Seq: last.seq}
	}
	out := make([]paper.Paper, len(rows))
	for i := range rows {
		out[i] = rows[i].p
	}
	return out, next, nil
}
