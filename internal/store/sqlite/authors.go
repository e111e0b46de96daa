package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

func authorStreams(keys []string) []stream {
	out := make([]stream, len(keys))
	for i, k := range keys {
		out[i] = stream{`SELECT published, paper_seq FROM paper_authors WHERE author_key = ?`, []any{k}}
	}
	return out
}

// AuthorPapers lists the papers of the author keys, newest first.
func (s *Store) AuthorPapers(ctx context.Context, keys []string, after store.PaperCursor, limit int) ([]store.FeedItem, store.PaperCursor, error) {
	return s.pageOf(ctx, fmt.Sprintf("author papers %q", keys), authorStreams(keys), after, limit)
}

// CategoryPapers lists the papers of a category or archive, newest first.
func (s *Store) CategoryPapers(ctx context.Context, category string, after store.PaperCursor, limit int) ([]store.FeedItem, store.PaperCursor, error) {
	return s.pageOf(ctx, fmt.Sprintf("papers in %q", category),
		[]stream{{`SELECT published, paper_seq FROM paper_categories WHERE category = ?`, []any{category}}}, after, limit)
}

// AuthorSummary counts an author's papers, co-authors and categories.
func (s *Store) AuthorSummary(ctx context.Context, keys []string, top int) (sum store.AuthorSummary, err error) {
	defer wrap(&err, "author summary %q", keys)
	if len(keys) == 0 {
		return sum, nil
	}
	keyList, err := json.Marshal(keys)
	if err != nil {
		return sum, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(DISTINCT a.paper_seq) FROM paper_authors a
		WHERE a.author_key IN (SELECT value FROM json_each(?))
			AND NOT EXISTS (SELECT 1 FROM feed_entries h WHERE h.paper_seq = a.paper_seq AND h.hidden <> 0)`, string(keyList)).Scan(&sum.Papers); err != nil {
		return sum, err
	}
	newest, err := s.newestOf(ctx, "author summary", authorStreams(keys), store.PaperCursor{}, store.SummaryPapers)
	if err != nil || len(newest) == 0 {
		return sum, err
	}
	seqs := make([]int64, len(newest))
	for i, n := range newest {
		seqs[i] = n.Seq
	}
	seqList, err := json.Marshal(seqs)
	if err != nil {
		return sum, err
	}
	nameCount := func(scan func(dest ...any) error) (store.NameCount, error) {
		var n store.NameCount
		err := scan(&n.Key, &n.Name, &n.Count)
		return n, err
	}
	// Counted from paper_authors_paper alone (it holds the key, as part of
	// the table's primary key), and only the top keys' names read after:
	// reading each row's name cost ten times as much.
	if sum.CoAuthors, err = queryAll(ctx, s.r, "co-authors", nameCount, `SELECT k,
			(SELECT name FROM paper_authors WHERE author_key = k ORDER BY published DESC LIMIT 1), n
		FROM (SELECT author_key AS k, count(*) AS n FROM paper_authors
			WHERE paper_seq IN (SELECT value FROM json_each(?1)) AND position < ?4 AND author_key NOT IN (SELECT value FROM json_each(?2))
			GROUP BY author_key ORDER BY count(*) DESC, author_key LIMIT ?3)
		ORDER BY n DESC, k`, string(seqList), string(keyList), top, store.CoAuthorPlaces); err != nil {
		return sum, err
	}
	cats, err := queryAll(ctx, s.r, "categories", func(scan func(dest ...any) error) (string, error) {
		var c string
		err := scan(&c)
		return c, err
	}, `SELECT categories FROM papers WHERE seq IN (SELECT value FROM json_each(?))`, string(seqList))
	if err != nil {
		return sum, err
	}
	sum.Categories = rows.TopCategories(cats, top)
	return sum, nil
}

// claimCols are the columns rows.ScanClaim reads, from author_claims c,
// papers p and users u.
const claimCols = `c.id, c.user_id, p.id, c.position, c.name, c.author_key, c.status, c.hidden, c.created_at, c.decided_at, p.title, ` +
	`u.id, u.username, u.fullname, u.avatar_url, u.created_at`

const claimFrom = ` FROM author_claims c JOIN papers p ON p.seq = c.paper_seq JOIN users u ON u.id = c.user_id`

// ClaimAuthor files a pending claim.
func (s *Store) ClaimAuthor(ctx context.Context, c store.Claim) (_ store.Claim, err error) {
	defer wrap(&err, "claim %s author %d", c.PaperID, c.Position)
	c.CreatedAt = rows.OrNow(c.CreatedAt)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		var authorsJSON string
		if err := tx.QueryRowContext(ctx, `SELECT seq, authors FROM papers WHERE id = ?`, string(c.PaperID)).Scan(&seq, &authorsJSON); err != nil {
			return err
		}
		var authors []paper.Author
		if err := json.Unmarshal([]byte(authorsJSON), &authors); err != nil {
			return err
		}
		if c.Position < 0 || c.Position >= len(authors) {
			return fmt.Errorf("%w: the paper has %d authors", store.ErrInvalid, len(authors))
		}
		c.Name = authors[c.Position].Name
		c.Key = library.AuthorKey(c.Name)
		var holder int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM author_claims
			WHERE paper_seq = ? AND status <> 'rejected' AND (user_id = ? OR position = ?)
			ORDER BY user_id = ? DESC LIMIT 1`, seq, c.UserID, c.Position, c.UserID).Scan(&holder)
		switch {
		case err == nil && holder == c.UserID:
			return store.ErrClaimedTwice
		case err == nil:
			return store.ErrClaimTaken
		case err != sql.ErrNoRows:
			return err
		}
		c.Status = store.ClaimPending
		return tx.QueryRowContext(ctx, `INSERT INTO author_claims (user_id, paper_seq, position, name, author_key, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.UserID, seq, c.Position, c.Name, c.Key, c.Status, c.CreatedAt.UnixMilli()).Scan(&c.ID)
	})
	if err != nil {
		return store.Claim{}, err
	}
	return c, nil
}

// DecideClaim approves or rejects a pending claim. An approval changes
// what pages show (the author's link, the API's authors[].user).
func (s *Store) DecideClaim(ctx context.Context, id int64, approve bool, at time.Time) (_ store.Claim, err error) {
	defer wrap(&err, "decide claim %d", id)
	status := store.ClaimRejected
	if approve {
		status = store.ClaimApproved
	}
	var c store.Claim
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE author_claims SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
			status, rows.OrNow(at).UnixMilli(), id); err != nil {
			return err
		}
		if approve {
			if err := bumpVersion(tx); err != nil {
				return err
			}
		}
		var err error
		c, err = rows.ScanClaim(tx.QueryRowContext(ctx, `SELECT `+claimCols+claimFrom+` WHERE c.id = ?`, id).Scan)
		return err
	})
	return c, err
}

func (s *Store) claims(ctx context.Context, what, where string, args ...any) ([]store.Claim, error) {
	return queryAll(ctx, s.r, what, rows.ScanClaim, `SELECT `+claimCols+claimFrom+` `+where, args...)
}

// PendingClaims lists claims awaiting an admin, oldest first.
func (s *Store) PendingClaims(ctx context.Context, limit int) ([]store.Claim, error) {
	return s.claims(ctx, "pending claims", `WHERE c.status = 'pending' ORDER BY c.created_at, c.id LIMIT ?`, sqlLimit(limit))
}

// UserClaims lists an account's claims, newest first.
func (s *Store) UserClaims(ctx context.Context, userID int64) ([]store.Claim, error) {
	return s.claims(ctx, fmt.Sprintf("claims of user %d", userID), `WHERE c.user_id = ? ORDER BY c.created_at DESC, c.id DESC`, userID)
}

// HideClaim hides or shows a claimed paper on its claimant's profile.
func (s *Store) HideClaim(ctx context.Context, userID, claimID int64, hidden bool) (err error) {
	defer wrap(&err, "hide claim %d", claimID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return updateOne(ctx, tx, `UPDATE author_claims SET hidden = ? WHERE id = ? AND user_id = ?`, hidden, claimID, userID)
	})
}

// PaperClaims lists the live claims of the papers.
func (s *Store) PaperClaims(ctx context.Context, ids []paper.ID) (map[paper.ID][]store.Claim, error) {
	out := map[paper.ID][]store.Claim{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	cs, err := s.claims(ctx, "claims of papers", `WHERE p.id IN (SELECT value FROM json_each(?)) AND c.status <> 'rejected' ORDER BY c.position`, string(list))
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out[c.PaperID] = append(out[c.PaperID], c)
	}
	return out, nil
}

// ClaimedKeys lists who claimed key and every key they claimed.
func (s *Store) ClaimedKeys(ctx context.Context, key string) ([]store.User, []string, error) {
	type row struct {
		u   store.User
		key string
	}
	got, err := queryAll(ctx, s.r, fmt.Sprintf("claims of %q", key), func(scan func(dest ...any) error) (row, error) {
		var r row
		err := scan(append(rows.UserDest(&r.u), &r.key)...)
		return r, err
	}, `SELECT DISTINCT `+userCols("u")+`, o.author_key FROM author_claims c
		JOIN author_claims o ON o.user_id = c.user_id AND o.status = 'approved'
		JOIN users u ON u.id = c.user_id
		WHERE c.author_key = ? AND c.status = 'approved'
		ORDER BY u.id, o.author_key`, key)
	if err != nil {
		return nil, nil, err
	}
	var users []store.User
	keys := []string{key}
	for _, r := range got {
		if len(users) == 0 || users[len(users)-1].ID != r.u.ID {
			users = append(users, r.u)
		}
		if !slices.Contains(keys, r.key) {
			keys = append(keys, r.key)
		}
	}
	sort.Strings(keys[1:])
	return users, keys, nil
}
