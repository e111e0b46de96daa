package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// importTx is one import: a single transaction. It takes store_version's
// row lock only when it first has something to write, not at its start:
// votes and every other version-taking writer, on every process, wait on
// that row, and an import of an unchanged file (seconds; minutes for a
// large one) would hold them all up for nothing. Batches that change
// nothing are read and merged outside the lock; the first batch that
// changes something takes the lock, reads its papers again under it (a
// vote may have moved their counts meanwhile) and writes. From then on the
// import holds the lock until it ends, so its changes, stamped with the
// version it will take at Commit, become visible in that version and no
// later version commits before them (see the package comment). An import
// that changes nothing never takes the lock, and keeps the version (and
// with it every cached page).
type importTx struct {
	s       *Store
	tx      pgx.Tx
	done    bool
	locked  bool  // whether store_version's row is locked: the import has written
	changed bool  // whether anything was written, so Commit bumps the version
	rev     int64 // the version this import's changes become visible in, once locked
}

// BeginImport starts the single write transaction of an import.
func (s *Store) BeginImport(ctx context.Context) (_ store.Import, err error) {
	defer wrap(&err, "begin import")
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	im := &importTx{s: s, tx: tx}
	s.mu.Lock()
	if s.open == nil {
		s.open = map[*importTx]bool{}
	}
	s.open[im] = true
	s.mu.Unlock()
	return im, nil
}

// lock takes store_version's row for the rest of the import, before its
// first write. Every other writer that takes a version waits from now
// until the import ends, so its changes become visible in version v+1.
func (im *importTx) lock(ctx context.Context) (err error) {
	defer wrap(&err, "import: lock the version")
	var v int64
	if err := im.tx.QueryRow(ctx, `SELECT v FROM store_version WHERE id = 1 FOR UPDATE`).Scan(&v); err != nil {
		return err
	}
	im.locked, im.rev = true, v+1
	return nil
}

// ended forgets an import that committed or rolled back.
func (im *importTx) ended() {
	im.s.mu.Lock()
	delete(im.s.open, im)
	im.s.mu.Unlock()
}

// importPaper is a paper of a batch as the batch leaves it.
type importPaper struct {
	seq   int64
	paper paper.Paper
	isNew bool // not in the store before: inserted
	dirty bool // changed by the batch: written
	// termsDirty: the batch changed what the author and category indexes
	// hold of it (see rows.TermsDiffer), so its rows are written again.
	termsDirty bool
}

// feedKey is a feed entry's key; feedVal what an import writes of it.
type (
	feedKey struct {
		seq int64
		day string
	}
	feedVal struct {
		local      bool // submitted by a local account: the import leaves it be
		name, full string
		at         int64
	}
)

// Write merges records into the papers and feed tables. It works out in
// memory what the records change, merging them one after the other as
// they come, then writes the result with a few set-based statements.
// Statements a record would make large batches slow: a round trip each,
// and a per-record lookup whose cached generic plan was made while the
// table was small scans the whole table (70,000 records took minutes).
func (im *importTx) Write(ctx context.Context, recs []store.Record) (store.ImportCounts, error) {
	if im.done {
		return store.ImportCounts{}, errors.New("store: import: write after the import ended")
	}
	if !im.locked {
		// Outside the lock, find out whether the batch writes anything at
		// all; what was read is read again under the lock before writing.
		counts, err := im.merge(ctx, recs, false)
		if err != nil || counts.Added+counts.Updated == 0 {
			return counts, err
		}
		if err := im.lock(ctx); err != nil {
			return store.ImportCounts{}, err
		}
	}
	return im.merge(ctx, recs, true)
}

// merge merges records into what the store holds and, when write is set,
// writes the result; without it, it only counts what the records would
// change (new papers have no seq then, so their feed entries all count as
// new, as they are).
func (im *importTx) merge(ctx context.Context, recs []store.Record, write bool) (store.ImportCounts, error) {
	var counts store.ImportCounts
	known, err := im.load(ctx, recs)
	if err != nil {
		return counts, err
	}

	// Papers: merge every record into what the store and the batch hold.
	var (
		papers  = make(map[paper.ID]*importPaper, len(recs))
		order   []*importPaper // the batch's papers, first seen first
		ofRec   = make([]*importPaper, len(recs))
		found   = make([]bool, len(recs)) // the paper was there before the record
		changed = make([]bool, len(recs)) // the record changed something
	)
	for i := range recs {
		p := storedTimes(recs[i].Paper)
		e := papers[p.ID]
		if e == nil {
			if k, ok := known[p.ID]; ok {
				e = &importPaper{seq: k.seq, paper: k.paper}
			} else {
				e = &importPaper{paper: p, isNew: true, dirty: true}
				counts.Added++
			}
			papers[p.ID] = e
			order = append(order, e)
			if e.isNew {
				ofRec[i] = e
				continue
			}
		}
		ofRec[i] = e
		found[i] = true
		// A batch may hold the same paper twice: later records merge into earlier ones.
		if merged := paper.Merge(e.paper, p); !paper.Equal(merged, e.paper) {
			e.termsDirty = e.termsDirty || rows.TermsDiffer(&e.paper, &merged)
			e.paper = merged
			e.dirty = true
			changed[i] = true
		}
	}
	now := time.Now().UnixMilli()
	if write {
		if err := im.writePapers(ctx, order, now); err != nil {
			return store.ImportCounts{}, err
		}
		if err := im.writeTerms(ctx, order); err != nil {
			return store.ImportCounts{}, err
		}
	}

	// Feed entries: the same, record by record, from what the store holds.
	var keys []feedKey
	for i := range recs {
		if sub := recs[i].Submission; sub != nil {
			keys = append(keys, feedKey{ofRec[i].seq, sub.Day})
		}
	}
	feed, err := im.loadFeed(ctx, keys)
	if err != nil {
		return store.ImportCounts{}, err
	}
	var dirty []feedKey
	isDirty := map[feedKey]bool{}
	for i := range recs {
		sub := recs[i].Submission
		if sub == nil {
			continue
		}
		// The submitter is kept as text on the entry (see store.Submission):
		// an import never makes, finds or changes an account.
		v := feedVal{name: sub.Submitter, full: sub.Fullname, at: sub.SubmittedAt.UnixMilli()}
		k := feedKey{ofRec[i].seq, sub.Day}
		if old, ok := feed[k]; ok {
			if old.local {
				continue // a local account's entry
			}
			if v.name == "" && v.full == "" {
				v.name, v.full = old.name, old.full // a record without a submitter does not erase a known one
			}
			if v == old {
				continue
			}
		}
		feed[k] = v
		if !isDirty[k] {
			isDirty[k] = true
			dirty = append(dirty, k)
		}
		changed[i] = true
	}
	if write {
		if err := im.writeFeed(ctx, dirty, feed); err != nil {
			return store.ImportCounts{}, err
		}
	}

	for i := range recs {
		switch {
		case !found[i]:
		case changed[i]:
			counts.Updated++
		default:
			counts.Unchanged++
		}
	}
	if write {
		im.changed = im.changed || counts.Added > 0 || counts.Updated > 0
	}
	return counts, nil
}

// writeTerms indexes the batch's new papers, and again those whose
// authors, categories or date changed.
func (im *importTx) writeTerms(ctx context.Context, order []*importPaper) (err error) {
	defer wrap(&err, "import: index authors")
	var added, changed []termPaper
	for _, e := range order {
		switch {
		case e.isNew:
			added = append(added, termPaper{e.seq, &e.paper})
		case e.termsDirty:
			changed = append(changed, termPaper{e.seq, &e.paper})
		}
	}
	if err := writeTerms(ctx, im.tx, added, false); err != nil {
		return err
	}
	return writeTerms(ctx, im.tx, changed, true)
}

// load reads the stored versions of the batch's papers with one query.
func (im *importTx) load(ctx context.Context, recs []store.Record) (map[paper.ID]importPaper, error) {
	known := make(map[paper.ID]importPaper, len(recs))
	if len(recs) == 0 {
		return known, nil
	}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = string(recs[i].Paper.ID)
	}
	rows, err := queryAll(ctx, im.tx, "import", func(scan func(dest ...any) error) (importPaper, error) {
		var e importPaper
		var err error
		e.paper, err = rows.ScanPaper(scan, &e.seq)
		return e, err
	}, `SELECT `+paperCols+`, p.seq FROM papers p WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range rows {
		known[e.paper.ID] = e
	}
	return known, nil
}

// paperColumns holds papers column by column, in rows.PaperArgs' order, for
// the set-based statements (unnest) of an import.
type paperColumns struct {
	id, title, abstract, authors, categories, versions []string
	published, updated, asOf                           []*int64
	listed, doi, journalRef, comments                  []string
	withdrawn                                          []bool
	githubRepo                                         []string
	githubStars                                        []int64
	projectPage                                        []string
	upvotes, numComments                               []int64
	seq                                                []int64
	aiSummary, aiKeywords, aiModel                     []string
}

func (c *paperColumns) add(p *paper.Paper, seq int64) error {
	authors, err := json.Marshal(rows.NonNil(p.Authors))
	if err != nil {
		return fmt.Errorf("paper %s: %w", p.ID, err)
	}
	versions, err := json.Marshal(rows.NonNil(p.Versions))
	if err != nil {
		return fmt.Errorf("paper %s: %w", p.ID, err)
	}
	c.id = append(c.id, string(p.ID))
	c.title = append(c.title, p.Title)
	c.abstract = append(c.abstract, p.Abstract)
	c.authors = append(c.authors, string(authors))
	c.categories = append(c.categories, strings.Join(p.Categories, " "))
	c.versions = append(c.versions, string(versions))
	c.published = append(c.published, msPtr(p.Published))
	c.updated = append(c.updated, msPtr(p.Updated))
	c.listed = append(c.listed, p.Listed)
	c.doi = append(c.doi, p.DOI)
	c.journalRef = append(c.journalRef, p.JournalRef)
	c.comments = append(c.comments, p.Comments)
	c.withdrawn = append(c.withdrawn, p.Withdrawn)
	c.githubRepo = append(c.githubRepo, p.GitHubRepo)
	c.githubStars = append(c.githubStars, int64(p.GitHubStars))
	c.projectPage = append(c.projectPage, p.ProjectPage)
	c.upvotes = append(c.upvotes, int64(p.Upvotes))
	c.numComments = append(c.numComments, int64(p.NumComments))
	c.asOf = append(c.asOf, msPtr(p.AsOf))
	c.seq = append(c.seq, seq)
	keywords, err := json.Marshal(rows.NonNil(p.AIKeywords))
	if err != nil {
		return fmt.Errorf("paper %s: %w", p.ID, err)
	}
	c.aiSummary = append(c.aiSummary, p.AISummary)
	c.aiKeywords = append(c.aiKeywords, string(keywords))
	c.aiModel = append(c.aiModel, p.AIModel)
	return nil
}

// args are the columns as the parameters $1 to $23 of paperUnnest.
func (c *paperColumns) args() []any {
	return []any{c.id, c.title, c.abstract, c.authors, c.categories, c.versions, c.published, c.updated,
		c.listed, c.doi, c.journalRef, c.comments, c.withdrawn, c.githubRepo, c.githubStars, c.projectPage,
		c.upvotes, c.numComments, c.asOf, c.seq, c.aiSummary, c.aiKeywords, c.aiModel}
}

func msPtr(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// paperUnnest is paperColumns' args as rows r, numbered by ord.
const paperUnnest = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
	$9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::text[], $15::bigint[], $16::text[],
	$17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[], $22::text[], $23::text[]) WITH ORDINALITY
	AS r(id, title, abstract, authors, categories, versions, published_at, updated_at,
	listed, doi, journal_ref, comments, withdrawn, github_repo, github_stars, project_page,
	upvotes, num_comments, as_of, seq, ai_summary, ai_keywords, ai_model, ord)`

// writePapers inserts the batch's new papers, in the order they came,
// and updates the ones it changed; new papers get their seq.
func (im *importTx) writePapers(ctx context.Context, order []*importPaper, now int64) (err error) {
	defer wrap(&err, "import")
	var ins, upd paperColumns
	for _, e := range order {
		switch {
		case e.isNew:
			if err := ins.add(&e.paper, 0); err != nil {
				return err
			}
		case e.dirty:
			if err := upd.add(&e.paper, e.seq); err != nil {
				return err
			}
		}
	}
	if len(ins.id) > 0 {
		rows, err := im.tx.Query(ctx, `INSERT INTO papers (id, title, abstract, authors, categories, versions, published_at, updated_at,
			listed, doi, journal_ref, comments, withdrawn, github_repo, github_stars, project_page, upvotes, num_comments, as_of,
			ai_summary, ai_keywords, ai_model, created_at, modified_at, rev)
			SELECT r.id, r.title, r.abstract, r.authors::jsonb, r.categories, r.versions::jsonb, r.published_at, r.updated_at,
			r.listed, r.doi, r.journal_ref, r.comments, r.withdrawn, r.github_repo, r.github_stars, r.project_page,
			r.upvotes, r.num_comments, r.as_of, r.ai_summary, r.ai_keywords::jsonb, r.ai_model, $24, $24, $25
			FROM `+paperUnnest+` ORDER BY r.ord
			RETURNING id, seq`, append(ins.args(), now, im.rev)...)
		if err != nil {
			return err
		}
		seqs := make(map[paper.ID]int64, len(ins.id))
		var id string
		var seq int64
		_, err = pgx.ForEachRow(rows, []any{&id, &seq}, func() error {
			seqs[paper.ID(id)] = seq
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range order {
			if e.isNew {
				e.seq = seqs[e.paper.ID]
			}
		}
	}
	if len(upd.id) > 0 {
		_, err := im.tx.Exec(ctx, `UPDATE papers p SET id = r.id, title = r.title, abstract = r.abstract,
			authors = r.authors::jsonb, categories = r.categories, versions = r.versions::jsonb,
			published_at = r.published_at, updated_at = r.updated_at, listed = r.listed, doi = r.doi,
			journal_ref = r.journal_ref, comments = r.comments, withdrawn = r.withdrawn, github_repo = r.github_repo,
			github_stars = r.github_stars, project_page = r.project_page, upvotes = r.upvotes,
			num_comments = r.num_comments, as_of = r.as_of, ai_summary = r.ai_summary,
			ai_keywords = r.ai_keywords::jsonb, ai_model = r.ai_model, modified_at = $24, rev = $25
			FROM `+paperUnnest+` WHERE p.seq = r.seq`, append(upd.args(), now, im.rev)...)
		if err != nil {
			return err
		}
	}
	return nil
}

// loadFeed reads the stored feed entries with the keys.
func (im *importTx) loadFeed(ctx context.Context, keys []feedKey) (_ map[feedKey]feedVal, err error) {
	defer wrap(&err, "import")
	feed := make(map[feedKey]feedVal, len(keys))
	if len(keys) == 0 {
		return feed, nil
	}
	seqs := make([]int64, len(keys))
	days := make([]string, len(keys))
	for i, k := range keys {
		seqs[i], days[i] = k.seq, k.day
	}
	rows, err := im.tx.Query(ctx, `SELECT DISTINCT f.paper_seq, f.day, f.submitter_id IS NOT NULL, f.imported_submitter,
		f.imported_fullname, f.submitted_at
		FROM unnest($1::bigint[], $2::text[]) AS k(seq, day)
		JOIN feed_entries f ON f.paper_seq = k.seq AND f.day = k.day`, seqs, days)
	if err != nil {
		return nil, err
	}
	var (
		k feedKey
		v feedVal
	)
	_, err = pgx.ForEachRow(rows, []any{&k.seq, &k.day, &v.local, &v.name, &v.full, &v.at}, func() error {
		feed[k] = v
		v = feedVal{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return feed, nil
}

// writeFeed upserts the feed entries with the keys.
func (im *importTx) writeFeed(ctx context.Context, keys []feedKey, feed map[feedKey]feedVal) (err error) {
	defer wrap(&err, "import: feed")
	if len(keys) == 0 {
		return nil
	}
	seqs := make([]int64, len(keys))
	days := make([]string, len(keys))
	names := make([]string, len(keys))
	fulls := make([]string, len(keys))
	ats := make([]int64, len(keys))
	for i, k := range keys {
		seqs[i], days[i], names[i], fulls[i], ats[i] = k.seq, k.day, feed[k].name, feed[k].full, feed[k].at
	}
	// An entry a local account submitted is never changed by an import.
	_, err = im.tx.Exec(ctx, `INSERT INTO feed_entries (paper_seq, day, imported_submitter, imported_fullname, submitted_at)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])
		ON CONFLICT (paper_seq, day) DO UPDATE SET imported_submitter = excluded.imported_submitter,
			imported_fullname = excluded.imported_fullname, submitted_at = excluded.submitted_at
		WHERE feed_entries.submitter_id IS NULL`,
		seqs, days, names, fulls, ats)
	return err
}

func (im *importTx) Commit() (err error) {
	defer wrap(&err, "commit import")
	if im.done {
		return nil
	}
	im.done = true
	defer im.ended()
	ctx := context.Background()
	if !im.changed {
		return im.tx.Commit(ctx)
	}
	v, err := bumpVersion(ctx, im.tx)
	if err == nil && v != im.rev {
		err = fmt.Errorf("version %d, want %d", v, im.rev)
	}
	if err != nil {
		im.tx.Rollback(ctx)
		return err
	}
	return im.tx.Commit(ctx)
}

func (im *importTx) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	defer im.ended()
	return im.tx.Rollback(context.Background())
}
