// Package store defines what Daily Papers keeps and how the rest of the
// program asks for it. It holds no SQL: each backend (sqlite, postgres)
// implements Store in its own package and passes the storetest suite.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Sentinel errors. Backends wrap them; callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is a database that cannot be reached or written for
	// now (a lost connection, a server shutting down, a file locked past
	// the busy timeout, moved away or on a full disk): the same call may
	// work later, so the site answers 503 with Retry-After, not 500.
	ErrUnavailable = errors.New("database unavailable")
)

// User is an account or, on a feed entry of an imported feed, the
// submitter the feed named.
type User struct {
	ID        int64
	Username  string
	Fullname  string
	AvatarURL string
	CreatedAt time.Time
	// Imported marks a submitter known only from an imported feed: never
	// an account (ID 0), whatever account may have the same name. Username
	// is the feed's username when it keeps the rules of usernames, and ""
	// otherwise, with Fullname the text to show.
	Imported bool
}

// Submission puts a paper on the feed of one day.
type Submission struct {
	Day string // YYYY-MM-DD
	// Submitter is the feed's username of whoever submitted the paper, ""
	// when unknown or not a valid username (see auth.CheckUsername); an
	// import keeps it as text on the entry and never makes or changes an
	// account by it.
	Submitter string
	// Fullname is the name to show: the feed's full name, or its username
	// when that was not valid.
	Fullname    string
	SubmittedAt time.Time
}

// Record is one imported paper and, when it came from the daily feed, the
// submission that put it there.
type Record struct {
	Paper      paper.Paper
	Submission *Submission
}

// ImportCounts says what an import did with the records it was given.
type ImportCounts struct {
	Added     int // papers that were not there before
	Updated   int // papers or submissions that changed
	Unchanged int // records that held nothing new
}

// Add sums counts.
func (c *ImportCounts) Add(o ImportCounts) {
	c.Added += o.Added
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// Import writes records in one transaction: all of it lands or none does.
type Import interface {
	// Write merges a batch of records into the store (see paper.Merge).
	Write(ctx context.Context, recs []Record) (ImportCounts, error)
	Commit() error
	// Rollback undoes everything written; after Commit it does nothing.
	Rollback() error
}

// FeedItem is a paper as it appears on the feed.
type FeedItem struct {
	Paper       paper.Paper
	Day         string
	Submitter   *User // nil when unknown
	SubmittedAt time.Time
	// StarsGained is what the paper's repository gained in stars over the
	// trending window; only trending fills it in (see StarsGained).
	StarsGained int
}

// FeedQuery selects feed entries between two days, inclusive.
type FeedQuery struct {
	From, To string // YYYY-MM-DD
	Limit    int
	Offset   int
}

// DayCount is the number of papers on one feed day.
type DayCount struct {
	Day    string
	Papers int
}

// Cursor is a position in the store's change feed: the version a change
// became visible in, then the paper's sequence number.
type Cursor struct {
	Rev int64
	Seq int64
}

// Less orders cursors.
func (c Cursor) Less(o Cursor) bool { return c.Rev < o.Rev || c.Rev == o.Rev && c.Seq < o.Seq }

// PaperCursor is a position in the list of all papers, newest first: the
// first version's time (unix ms, 0 when unknown) and the paper's seq. The
// zero cursor is the start of the list.
type PaperCursor struct {
	Published int64
	Seq       int64
}

// ChangedPaper is a paper and its position in the change feed.
type ChangedPaper struct {
	Paper  paper.Paper
	Cursor Cursor
}

// Migration is one applied schema migration.
type Migration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Stats summarises the store's contents.
type Stats struct {
	Papers      int
	FeedEntries int
	Users       int // accounts, and submitters known by name from imports
	FirstDay    string
	LastDay     string
}

// Store is the one source of truth of Daily Papers.
type Store interface {
	// Paper returns the paper with the canonical id, or ErrNotFound.
	Paper(ctx context.Context, id paper.ID) (paper.Paper, error)
	// PapersOnFeed reads many papers at once (search results): each of ids
	// that the catalogue has, in the order of ids, with its first feed
	// entry when it was on the feed (Day "" and Submitter nil otherwise).
	// Papers an admin hid from the feed (HidePaper) are left out, as from
	// every listing; Paper still reads them, for their page.
	PapersOnFeed(ctx context.Context, ids []paper.ID) ([]FeedItem, error)
	// Submissions lists when and by whom a paper was put on the feed, oldest first.
	Submissions(ctx context.Context, id paper.ID) ([]FeedItem, error)

	// Feed lists the papers on the feed between two days, most upvoted first.
	Feed(ctx context.Context, q FeedQuery) ([]FeedItem, error)
	// FeedCount counts the papers on the feed between two days.
	FeedCount(ctx context.Context, from, to string) (int, error)
	// FeedDays counts papers per day between two days, for calendars.
	FeedDays(ctx context.Context, from, to string) ([]DayCount, error)
	// LatestFeedDay is the newest day with papers, or ErrNotFound on an empty feed.
	LatestFeedDay(ctx context.Context) (string, error)
	// AdjacentFeedDays returns the nearest days with papers before and after day ("" when none).
	AdjacentFeedDays(ctx context.Context, day string) (prev, next string, err error)
	// SubmittedSince lists feed entries submitted at or after t, for trending.
	SubmittedSince(ctx context.Context, t time.Time) ([]FeedItem, error)
	// LatestSubmission is the time of the newest feed entry, or ErrNotFound.
	LatestSubmission(ctx context.Context) (time.Time, error)

	// LatestPapers lists papers newest first (by their first version; those
	// of unknown date last), from after the cursor, at most limit, and the
	// cursor after the last one (zero at the end of the list). Papers
	// hidden from the feed are left out.
	LatestPapers(ctx context.Context, after PaperCursor, limit int) ([]paper.Paper, PaperCursor, error)

	// ChangedPapers lists papers changed after the cursor, in cursor order,
	// at most limit of them: the change feed that derived indexes follow.
	// The zero cursor lists every paper.
	ChangedPapers(ctx context.Context, after Cursor, limit int) ([]ChangedPaper, error)

	// MissingVectors lists papers after the cursor in the change feed
	// (see ChangedPapers) that have no vector for model, or one made from
	// an older revision, in cursor order, at most limit of them. A job
	// that embeds them carries the cursor of the last one forward, so that
	// it never reads a paper twice in one pass.
	MissingVectors(ctx context.Context, model string, after Cursor, limit int) ([]EmbedTask, error)
	// PutVectors stores vectors of model, replacing older ones; a vector
	// of an older revision than the stored one, or of an unknown paper, is
	// skipped. It does not change Version: pages do not show vectors.
	PutVectors(ctx context.Context, model string, vs []Vector) error
	// ChangedVectors lists model's vectors stored after seq, in seq order,
	// at most limit: the feed the semantic index follows.
	ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]Vector, error)

	// CreateAccount adds an account and returns it with its id and
	// creation time. A username or email address (in any case) already
	// taken is ErrConflict.
	CreateAccount(ctx context.Context, a Account) (Account, error)
	// AccountByEmail finds an account by its address, in any case, or
	// returns ErrNotFound.
	AccountByEmail(ctx context.Context, email string) (Account, error)

	// CreateSession stores a session.
	CreateSession(ctx context.Context, sess Session) error
	// SessionAccount finds the account of a session that has not expired
	// at now and whose account is not disabled, or returns ErrNotFound.
	SessionAccount(ctx context.Context, tokenHash []byte, now time.Time) (Account, Session, error)
	// DeleteSession ends one session (signing out); an unknown one is not
	// an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteUserSessions ends every session of an account (signing out
	// everywhere, a disabled account, a changed password).
	DeleteUserSessions(ctx context.Context, userID int64) error

	Community
	Digests
	Catalogue
	Library
	Authors
	Follows
	Readers

	// BeginImport starts an import transaction.
	BeginImport(ctx context.Context) (Import, error)

	// Version is a number that increases with every committed change to
	// what pages show, in this process or another sharing the database.
	Version(ctx context.Context) (int64, error)

	Stats(ctx context.Context) (Stats, error)
	// Migrations lists the applied schema migrations by version.
	Migrations(ctx context.Context) ([]Migration, error)
	Close() error
}
