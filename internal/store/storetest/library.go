package storetest

import (
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// libraryPapers writes n papers 2506.00001 ... and returns their ids.
func libraryPapers(t *testing.T, s store.Store, n int) []paper.ID {
	t.Helper()
	ids := make([]paper.ID, n)
	recs := make([]store.Record, n)
	for i := range ids {
		ids[i] = paper.ID(fmt.Sprintf("2506.%05d", i+1))
		recs[i] = store.Record{Paper: paper.Paper{ID: ids[i], Title: fmt.Sprintf("Paper %d", i+1)}}
	}
	write(t, s, recs...)
	return ids
}

func savedIDs(t *testing.T, s store.Store, userID int64, limit, offset int) string {
	t.Helper()
	got, err := s.SavedPapers(t.Context(), userID, limit, offset)
	if err != nil {
		t.Fatalf("SavedPapers: %v", err)
	}
	ids := make([]string, len(got))
	for i, sp := range got {
		ids[i] = string(sp.Paper.ID)
	}
	return strings.Join(ids, " ")
}

func testSaved(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := libraryPapers(t, s, 4)
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	v0 := version(t, s)
	t0 := ms("2025-06-01", 9, 0, 0, 0)
	for i, id := range ids[:3] {
		if err := s.SavePaper(ctx, ada.ID, id, t0.Add(time.Duration(i)*time.Minute), 3); err != nil {
			t.Fatalf("SavePaper(%s): %v", id, err)
		}
	}
	// Saving again changes nothing, even at the limit.
	if err := s.SavePaper(ctx, ada.ID, ids[0], t0.Add(time.Hour), 3); err != nil {
		t.Errorf("saving a saved paper again: %v", err)
	}
	wantErr(t, "a fourth paper over a limit of 3", s.SavePaper(ctx, ada.ID, ids[3], t0, 3), store.ErrLimit)
	wantErr(t, "saving an unknown paper", s.SavePaper(ctx, ada.ID, "2506.99999", t0, 0), store.ErrNotFound)
	wantErr(t, "saving for an unknown account", s.SavePaper(ctx, 999999, ids[0], t0, 0), store.ErrNotFound)
	if got := savedIDs(t, s, ada.ID, 0, 0); got != "2506.00003 2506.00002 2506.00001" {
		t.Errorf("SavedPapers = %q, want newest first", got)
	}
	if got := savedIDs(t, s, ada.ID, 1, 1); got != "2506.00002" {
		t.Errorf("SavedPapers(limit 1, offset 1) = %q", got)
	}
	got, err := s.SavedPapers(ctx, ada.ID, 1, 0)
	if err != nil || len(got) != 1 || !got[0].SavedAt.Equal(t0.Add(2*time.Minute)) || got[0].Paper.Title != "Paper 3" {
		t.Errorf("SavedPapers(1) = %+v, %v", got, err)
	}
	if n, err := s.SavedCount(ctx, ada.ID); err != nil || n != 3 {
		t.Errorf("SavedCount = %d, %v; want 3", n, err)
	}
	if got := savedIDs(t, s, bob.ID, 0, 0); got != "" {
		t.Errorf("bob's Saved list = %q, want nothing", got)
	}
	m, err := s.Saved(ctx, ada.ID, []paper.ID{ids[0], ids[3], "2506.99999"})
	if err != nil || len(m) != 1 || !m[ids[0]] {
		t.Errorf("Saved = %v, %v; want only %s", m, err, ids[0])
	}
	if m, err := s.Saved(ctx, ada.ID, nil); err != nil || len(m) != 0 {
		t.Errorf("Saved(nil) = %v, %v", m, err)
	}
	if err := s.UnsavePaper(ctx, ada.ID, ids[1]); err != nil {
		t.Errorf("UnsavePaper: %v", err)
	}
	if err := s.UnsavePaper(ctx, ada.ID, ids[1]); err != nil {
		t.Errorf("UnsavePaper of a paper not saved: %v", err)
	}
	wantErr(t, "UnsavePaper of an unknown paper", s.UnsavePaper(ctx, ada.ID, "2506.99999"), store.ErrNotFound)
	if got := savedIDs(t, s, ada.ID, 0, 0); got != "2506.00003 2506.00001" {
		t.Errorf("SavedPapers after unsaving = %q", got)
	}
	// The Saved list is private: no page others see changes, and no
	// cached page is thrown away.
	if v := version(t, s); v != v0 {
		t.Errorf("Version after saves = %d, want %d unchanged", v, v0)
	}
}

func collectionItemIDs(t *testing.T, s store.Store, id int64, q store.ItemQuery) string {
	t.Helper()
	items, err := s.CollectionItems(t.Context(), id, q)
	if err != nil {
		t.Fatalf("CollectionItems: %v", err)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if !q.NewestFirst && it.Position != i+q.Offset {
			t.Errorf("item %s at position %d, listed %d", it.Paper.ID, it.Position, i+q.Offset)
		}
		out[i] = strings.TrimPrefix(string(it.Paper.ID), "2506.0000")
	}
	return strings.Join(out, " ")
}

func testCollections(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := libraryPapers(t, s, 3)
	ada, bob := newAccount(t, s, "ada"), newAccount(t, s, "bob")
	t0 := ms("2025-06-01", 9, 0, 0, 0)

	v0 := version(t, s)
	secret, err := s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Secret", Private: true, Theme: "blue", CreatedAt: t0}, 2)
	if err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	if secret.ID == 0 || secret.Owner.Username != "ada" || !secret.Private || secret.Theme != "blue" || !secret.UpdatedAt.Equal(t0) || secret.Items != 0 {
		t.Errorf("CreateCollection = %+v", secret)
	}
	if v := version(t, s); v != v0 {
		t.Errorf("Version after a private collection = %d, want %d", v, v0)
	}
	public, err := s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Reading list", Description: "Good ones", Theme: "orange", CreatedAt: t0.Add(time.Minute)}, 2)
	if err != nil {
		t.Fatalf("CreateCollection(public): %v", err)
	}
	v1 := version(t, s)
	if v1 <= v0 {
		t.Errorf("Version after a public collection = %d, want more than %d", v1, v0)
	}
	dup, err := s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Reading list", Theme: "orange"}, 0)
	wantErr(t, "a title taken", err, store.ErrConflict)
	if dup.ID != public.ID {
		t.Errorf("a title taken returned collection %d, want %d", dup.ID, public.ID)
	}
	_, err = s.CreateCollection(ctx, store.Collection{Owner: ada.User, Title: "Third", Theme: "orange"}, 2)
	wantErr(t, "a third collection over a limit of 2", err, store.ErrLimit)
	if _, err := s.CreateCollection(ctx, store.Collection{Owner: bob.User, Title: "Reading list", Theme: "green", CreatedAt: t0}, 2); err != nil {
		t.Errorf("another owner's collection of the same title: %v", err)
	}
	_, err = s.CreateCollection(ctx, store.Collection{Owner: store.User{ID: 999999}, Title: "X", Theme: "orange"}, 0)
	wantErr(t, "a collection of an unknown account", err, store.ErrNotFound)

	// Items.
	add := func(c store.Collection, id paper.ID, note string, at time.Time) store.CollectionItem {
		t.Helper()
		it, err := s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: c.ID, Paper: paper.Paper{ID: id}, Note: note,
			NoteHTML: template.HTML("<p>" + note + "</p>"), AddedAt: at}, 3)
		if err != nil {
			t.Fatalf("AddCollectionItem(%s): %v", id, err)
		}
		return it
	}
	a := add(public, ids[0], "first", t0.Add(2*time.Minute))
	if a.Paper.Title != "Paper 1" || a.Position != 0 || a.Note != "first" || a.NoteHTML != "<p>first</p>" || !a.AddedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("AddCollectionItem = %+v", a)
	}
	b := add(public, ids[1], "", t0.Add(3*time.Minute))
	c := add(public, ids[2], "", t0.Add(4*time.Minute))
	v2 := version(t, s)
	if v2 <= v1 {
		t.Errorf("Version after items of a public collection = %d, want more than %d", v2, v1)
	}
	again, err := s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: public.ID, Paper: paper.Paper{ID: ids[1]}}, 0)
	wantErr(t, "a paper twice", err, store.ErrConflict)
	if again.ID != b.ID {
		t.Errorf("a paper twice returned item %d, want %d", again.ID, b.ID)
	}
	_, err = s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: public.ID, Paper: paper.Paper{ID: "2506.99999"}}, 0)
	wantErr(t, "an unknown paper", err, store.ErrNotFound)
	_, err = s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: 999999, Paper: paper.Paper{ID: ids[0]}}, 0)
	wantErr(t, "an unknown collection", err, store.ErrNotFound)
	add(secret, ids[0], "", t0)
	add(secret, ids[1], "", t0)
	_, err = s.AddCollectionItem(ctx, store.CollectionItem{CollectionID: secret.ID, Paper: paper.Paper{ID: ids[2]}}, 2)
	wantErr(t, "an item over a limit of 2", err, store.ErrLimit)
	if v := version(t, s); v != v2 {
		t.Errorf("Version after items of a private collection = %d, want %d", v, v2)
	}

	if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{}); got != "1 2 3" {
		t.Errorf("items = %q, want 1 2 3", got)
	}
	if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{NewestFirst: true, Limit: 2}); got != "3 2" {
		t.Errorf("items newest first = %q, want 3 2", got)
	}
	if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{Limit: 1, Offset: 1}); got != "2" {
		t.Errorf("items (limit 1, offset 1) = %q, want 2", got)
	}

	// Moving and notes.
	move := func(it store.CollectionItem, to int, want string) {
		t.Helper()
		if err := s.UpdateCollectionItem(ctx, public.ID, it.ID, store.ItemChange{Move: true, Position: to, At: t0.Add(time.Hour)}); err != nil {
			t.Fatalf("move %s to %d: %v", it.Paper.ID, to, err)
		}
		if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{}); got != want {
			t.Errorf("after moving %s to %d: %q, want %q", it.Paper.ID, to, got, want)
		}
	}
	move(c, 0, "3 1 2")
	move(c, 2, "1 2 3")
	move(a, 1, "2 1 3")
	move(a, 99, "2 3 1")
	move(a, -5, "1 2 3")
	if err := s.UpdateCollectionItem(ctx, public.ID, b.ID, store.ItemChange{SetNote: true, Note: "**b**", NoteHTML: "<p><strong>b</strong></p>"}); err != nil {
		t.Fatalf("set a note: %v", err)
	}
	items, err := s.CollectionItems(ctx, public.ID, store.ItemQuery{})
	if err != nil || items[1].Note != "**b**" || items[1].NoteHTML != "<p><strong>b</strong></p>" || items[0].Note != "first" {
		t.Errorf("notes after setting b's: %+v, %v", items, err)
	}
	wantErr(t, "an item of another collection", s.UpdateCollectionItem(ctx, secret.ID, b.ID, store.ItemChange{SetNote: true}), store.ErrNotFound)
	// The Collections API's reading: the same items in the same order,
	// with their papers' id, title, upvotes and time, and their notes.
	briefs, err := s.CollectionBriefs(ctx, public.ID, 0)
	if err != nil || len(briefs) != len(items) {
		t.Fatalf("CollectionBriefs = %+v, %v; want %d items", briefs, err, len(items))
	}
	for i, br := range briefs {
		it := items[i]
		if br.ID != it.ID || br.PaperID != it.Paper.ID || br.Title != it.Paper.Title || br.Title == "" || br.Upvotes != it.Paper.Upvotes ||
			!br.Published.Equal(it.Paper.Published) || br.Position != it.Position || br.Note != it.Note || br.NoteHTML != it.NoteHTML {
			t.Errorf("CollectionBriefs[%d] = %+v, want what item %+v says", i, br, it)
		}
	}
	if briefs, err := s.CollectionBriefs(ctx, public.ID, 2); err != nil || len(briefs) != 2 || briefs[1].ID != items[1].ID {
		t.Errorf("CollectionBriefs(limit 2) = %+v, %v", briefs, err)
	}
	if briefs, err := s.CollectionBriefs(ctx, 999999, 0); err != nil || len(briefs) != 0 {
		t.Errorf("CollectionBriefs(an unknown collection) = %+v, %v", briefs, err)
	}
	if it, err := s.CollectionItemOf(ctx, public.ID, b.Paper.ID); err != nil || it.ID != b.ID || it.Position != 1 || it.Note != "**b**" || it.Paper.Title == "" {
		t.Errorf("CollectionItemOf(b) = %+v, %v", it, err)
	}
	if it, err := s.CollectionItemOf(ctx, secret.ID, b.Paper.ID); err != nil || it.ID == b.ID || it.CollectionID != secret.ID {
		t.Errorf("CollectionItemOf(b's paper in the other collection) = %+v, %v", it, err)
	}
	_, err = s.CollectionItemOf(ctx, secret.ID, c.Paper.ID)
	wantErr(t, "CollectionItemOf(a paper only another collection holds)", err, store.ErrNotFound)
	_, err = s.CollectionItemOf(ctx, public.ID, "2506.99999")
	wantErr(t, "CollectionItemOf(an unknown paper)", err, store.ErrNotFound)

	// Collections and their counts.
	got, err := s.Collection(ctx, public.ID)
	if err != nil || got.Items != 3 || got.Description != "Good ones" || !got.UpdatedAt.After(t0.Add(4*time.Minute)) {
		t.Errorf("Collection = %+v, %v", got, err)
	}
	_, err = s.Collection(ctx, 999999)
	wantErr(t, "Collection(unknown)", err, store.ErrNotFound)
	titles := func(q store.CollectionQuery) string {
		t.Helper()
		cs, err := s.Collections(ctx, q)
		if err != nil {
			t.Fatalf("Collections(%+v): %v", q, err)
		}
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Owner.Username + ":" + c.Title
		}
		return strings.Join(out, ", ")
	}
	for _, tc := range []struct {
		q    store.CollectionQuery
		want string
	}{
		{store.CollectionQuery{OwnerID: ada.ID, Private: true}, "ada:Reading list, ada:Secret"},
		{store.CollectionQuery{OwnerID: ada.ID}, "ada:Reading list"},
		{store.CollectionQuery{}, "ada:Reading list, bob:Reading list"},
		{store.CollectionQuery{Limit: 1}, "ada:Reading list"},
		{store.CollectionQuery{Paper: ids[0]}, "ada:Reading list"},
		{store.CollectionQuery{Paper: ids[0], Private: true, OwnerID: ada.ID}, "ada:Reading list, ada:Secret"},
		{store.CollectionQuery{Paper: ids[2], Private: true}, "ada:Reading list"},
		{store.CollectionQuery{Paper: "2506.99999"}, ""},
	} {
		if got := titles(tc.q); got != tc.want {
			t.Errorf("Collections(%+v) = %q, want %q", tc.q, got, tc.want)
		}
	}

	// Deleting an item closes the gap.
	v3 := version(t, s)
	if err := s.DeleteCollectionItem(ctx, public.ID, a.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("DeleteCollectionItem: %v", err)
	}
	if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{}); got != "2 3" {
		t.Errorf("items after deleting 1 = %q", got)
	}
	wantErr(t, "deleting it again", s.DeleteCollectionItem(ctx, public.ID, a.ID, t0), store.ErrNotFound)
	if got, _ := s.Collection(ctx, public.ID); got.Items != 2 || !got.UpdatedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("after deleting an item: %d items, updated %v", got.Items, got.UpdatedAt)
	}
	if v := version(t, s); v <= v3 {
		t.Errorf("Version after deleting an item of a public collection = %d, want more than %d", v, v3)
	}

	// Updating a collection.
	public.Title, public.Description, public.Theme, public.UpdatedAt = "Renamed", "New", "pink", t0.Add(3*time.Hour)
	up, err := s.UpdateCollection(ctx, public)
	if err != nil || up.Title != "Renamed" || up.Theme != "pink" || up.Description != "New" || !up.UpdatedAt.Equal(t0.Add(3*time.Hour)) || up.Items != 2 {
		t.Errorf("UpdateCollection = %+v, %v", up, err)
	}
	up.Title = "Secret"
	_, err = s.UpdateCollection(ctx, up)
	wantErr(t, "renaming to a title taken", err, store.ErrConflict)
	_, err = s.UpdateCollection(ctx, store.Collection{ID: 999999, Title: "X", Theme: "orange"})
	wantErr(t, "UpdateCollection(unknown)", err, store.ErrNotFound)
	v4 := version(t, s)
	secret.Description = "still secret"
	if _, err := s.UpdateCollection(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s); v != v4 {
		t.Errorf("Version after editing a private collection = %d, want %d", v, v4)
	}
	secret.Private = false
	if _, err := s.UpdateCollection(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s); v <= v4 {
		t.Errorf("Version after making a collection public = %d, want more than %d", v, v4)
	}

	// Deleting a collection takes its items.
	if err := s.DeleteCollection(ctx, public.ID); err != nil {
		t.Fatalf("DeleteCollection: %v", err)
	}
	wantErr(t, "deleting it again", s.DeleteCollection(ctx, public.ID), store.ErrNotFound)
	if got := collectionItemIDs(t, s, public.ID, store.ItemQuery{}); got != "" {
		t.Errorf("items of a deleted collection = %q", got)
	}
	if got := titles(store.CollectionQuery{Paper: ids[1]}); got != "ada:Secret" {
		t.Errorf("collections of paper 2 after the delete = %q", got)
	}
}
