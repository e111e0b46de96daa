package store

import (
	"context"
	"html/template"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Collection is a reader's named list of papers in an order they choose.
// Its rules (lengths, themes, limits) are internal/library's; the store
// keeps its rows.
type Collection struct {
	ID          int64
	Owner       User
	Title       string // unique among its owner's collections
	Description string
	Private     bool // seen by its owner only
	Theme       string
	Items       int // papers in it
	CreatedAt   time.Time
	UpdatedAt   time.Time // its last change, its papers' included
}

// CollectionItem is one paper in a collection.
type CollectionItem struct {
	ID           int64
	CollectionID int64
	Paper        paper.Paper
	Position     int // 0 for the first, in the owner's order
	Note         string
	// NoteHTML is Note rendered (library.Note) when it was written, as a
	// comment's HTML is, so that no page view renders Markdown.
	NoteHTML template.HTML
	AddedAt  time.Time
}

// ItemBrief is a collection item with only what the Collections API
// writes of its paper: a whole collection (2,000 papers) read as
// CollectionItems decodes every paper's authors, versions and abstract,
// which that answer never shows.
type ItemBrief struct {
	ID        int64
	PaperID   paper.ID
	Title     string
	Upvotes   int
	Published time.Time
	Position  int
	Note      string
	NoteHTML  template.HTML
}

// SavedPaper is a paper in a reader's Saved list.
type SavedPaper struct {
	Paper   paper.Paper
	SavedAt time.Time
}

// CollectionQuery selects collections, most recently changed first.
type CollectionQuery struct {
	OwnerID int64    // one owner's only; 0 for everyone's
	Paper   paper.ID // only those holding the paper; "" for any
	Private bool     // private ones too (for their owner); otherwise public ones only
	Limit   int      // 0 for all
}

// ItemQuery selects a collection's items: in the owner's order, or newest
// added first (for feeds).
type ItemQuery struct {
	Limit, Offset int // Limit 0 for all
	NewestFirst   bool
}

// ItemChange changes a collection item: its note, its position, or both.
type ItemChange struct {
	// SetNote replaces the note with Note and NoteHTML ("" removes it).
	SetNote  bool
	Note     string
	NoteHTML template.HTML
	// Move moves the item to Position (clamped to the list), shifting the
	// items between.
	Move     bool
	Position int
	At       time.Time
}

// Library is what the store keeps of readers' own lists. Saving a paper
// changes no page that others see, so it leaves Version alone and no
// shared cached page is thrown away; a change to a public collection (or
// one that makes a collection public or private) does increase Version,
// since paper pages list the public collections that hold them.
type Library interface {
	// SavePaper puts a paper in an account's Saved list at at; saving it
	// again changes nothing. ErrNotFound for an unknown paper or account;
	// ErrLimit when the list holds max papers already (max 0: no limit).
	SavePaper(ctx context.Context, userID int64, id paper.ID, at time.Time, max int) error
	// UnsavePaper takes a paper out of the Saved list; one not in it is
	// not an error. ErrNotFound for an unknown paper.
	UnsavePaper(ctx context.Context, userID int64, id paper.ID) error
	// Saved reports which of the papers are in the account's Saved list.
	Saved(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error)
	// SavedPapers lists the Saved list, most recently saved first.
	SavedPapers(ctx context.Context, userID int64, limit, offset int) ([]SavedPaper, error)
	// SavedCount counts the papers in the Saved list.
	SavedCount(ctx context.Context, userID int64) (int, error)

	// CreateCollection stores a new collection of c.Owner.ID (ID, Items
	// and Owner's other fields are filled in). A title the owner uses
	// already is ErrConflict, with that collection returned; an owner with
	// max collections already is ErrLimit (max 0: no limit).
	CreateCollection(ctx context.Context, c Collection, max int) (Collection, error)
	// Collection returns one collection, or ErrNotFound. Whether the
	// viewer may see a private one is the caller's to decide.
	Collection(ctx context.Context, id int64) (Collection, error)
	// Collections lists collections, most recently changed first.
	Collections(ctx context.Context, q CollectionQuery) ([]Collection, error)
	// UpdateCollection writes c's title, description, privacy and theme,
	// changed at c.UpdatedAt, and returns the collection. ErrNotFound for
	// an unknown one, ErrConflict for a title the owner uses already.
	UpdateCollection(ctx context.Context, c Collection) (Collection, error)
	// DeleteCollection deletes a collection and its items. ErrNotFound for
	// an unknown one.
	DeleteCollection(ctx context.Context, id int64) error

	// CollectionItems lists a collection's items with their papers.
	CollectionItems(ctx context.Context, collectionID int64, q ItemQuery) ([]CollectionItem, error)
	// CollectionBriefs lists a collection's first limit items (0 for all)
	// in the owner's order, each with its paper's id, title, upvotes and
	// publication time only: the Collections API's answer, in one query.
	CollectionBriefs(ctx context.Context, collectionID int64, limit int) ([]ItemBrief, error)
	// CollectionItemOf is the item of paper id in a collection, or
	// ErrNotFound when the collection does not hold it: one row by the
	// (collection, paper) key, however long the collection.
	CollectionItemOf(ctx context.Context, collectionID int64, id paper.ID) (CollectionItem, error)
	// AddCollectionItem puts it.Paper.ID at the end of collection
	// it.CollectionID with its note, and returns the item. ErrNotFound for
	// an unknown paper or collection; ErrConflict, with the item there,
	// for a paper the collection holds already; ErrLimit when it holds max
	// items (max 0: no limit).
	AddCollectionItem(ctx context.Context, it CollectionItem, max int) (CollectionItem, error)
	// UpdateCollectionItem changes an item of the collection; an item
	// that is not the collection's is ErrNotFound.
	UpdateCollectionItem(ctx context.Context, collectionID, itemID int64, ch ItemChange) error
	// DeleteCollectionItem takes an item out of its collection, closing
	// the gap in positions; an item that is not the collection's is
	// ErrNotFound.
	DeleteCollectionItem(ctx context.Context, collectionID, itemID int64, at time.Time) error
}
