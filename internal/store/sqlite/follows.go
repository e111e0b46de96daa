package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// Follow adds a follow, within max follows of the account. It does not
// change Version: no shared page shows follows. Following an author or a
// category is a For-you signal: the reader's version moves.
func (s *Store) Follow(ctx context.Context, f store.Follow, max int) (err error) {
	defer wrap(&err, "user %d follow %s %q", f.UserID, f.Kind, f.Target)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var have, n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE kind = ? AND target = ?) FROM follows WHERE user_id = ?`,
			f.Kind, f.Target, f.UserID).Scan(&n, &have); err != nil {
			return err
		}
		if have > 0 {
			return nil
		}
		if max > 0 && n >= max {
			return fmt.Errorf("%w: %d follows", store.ErrLimit, n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO follows (user_id, kind, target, label, created_at) VALUES (?, ?, ?, ?, ?)`,
			f.UserID, f.Kind, f.Target, f.Label, rows.OrNow(f.CreatedAt).UnixMilli()); err != nil {
			return err
		}
		if !followSignal(f.Kind) {
			return nil
		}
		return bumpReader(ctx, tx, f.UserID)
	})
}

// Unfollow removes a follow.
func (s *Store) Unfollow(ctx context.Context, userID int64, kind store.FollowKind, target string) (err error) {
	defer wrap(&err, "user %d unfollow %s %q", userID, kind, target)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM follows WHERE user_id = ? AND kind = ? AND target = ?`, userID, kind, target)
		if err != nil || !followSignal(kind) {
			return err
		}
		return bumpIf(ctx, tx, userID, res)
	})
}

// FollowsOf lists an account's follows, newest first.
func (s *Store) FollowsOf(ctx context.Context, userID int64) ([]store.Follow, error) {
	return queryPrepared(ctx, s, fmt.Sprintf("follows of user %d", userID), func(scan func(dest ...any) error) (store.Follow, error) {
		var f store.Follow
		var kind string
		err := scan(&f.UserID, &kind, &f.Target, &f.Label, rows.Millis(&f.CreatedAt))
		f.Kind = store.FollowKind(kind)
		return f, err
	}, `SELECT user_id, kind, target, label, created_at FROM follows WHERE user_id = ? ORDER BY created_at DESC, kind, target`, userID)
}

// followStreams are the streams of papers of what an account follows.
func (s *Store) followStreams(ctx context.Context, userID int64) ([]stream, error) {
	follows, err := s.FollowsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []stream
	for _, f := range follows {
		switch f.Kind {
		case store.FollowAuthor:
			out = append(out, stream{`SELECT published, paper_seq FROM paper_authors WHERE author_key = ?`, []any{f.Target}})
		case store.FollowCategory:
			out = append(out, stream{`SELECT published, paper_seq FROM paper_categories WHERE category = ?`, []any{f.Target}})
		case store.FollowUser:
			id, err := strconv.ParseInt(f.Target, 10, 64)
			if err != nil {
				continue // not an account id: follows nothing
			}
			out = append(out, stream{`SELECT DISTINCT coalesce(p.published_at, 0) AS published, p.seq AS paper_seq
				FROM feed_entries f JOIN papers p ON p.seq = f.paper_seq WHERE f.submitter_id = ?`, []any{id}})
		case store.FollowCollection:
			if st, ok := followedCollectionPapers(f.Target); ok {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// followedCollectionPapers is the stream of a followed collection's
// papers, each once, while the collection is public: one turned private
// stops showing in its followers' pages, as its page does.
func followedCollectionPapers(target string) (stream, bool) {
	id, err := strconv.ParseInt(target, 10, 64)
	if err != nil {
		return stream{}, false // not a collection id: follows nothing
	}
	return stream{`SELECT coalesce(p.published_at, 0) AS published, p.seq AS paper_seq
		FROM collection_items i JOIN collections c ON c.id = i.collection_id JOIN papers p ON p.seq = i.paper_seq
		WHERE i.collection_id = ? AND c.private = 0`, []any{id}}, true
}

// FollowingPapers lists the papers of what an account follows, newest first.
func (s *Store) FollowingPapers(ctx context.Context, userID int64, after store.PaperCursor, limit int) ([]store.FeedItem, store.PaperCursor, error) {
	streams, err := s.followStreams(ctx, userID)
	if err != nil {
		return nil, store.PaperCursor{}, err
	}
	return s.pageOf(ctx, fmt.Sprintf("following of user %d", userID), streams, after, limit)
}

// MarkRead marks a paper read or unread by an account. Not a change of
// Version: only the account's own pages show it; the reader's version
// moves, since a read mark is a For-you signal.
func (s *Store) MarkRead(ctx context.Context, userID int64, id paper.ID, read bool, at time.Time) (err error) {
	defer wrap(&err, "user %d read %s", userID, id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		var res sql.Result
		if !read {
			res, err = tx.ExecContext(ctx, `DELETE FROM paper_reads WHERE user_id = ? AND paper_seq = ?`, userID, seq)
		} else {
			res, err = tx.ExecContext(ctx, `INSERT INTO paper_reads (user_id, paper_seq, read_at) VALUES (?, ?, ?)
				ON CONFLICT (user_id, paper_seq) DO NOTHING`, userID, seq, rows.OrNow(at).UnixMilli())
		}
		if err != nil {
			return err
		}
		// A read mark is a For-you signal.
		return bumpIf(ctx, tx, userID, res)
	})
}

// ReadOf reports which of the papers an account marked read.
func (s *Store) ReadOf(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	out := map[paper.ID]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	got, err := queryPrepared(ctx, s, fmt.Sprintf("read marks of user %d", userID), func(scan func(dest ...any) error) (string, error) {
		var id string
		err := scan(&id)
		return id, err
	}, `SELECT p.id FROM paper_reads r JOIN papers p ON p.seq = r.paper_seq
		WHERE r.user_id = ? AND p.id IN (SELECT value FROM json_each(?))`, userID, string(list))
	for _, id := range got {
		out[paper.ID(id)] = true
	}
	return out, err
}
