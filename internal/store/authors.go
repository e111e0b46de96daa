package store

import (
	"context"
	"fmt"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Errors of claims, each a conflict (errors.Is(err, ErrConflict)) that
// says which one, so that a form can tell the reader.
var (
	// ErrClaimedTwice is a claim of a paper the account claimed already
	// (pending or approved), at any position.
	ErrClaimedTwice = fmt.Errorf("%w: paper claimed already", ErrConflict)
	// ErrClaimTaken is a claim of an author position another account
	// holds (pending or approved).
	ErrClaimTaken = fmt.Errorf("%w: author claimed by someone else", ErrConflict)
)

// ClaimStatus is where a claim stands.
type ClaimStatus string

const (
	ClaimPending  ClaimStatus = "pending"
	ClaimApproved ClaimStatus = "approved"
	ClaimRejected ClaimStatus = "rejected"
)

// Claim is an account's claim to be one author of a paper.
type Claim struct {
	ID       int64
	UserID   int64
	User     User // filled in by reads
	PaperID  paper.ID
	Position int    // index into the paper's authors
	Name     string // the author name as the paper had it when claimed
	// Key is Name's author key (library.AuthorKey), the name the claim
	// joins to the account.
	Key       string
	Status    ClaimStatus
	Hidden    bool // the account hides the paper from its profile
	CreatedAt time.Time
	DecidedAt time.Time // zero while pending
	// Title is the paper's title, filled in by the listings of claims.
	Title string
}

// AuthorSummary is what an author page says beside the papers.
type AuthorSummary struct {
	Papers     int         // visible papers under the keys
	CoAuthors  []NameCount // most frequent first
	Categories []NameCount // most frequent first
}

// NameCount is a name (an author's, with its key, or a category) and how
// often it comes up.
type NameCount struct {
	Key   string // an author key; "" for a category
	Name  string
	Count int
}

// Authors is what the store keeps of author names and claims. Author
// keys are library.AuthorKey's; the store indexes every paper's authors
// and categories by them as the paper is written.
type Authors interface {
	// AuthorPapers lists the visible papers with an author of one of the
	// keys, newest first (as LatestPapers orders them), after the cursor,
	// at most limit, with the cursor of the next page (zero at the end).
	AuthorPapers(ctx context.Context, keys []string, after PaperCursor, limit int) ([]FeedItem, PaperCursor, error)
	// CategoryPapers lists the visible papers in a category ("cs.CL") or
	// archive ("cs"), newest first, paged as AuthorPapers.
	CategoryPapers(ctx context.Context, category string, after PaperCursor, limit int) ([]FeedItem, PaperCursor, error)
	// AuthorSummary counts an author's papers and their most frequent
	// co-authors and categories (top of each), over the newest
	// SummaryPapers papers (co-authors among the first CoAuthorPlaces
	// authors of each).
	AuthorSummary(ctx context.Context, keys []string, top int) (AuthorSummary, error)

	// ClaimAuthor files a pending claim (ID, Key, Name, Status and
	// CreatedAt are the store's). An unknown paper is ErrNotFound; a
	// position the paper has not is ErrInvalid; ErrClaimedTwice and
	// ErrClaimTaken as they say. A rejected claim holds nothing.
	ClaimAuthor(ctx context.Context, c Claim) (Claim, error)
	// DecideClaim approves or rejects a pending claim at at; ErrNotFound
	// when there is no pending claim with the id.
	DecideClaim(ctx context.Context, id int64, approve bool, at time.Time) (Claim, error)
	// PendingClaims lists claims awaiting an admin, oldest first.
	PendingClaims(ctx context.Context, limit int) ([]Claim, error)
	// UserClaims lists an account's claims, every status, newest first.
	UserClaims(ctx context.Context, userID int64) ([]Claim, error)
	// HideClaim hides (or shows again) a claimed paper on its claimant's
	// profile; a claim not the account's is ErrNotFound.
	HideClaim(ctx context.Context, userID, claimID int64, hidden bool) error
	// PaperClaims lists the approved and pending claims of the papers,
	// with their accounts, by paper.
	PaperClaims(ctx context.Context, ids []paper.ID) (map[paper.ID][]Claim, error)
	// ClaimedKeys lists the accounts with an approved claim under key and
	// every key those accounts hold an approved claim of: the names a
	// claim joins ("Y. LeCun" and "Yann LeCun").
	ClaimedKeys(ctx context.Context, key string) ([]User, []string, error)
}

// SummaryPapers and CoAuthorPlaces bound what AuthorSummary reads: an
// author's newest papers, and the first places of each paper's author
// list, so that a name on thousands of papers, or on papers of hundreds
// of authors (a collaboration), costs no more than a few thousand rows.
const (
	SummaryPapers  = 100
	CoAuthorPlaces = 30
)
