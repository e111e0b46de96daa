package store

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// SignalKind names what a reader did that the For-you model learns from.
type SignalKind string

// The kinds of signal. Upvotes are read from votes, and the library's
// (saves, collections, read marks, follows) from its own tables, each
// the one record of what the reader did; the rest are kept by AddSignal.
const (
	SignalUpvote SignalKind = "upvote"
	// SignalNotInterested pushes the paper and its like down; undone by
	// RemoveSignal.
	SignalNotInterested SignalKind = "not_interested"
	// SignalMoreLikeThis boosts the paper's neighbours.
	SignalMoreLikeThis SignalKind = "more_like_this"
	// SignalSeedPaper is a paper picked at onboarding.
	SignalSeedPaper SignalKind = "seed_paper"
	// SignalSeedCategory is a category picked at onboarding (Subject).
	SignalSeedCategory SignalKind = "seed_category"
	// SignalSeedAuthor is an author picked at onboarding (Subject, the
	// name as papers give it).
	SignalSeedAuthor SignalKind = "seed_author"

	// SignalSaved is a paper in the reader's Saved list (Library).
	SignalSaved SignalKind = "saved"
	// SignalCollected is a paper in one of the reader's collections, at
	// the time it was last added to one.
	SignalCollected SignalKind = "collected"
	// SignalRead is a paper the reader marked read (Follows.MarkRead).
	SignalRead SignalKind = "read"
	// SignalFollowAuthor is an author the reader follows: Subject is the
	// name as they followed it (Follow.Label), or the key without one.
	SignalFollowAuthor SignalKind = "follow_author"
	// SignalFollowCategory is a category ("cs.CL") or an archive ("cs")
	// the reader follows (Subject).
	SignalFollowCategory SignalKind = "follow_category"
)

// Library reports whether signals of the kind are the reader's library
// (saves, collections, read marks, follows): read from its tables and
// undone there, never by RemoveSignal.
func (k SignalKind) Library() bool {
	switch k {
	case SignalSaved, SignalCollected, SignalRead, SignalFollowAuthor, SignalFollowCategory:
		return true
	}
	return false
}

// OnPaper reports whether signals of the kind name a paper (else a
// Subject).
func (k SignalKind) OnPaper() bool {
	switch k {
	case SignalSeedCategory, SignalSeedAuthor, SignalFollowAuthor, SignalFollowCategory:
		return false
	}
	return true
}

// Kept reports whether AddSignal keeps signals of the kind (upvotes are
// votes, given through Vote).
func (k SignalKind) Kept() bool {
	switch k {
	case SignalNotInterested, SignalMoreLikeThis, SignalSeedPaper, SignalSeedCategory, SignalSeedAuthor:
		return true
	}
	return false
}

// MaxSignals is how many signals a reader's model learns from: the
// newest. AddSignal drops a reader's oldest kept signals beyond it, and
// ReaderSignals reads no more than it of all kinds together.
const MaxSignals = 10000

// MaxSubjectLen bounds a category's or author's name in a signal.
const MaxSubjectLen = 200

// Signal is one thing a reader did: on a paper (Paper) or naming a
// category or author (Subject).
type Signal struct {
	Kind    SignalKind
	Paper   paper.ID
	Subject string
	At      time.Time
}

// ReaderState is a reader's For-you settings and the version of their
// signals.
type ReaderState struct {
	// Version grows with every change to the reader's signals, votes
	// included, in any process: a cached model older than it is stale.
	Version int64
	// Paused turns personalisation off: the For-you tab shows trending.
	Paused bool
	// FeedToken reports whether the private feed has a secret set.
	FeedToken bool
}

// StoredModel is a reader's trained model as kept for every process (the
// digest's For-you sections rank by it): Data is internal/recommend's
// encoding, trained from the reader's signals at Version.
type StoredModel struct {
	Version   int64
	TrainedAt time.Time
	Data      []byte
}

// Readers is what the store keeps for the For-you ranking.
type Readers interface {
	// ReaderSignals lists the account's signals of every kind, newest
	// first, at most MaxSignals. This is the one place signals are
	// gathered: each source (votes, kept signals, saves, collections,
	// read marks, follows of authors and categories) is one SELECT in
	// each backend's UNION ALL here, and every write to a source bumps
	// the reader's version in its transaction. Following people and
	// collections is not a signal: it says whose papers to list, not
	// what the reader likes. A paper in several collections is one
	// signal, at its newest addition.
	ReaderSignals(ctx context.Context, userID int64) ([]Signal, error)
	// AddSignal keeps signals of Kept kinds, each at its At (zero: now),
	// in one transaction: all of them or, on an error, none. A paper has
	// one signal of these kinds per reader: a new one replaces the old
	// ("Not interested" after "More like this"). An unknown paper is
	// ErrNotFound, an empty or overlong Subject or a kind not kept
	// ErrInvalid. Past MaxSignals of a table the reader's oldest go.
	AddSignal(ctx context.Context, userID int64, sigs ...Signal) error
	// RemoveSignal forgets a kept signal (Kind and Paper or Subject); one
	// not there is ErrNotFound.
	RemoveSignal(ctx context.Context, userID int64, s Signal) error
	// ReaderState reads the reader's state; a reader who never gave a
	// signal has the zero state.
	ReaderState(ctx context.Context, userID int64) (ReaderState, error)
	// SetReaderPaused pauses or resumes personalisation.
	SetReaderPaused(ctx context.Context, userID int64, paused bool) error
	// SetReaderFeedToken sets the SHA-256 of the secret of the reader's
	// private feed, replacing the old one (which stops working).
	SetReaderFeedToken(ctx context.Context, userID int64, tokenHash []byte) error
	// ReaderByFeedToken finds the account whose private feed has the
	// secret, or ErrNotFound (also for a disabled account).
	ReaderByFeedToken(ctx context.Context, tokenHash []byte) (Account, error)

	// WindowPapers lists the catalogue's papers of the days from..to
	// (YYYY-MM-DD, both included): listed on arXiv on one of them, or
	// first published on one (by UTC date) when the listing day is not
	// known; at most limit, newest first. Papers hidden from the feed are
	// left out. The feed's entries of those days come from Feed.
	WindowPapers(ctx context.Context, from, to string, limit int) ([]paper.Paper, error)
	// NewestDay is the latest day a paper was listed, first published or
	// put on the feed, or ErrNotFound in an empty store.
	NewestDay(ctx context.Context) (string, error)

	// SaveReaderModel keeps the reader's trained model, replacing the one
	// kept unless that one is of a later Version (a training that ends
	// late loses to a newer one). Nil Data forgets the model of Version
	// and before: the reader's signals are gone.
	SaveReaderModel(ctx context.Context, userID int64, m StoredModel) error
	// ReaderModel reads the reader's kept model, or ErrNotFound: none is
	// kept, or the account is disabled.
	ReaderModel(ctx context.Context, userID int64) (StoredModel, error)
}
