package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// updateOne runs an UPDATE that must match a row, or returns
// store.ErrNotFound.
func updateOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
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
	a, err := rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM users u WHERE u.id = ?`, id).Scan)
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// UserByName finds a user by username, ignoring case (the column is
// COLLATE NOCASE).
func (s *Store) UserByName(ctx context.Context, username string) (_ store.User, err error) {
	defer wrap(&err, "user %q", username)
	var u store.User
	if err := s.r.QueryRowContext(ctx, `SELECT `+userCols("u")+` FROM users u WHERE u.username = ?`, username).Scan(rows.UserDest(&u)...); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// SetPassword replaces the password hash and ends the account's sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) (err error) {
	defer wrap(&err, "set password of %d", userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

// SetDisabled disables or enables an account; disabling ends its sessions.
func (s *Store) SetDisabled(ctx context.Context, userID int64, at time.Time) (err error) {
	defer wrap(&err, "disable %d", userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET disabled_at = ? WHERE id = ?`, rows.NullMillis(at), userID); err != nil {
			return err
		}
		if at.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = ?`, userID)
		return err
	})
}

// CreatePasswordReset stores a reset token.
func (s *Store) CreatePasswordReset(ctx context.Context, r store.PasswordReset) (err error) {
	defer wrap(&err, "create password reset")
	_, err = s.w.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		r.TokenHash, r.UserID, rows.OrNow(r.CreatedAt).UnixMilli(), r.ExpiresAt.UnixMilli())
	return err
}

// ResetPassword spends a live reset token: new password hash, no sessions,
// no other reset tokens, in one transaction.
func (s *Store) ResetPassword(ctx context.Context, tokenHash []byte, hash string, now time.Time) (_ store.Account, err error) {
	defer wrap(&err, "reset password")
	var a store.Account
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		if err := tx.QueryRowContext(ctx, `SELECT r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
			WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ? AND u.disabled_at IS NULL`,
			tokenHash, now.UnixMilli()).Scan(&userID); err != nil {
			return err
		}
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`UPDATE users SET password_hash = ? WHERE id = ?`, []any{hash, userID}},
			{`DELETE FROM sessions WHERE user_id = ?`, []any{userID}},
			{`UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, []any{now.UnixMilli(), userID}},
			{`UPDATE password_resets SET used_at = ? WHERE token_hash = ?`, []any{now.UnixMilli(), tokenHash}},
			{`DELETE FROM password_resets WHERE user_id = ? AND token_hash <> ?`, []any{userID, tokenHash}},
		} {
			if _, err := tx.ExecContext(ctx, q.query, q.args...); err != nil {
				return err
			}
		}
		var err error
		a, err = rows.ScanAccount(tx.QueryRowContext(ctx, `SELECT `+accountCols+` FROM users u WHERE u.id = ?`, userID).Scan)
		return err
	})
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// The statements that write a paper, as an import writes them (import.go).
const (
	insertPaperSQL = `INSERT INTO papers (id, title, abstract, authors, categories, versions, published_at, updated_at,
		listed, doi, journal_ref, comments, withdrawn, github_repo, github_stars, project_page, upvotes, num_comments, as_of,
		ai_summary, ai_keywords, ai_model,
		created_at, modified_at, rev) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING seq`
	updatePaperSQL = `UPDATE papers SET id = ?, title = ?, abstract = ?, authors = ?, categories = ?, versions = ?,
		published_at = ?, updated_at = ?, listed = ?, doi = ?, journal_ref = ?, comments = ?, withdrawn = ?,
		github_repo = ?, github_stars = ?, project_page = ?, upvotes = ?, num_comments = ?, as_of = ?,
		ai_summary = ?, ai_keywords = ?, ai_model = ?, modified_at = ?, rev = ?
		WHERE seq = ?`
)

// Submit merges the paper into the catalogue and puts it on the feed, in
// one transaction that also checks the duplicate and the daily cap.
func (s *Store) Submit(ctx context.Context, sub store.NewSubmission) (_ store.FeedItem, err error) {
	defer wrap(&err, "submit %s", sub.Paper.ID)
	id := sub.Paper.ID
	var item, existing store.FeedItem
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The transaction holds the write lock: the change becomes visible in v+1.
		var rev int64
		if err := tx.QueryRowContext(ctx, `SELECT v + 1 FROM store_version WHERE id = 1`).Scan(&rev); err != nil {
			return err
		}
		var users int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = ?`, sub.UserID).Scan(&users); err != nil {
			return err
		}
		if users == 0 {
			return fmt.Errorf("user %d: %w", sub.UserID, store.ErrNotFound)
		}
		var seq int64
		old, err := rows.ScanPaper(tx.QueryRowContext(ctx, `SELECT `+paperCols+`, p.seq FROM papers p WHERE p.id = ?`, string(id)).Scan, &seq)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if found {
			// An entry on Day first (a conflict even with AllowDuplicate), then the newest.
			e, err := rows.ScanFeedItem(tx.QueryRowContext(ctx, `SELECT `+feedCols+feedFrom+`
				WHERE f.paper_seq = ? ORDER BY (f.day = ?) DESC, f.day DESC LIMIT 1`, seq, sub.Day).Scan)

			switch {
			case err == nil:
				if !sub.AllowDuplicate || e.Day == sub.Day {
					existing = e
					return fmt.Errorf("%w: on the feed of %s already", store.ErrConflict, e.Day)
				}
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if sub.DailyCap > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM feed_entries WHERE submitter_id = ? AND day = ?`,
				sub.UserID, sub.Day).Scan(&n); err != nil {
				return err
			}
			if n >= sub.DailyCap {
				return fmt.Errorf("%w: %d submissions on %s", store.ErrLimit, n, sub.Day)
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
			return err
		}
		now := time.Now().UnixMilli()
		if found {
			_, err = tx.ExecContext(ctx, updatePaperSQL, append(args, now, rev, seq)...)
		} else {
			err = tx.QueryRowContext(ctx, insertPaperSQL, append(args, now, now, rev)...).Scan(&seq)
		}
		if err != nil {
			return err
		}
		if !found || rows.TermsDiffer(&old, &p) {
			terms, err := prepareTerms(ctx, tx)
			if err != nil {
				return err
			}
			defer terms.Close()
			if err := terms.write(ctx, seq, &p, found); err != nil {
				return err
			}
			if err := terms.flush(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feed_entries (paper_seq, day, submitter_id, submitted_at) VALUES (?, ?, ?, ?)`,
			seq, sub.Day, sub.UserID, sub.At.UnixMilli()); err != nil {
			return err
		}
		if err := bumpVersion(tx); err != nil {
			return err
		}
		item, err = rows.ScanFeedItem(tx.QueryRowContext(ctx, `SELECT `+feedCols+feedFrom+` WHERE f.paper_seq = ? AND f.day = ?`, seq, sub.Day).Scan)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
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
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM feed_entries WHERE submitter_id = ? AND day = ?`,
		userID, day).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// UserSubmissions lists a user's visible feed entries, newest first.
func (s *Store) UserSubmissions(ctx context.Context, userID int64, limit int) ([]store.FeedItem, error) {
	return s.feedItems(ctx, fmt.Sprintf("submissions of user %d", userID), `SELECT `+feedCols+feedFrom+`
		WHERE f.submitter_id = ? AND f.hidden = 0
		ORDER BY f.submitted_at DESC, f.day DESC, p.seq DESC LIMIT ?`, userID, sqlLimit(limit))
}

// ImportedSubmissions lists the visible feed entries imports credited to
// a submitter's name, newest first (feed_entries_imported_submitter).
func (s *Store) ImportedSubmissions(ctx context.Context, username string, limit int) ([]store.FeedItem, error) {
	if username == "" {
		return nil, nil // entries without a valid name are nobody's
	}
	return s.feedItems(ctx, fmt.Sprintf("imported submissions of %q", username), `SELECT `+feedCols+feedFrom+`
		WHERE f.imported_submitter = ? COLLATE NOCASE AND f.imported_submitter <> '' AND f.submitter_id IS NULL AND f.hidden = 0
		ORDER BY f.submitted_at DESC, f.day DESC, p.seq DESC LIMIT ?`, username, sqlLimit(limit))
}

// HidePaper hides or shows every feed entry of a paper.
func (s *Store) HidePaper(ctx context.Context, id paper.ID, hidden bool) (err error) {
	defer wrap(&err, "hide %s", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE feed_entries SET hidden = ?1 WHERE paper_seq = ?2 AND hidden <> ?1`, hidden, seq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return bumpVersion(tx)
	})
}

// Vote records or withdraws an upvote; papers.upvotes moves by the rows
// that changed, in the same transaction.
func (s *Store) Vote(ctx context.Context, userID int64, id paper.ID, up bool) (_ int, err error) {
	defer wrap(&err, "vote of %d for %s", userID, id)
	var upvotes int
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		var res sql.Result
		if up {
			res, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO votes (user_id, paper_seq, created_at) VALUES (?, ?, ?)`,
				userID, seq, time.Now().UnixMilli())
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM votes WHERE user_id = ? AND paper_seq = ?`, userID, seq)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if !up {
			n = -n
		}
		if n == 0 {
			return tx.QueryRowContext(ctx, `SELECT upvotes FROM papers WHERE seq = ?`, seq).Scan(&upvotes)
		}
		// Counts only: papers.rev stays, the search index does not read them.
		if err := tx.QueryRowContext(ctx, `UPDATE papers SET upvotes = upvotes + ? WHERE seq = ? RETURNING upvotes`,
			n, seq).Scan(&upvotes); err != nil {
			return err
		}
		// An upvote is a For-you signal too.
		if err := bumpReader(ctx, tx, userID); err != nil {
			return err
		}
		return bumpVersion(tx)
	})
	if err != nil {
		return 0, err
	}
	return upvotes, nil
}

// Voted reports which of the papers the account has upvoted.
func (s *Store) Voted(ctx context.Context, userID int64, ids []paper.ID) (_ map[paper.ID]bool, err error) {
	defer wrap(&err, "voted")
	// From the page's papers to their votes: the cost follows the page,
	// not how many votes the viewer ever cast.
	return s.marked(ctx, `SELECT p.id FROM papers p CROSS JOIN votes v ON v.user_id = ? AND v.paper_seq = p.seq
		WHERE p.id IN (SELECT value FROM json_each(?))`, userID, ids)
}

// marked runs query, a prepared statement of the papers among ids (a JSON
// list, so that the text is the same for every page and parsed once)
// that an account marked, and reports them.
func (s *Store) marked(ctx context.Context, query string, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	out := make(map[paper.ID]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, userID, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[paper.ID(id)] = true
	}
	return out, rows.Err()
}

// UserUpvotes lists the papers a user upvoted, newest vote first (votes of
// one millisecond in the order they were cast).
func (s *Store) UserUpvotes(ctx context.Context, userID int64, limit int) ([]paper.Paper, error) {
	return queryAll(ctx, s.r, fmt.Sprintf("upvotes of %d", userID), func(scan func(dest ...any) error) (paper.Paper, error) { return rows.ScanPaper(scan) },
		`SELECT `+paperCols+` FROM votes v JOIN papers p ON p.seq = v.paper_seq
		WHERE v.user_id = ? ORDER BY v.created_at DESC, v.rowid DESC LIMIT ?`, userID, sqlLimit(limit))
}

// commentCols and commentFrom select a comment with its paper's id and its
// author, in rows.ScanComment's order.
var commentCols = `c.id, p.id, c.parent_id, c.body, c.html, c.created_at, c.edited_at, c.deleted_at, c.hidden, ` + userCols("u")

const commentFrom = ` FROM comments c JOIN papers p ON p.seq = c.paper_seq JOIN users u ON u.id = c.user_id`

// AddComment stores a visible comment and counts it on its paper. Its
// CreatedAt is the one given, or now when that is zero.
func (s *Store) AddComment(ctx context.Context, c store.Comment) (_ store.Comment, err error) {
	defer wrap(&err, "comment on %s", c.PaperID)
	var out store.Comment
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var key any
		if c.Key != "" {
			key = c.Key
			var err error
			out, err = rows.ScanComment(tx.QueryRowContext(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.user_id = ? AND c.client_key = ?`, c.Author.ID, c.Key).Scan)
			if err == nil {
				return nil // this form was posted before
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		seq, err := paperSeq(ctx, tx, c.PaperID)
		if err != nil {
			return err
		}
		var parent any
		if c.ParentID != 0 {
			var pseq int64
			var grand, deleted sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT paper_seq, parent_id, deleted_at FROM comments WHERE id = ?`,
				c.ParentID).Scan(&pseq, &grand, &deleted)
			// A missing parent is said here: the deferred wrap would read
			// sql.ErrNoRows as a bare store.ErrNotFound, not saying which.
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("parent comment %d: %w", c.ParentID, store.ErrNotFound)
			case err != nil:
				return fmt.Errorf("parent comment %d: %w", c.ParentID, err)
			case grand.Valid:
				return fmt.Errorf("%w: comment %d is a reply", store.ErrInvalid, c.ParentID)
			case deleted.Valid:
				return fmt.Errorf("%w: comment %d is deleted", store.ErrInvalid, c.ParentID)
			case pseq != seq:
				return fmt.Errorf("%w: comment %d is on another paper", store.ErrInvalid, c.ParentID)
			}
			parent = c.ParentID
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO comments (paper_seq, parent_id, user_id, body, html, created_at, client_key)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, seq, parent, c.Author.ID, c.Body, rows.NullHTML(c.HTML), rows.OrNow(c.CreatedAt).UnixMilli(), key).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE papers SET num_comments = num_comments + 1 WHERE seq = ?`, seq); err != nil {
			return err
		}
		if err := bumpVersion(tx); err != nil {
			return err
		}
		out, err = rows.ScanComment(tx.QueryRowContext(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.id = ?`, id).Scan)
		return err
	})
	if err != nil {
		return store.Comment{}, err
	}
	return out, nil
}

// Comment returns one comment.
func (s *Store) Comment(ctx context.Context, id int64) (_ store.Comment, err error) {
	defer wrap(&err, "comment %d", id)
	c, err := rows.ScanComment(s.r.QueryRowContext(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.id = ?`, id).Scan)
	if err != nil {
		return store.Comment{}, err
	}
	return c, nil
}

// Comments lists all of a paper's comments by id.
func (s *Store) Comments(ctx context.Context, id paper.ID) ([]store.Comment, error) {
	return queryAll(ctx, s.r, "comments of "+string(id), func(scan func(dest ...any) error) (store.Comment, error) { return rows.ScanComment(scan) },
		`SELECT `+commentCols+commentFrom+` WHERE p.id = ? ORDER BY c.id`, string(id))
}

// EditComment replaces the body and HTML of a comment that is not deleted.
func (s *Store) EditComment(ctx context.Context, id int64, body string, html template.HTML, at time.Time) (err error) {
	defer wrap(&err, "edit comment %d", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE comments SET body = ?, html = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL`,
			body, rows.NullHTML(html), at.UnixMilli(), id); err != nil {
			return err
		}
		return bumpVersion(tx)
	})
}

// SetCommentHTML stores a comment's HTML if its body is still body.
func (s *Store) SetCommentHTML(ctx context.Context, id int64, body string, html template.HTML) (err error) {
	defer wrap(&err, "comment %d html", id)
	if _, err := s.w.ExecContext(ctx, `UPDATE comments SET html = ? WHERE id = ? AND body = ? AND deleted_at IS NULL`,
		string(html), id, body); err != nil { // "" too: rendered, to nothing
		return err
	}
	return nil
}

// UnrenderedComments lists comments without HTML, through
// comments_unrendered.
func (s *Store) UnrenderedComments(ctx context.Context, limit int) ([]store.Comment, error) {
	return queryAll(ctx, s.r, "unrendered comments", func(scan func(dest ...any) error) (store.Comment, error) { return rows.ScanComment(scan) },
		`SELECT `+commentCols+commentFrom+` WHERE c.html IS NULL AND c.deleted_at IS NULL ORDER BY c.id LIMIT ?`, sqlLimit(limit))
}

// commentState reads what the counts of a comment depend on.
func commentState(ctx context.Context, tx *sql.Tx, id int64) (seq int64, deleted, hidden bool, err error) {
	var deletedAt sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT paper_seq, deleted_at, hidden FROM comments WHERE id = ?`, id).Scan(&seq, &deletedAt, &hidden)
	return seq, deletedAt.Valid, hidden, err
}

// DeleteComment clears a comment's body and uncounts it if it was visible.
func (s *Store) DeleteComment(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "delete comment %d", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		seq, deleted, hidden, err := commentState(ctx, tx, id)
		if err != nil || deleted {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET body = '', html = '', deleted_at = ? WHERE id = ?`, at.UnixMilli(), id); err != nil {
			return err
		}
		if !hidden {
			if _, err := tx.ExecContext(ctx, `UPDATE papers SET num_comments = num_comments - 1 WHERE seq = ?`, seq); err != nil {
				return err
			}
		}
		return bumpVersion(tx)
	})
}

// HideComment hides or shows a comment, counting it on its paper while it
// is visible.
func (s *Store) HideComment(ctx context.Context, id int64, hide bool) (err error) {
	defer wrap(&err, "hide comment %d", id)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		seq, deleted, hidden, err := commentState(ctx, tx, id)
		if err != nil || hidden == hide {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET hidden = ? WHERE id = ?`, hide, id); err != nil {
			return err
		}
		if !deleted {
			delta := 1
			if hide {
				delta = -1
			}
			if _, err := tx.ExecContext(ctx, `UPDATE papers SET num_comments = num_comments + ? WHERE seq = ?`, delta, seq); err != nil {
				return err
			}
		}
		return bumpVersion(tx)
	})
}

// ReportComment files a report. Its CreatedAt is the one given, or now
// when that is zero.
func (s *Store) ReportComment(ctx context.Context, r store.Report) (_ store.Report, err error) {
	defer wrap(&err, "report comment %d", r.CommentID)
	r.CreatedAt = rows.OrNow(r.CreatedAt)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO comment_reports (comment_id, reporter_id, reason, created_at)
			VALUES (?, ?, ?, ?) RETURNING id`, r.CommentID, r.ReporterID, r.Reason, r.CreatedAt.UnixMilli()).Scan(&r.ID); err != nil {
			return err
		}
		return bumpVersion(tx) // the moderators' pages show reports
	})
	if err != nil {
		return store.Report{}, err
	}
	return r, nil
}

// OpenReports lists unresolved reports, oldest first.
func (s *Store) OpenReports(ctx context.Context, limit int) ([]store.OpenReport, error) {
	return queryAll(ctx, s.r, "open reports", func(scan func(dest ...any) error) (store.OpenReport, error) {
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
		ORDER BY r.created_at, r.id LIMIT ?`, sqlLimit(limit))
}

// ResolveReports closes the open reports of a comment.
func (s *Store) ResolveReports(ctx context.Context, commentID int64, at time.Time) (err error) {
	defer wrap(&err, "resolve reports of comment %d", commentID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE comment_reports SET resolved_at = ? WHERE comment_id = ? AND resolved_at IS NULL`,
			at.UnixMilli(), commentID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return bumpVersion(tx)
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
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.Prefix, t.TokenHash, t.CreatedAt.UnixMilli(),
			rows.NullMillis(t.LastUsedAt), rows.NullMillis(t.RevokedAt)).Scan(&t.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = ?1 AND revoked_at IS NOT NULL
			AND (revoked_at < ?2 OR id NOT IN (SELECT id FROM api_tokens WHERE user_id = ?1 AND revoked_at IS NOT NULL
				ORDER BY revoked_at DESC, id DESC LIMIT ?3))`,
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
	return queryAll(ctx, s.r, fmt.Sprintf("API tokens of %d", userID), func(scan func(dest ...any) error) (store.APIToken, error) {
		var t store.APIToken
		if err := scan(rows.APITokenDest(&t)...); err != nil {
			return t, err
		}
		return t, nil
	}, `SELECT `+apiTokenCols+` FROM api_tokens t WHERE t.user_id = ? ORDER BY t.created_at DESC, t.id DESC`, userID)
}

// RevokeAPIToken revokes one of the account's tokens; a revoked token
// keeps its first revocation time.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) (err error) {
	defer wrap(&err, "revoke API token %d", tokenID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// SQLite counts the rows an UPDATE matched, changed or not.
		return updateOne(ctx, tx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?`,
			at.UnixMilli(), tokenID, userID)
	})
}

// Noting a token's use is a write; it is written once per tokenUseStep at
// most, and never waits long for the write connection (an import may hold
// it for minutes): the note is skipped instead, and made by a later use.
const (
	tokenUseStep = time.Minute
	tokenUseWait = 250 * time.Millisecond
)

// APITokenAccount finds the account of a working token and notes the use.
func (s *Store) APITokenAccount(ctx context.Context, tokenHash []byte, now time.Time) (_ store.Account, _ store.APIToken, err error) {
	defer wrap(&err, "API token")
	var t store.APIToken
	a, err := rows.ScanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+`, `+apiTokenCols+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, tokenHash).Scan, rows.APITokenDest(&t)...)
	if err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	now = time.UnixMilli(now.UnixMilli()).UTC()
	if !t.LastUsedAt.IsZero() && now.Sub(t.LastUsedAt) < tokenUseStep {
		return a, t, nil
	}
	if s.importWriting() {
		return a, t, nil
	}
	wctx, cancel := context.WithTimeout(ctx, tokenUseWait)
	defer cancel()
	_, err = s.w.ExecContext(wctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		now.UnixMilli(), t.ID, now.UnixMilli())
	switch {
	case err == nil:
		t.LastUsedAt = now
	case wctx.Err() != nil && ctx.Err() == nil:
		// The write connection was busy: the next use notes it.
	default:
		return store.Account{}, store.APIToken{}, err
	}
	return a, t, nil
}
