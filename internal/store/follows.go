package store

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// FollowKind is what a follow follows.
type FollowKind string

const (
	FollowAuthor   FollowKind = "author"   // Target: an author key
	FollowCategory FollowKind = "category" // Target: a category ("cs.CL") or an archive ("cs")
	FollowUser     FollowKind = "user"     // Target: the account's id, in decimal
	// FollowCollection is a public collection: Target its id, in decimal.
	// Its papers join the Following page through the collections' tables
	// (see the backends' followedCollectionPapers).
	FollowCollection FollowKind = "collection"
)

// Follow is one thing an account follows.
type Follow struct {
	UserID int64
	Kind   FollowKind
	Target string
	// Label is what to call the target, as the reader followed it: the
	// author name as written ("Yann LeCun" for the key "yann lecun").
	Label     string
	CreatedAt time.Time
}

// Follows is what the store keeps of what readers follow and have read.
// None of it changes what shared pages show, so none of it changes
// Version: following must not empty the page cache.
type Follows interface {
	// Follow adds a follow; following again changes nothing. With max
	// above 0, a follow that would give the account more than max is
	// ErrLimit. An unknown account is ErrNotFound.
	Follow(ctx context.Context, f Follow, max int) error
	// Unfollow removes a follow; one not there is not an error.
	Unfollow(ctx context.Context, userID int64, kind FollowKind, target string) error
	// FollowsOf lists an account's follows, newest first.
	FollowsOf(ctx context.Context, userID int64) ([]Follow, error)
	// FollowingPapers lists the visible papers of what an account follows
	// (authors' papers, categories' and archives' papers, followed
	// people's submissions), each once, newest first as LatestPapers
	// orders them, after the cursor, at most limit, and the next cursor.
	FollowingPapers(ctx context.Context, userID int64, after PaperCursor, limit int) ([]FeedItem, PaperCursor, error)
	// FollowedPapersBetween lists the visible papers of what an account
	// follows first published in [from, to), each once, newest first as
	// FollowingPapers orders them, at most limit: a digest's period, read
	// from each followed stream's range rather than paged down to from
	// the newest.
	FollowedPapersBetween(ctx context.Context, userID int64, from, to time.Time, limit int) ([]FeedItem, error)
	// MarkRead marks a paper read (or unread) by an account; ErrNotFound
	// for an unknown paper.
	MarkRead(ctx context.Context, userID int64, id paper.ID, read bool, at time.Time) error
	// ReadOf reports which of the papers an account marked read.
	ReadOf(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error)
}
