package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// bumpReader counts a change to a reader's signals, in the transaction
// that makes it, so that every process's cached model of them goes stale.
func bumpReader(ctx context.Context, tx *sql.Tx, userID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO readers (user_id, version) VALUES (?, 1)
		ON CONFLICT (user_id) DO UPDATE SET version = version + 1`, userID)
	return err
}

// bumpIf bumps the reader's version when a write changed a row: the
// library's writes that change nothing (saving a paper saved already)
// leave their model alone.
func bumpIf(ctx context.Context, tx *sql.Tx, userID int64, res sql.Result) error {
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return bumpReader(ctx, tx, userID)
}

// followSignal reports whether following the kind is a signal of what
// the reader likes (see store.Readers.ReaderSignals).
func followSignal(k store.FollowKind) bool {
	return k == store.FollowAuthor || k == store.FollowCategory
}

// readerSignalsSQL gathers a reader's signals of every kind, one SELECT
// each in the UNION ALL, named by their store.SignalKind. Each reads an
// index by user: votes', the signals', saved_papers_user_saved, the
// collections' (owner_id, title) then their items', paper_reads' and
// follows' keys. A paper in several collections counts once, at its
// newest addition.
const readerSignalsSQL = `SELECT kind, paper_id, subject, created_at FROM (
	SELECT 'upvote' AS kind, p.id AS paper_id, '' AS subject, v.created_at AS created_at
		FROM votes v JOIN papers p ON p.seq = v.paper_seq WHERE v.user_id = ?1
	UNION ALL
	SELECT s.kind, p.id, '', s.created_at
		FROM reader_paper_signals s JOIN papers p ON p.seq = s.paper_seq WHERE s.user_id = ?1
	UNION ALL
	SELECT t.kind, '', t.subject, t.created_at FROM reader_topic_signals t WHERE t.user_id = ?1
	UNION ALL
	SELECT 'saved', p.id, '', sp.saved_at FROM saved_papers sp JOIN papers p ON p.seq = sp.paper_seq WHERE sp.user_id = ?1
	UNION ALL
	SELECT 'collected', p.id, '', max(i.added_at)
		FROM collections c JOIN collection_items i ON i.collection_id = c.id JOIN papers p ON p.seq = i.paper_seq
		WHERE c.owner_id = ?1 GROUP BY p.id
	UNION ALL
	SELECT 'read', p.id, '', r.read_at FROM paper_reads r JOIN papers p ON p.seq = r.paper_seq WHERE r.user_id = ?1
	UNION ALL
	SELECT 'follow_author', '', CASE WHEN f.label <> '' THEN f.label ELSE f.target END, f.created_at
		FROM follows f WHERE f.user_id = ?1 AND f.kind = 'author'
	UNION ALL
	SELECT 'follow_category', '', f.target, f.created_at FROM follows f WHERE f.user_id = ?1 AND f.kind = 'category'
) ORDER BY created_at DESC, kind, paper_id, subject LIMIT ?2`

// ReaderSignals lists the reader's signals, newest first.
func (s *Store) ReaderSignals(ctx context.Context, userID int64) ([]store.Signal, error) {
	return queryAll(ctx, s.r, "reader signals", func(scan func(dest ...any) error) (store.Signal, error) {
		var sig store.Signal
		var kind, id string
		err := scan(&kind, &id, &sig.Subject, rows.Millis(&sig.At))
		sig.Kind, sig.Paper = store.SignalKind(kind), paper.ID(id)
		return sig, err
	}, readerSignalsSQL, userID, store.MaxSignals)
}

// AddSignal keeps signals and drops the reader's oldest beyond the cap.
func (s *Store) AddSignal(ctx context.Context, userID int64, sigs ...store.Signal) (err error) {
	defer wrap(&err, "signals of %d", userID)
	for _, sig := range sigs {
		if err := store.CheckSignal(sig); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, sig := range sigs {
			at := rows.OrNow(sig.At).UnixMilli()
			if !sig.Kind.OnPaper() {
				if _, err := tx.ExecContext(ctx, `INSERT INTO reader_topic_signals (user_id, kind, subject, created_at) VALUES (?, ?, ?, ?)
					ON CONFLICT (user_id, kind, subject) DO UPDATE SET created_at = excluded.created_at`,
					userID, string(sig.Kind), sig.Subject, at); err != nil {
					return err
				}
				continue
			}
			seq, err := paperSeq(ctx, tx, sig.Paper)
			if err != nil {
				return fmt.Errorf("paper %s: %w", sig.Paper, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reader_paper_signals (user_id, paper_seq, kind, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, paper_seq) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at`,
				userID, seq, string(sig.Kind), at); err != nil {
				return err
			}
		}
		// The cap: the oldest past MaxSignals go, found through the
		// (user_id, created_at) indexes.
		for _, table := range [...]string{"reader_paper_signals", "reader_topic_signals"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = ?1 AND created_at <= (
				SELECT created_at FROM `+table+` WHERE user_id = ?1 ORDER BY created_at DESC LIMIT 1 OFFSET ?2)`,
				userID, store.MaxSignals); err != nil {
				return err
			}
		}
		return bumpReader(ctx, tx, userID)
	})
}

// RemoveSignal forgets a kept signal.
func (s *Store) RemoveSignal(ctx context.Context, userID int64, sig store.Signal) (err error) {
	defer wrap(&err, "removing signal %s of %d", sig.Kind, userID)
	if !sig.Kind.Kept() {
		return store.ErrNotFound
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if sig.Kind.OnPaper() {
			res, err = tx.ExecContext(ctx, `DELETE FROM reader_paper_signals WHERE user_id = ? AND kind = ?
				AND paper_seq = (SELECT seq FROM papers WHERE id = ?)`, userID, string(sig.Kind), string(sig.Paper))
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM reader_topic_signals WHERE user_id = ? AND kind = ? AND subject = ?`,
				userID, string(sig.Kind), sig.Subject)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = store.ErrNotFound
			}
			return err
		}
		return bumpReader(ctx, tx, userID)
	})
}

// ReaderState reads the reader's state.
func (s *Store) ReaderState(ctx context.Context, userID int64) (_ store.ReaderState, err error) {
	defer wrap(&err, "reader %d", userID)
	var st store.ReaderState
	err = s.r.QueryRowContext(ctx, `SELECT version, paused, feed_token_hash IS NOT NULL FROM readers WHERE user_id = ?`, userID).
		Scan(&st.Version, &st.Paused, &st.FeedToken)
	if err == sql.ErrNoRows {
		return store.ReaderState{}, nil
	}
	return st, err
}

// SetReaderPaused pauses or resumes personalisation; the version moves,
// so cached rankings are made again.
func (s *Store) SetReaderPaused(ctx context.Context, userID int64, paused bool) (err error) {
	defer wrap(&err, "pausing reader %d", userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := bumpReader(ctx, tx, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE readers SET paused = ? WHERE user_id = ?`, paused, userID)
		return err
	})
}

// SetReaderFeedToken sets the private feed's secret.
func (s *Store) SetReaderFeedToken(ctx context.Context, userID int64, tokenHash []byte) (err error) {
	defer wrap(&err, "feed token of reader %d", userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO readers (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE readers SET feed_token_hash = ? WHERE user_id = ?`, tokenHash, userID)
		return err
	})
}

// ReaderByFeedToken finds the account of a private feed's secret.
func (s *Store) ReaderByFeedToken(ctx context.Context, tokenHash []byte) (_ store.Account, err error) {
	defer wrap(&err, "reader by feed token")
	return rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM readers r JOIN users u ON u.id = r.user_id
		WHERE r.feed_token_hash = ? AND u.disabled_at IS NULL`, tokenHash).Scan)
}

// WindowPapers lists the papers listed, or else first published, in the
// days from..to. Both halves read an index: papers_listed for listing
// days, papers_published for the first version's time.
func (s *Store) WindowPapers(ctx context.Context, from, to string, limit int) ([]paper.Paper, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("store: window from %q: %w", from, store.ErrInvalid)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("store: window to %q: %w", to, store.ErrInvalid)
	}
	return queryAll(ctx, s.r, "window papers", func(scan func(dest ...any) error) (paper.Paper, error) {
		var order int64
		return rows.ScanPaper(scan, &order)
	}, `SELECT `+paperCols+`, o FROM (
		SELECT p.seq AS s, coalesce(p.published_at, 0) AS o FROM papers p WHERE p.listed BETWEEN ?1 AND ?2 AND p.listed <> ''
		UNION
		SELECT p.seq, p.published_at FROM papers p WHERE coalesce(p.published_at, 0) >= ?3 AND coalesce(p.published_at, 0) < ?4 AND p.listed = ''
	) w JOIN papers p ON p.seq = w.s WHERE `+notHidden+` ORDER BY w.o DESC, p.seq DESC LIMIT ?5`,
		from, to, start.UnixMilli(), end.AddDate(0, 0, 1).UnixMilli(), limit)
}

// NewestDay is the latest listing, publication or feed day.
func (s *Store) NewestDay(ctx context.Context) (_ string, err error) {
	defer wrap(&err, "newest day")
	var listed, feed sql.NullString
	var published sql.NullInt64
	// Each a lookup at the end of an index.
	if err := s.r.QueryRowContext(ctx, `SELECT (SELECT max(listed) FROM papers WHERE listed <> ''),
		(SELECT max(coalesce(published_at, 0)) FROM papers), (SELECT max(day) FROM feed_entries)`).Scan(&listed, &published, &feed); err != nil {
		return "", err
	}
	day := max(listed.String, feed.String)
	if published.Int64 > 0 {
		day = max(day, time.UnixMilli(published.Int64).UTC().Format(time.DateOnly))
	}
	if day == "" {
		return "", store.ErrNotFound
	}
	return day, nil
}

// SaveReaderModel keeps the reader's model unless a later one is kept.
func (s *Store) SaveReaderModel(ctx context.Context, userID int64, m store.StoredModel) (err error) {
	defer wrap(&err, "model of reader %d", userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if m.Data == nil {
			_, err := tx.ExecContext(ctx, `DELETE FROM reader_models WHERE user_id = ? AND version <= ?`, userID, m.Version)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO reader_models (user_id, version, trained_at, model) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, trained_at = excluded.trained_at, model = excluded.model
			WHERE excluded.version >= reader_models.version`, userID, m.Version, rows.OrNow(m.TrainedAt).UnixMilli(), m.Data)
		return err
	})
}

// ReaderModel reads the reader's kept model; a disabled account has none.
func (s *Store) ReaderModel(ctx context.Context, userID int64) (_ store.StoredModel, err error) {
	defer wrap(&err, "model of reader %d", userID)
	var m store.StoredModel
	err = s.r.QueryRowContext(ctx, `SELECT m.version, m.trained_at, m.model FROM reader_models m JOIN users u ON u.id = m.user_id
		WHERE m.user_id = ? AND u.disabled_at IS NULL`, userID).Scan(&m.Version, rows.Millis(&m.TrainedAt), &m.Data)
	return m, err
}
