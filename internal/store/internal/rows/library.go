package rows

import (
	"html/template"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ScanCollection reads a collection's columns (id, title, description,
// private, theme, num_items, created_at, updated_at, then its owner's
// UserDest columns), as each backend's collectionCols names them.
func ScanCollection(scan func(dest ...any) error) (store.Collection, error) {
	var c store.Collection
	dest := append([]any{&c.ID, &c.Title, &c.Description, &c.Private, &c.Theme, &c.Items,
		Millis(&c.CreatedAt), Millis(&c.UpdatedAt)}, UserDest(&c.Owner)...)
	if err := scan(dest...); err != nil {
		return store.Collection{}, err
	}
	return c, nil
}

// ScanCollectionItem reads an item's paper (ScanPaper's columns) and then
// its own columns (id, collection_id, position, note, note_html, added_at).
func ScanCollectionItem(scan func(dest ...any) error) (store.CollectionItem, error) {
	var (
		it   store.CollectionItem
		html string
		err  error
	)
	it.Paper, err = ScanPaper(scan, &it.ID, &it.CollectionID, &it.Position, &it.Note, &html, Millis(&it.AddedAt))
	if err != nil {
		return store.CollectionItem{}, err
	}
	it.NoteHTML = template.HTML(html)
	return it, nil
}

// ScanSavedPaper reads a saved paper's columns (ScanPaper's, then saved_at).
func ScanSavedPaper(scan func(dest ...any) error) (store.SavedPaper, error) {
	var sp store.SavedPaper
	var err error
	sp.Paper, err = ScanPaper(scan, Millis(&sp.SavedAt))
	return sp, err
}

// ScanItemBrief reads an item's brief columns: its id, its paper's id,
// title, upvotes and published time, then its position, note and
// note_html, as each backend's briefCols names them.
func ScanItemBrief(scan func(dest ...any) error) (store.ItemBrief, error) {
	var (
		it       store.ItemBrief
		id, html string
	)
	if err := scan(&it.ID, &id, &it.Title, &it.Upvotes, Millis(&it.Published), &it.Position, &it.Note, &html); err != nil {
		return store.ItemBrief{}, err
	}
	it.PaperID, it.NoteHTML = paper.ID(id), template.HTML(html)
	return it, nil
}
