package postgres

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// versionTx runs fn in a transaction that takes the next store version
// first (see bumpVersion), so that it is serialized against every other
// change to what pages show. fn reports whether it changed anything: the
// transaction commits when it did, and rolls back, giving the version
// back, when it found nothing to do or failed.
func (s *Store) versionTx(ctx context.Context, fn func(tx pgx.Tx, rev int64) (changed bool, err error)) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rev, err := bumpVersion(ctx, tx)
	if err != nil {
		return err
	}
	changed, err := fn(tx, rev)
	if err != nil || !changed {
		return err
	}
	return tx.Commit(ctx)
}

// updateOne runs an UPDATE that must match a row, or returns
// store.ErrNotFound.
func updateOne(ctx context.Context, q querier, query string, args ...any) error {
	tag, err := q.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// userCols are the columns of a store.User from the users table named a,
// in rows.UserDest's order.
func userCols(a string) string {
	return a + `.id, ` + a + `.username, ` + a + `.fullname, ` + a + `.avatar_url, ` + a + `.created_at`
}

// Account returns the account with the id.
func (s *Store) Account(ctx context.Context, id int64) (_ store.Account, err error) {
	defer wrap(&err, "account %d", id)
	a, err := rows.ScanAccount(s.pool.QueryRow(ctx, `SELECT `+accountCols+` FROM users u WHERE u.id = $1`, id).Scan)
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// UserByName finds a user by username, ignoring case (users_username is
// unique on lower(username)).
func (s *Store) UserByName(ctx context.Context, username string) (_ store.User, err error) {
	defer wrap(&err, "user %q", username)
	var u store.User
	if err := s.pool.QueryRow(ctx, `SELECT `+userCols("u")+` FROM users u WHERE lower(u.username) = lower($1)`,
		username).Scan(rows.UserDest(&u)...); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// SetPassword replaces the password hash and ends the account's sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) (err error) {
	defer wrap(&err, "set password of %d", userID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// SetDisabled disables or enables an account; disabling ends its sessions.
func (s *Store) SetDisabled(ctx context.Context, userID int64, at time.Time) (err error) {
	defer wrap(&err, "disable %d", userID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET disabled_at = $1 WHERE id = $2`, rows.NullMillis(at), userID); err != nil {
			return err
		}
		if at.IsZero() {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM password_resets WHERE user_id = $1`, userID)
		return err
	})
}

// CreatePasswordReset stores a reset token.
func (s *Store) CreatePasswordReset(ctx context.Context, r store.PasswordReset) (err error) {
	defer wrap(&err, "create password reset")
	_, err = s.pool.Exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		r.TokenHash, r.UserID, rows.OrNow(r.CreatedAt).UnixMilli(), r.ExpiresAt.UnixMilli())
	return err
}

// ResetPassword spends a live reset token: new password hash, no sessions,
// no other reset tokens, in one transaction. The token's row is locked
// while it is read, so a token spent twice at once is spent once.
func (s *Store) ResetPassword(ctx context.Context, tokenHash []byte, hash string, now time.Time) (_ store.Account, err error) {
	defer wrap(&err, "reset password")
	var a store.Account
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var userID int64
		if err := tx.QueryRow(ctx, `SELECT r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
			WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL
			FOR UPDATE OF r`, tokenHash, now.UnixMilli()).Scan(&userID); err != nil {
			return err
		}
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`UPDATE users SET password_hash = $1 WHERE id = $2`, []any{hash, userID}},
			{`DELETE FROM sessions WHERE user_id = $1`, []any{userID}},
			{`UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, []any{now.UnixMilli(), userID}},
			{`UPDATE password_resets SET used_at = $1 WHERE token_hash = $2`, []any{now.UnixMilli(), tokenHash}},
			{`DELETE FROM password_resets WHERE user_id = $1 AND token_hash <> $2`, []any{userID, tokenHash}},
		} {
			if _, err := tx.Exec(ctx, q.query, q.args...); err != nil {
				return err
			}
		}
		var err error
		a, err = rows.ScanAccount(tx.QueryRow(ctx, `SELECT `+accountCols+` FROM users u WHERE u.id = $1`, userID).Scan)
		return err
	})
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// Submit merges the paper into the catalogue and puts it on the feed, in
// one transaction that also checks the duplicate and the daily cap. The
// transaction takes the next version before it checks anything, so the
// checks of submissions made at once run one after the other.
func (s *Store) Submit(ctx context.Context, sub store.NewSubmission) (_ store.FeedItem, err error) {
	defer wrap(&err, "submit %s", sub.Paper.ID)
	id := sub.Paper.ID
	var item, existing store.FeedItem
	err = s.versionTx(ctx, func(tx pgx.Tx, rev int64) (bool, error) {
		var users int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, sub.UserID).Scan(&users); err != nil {
			return false, err
		}
		if users == 0 {
			return false, fmt.Errorf("user %d: %w", sub.UserID, store.ErrNotFound)
		}
		var seq int64
		old, err := rows.ScanPaper(tx.QueryRow(ctx, `SELECT `+paperCols+`, p.seq FROM papers p WHERE p.id = $1 FOR UPDATE`, string(id)).Scan, &seq)
		found := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return false, err
		}
		if found {
			// An entry on Day first (a conflict even with AllowDuplicate), then the newest.
			e, err := rows.ScanFeedItem(tx.QueryRow(ctx, `SELECT `+feedCols+feedFrom+`
				WHERE f.paper_seq = $1 ORDER BY (f.day = $2) DESC, f.day DESC LIMIT 1`, seq, sub.Day).Scan)

			switch {
			case err == nil:
				if !sub.AllowDuplicate || e.Day == sub.Day {
					existing = e
					return false, fmt.Errorf("%w: on the feed of %s already", store.ErrConflict, e.Day)
				}
			case !errors.Is(err, pgx.ErrNoRows):
				return false, err
			}
		}
		if sub.DailyCap > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM feed_entries WHERE submitter_id = $1 AND day = $2`,
				sub.UserID, sub.Day).Scan(&n); err != nil {
				return false, err
			}
			if n >= sub.DailyCap {
				return false, fmt.Errorf("%w: %d submissions on %s", store.ErrLimit, n, sub.Day)
			}
		}

		p := storedTimes(sub.Paper)
		if found {
			p = paper.Merge(old, p)
		}
		if sub.GitHubRepo != "" && sub.GitHubRepo != p.GitHubRepo {
			p.GitHubRepo, p.GitHubStars = sub.GitHubRepo, 0 // the stars were another repository's
		}
		if sub.ProjectPage != "" {
			p.ProjectPage = sub.ProjectPage
		}
		args, err := rows.PaperArgs(&p)
		if err != nil {
			return false, err
		}
		// The paper changes in this version: the change feed (and search) follow it.
		now := time.Now().UnixMilli()
		if found {
			_, err = tx.Exec(ctx, updatePaperSQL, append(args, now, rev, seq)...)
		} else {
			err = tx.QueryRow(ctx, insertPaperSQL, append(args, now, now, rev)...).Scan(&seq)
		}
		if err != nil {
			return false, err
		}
		if !found || rows.TermsDiffer(&old, &p) {
			if err := writeTerms(ctx, tx, []termPaper{{seq, &p}}, found); err != nil {
				return false, err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feed_entries (paper_seq, day, submitter_id, submitted_at) VALUES ($1, $2, $3, $4)`,
			seq, sub.Day, sub.UserID, sub.At.UnixMilli()); err != nil {
			return false, err
		}
		item, err = rows.ScanFeedItem(tx.QueryRow(ctx, `SELECT `+feedCols+feedFrom+` WHERE f.paper_seq = $1 AND f.day = $2`, seq, sub.Day).Scan)
		return err == nil, err
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) && existing.Day != "" {
			return existing, err
		}
		return store.FeedItem{}, err
	}
	return item, nil
}

// SubmittedOn counts an account's feed entries of one day, hidden ones too.
func (s *Store) SubmittedOn(ctx context.Context, userID int64, day string) (_ int, err error) {
	defer wrap(&err, "submitted on %s", day)
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM feed_entries WHERE submitter_id = $1 AND day = $2`,
		userID, day).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// UserSubmissions lists a user's visible feed entries, newest first.
func (s *Store) UserSubmissions(ctx context.Context, userID int64, limit int) ([]store.FeedItem, error) {
	return s.feedItems(ctx, fmt.Sprintf("submissions of user %d", userID), `SELECT `+feedCols+feedFrom+`
		WHERE f.submitter_id = $1 AND NOT f.hidden
		ORDER BY f.submitted_at DESC, f.day DESC, p.seq DESC LIMIT $2`, userID, sqlLimit(limit))
}

// ImportedSubmissions lists the visible feed entries imports credited to
// a submitter's name, newest first (feed_entries_imported_submitter).
func (s *Store) ImportedSubmissions(ctx context.Context, username string, limit int) ([]store.FeedItem, error) {
	if username == "" {
		return nil, nil // entries without a valid name are nobody's
	}
	return s.feedItems(ctx, fmt.Sprintf("imported submissions of %q", username), `SELECT `+feedCols+feedFrom+`
		WHERE lower(f.imported_submitter) = lower($1) AND f.imported_submitter <> '' AND f.submitter_id IS NULL AND NOT f.hidden
		ORDER BY f.submitted_at DESC, f.day DESC, p.seq DESC LIMIT $2`, username, sqlLimit(limit))
}

// HidePaper hides or shows every feed entry of a paper.
func (s *Store) HidePaper(ctx context.Context, id paper.ID, hidden bool) (err error) {
	defer wrap(&err, "hide %s", id)
	return s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return false, err
		}
		tag, err := tx.Exec(ctx, `UPDATE feed_entries SET hidden = $1 WHERE paper_seq = $2 AND hidden <> $1`, hidden, seq)
		return err == nil && tag.RowsAffected() > 0, err
	})
}

// Vote records or withdraws an upvote; papers.upvotes moves by the rows
// that changed, in the same transaction. A vote that changes nothing
// rolls back, leaving the version as it was.
func (s *Store) Vote(ctx context.Context, userID int64, id paper.ID, up bool) (_ int, err error) {
	defer wrap(&err, "vote of %d for %s", userID, id)
	var upvotes int
	err = s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return false, err
		}
		var tag pgconn.CommandTag
		if up {
			tag, err = tx.Exec(ctx, `INSERT INTO votes (user_id, paper_seq, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				userID, seq, time.Now().UnixMilli())
		} else {
			tag, err = tx.Exec(ctx, `DELETE FROM votes WHERE user_id = $1 AND paper_seq = $2`, userID, seq)
		}
		if err != nil {
			return false, err
		}
		n := tag.RowsAffected()
		if !up {
			n = -n
		}
		if n == 0 {
			return false, tx.QueryRow(ctx, `SELECT upvotes FROM papers WHERE seq = $1`, seq).Scan(&upvotes)
		}
		// Counts only: papers.rev stays, the search index does not read them.
		if err := tx.QueryRow(ctx, `UPDATE papers SET upvotes = upvotes + $1 WHERE seq = $2 RETURNING upvotes`, n, seq).Scan(&upvotes); err != nil {
			return false, err
		}
		// An upvote is a For-you signal too.
		return true, bumpReader(ctx, tx, userID)
	})
	if err != nil {
		return 0, err
	}
	return upvotes, nil
}

// Voted reports which of the papers the account has upvoted.
func (s *Store) Voted(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	out := make(map[paper.ID]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = string(id)
	}
	voted, err := queryAll(ctx, s.pool, "voted", func(scan func(dest ...any) error) (string, error) {
		var id string
		return id, scan(&id)
	}, `SELECT p.id FROM votes v JOIN papers p ON p.seq = v.paper_seq WHERE v.user_id = $1 AND p.id = ANY($2)`, userID, strs)
	if err != nil {
		return nil, err
	}
	for _, id := range voted {
		out[paper.ID(id)] = true
	}
	return out, nil
}

// UserUpvotes lists the papers a user upvoted, newest vote first (votes of
// one millisecond in the order they were cast).
func (s *Store) UserUpvotes(ctx context.Context, userID int64, limit int) ([]paper.Paper, error) {
	return queryAll(ctx, s.pool, fmt.Sprintf("upvotes of %d", userID), func(scan func(dest ...any) error) (paper.Paper, error) { return rows.ScanPaper(scan) },
		`SELECT `+paperCols+` FROM votes v JOIN papers p ON p.seq = v.paper_seq
		WHERE v.user_id = $1 ORDER BY v.created_at DESC, v.n DESC LIMIT $2`, userID, sqlLimit(limit))
}

// commentCols and commentFrom select a comment with its paper's id and its
// author, in rows.ScanComment's order.
var commentCols = `c.id, p.id, c.parent_id, c.body, c.html, c.created_at, c.edited_at, c.deleted_at, c.hidden, ` + userCols("u")

const commentFrom = ` FROM comments c JOIN papers p ON p.seq = c.paper_seq JOIN users u ON u.id = c.user_id`

// isUniqueViolation reports whether err is a unique violation of the
// named constraint or index.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation && pe.ConstraintName == constraint
}

// commentByKey reads the comment an author posted with a form's key.
func commentByKey(ctx context.Context, q querier, userID int64, key string) (store.Comment, error) {
	return rows.ScanComment(q.QueryRow(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.user_id = $1 AND c.client_key = $2`, userID, key).Scan)
}

// AddComment stores a visible comment and counts it on its paper. Its
// CreatedAt is the one given, or now when that is zero. A form posted
// twice at once inserts its key once (comments_client_key): the loser
// reads the winner's comment.
func (s *Store) AddComment(ctx context.Context, c store.Comment) (_ store.Comment, err error) {
	defer wrap(&err, "comment on %s", c.PaperID)
	var key any
	if c.Key != "" {
		key = c.Key
		out, err := commentByKey(ctx, s.pool, c.Author.ID, c.Key)
		if err == nil {
			return out, nil // this form was posted before
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return store.Comment{}, err
		}
	}
	var out store.Comment
	err = s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		seq, err := paperSeq(ctx, tx, c.PaperID)
		if err != nil {
			return false, err
		}
		var parent any
		if c.ParentID != 0 {
			var pseq int64
			var grand, deleted *int64
			err := tx.QueryRow(ctx, `SELECT paper_seq, parent_id, deleted_at FROM comments WHERE id = $1`,
				c.ParentID).Scan(&pseq, &grand, &deleted)
			// A missing parent is said here: the deferred wrap would read
			// pgx.ErrNoRows as a bare store.ErrNotFound, not saying which.
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return false, fmt.Errorf("parent comment %d: %w", c.ParentID, store.ErrNotFound)
			case err != nil:
				return false, fmt.Errorf("parent comment %d: %w", c.ParentID, err)
			case grand != nil:
				return false, fmt.Errorf("%w: comment %d is a reply", store.ErrInvalid, c.ParentID)
			case deleted != nil:
				return false, fmt.Errorf("%w: comment %d is deleted", store.ErrInvalid, c.ParentID)
			case pseq != seq:
				return false, fmt.Errorf("%w: comment %d is on another paper", store.ErrInvalid, c.ParentID)
			}
			parent = c.ParentID
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO comments (paper_seq, parent_id, user_id, body, html, created_at, client_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, seq, parent, c.Author.ID, c.Body, rows.NullHTML(c.HTML), rows.OrNow(c.CreatedAt).UnixMilli(), key).Scan(&id); err != nil {
			return false, err
		}
		// Counts only: papers.rev stays.
		if _, err := tx.Exec(ctx, `UPDATE papers SET num_comments = num_comments + 1 WHERE seq = $1`, seq); err != nil {
			return false, err
		}
		out, err = rows.ScanComment(tx.QueryRow(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.id = $1`, id).Scan)
		return err == nil, err
	})
	if err != nil && c.Key != "" && isUniqueViolation(err, "comments_client_key") {
		out, err = commentByKey(ctx, s.pool, c.Author.ID, c.Key)
	}
	if err != nil {
		return store.Comment{}, err
	}
	return out, nil
}

// Comment returns one comment.
func (s *Store) Comment(ctx context.Context, id int64) (_ store.Comment, err error) {
	defer wrap(&err, "comment %d", id)
	c, err := rows.ScanComment(s.pool.QueryRow(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.id = $1`, id).Scan)
	if err != nil {
		return store.Comment{}, err
	}
	return c, nil
}

// Comments lists all of a paper's comments by id.
func (s *Store) Comments(ctx context.Context, id paper.ID) ([]store.Comment, error) {
	return queryAll(ctx, s.pool, "comments of "+string(id), func(scan func(dest ...any) error) (store.Comment, error) { return rows.ScanComment(scan) },
		`SELECT `+commentCols+commentFrom+` WHERE p.id = $1 ORDER BY c.id`, string(id))
}

// EditComment replaces the body and HTML of a comment that is not deleted.
func (s *Store) EditComment(ctx context.Context, id int64, body string, html template.HTML, at time.Time) (err error) {
	defer wrap(&err, "edit comment %d", id)
	return s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		err := updateOne(ctx, tx, `UPDATE comments SET body = $1, html = $2, edited_at = $3 WHERE id = $4 AND deleted_at IS NULL`,
			body, rows.NullHTML(html), at.UnixMilli(), id)
		return err == nil, err
	})
}

// SetCommentHTML stores a comment's HTML if its body is still body.
func (s *Store) SetCommentHTML(ctx context.Context, id int64, body string, html template.HTML) (err error) {
	defer wrap(&err, "comment %d html", id)
	if _, err := s.pool.Exec(ctx, `UPDATE comments SET html = $1 WHERE id = $2 AND body = $3 AND deleted_at IS NULL`,
		string(html), id, body); err != nil { // "" too: rendered, to nothing
		return err
	}
	return nil
}

// UnrenderedComments lists comments without HTML, through
// comments_unrendered.
func (s *Store) UnrenderedComments(ctx context.Context, limit int) ([]store.Comment, error) {
	return queryAll(ctx, s.pool, "unrendered comments", func(scan func(dest ...any) error) (store.Comment, error) { return rows.ScanComment(scan) },
		`SELECT `+commentCols+commentFrom+` WHERE c.html IS NULL AND c.deleted_at IS NULL ORDER BY c.id LIMIT $1`, sqlLimit(limit))
}

// commentState reads what the counts of a comment depend on.
func commentState(ctx context.Context, tx pgx.Tx, id int64) (seq int64, deleted, hidden bool, err error) {
	var deletedAt *int64
	err = tx.QueryRow(ctx, `SELECT paper_seq, deleted_at, hidden FROM comments WHERE id = $1`, id).Scan(&seq, &deletedAt, &hidden)
	return seq, deletedAt != nil, hidden, err
}

// DeleteComment clears a comment's body and uncounts it if it was visible.
func (s *Store) DeleteComment(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "delete comment %d", id)
	return s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		seq, deleted, hidden, err := commentState(ctx, tx, id)
		if err != nil || deleted {
			return false, err
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET body = '', html = '', deleted_at = $1 WHERE id = $2`, at.UnixMilli(), id); err != nil {
			return false, err
		}
		if !hidden {
			if _, err := tx.Exec(ctx, `UPDATE papers SET num_comments = num_comments - 1 WHERE seq = $1`, seq); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}

// HideComment hides or shows a comment, counting it on its paper while it
// is visible.
func (s *Store) HideComment(ctx context.Context, id int64, hide bool) (err error) {
	defer wrap(&err, "hide comment %d", id)
	return s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		seq, deleted, hidden, err := commentState(ctx, tx, id)
		if err != nil || hidden == hide {
			return false, err
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET hidden = $1 WHERE id = $2`, hide, id); err != nil {
			return false, err
		}
		if !deleted {
			delta := 1
			if hide {
				delta = -1
			}
			if _, err := tx.Exec(ctx, `UPDATE papers SET num_comments = num_comments + $1 WHERE seq = $2`, delta, seq); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}

// ReportComment files a report. Its CreatedAt is the one given, or now
// when that is zero.
func (s *Store) ReportComment(ctx context.Context, r store.Report) (_ store.Report, err error) {
	defer wrap(&err, "report comment %d", r.CommentID)
	r.CreatedAt = rows.OrNow(r.CreatedAt)
	err = s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		// The moderators' pages show reports.
		err := tx.QueryRow(ctx, `INSERT INTO comment_reports (comment_id, reporter_id, reason, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, r.CommentID, r.ReporterID, r.Reason, r.CreatedAt.UnixMilli()).Scan(&r.ID)
		return err == nil, err
	})
	if err != nil {
		return store.Report{}, err
	}
	return r, nil
}

// OpenReports lists unresolved reports, oldest first.
func (s *Store) OpenReports(ctx context.Context, limit int) ([]store.OpenReport, error) {
	return queryAll(ctx, s.pool, "open reports", func(scan func(dest ...any) error) (store.OpenReport, error) {
		var (
			o   store.OpenReport
			err error
		)
		if o.Comment, err = rows.ScanComment(scan, append([]any{&o.ID, &o.ReporterID, &o.Reason, rows.Millis(&o.CreatedAt)}, rows.UserDest(&o.Reporter)...)...); err != nil {
			return o, err
		}
		o.CommentID = o.Comment.ID
		return o, nil
	}, `SELECT `+commentCols+`, r.id, r.reporter_id, r.reason, r.created_at, `+userCols("ru")+`
		FROM comment_reports r
		JOIN users ru ON ru.id = r.reporter_id
		JOIN comments c ON c.id = r.comment_id
		JOIN papers p ON p.seq = c.paper_seq
		JOIN users u ON u.id = c.user_id
		WHERE r.resolved_at IS NULL
		ORDER BY r.created_at, r.id LIMIT $1`, sqlLimit(limit))
}

// ResolveReports closes the open reports of a comment.
func (s *Store) ResolveReports(ctx context.Context, commentID int64, at time.Time) (err error) {
	defer wrap(&err, "resolve reports of comment %d", commentID)
	return s.versionTx(ctx, func(tx pgx.Tx, _ int64) (bool, error) {
		tag, err := tx.Exec(ctx, `UPDATE comment_reports SET resolved_at = $1 WHERE comment_id = $2 AND resolved_at IS NULL`,
			at.UnixMilli(), commentID)
		return err == nil && tag.RowsAffected() > 0, err
	})
}

// apiTokenCols are the api_tokens columns of rows.APITokenDest, for a query
// that names the table t.
const apiTokenCols = `t.id, t.user_id, t.name, t.prefix, t.token_hash, t.created_at, t.last_used_at, t.revoked_at`

// CreateAPIToken stores a token. Its CreatedAt is the one given, or now
// when that is zero.
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) (_ store.APIToken, err error) {
	defer wrap(&err, "create API token")
	t.CreatedAt = rows.OrNow(t.CreatedAt)
	if !t.LastUsedAt.IsZero() {
		t.LastUsedAt = rows.OrNow(t.LastUsedAt)
	}
	if !t.RevokedAt.IsZero() {
		t.RevokedAt = rows.OrNow(t.RevokedAt)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, t.UserID, t.Name, t.Prefix, t.TokenHash, t.CreatedAt.UnixMilli(),
			rows.NullMillis(t.LastUsedAt), rows.NullMillis(t.RevokedAt)).Scan(&t.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = $1 AND revoked_at IS NOT NULL
			AND (revoked_at < $2 OR id NOT IN (SELECT id FROM api_tokens WHERE user_id = $1 AND revoked_at IS NOT NULL
				ORDER BY revoked_at DESC, id DESC LIMIT $3))`,
			t.UserID, t.CreatedAt.Add(-store.KeepRevokedFor).UnixMilli(), store.KeepRevoked)
		return err
	})
	if err != nil {
		return store.APIToken{}, err
	}
	return t, nil
}

// APITokens lists an account's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]store.APIToken, error) {
	return queryAll(ctx, s.pool, fmt.Sprintf("API tokens of %d", userID), func(scan func(dest ...any) error) (store.APIToken, error) {
		var t store.APIToken
		if err := scan(rows.APITokenDest(&t)...); err != nil {
			return t, err
		}
		return t, nil
	}, `SELECT `+apiTokenCols+` FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC`, userID)
}

// RevokeAPIToken revokes one of the account's tokens; a revoked token
// keeps its first revocation time.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) (err error) {
	defer wrap(&err, "revoke API token %d", tokenID)
	// PostgreSQL counts the rows an UPDATE matched, changed or not.
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 AND user_id = $3`,
		at.UnixMilli(), tokenID, userID)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	return err
}

// A token's use is noted once per tokenUseStep at most.
const tokenUseStep = time.Minute

// APITokenAccount finds the account of a working token and notes the use,
// unless it was noted less than tokenUseStep before now. The UPDATE checks
// the step again, so processes that read the token at once note its use
// once.
func (s *Store) APITokenAccount(ctx context.Context, tokenHash []byte, now time.Time) (_ store.Account, _ store.APIToken, err error) {
	defer wrap(&err, "API token")
	var t store.APIToken
	a, err := rows.ScanAccount(s.pool.QueryRow(ctx, `SELECT `+accountCols+`, `+apiTokenCols+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, tokenHash).Scan, rows.APITokenDest(&t)...)
	if err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	now = time.UnixMilli(now.UnixMilli()).UTC()
	if !t.LastUsedAt.IsZero() && now.Sub(t.LastUsedAt) < tokenUseStep {
		return a, t, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $1
		WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)`,
		now.UnixMilli(), t.ID, now.Add(-tokenUseStep).UnixMilli())
	if err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	if tag.RowsAffected() > 0 {
		t.LastUsedAt = now
	}
	return a, t, nil
}
