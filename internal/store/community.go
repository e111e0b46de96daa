package store

import (
	"context"
	"errors"
	"html/template"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// More sentinel errors, for the rules that writes of the community keep.
var (
	// ErrLimit is a write refused because a quota (such as the daily cap
	// of submissions) is used up.
	ErrLimit = errors.New("limit reached")
	// ErrInvalid is a write that makes no sense in the store's state, such
	// as a reply to a reply or to a comment of another paper.
	ErrInvalid = errors.New("invalid")
)

// NewSubmission puts a paper on a day's feed for an account.
type NewSubmission struct {
	// Paper is merged into the catalogue first (see paper.Merge), so a
	// paper fetched from arXiv a moment ago is stored with its entry.
	Paper  paper.Paper
	UserID int64
	Day    string    // YYYY-MM-DD
	At     time.Time // submitted at
	// GitHubRepo and ProjectPage, when not empty, replace the paper's.
	GitHubRepo  string
	ProjectPage string
	// DailyCap, when above 0, refuses with ErrLimit a submission that
	// would give the account more than DailyCap entries submitted on Day.
	DailyCap int
	// AllowDuplicate puts the paper on Day's feed even when it is on the
	// feed already (an admin's override); otherwise that is ErrConflict,
	// and Submit returns the existing entry with the error.
	AllowDuplicate bool
}

// Comment is one comment on a paper. ParentID is 0 for a comment on the
// paper and the id of a top-level comment for a reply: replies go one
// level deep.
type Comment struct {
	ID       int64
	PaperID  paper.ID
	ParentID int64
	Author   User
	Body     string // Markdown, as written
	// HTML is Body rendered (markdown.Prepare), stored with it so that a
	// page view never renders Markdown. It is "" for a deleted comment and
	// for one stored before HTML was, until SetCommentHTML.
	HTML      template.HTML
	CreatedAt time.Time
	EditedAt  time.Time // zero until edited
	DeletedAt time.Time // zero unless deleted (by its author or an admin); Body is then ""
	Hidden    bool      // hidden by an admin
	// Key, when set, is the posting form's random key: adding a comment
	// with a key its author used before returns that comment instead of a
	// second one, so a form sent twice adds one comment.
	Key string
}

// Visible reports whether the comment's body is shown and counted.
func (c *Comment) Visible() bool { return c.DeletedAt.IsZero() && !c.Hidden }

// Report is a user's report of a comment to the moderators.
type Report struct {
	ID         int64
	CommentID  int64
	ReporterID int64
	Reason     string
	CreatedAt  time.Time
}

// OpenReport is an unresolved report with what the moderator needs to
// judge it.
type OpenReport struct {
	Report
	Reporter User
	Comment  Comment
}

// How long, and how many of them, an account's revoked API tokens are
// kept (listed, marked revoked) before CreateAPIToken deletes them.
const (
	KeepRevokedFor = 30 * 24 * time.Hour
	KeepRevoked    = 20
)

// APIToken is a personal token for the write endpoints of the JSON API.
// Only the SHA-256 of the token is stored; Prefix is its first characters,
// shown so that people can tell their tokens apart.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until used
	RevokedAt  time.Time // zero while the token works
}

// PasswordReset is a single-use token, sent by mail, that sets a new
// password. Only its SHA-256 is stored.
type PasswordReset struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Bucket is one rate limit asked about one key (see Community.Throttle):
// Burst events at once, then one more every Every.
type Bucket struct {
	Key   string
	Burst int
	Every time.Duration
	// Peek asks whether the event would be let through without counting
	// it, for a limit that counts only some outcomes (failed sign-ins),
	// which its caller counts afterwards with Throttle.
	Peek bool
}

// Community is what the store keeps of its people: submissions, votes,
// comments, moderation and tokens. Every count it changes (upvotes,
// comments) changes in the same transaction as the row that causes it,
// and every change to what pages show increases Version.
type Community interface {
	// Throttle counts an event against key, which may have burst events at
	// once and then one more every interval: it reports whether the event
	// may happen and, when not, how long until it may (a refused event is
	// not counted). The state lives in the database, so every process on
	// it counts against the same limit.
	Throttle(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (ok bool, retryAfter time.Duration, err error)
	// ThrottleAll counts one event against several buckets at once: against
	// all of them when every one lets it through, and against none when one
	// refuses (so that a limit one key has used up does not use up the
	// others); retryAfter is then the longest wait of those that refuse.
	// A Peek bucket is asked but never counted against.
	ThrottleAll(ctx context.Context, now time.Time, buckets ...Bucket) (ok bool, retryAfter time.Duration, err error)
	// Account returns the account with the id, or ErrNotFound.
	Account(ctx context.Context, id int64) (Account, error)
	// UserByName finds an account by username in any case, or returns
	// ErrNotFound. Submitters known from imports are not accounts (see
	// ImportedSubmissions).
	UserByName(ctx context.Context, username string) (User, error)
	// ImportedSubmissions lists the visible feed entries that imports
	// credited to a submitter of the imported feed by username, in any
	// case, newest first: what /users/NAME shows of a name no account has.
	ImportedSubmissions(ctx context.Context, username string, limit int) ([]FeedItem, error)
	// SetPassword replaces an account's password hash and ends all of its
	// sessions.
	SetPassword(ctx context.Context, userID int64, hash string) error
	// SetDisabled disables (at a non-zero time) or enables (at the zero
	// time) an account; disabling ends all of its sessions and deletes its
	// reset tokens (a link mailed before must not open the account again),
	// and revokes nothing else, so enabling restores its API tokens.
	SetDisabled(ctx context.Context, userID int64, at time.Time) error

	// CreatePasswordReset stores a reset token.
	CreatePasswordReset(ctx context.Context, r PasswordReset) error
	// ResetPassword spends a reset token that exists, is unused, has not
	// expired at now and belongs to an account that is not disabled: it
	// sets the account's password hash, ends its sessions, revokes its API
	// tokens (at now) and ends every other reset token of the account, all
	// at once: whoever held the old password holds nothing of it after.
	// Anything else is ErrNotFound and changes nothing.
	ResetPassword(ctx context.Context, tokenHash []byte, hash string, now time.Time) (Account, error)

	// Submit puts a paper on the feed (see NewSubmission) and returns the
	// new entry. A paper already on the feed is ErrConflict with the
	// existing entry returned; a used-up daily cap is ErrLimit.
	Submit(ctx context.Context, sub NewSubmission) (FeedItem, error)
	// SubmittedOn counts the feed entries an account submitted on day.
	SubmittedOn(ctx context.Context, userID int64, day string) (int, error)
	// UserSubmissions lists a user's feed entries, newest first.
	UserSubmissions(ctx context.Context, userID int64, limit int) ([]FeedItem, error)
	// HidePaper hides (or shows again) every feed entry of a paper. The
	// paper page stays; ErrNotFound when the paper is unknown.
	HidePaper(ctx context.Context, id paper.ID, hidden bool) error

	// Vote records (up) or withdraws (!up) an account's upvote of a paper
	// and returns the paper's upvotes after it. Voting twice, or
	// withdrawing a vote never given, changes nothing. ErrNotFound when the
	// paper is unknown.
	Vote(ctx context.Context, userID int64, id paper.ID, up bool) (int, error)
	// Voted reports which of the papers an account has upvoted.
	Voted(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error)
	// UserUpvotes lists the papers a user upvoted, most recent vote first.
	UserUpvotes(ctx context.Context, userID int64, limit int) ([]paper.Paper, error)

	// AddComment stores a comment (ID, CreatedAt and Author's other
	// fields are filled in from the store) and counts it on the paper. A
	// Key the author used before returns that comment, unchanged.
	// ErrNotFound for an unknown paper or parent; ErrInvalid for a parent
	// that is a reply, deleted, or on another paper.
	AddComment(ctx context.Context, c Comment) (Comment, error)
	// Comment returns one comment, or ErrNotFound.
	Comment(ctx context.Context, id int64) (Comment, error)
	// Comments lists a paper's comments, deleted and hidden ones too,
	// oldest first.
	Comments(ctx context.Context, id paper.ID) ([]Comment, error)
	// EditComment replaces a comment's body and its HTML. ErrNotFound when
	// it does not exist or is deleted.
	EditComment(ctx context.Context, id int64, body string, html template.HTML, at time.Time) error
	// SetCommentHTML stores the HTML rendered from a comment's body if the
	// body is still body; a comment edited or deleted since it was read, or
	// unknown, is left alone. HTML "" is stored as rendered (to nothing).
	// What pages show does not change, so Version stays.
	SetCommentHTML(ctx context.Context, id int64, body string, html template.HTML) error
	// UnrenderedComments lists up to limit comments, not deleted, that
	// have no HTML yet (stored before it was), by id.
	UnrenderedComments(ctx context.Context, limit int) ([]Comment, error)
	// DeleteComment deletes a comment's body for good, keeping its place
	// (replies stay under it). Deleting twice changes nothing.
	DeleteComment(ctx context.Context, id int64, at time.Time) error
	// HideComment hides (or shows again) a comment.
	HideComment(ctx context.Context, id int64, hidden bool) error

	// ReportComment files a report; a second report of the same comment by
	// the same user is ErrConflict.
	ReportComment(ctx context.Context, r Report) (Report, error)
	// OpenReports lists unresolved reports, oldest first.
	OpenReports(ctx context.Context, limit int) ([]OpenReport, error)
	// ResolveReports closes every open report of a comment.
	ResolveReports(ctx context.Context, commentID int64, at time.Time) error

	// CreateAPIToken stores a token and returns it with its id. It also
	// deletes the account's tokens revoked more than KeepRevokedFor before
	// the new one's CreatedAt, and all but its KeepRevoked most recently
	// revoked, so that revoked tokens do not pile up.
	CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error)
	// APITokens lists an account's tokens, revoked ones too, newest first.
	APITokens(ctx context.Context, userID int64) ([]APIToken, error)
	// RevokeAPIToken revokes one of the account's tokens; a token that is
	// not the account's is ErrNotFound.
	RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) error
	// APITokenAccount finds the account of a token that is not revoked and
	// whose account is not disabled, noting the use at now, or returns
	// ErrNotFound.
	APITokenAccount(ctx context.Context, tokenHash []byte, now time.Time) (Account, APIToken, error)
}
