package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// SavePaper puts a paper in a reader's Saved list. The insert comes first
// and the count after, so that saving a paper saved already costs one
// statement, and a list at its limit still takes it.
func (s *Store) SavePaper(ctx context.Context, userID int64, id paper.ID, at time.Time, max int) (err error) {
	defer wrap(&err, "save %s for %d", id, userID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO saved_papers (user_id, paper_seq, saved_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			userID, seq, rows.OrNow(at).UnixMilli())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// A save is a For-you signal.
		if err := bumpReader(ctx, tx, userID); err != nil || max <= 0 {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM saved_papers WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if n > max {
			return fmt.Errorf("%w: %d saved papers", store.ErrLimit, max)
		}
		return nil
	})
}

// UnsavePaper takes a paper out of the Saved list.
func (s *Store) UnsavePaper(ctx context.Context, userID int64, id paper.ID) (err error) {
	defer wrap(&err, "unsave %s for %d", id, userID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		seq, err := paperSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM saved_papers WHERE user_id = $1 AND paper_seq = $2`, userID, seq)
		if err != nil {
			return err
		}
		return bumpIf(ctx, tx, userID, tag)
	})
}

// Saved reports which of the papers the reader saved.
func (s *Store) Saved(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	out := make(map[paper.ID]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = string(id)
	}
	saved, err := queryAll(ctx, s.pool, "saved", func(scan func(dest ...any) error) (string, error) {
		var id string
		return id, scan(&id)
	}, `SELECT p.id FROM papers p JOIN saved_papers v ON v.paper_seq = p.seq AND v.user_id = $1 WHERE p.id = ANY($2)`, userID, strs)
	if err != nil {
		return nil, err
	}
	for _, id := range saved {
		out[paper.ID(id)] = true
	}
	return out, nil
}

// SavedPapers lists the Saved list, newest first (saves of one millisecond
// in the order they were made).
func (s *Store) SavedPapers(ctx context.Context, userID int64, limit, offset int) ([]store.SavedPaper, error) {
	// The page is chosen from saved_papers alone, then its papers read: a
	// join inside the OFFSET reads every paper it skips.
	return queryAll(ctx, s.pool, fmt.Sprintf("saved papers of %d", userID), rows.ScanSavedPaper,
		`SELECT `+paperCols+`, v.saved_at FROM (SELECT paper_seq, saved_at, n FROM saved_papers
			WHERE user_id = $1 ORDER BY saved_at DESC, n DESC LIMIT $2 OFFSET $3) v
		JOIN papers p ON p.seq = v.paper_seq ORDER BY v.saved_at DESC, v.n DESC`, userID, sqlLimit(limit), max(offset, 0))
}

// SavedCount counts the Saved list.
func (s *Store) SavedCount(ctx context.Context, userID int64) (n int, err error) {
	defer wrap(&err, "saved count of %d", userID)
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM saved_papers WHERE user_id = $1`, userID).Scan(&n)
	return n, err
}

// collectionCols and collectionFrom select a collection with its owner, in
// rows.ScanCollection's order.
var collectionCols = `c.id, c.title, c.description, c.private, c.theme, c.num_items, c.created_at, c.updated_at, ` + userCols("u")

const collectionFrom = ` FROM collections c JOIN users u ON u.id = c.owner_id`

func collectionByID(ctx context.Context, q querier, id int64) (store.Collection, error) {
	return rows.ScanCollection(q.QueryRow(ctx, `SELECT `+collectionCols+collectionFrom+` WHERE c.id = $1`, id).Scan)
}

// CreateCollection stores a collection; a public one changes what paper
// pages may show, so it takes a new version. The owner's row is locked
// first, so that two creations at once count each other against the limit.
func (s *Store) CreateCollection(ctx context.Context, c store.Collection, max int) (_ store.Collection, err error) {
	defer wrap(&err, "create collection %q of %d", c.Title, c.Owner.ID)
	var out store.Collection
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var owner int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, c.Owner.ID).Scan(&owner); err != nil {
			return err
		}
		var existing int64
		err := tx.QueryRow(ctx, `SELECT id FROM collections WHERE owner_id = $1 AND title = $2`, c.Owner.ID, c.Title).Scan(&existing)
		switch {
		case err == nil:
			if out, err = collectionByID(ctx, tx, existing); err != nil {
				return err
			}
			return fmt.Errorf("%w: the title is taken", store.ErrConflict)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if max > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM collections WHERE owner_id = $1`, c.Owner.ID).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("%w: %d collections", store.ErrLimit, max)
			}
		}
		at := rows.OrNow(c.CreatedAt).UnixMilli()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO collections (owner_id, title, description, private, theme, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, c.Owner.ID, c.Title, c.Description, c.Private, c.Theme, at).Scan(&id); err != nil {
			return err
		}
		if !c.Private {
			if _, err := bumpVersion(ctx, tx); err != nil {
				return err
			}
		}
		out, err = collectionByID(ctx, tx, id)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return store.Collection{}, err
	}
	return out, err
}

// Collection returns one collection.
func (s *Store) Collection(ctx context.Context, id int64) (_ store.Collection, err error) {
	defer wrap(&err, "collection %d", id)
	return collectionByID(ctx, s.pool, id)
}

// Collections lists collections by the query, most recently changed first.
func (s *Store) Collections(ctx context.Context, q store.CollectionQuery) ([]store.Collection, error) {
	var (
		where []string
		args  []any
	)
	if q.OwnerID != 0 {
		args = append(args, q.OwnerID)
		where = append(where, fmt.Sprintf(`c.owner_id = $%d`, len(args)))
	}
	if !q.Private {
		where = append(where, `NOT c.private`)
	}
	if q.Paper != "" {
		args = append(args, string(q.Paper))
		where = append(where, fmt.Sprintf(`c.id IN (SELECT i.collection_id FROM papers p JOIN collection_items i ON i.paper_seq = p.seq WHERE p.id = $%d)`, len(args)))
	}
	query := `SELECT ` + collectionCols + collectionFrom
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, sqlLimit(q.Limit))
	query += fmt.Sprintf(` ORDER BY c.updated_at DESC, c.id DESC LIMIT $%d`, len(args))
	return queryAll(ctx, s.pool, "collections", rows.ScanCollection, query, args...)
}

// UpdateCollection writes a collection's own fields.
func (s *Store) UpdateCollection(ctx context.Context, c store.Collection) (_ store.Collection, err error) {
	defer wrap(&err, "update collection %d", c.ID)
	var out store.Collection
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var wasPrivate bool
		if err := tx.QueryRow(ctx, `SELECT private FROM collections WHERE id = $1 FOR UPDATE`, c.ID).Scan(&wasPrivate); err != nil {
			return err
		}
		if err := updateOne(ctx, tx, `UPDATE collections SET title = $1, description = $2, private = $3, theme = $4, updated_at = $5 WHERE id = $6`,
			c.Title, c.Description, c.Private, c.Theme, rows.OrNow(c.UpdatedAt).UnixMilli(), c.ID); err != nil {
			return err
		}
		if !wasPrivate || !c.Private {
			if _, err := bumpVersion(ctx, tx); err != nil {
				return err
			}
		}
		var err error
		out, err = collectionByID(ctx, tx, c.ID)
		return err
	})
	if err != nil {
		return store.Collection{}, err
	}
	return out, nil
}

// DeleteCollection deletes a collection; its items go with it (ON DELETE
// CASCADE).
func (s *Store) DeleteCollection(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "delete collection %d", id)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var private bool
		var owner int64
		var items int
		if err := tx.QueryRow(ctx, `DELETE FROM collections WHERE id = $1 RETURNING private, owner_id, num_items`, id).Scan(&private, &owner, &items); err != nil {
			return err
		}
		if items > 0 {
			// Its papers were the owner's For-you signals.
			if err := bumpReader(ctx, tx, owner); err != nil {
				return err
			}
		}
		if private {
			return nil
		}
		_, err := bumpVersion(ctx, tx)
		return err
	})
}

// itemCols are a collection item's own columns, after its paper's, in
// rows.ScanCollectionItem's order.
const itemCols = `i.id, i.collection_id, i.position, i.note, i.note_html, i.added_at`

// CollectionItems lists a collection's items with their papers.
func (s *Store) CollectionItems(ctx context.Context, collectionID int64, q store.ItemQuery) ([]store.CollectionItem, error) {
	order, outer := `position, id`, `i.position, i.id`
	if q.NewestFirst {
		order, outer = `added_at DESC, id DESC`, `i.added_at DESC, i.id DESC`
	}
	// The page of items first, then its papers (as in SavedPapers).
	return queryAll(ctx, s.pool, fmt.Sprintf("items of collection %d", collectionID), rows.ScanCollectionItem,
		`SELECT `+paperCols+`, `+itemCols+` FROM (SELECT * FROM collection_items
			WHERE collection_id = $1 ORDER BY `+order+` LIMIT $2 OFFSET $3) i
		JOIN papers p ON p.seq = i.paper_seq ORDER BY `+outer, collectionID, sqlLimit(q.Limit), max(q.Offset, 0))
}

// briefCols are the columns of rows.ScanItemBrief.
const briefCols = `i.id, p.id, p.title, p.upvotes, p.published_at, i.position, i.note, i.note_html`

// CollectionBriefs lists a collection's items with the little of their
// papers the Collections API writes (pgx prepares and caches the
// statement by its text).
func (s *Store) CollectionBriefs(ctx context.Context, collectionID int64, limit int) ([]store.ItemBrief, error) {
	return queryAll(ctx, s.pool, fmt.Sprintf("items of collection %d", collectionID), rows.ScanItemBrief,
		`SELECT `+briefCols+` FROM collection_items i JOIN papers p ON p.seq = i.paper_seq
		WHERE i.collection_id = $1 ORDER BY i.position, i.id LIMIT $2`, collectionID, sqlLimit(limit))
}

// CollectionItemOf finds a paper's item in a collection by the
// (collection_id, paper_seq) unique key.
func (s *Store) CollectionItemOf(ctx context.Context, collectionID int64, id paper.ID) (_ store.CollectionItem, err error) {
	defer wrap(&err, "item of %s in collection %d", id, collectionID)
	return rows.ScanCollectionItem(s.pool.QueryRow(ctx, `SELECT `+paperCols+`, `+itemCols+`
		FROM collection_items i JOIN papers p ON p.seq = i.paper_seq
		WHERE i.collection_id = $1 AND i.paper_seq = (SELECT seq FROM papers WHERE id = $2)`, collectionID, string(id)).Scan)
}

// lockCollection locks a collection's row for a change to its items, so
// that changes of one collection's positions happen one at a time, and
// returns how many items it holds.
func lockCollection(ctx context.Context, tx pgx.Tx, id int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT num_items FROM collections WHERE id = $1 FOR UPDATE`, id).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("collection %d: %w", id, store.ErrNotFound)
	}
	return n, err
}

// touchCollection notes a change to a collection's items at at, and takes
// a new version when the collection is public.
func touchCollection(ctx context.Context, tx pgx.Tx, id int64, delta int, at time.Time) error {
	var private bool
	var owner int64
	if err := tx.QueryRow(ctx, `UPDATE collections SET num_items = num_items + $1, updated_at = $2 WHERE id = $3 RETURNING private, owner_id`,
		delta, rows.OrNow(at).UnixMilli(), id).Scan(&private, &owner); err != nil {
		return err
	}
	if delta != 0 {
		// A paper added or taken out changes the owner's For-you signals.
		if err := bumpReader(ctx, tx, owner); err != nil {
			return err
		}
	}
	if private {
		return nil
	}
	_, err := bumpVersion(ctx, tx)
	return err
}

func itemByID(ctx context.Context, tx pgx.Tx, id int64) (store.CollectionItem, error) {
	return rows.ScanCollectionItem(tx.QueryRow(ctx, `SELECT `+paperCols+`, `+itemCols+`
		FROM collection_items i JOIN papers p ON p.seq = i.paper_seq WHERE i.id = $1`, id).Scan)
}

// AddCollectionItem puts a paper at the end of a collection.
func (s *Store) AddCollectionItem(ctx context.Context, it store.CollectionItem, max int) (_ store.CollectionItem, err error) {
	defer wrap(&err, "add %s to collection %d", it.Paper.ID, it.CollectionID)
	var out store.CollectionItem
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		seq, err := paperSeq(ctx, tx, it.Paper.ID)
		if err != nil {
			return err
		}
		n, err := lockCollection(ctx, tx, it.CollectionID)
		if err != nil {
			return err
		}
		var existing int64
		err = tx.QueryRow(ctx, `SELECT id FROM collection_items WHERE collection_id = $1 AND paper_seq = $2`, it.CollectionID, seq).Scan(&existing)
		switch {
		case err == nil:
			if out, err = itemByID(ctx, tx, existing); err != nil {
				return err
			}
			return fmt.Errorf("%w: the collection holds it already", store.ErrConflict)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if max > 0 && n >= max {
			return fmt.Errorf("%w: %d papers", store.ErrLimit, max)
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO collection_items (collection_id, paper_seq, position, note, note_html, added_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, it.CollectionID, seq, n, it.Note, string(it.NoteHTML), rows.OrNow(it.AddedAt).UnixMilli()).Scan(&id); err != nil {
			return err
		}
		if err := touchCollection(ctx, tx, it.CollectionID, 1, it.AddedAt); err != nil {
			return err
		}
		out, err = itemByID(ctx, tx, id)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return store.CollectionItem{}, err
	}
	return out, err
}

// itemPosition locks an item's collection and finds where the item is.
func itemPosition(ctx context.Context, tx pgx.Tx, collectionID, itemID int64) (pos, n int, err error) {
	if n, err = lockCollection(ctx, tx, collectionID); err != nil {
		return 0, 0, err
	}
	err = tx.QueryRow(ctx, `SELECT position FROM collection_items WHERE id = $1 AND collection_id = $2`, itemID, collectionID).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("item %d: %w", itemID, store.ErrNotFound)
	}
	return pos, n, err
}

// UpdateCollectionItem changes an item's note or position.
func (s *Store) UpdateCollectionItem(ctx context.Context, collectionID, itemID int64, ch store.ItemChange) (err error) {
	defer wrap(&err, "update item %d of collection %d", itemID, collectionID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		old, n, err := itemPosition(ctx, tx, collectionID, itemID)
		if err != nil {
			return err
		}
		if ch.SetNote {
			if _, err := tx.Exec(ctx, `UPDATE collection_items SET note = $1, note_html = $2 WHERE id = $3`,
				ch.Note, string(ch.NoteHTML), itemID); err != nil {
				return err
			}
		}
		if p := min(max(ch.Position, 0), n-1); ch.Move && p != old {
			// The items between the old place and the new one shift by one
			// toward the old place.
			shift := `UPDATE collection_items SET position = position + 1 WHERE collection_id = $1 AND position >= $2 AND position < $3`
			lo, hi := p, old
			if p > old {
				shift = `UPDATE collection_items SET position = position - 1 WHERE collection_id = $1 AND position > $2 AND position <= $3`
				lo, hi = old, p
			}
			if _, err := tx.Exec(ctx, shift, collectionID, lo, hi); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE collection_items SET position = $1 WHERE id = $2`, p, itemID); err != nil {
				return err
			}
		}
		return touchCollection(ctx, tx, collectionID, 0, ch.At)
	})
}

// DeleteCollectionItem takes an item out and closes the gap it leaves.
func (s *Store) DeleteCollectionItem(ctx context.Context, collectionID, itemID int64, at time.Time) (err error) {
	defer wrap(&err, "delete item %d of collection %d", itemID, collectionID)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		pos, _, err := itemPosition(ctx, tx, collectionID, itemID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM collection_items WHERE id = $1`, itemID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE collection_items SET position = position - 1 WHERE collection_id = $1 AND position > $2`,
			collectionID, pos); err != nil {
			return err
		}
		return touchCollection(ctx, tx, collectionID, -1, at)
	})
}
