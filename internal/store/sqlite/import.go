package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// importTx is one import: a write transaction with its statements prepared
// once. SQLite has one writer at a time, and the store one write
// connection: an import that held it from its start would keep every vote
// and comment waiting (in this process, and in others until their busy
// timeout) while it reads a file that may change nothing. So the
// transaction begins only when a batch first has something to write;
// batches before that are read through the read pool and merged without
// a lock. From then on the import holds the write lock until it ends.
type importTx struct {
	s                        *Store
	tx                       *sql.Tx // nil until the import first writes
	insertPaper, updatePaper *sql.Stmt
	feedEntry, upsertFeed    *sql.Stmt
	terms                    *termStmts
	done                     bool
	changed                  bool  // whether anything was written, so Commit bumps the version
	rev                      int64 // the version this import's changes become visible in
}

// BeginImport starts an import. Its write transaction begins with its
// first write (see importTx).
func (s *Store) BeginImport(ctx context.Context) (store.Import, error) {
	im := &importTx{s: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("store: begin import: the store is closed")
	}
	if s.importing == nil {
		s.importing = map[*importTx]bool{}
	}
	s.importing[im] = true
	return im, nil
}

// begin starts the import's write transaction, before its first write.
func (im *importTx) begin(ctx context.Context) (err error) {
	defer wrap(&err, "begin import")
	tx, err := im.s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// The transaction holds the write lock, so no other commit can move
	// the version before ours: our changes become visible in version v+1.
	if err = tx.QueryRowContext(ctx, `SELECT v + 1 FROM store_version WHERE id = 1`).Scan(&im.rev); err != nil {
		tx.Rollback()
		return err
	}
	prepare := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	im.insertPaper = prepare(insertPaperSQL)
	im.updatePaper = prepare(updatePaperSQL)
	im.feedEntry = prepare(feedEntrySQL)
	// An entry a local account submitted is never changed by an import.
	im.upsertFeed = prepare(`INSERT INTO feed_entries (paper_seq, day, imported_submitter, imported_fullname, submitted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (paper_seq, day) DO UPDATE SET imported_submitter = excluded.imported_submitter,
			imported_fullname = excluded.imported_fullname, submitted_at = excluded.submitted_at
		WHERE feed_entries.submitter_id IS NULL`)
	if err == nil {
		im.terms, err = prepareTerms(ctx, tx)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	im.s.mu.Lock()
	defer im.s.mu.Unlock()
	if !im.s.importing[im] { // the store was closed meanwhile
		tx.Rollback()
		return errors.New("the store is closed")
	}
	im.tx = tx
	return nil
}

// feedEntrySQL reads a feed entry as an import compares it.
const feedEntrySQL = `SELECT submitter_id IS NOT NULL, imported_submitter, imported_fullname, submitted_at
	FROM feed_entries WHERE paper_seq = ? AND day = ?`

// finish forgets the import once it is committed or rolled back.
func (im *importTx) finish() {
	im.done = true
	im.s.mu.Lock()
	delete(im.s.importing, im)
	im.s.mu.Unlock()
}

type existing struct {
	seq   int64
	paper paper.Paper
}

// Write merges records into the papers and feed tables.
func (im *importTx) Write(ctx context.Context, recs []store.Record) (store.ImportCounts, error) {
	var counts store.ImportCounts
	if im.done {
		return counts, errors.New("store: import: write after the import ended")
	}
	if im.tx == nil {
		// Without the write lock, find out whether the batch writes
		// anything at all; what was read is read again under the lock.
		writes, err := im.writes(ctx, recs)
		if err != nil || !writes {
			return store.ImportCounts{Unchanged: len(recs)}, err
		}
		if err := im.begin(ctx); err != nil {
			return counts, err
		}
	}
	known, err := im.load(ctx, im.tx, recs)
	if err != nil {
		return counts, err
	}
	now := time.Now().UnixMilli()
	for i := range recs {
		if err := im.writeRecord(ctx, recs[i], known, now, &counts); err != nil {
			return counts, err
		}
	}
	if err := im.terms.flush(ctx); err != nil {
		return counts, fmt.Errorf("store: import: index authors: %w", mapErr(err))
	}
	im.changed = im.changed || counts.Added > 0 || counts.Updated > 0
	return counts, nil
}

// writeRecord merges one record into the store and into known, and counts
// it. Its errors name the paper.
func (im *importTx) writeRecord(ctx context.Context, rec store.Record, known map[paper.ID]existing, now int64, counts *store.ImportCounts) (err error) {
	defer wrap(&err, "import %s", rec.Paper.ID)
	rec.Paper = storedTimes(rec.Paper)
	id := rec.Paper.ID
	old, found := known[id]
	changed := false
	if !found {
		args, err := rows.PaperArgs(&rec.Paper)
		if err != nil {
			return err
		}
		args = append(args, now, now, im.rev)
		if err := im.insertPaper.QueryRowContext(ctx, args...).Scan(&old.seq); err != nil {
			return err
		}
		old.paper = rec.Paper
		if err := im.terms.write(ctx, old.seq, &old.paper, false); err != nil {
			return err
		}
		counts.Added++
	} else if merged := paper.Merge(old.paper, rec.Paper); !paper.Equal(merged, old.paper) {
		args, err := rows.PaperArgs(&merged)
		if err != nil {
			return err
		}
		if _, err := im.updatePaper.ExecContext(ctx, append(args, now, im.rev, old.seq)...); err != nil {
			return err
		}
		if rows.TermsDiffer(&old.paper, &merged) {
			if err := im.terms.write(ctx, old.seq, &merged, true); err != nil {
				return err
			}
		}
		old.paper = merged
		changed = true
	}
	// A batch may hold the same paper twice: later records merge into earlier ones.
	known[id] = old
	if rec.Submission != nil {
		subChanged, err := im.submit(ctx, old.seq, rec.Submission)
		if err != nil {
			return err
		}
		changed = changed || subChanged
	}
	if found {
		if changed {
			counts.Updated++
		} else {
			counts.Unchanged++
		}
	}
	return nil
}

// writes reports whether records would change anything in the store,
// reading through the read pool: as writeRecord merges them, without
// writing. A record of a paper not stored yet always writes.
func (im *importTx) writes(ctx context.Context, recs []store.Record) (_ bool, err error) {
	defer wrap(&err, "import")
	known, err := im.load(ctx, im.s.r, recs)
	if err != nil {
		return false, err
	}
	for _, rec := range recs {
		old, found := known[rec.Paper.ID]
		if !found {
			return true, nil
		}
		if merged := paper.Merge(old.paper, storedTimes(rec.Paper)); !paper.Equal(merged, old.paper) {
			return true, nil
		}
		if sub := rec.Submission; sub != nil {
			var (
				local            bool
				oldName, oldFull string
				oldAt            int64
			)
			err := im.s.r.QueryRowContext(ctx, feedEntrySQL, old.seq, sub.Day).Scan(&local, &oldName, &oldFull, &oldAt)
			if errors.Is(err, sql.ErrNoRows) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if !local && !sameSubmission(sub, oldName, oldFull, oldAt) {
				return true, nil
			}
		}
	}
	return false, nil
}

// sameSubmission reports whether an imported submission leaves a stored
// entry's submitter and time as they are: a record without a submitter
// does not erase a known one.
func sameSubmission(sub *store.Submission, oldName, oldFull string, oldAt int64) bool {
	name, full := sub.Submitter, sub.Fullname
	if name == "" && full == "" {
		name, full = oldName, oldFull
	}
	return name == oldName && full == oldFull && sub.SubmittedAt.UnixMilli() == oldAt
}

// load reads the stored versions of the batch's papers, a query a chunk,
// through the import's transaction or, before it has one, the read pool.
func (im *importTx) load(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, recs []store.Record) (map[paper.ID]existing, error) {
	known := make(map[paper.ID]existing, len(recs))
	// In chunks: SQLite takes at most 32766 parameters in one statement.
	const chunk = 1000
	for len(recs) > 0 {
		part := recs[:min(chunk, len(recs))]
		recs = recs[len(part):]
		args := make([]any, len(part))
		for i := range part {
			args[i] = string(part[i].Paper.ID)
		}
		rs, err := q.QueryContext(ctx, `SELECT `+paperCols+`, p.seq FROM papers p WHERE p.id IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...)
		es, err := collect("import", rs, err, func(scan func(dest ...any) error) (existing, error) {
			var e existing
			var err error
			e.paper, err = rows.ScanPaper(scan, &e.seq)
			return e, err
		})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			known[e.paper.ID] = e
		}
	}
	return known, nil
}

// submit records a paper's place on a feed day; it reports whether anything
// changed. The submitter is kept as text on the entry (see
// store.Submission): an import never makes, finds or changes an account.
func (im *importTx) submit(ctx context.Context, seq int64, sub *store.Submission) (bool, error) {
	var (
		local            bool
		oldName, oldFull string
		oldAt            int64
	)
	err := im.feedEntry.QueryRowContext(ctx, seq, sub.Day).Scan(&local, &oldName, &oldFull, &oldAt)
	switch {
	case err == nil:
		if local {
			return false, nil // a local account's entry
		}
		if sameSubmission(sub, oldName, oldFull, oldAt) {
			return false, nil
		}
	case err != sql.ErrNoRows:
		return false, err
	}
	name, full := sub.Submitter, sub.Fullname
	if name == "" && full == "" && err == nil {
		name, full = oldName, oldFull // a record without a submitter does not erase a known one
	}
	if _, err := im.upsertFeed.ExecContext(ctx, seq, sub.Day, name, full, sub.SubmittedAt.UnixMilli()); err != nil {
		return false, err
	}
	return true, nil
}

func (im *importTx) Commit() (err error) {
	defer wrap(&err, "commit import")
	if im.done {
		return nil
	}
	im.finish()
	if im.tx == nil {
		return nil // it wrote nothing
	}
	if !im.changed {
		return im.tx.Commit()
	}
	if err := bumpVersion(im.tx); err != nil {
		im.tx.Rollback()
		return err
	}
	if err := im.tx.Commit(); err != nil {
		return err
	}
	// An import is one transaction, and its WAL grows as large as what it
	// wrote (4.6 GB for three million papers). Copied into the database,
	// the WAL is cut back to nothing, rather than kept on disk for as long
	// as the site runs. A reader in the way leaves it for SQLite's own
	// checkpoints: the commit stands either way. So does another import
	// that took the write connection as this one let it go: the
	// checkpoint does not wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = im.s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

func (im *importTx) Rollback() error {
	if im.done {
		return nil
	}
	im.finish()
	if im.tx == nil {
		return nil
	}
	return im.tx.Rollback()
}
