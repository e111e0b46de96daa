package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// importTx is one import: a write transaction with its statements prepared once.
type importTx struct {
	s                        *Store
	tx                       *sql.Tx
	insertPaper, updatePaper *sql.Stmt
	feedEntry, upsertFeed    *sql.Stmt
	terms                    *termStmts
	done                     bool
	changed                  bool  // whether anything was written, so Commit bumps the version
	rev                      int64 // the version this import's changes become visible in
}

// BeginImport starts the single write transaction of an import.
func (s *Store) BeginImport(ctx context.Context) (_ store.Import, err error) {
	defer wrap(&err, "begin import")
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	im := &importTx{s: s, tx: tx}
	// The transaction holds the write lock, so no other commit can move
	// the version before ours: our changes become visible in version v+1.
	if err = tx.QueryRowContext(ctx, `SELECT v + 1 FROM store_version WHERE id = 1`).Scan(&im.rev); err != nil {
		tx.Rollback()
		return nil, err
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
	im.feedEntry = prepare(`SELECT submitter_id IS NOT NULL, imported_submitter, imported_fullname, submitted_at
		FROM feed_entries WHERE paper_seq = ? AND day = ?`)
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
		return nil, err
	}
	s.mu.Lock()
	s.importing = im
	s.mu.Unlock()
	return im, nil
}

// finish forgets the import once it is committed or rolled back.
func (im *importTx) finish() {
	im.done = true
	im.s.mu.Lock()
	if im.s.importing == im {
		im.s.importing = nil
	}
	im.s.mu.Unlock()
}

type existing struct {
	seq   int64
	paper paper.Paper
}

// Write merges records into the papers and feed tables.
func (im *importTx) Write(ctx context.Context, recs []store.Record) (store.ImportCounts, error) {
	var counts store.ImportCounts
	known, err := im.load(ctx, recs)
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

// load reads the stored versions of the batch's papers, a query a chunk.
func (im *importTx) load(ctx context.Context, recs []store.Record) (map[paper.ID]existing, error) {
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
		rs, err := im.tx.QueryContext(ctx, `SELECT `+paperCols+`, p.seq FROM papers p WHERE p.id IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...)
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
	name, full := sub.Submitter, sub.Fullname
	at := sub.SubmittedAt.UnixMilli()
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
		if name == "" && full == "" {
			name, full = oldName, oldFull // a record without a submitter does not erase a known one
		}
		if name == oldName && full == oldFull && oldAt == at {
			return false, nil
		}
	case err != sql.ErrNoRows:
		return false, err
	}
	if _, err := im.upsertFeed.ExecContext(ctx, seq, sub.Day, name, full, at); err != nil {
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
	// checkpoints: the commit stands either way.
	_, _ = im.s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

func (im *importTx) Rollback() error {
	if im.done {
		return nil
	}
	im.finish()
	return im.tx.Rollback()
}
