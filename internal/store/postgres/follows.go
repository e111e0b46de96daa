package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// Follow adds a follow, within max follows of the account. It does not
// change Version: no shared page shows follows. Following an author or a
// category is a For-you signal: the reader's version moves.
func (s *Store) Follow(ctx context.Context, f store.Follow, max int) (err error) {
	defer wrap(&err, "user %d follow %s %q", f.UserID, f.Kind, f.Target)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// The account's row, locked, keeps two follows at once within max.
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, f.UserID).Scan(new(int64)); err != nil {
			return err
		}
		var have, n int
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE kind = $1 AND target = $2) FROM follows WHERE user_id = $3`,
			f.Kind, f.Target, f.UserID).Scan(&n, &have); err != nil {
			return err
		}
		if have > 0 {
			return nil
		}
		if max > 0 && n >= max {
			return fmt.Errorf("%w: %d follows", store.ErrLimit, n)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO follows (user_id, kind, target, label, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			f.UserID, f.Kind, f.Target, f.Label, rows.OrNow(f.CreatedAt).UnixMilli())
		if err != nil || !followSignal(f.Kind) {
			return err
		}
		return bumpIf(ctx, tx, f.UserID, tag)
	})
}

// Unfollow removes a follow.
func (s *Store) Unfollow(ctx context.Context, userID int64, kind store.FollowKind, target string) (err error) {
	defer wrap(&err, "user %d unfollow %s %q", userID, kind, target)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM follows WHERE user_id = $1 AND kind = $2 AND target = $3`, userID, kind, target)
		if err != nil || !followSignal(kind) {
			return err
		}
		return bumpIf(ctx, tx, userID, tag)
	})
}

// FollowsOf lists an account's follows, newest first.
func (s *Store) FollowsOf(ctx context.Context, userID int64) ([]store.Follow, error) {
	return queryAll(ctx, s.pool, fmt.Sprintf("follows of user %d", userID), func(scan func(dest ...any) error) (store.Follow, error) {
		var f store.Follow
		var kind string
		err := scan(&f.UserID, &kind, &f.Target, &f.Label, rows.Millis(&f.CreatedAt))
		f.Kind = store.FollowKind(kind)
		return f, err
	}, `SELECT user_id, kind, target, label, created_at FROM follows WHERE user_id = $1 ORDER BY created_at DESC, kind, target`, userID)
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
			out = append(out, stream{`SELECT published, paper_seq FROM paper_authors WHERE author_key = $1`, []any{f.Target}})
		case store.FollowCategory:
			out = append(out, stream{`SELECT published, paper_seq FROM paper_categories WHERE category = $1`, []any{f.Target}})
		case store.FollowUser:
			id, err := strconv.ParseInt(f.Target, 10, 64)
			if err != nil {
				continue // not an account id: follows nothing
			}
			out = append(out, stream{`SELECT DISTINCT coalesce(p.published_at, 0) AS published, p.seq AS paper_seq
				FROM feed_entries f JOIN papers p ON p.seq = f.paper_seq WHERE f.submitter_id = $1`, []any{id}})
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
		WHERE i.collection_id = $1 AND c.private = FALSE`, []any{id}}, true
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
	return s.inTx(ctx, func(tx pgx.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		var tag pgconn.CommandTag
		if !read {
			tag, err = tx.Exec(ctx, `DELETE FROM paper_reads WHERE user_id = $1 AND paper_seq = $2`, userID, seq)
		} else {
			tag, err = tx.Exec(ctx, `INSERT INTO paper_reads (user_id, paper_seq, read_at) VALUES ($1, $2, $3)
				ON CONFLICT (user_id, paper_seq) DO NOTHING`, userID, seq, rows.OrNow(at).UnixMilli())
		}
		if err != nil {
			return err
		}
		// A read mark is a For-you signal.
		return bumpIf(ctx, tx, userID, tag)
	})
}

// ReadOf reports which of the papers an account marked read.
func (s *Store) ReadOf(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	out := map[paper.ID]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	got, err := queryAll(ctx, s.pool, fmt.Sprintf("read marks of user %d", userID), func(scan func(dest ...any) error) (string, error) {
		var id string
		err := scan(&id)
		return id, err
	}, `SELECT p.id FROM paper_reads r JOIN papers p ON p.seq = r.paper_seq
		WHERE r.user_id = $1 AND p.id = ANY($2)`, userID, keys)
	for _, id := range got {
		out[paper.ID(id)] = true
	}
	return out, err
}
