package storetest

import (
	"errors"
	"testing"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ImportedSubmittersMigrated checks a store just migrated past the
// migration that moved imported submitters off the accounts table. Before
// it, the feed of 2025-06-01 held 2506.00001 by the imported "AKhaliq" (AK),
// 2506.00002 by an imported "evil<script>", and 2506.00003 by carol, a local
// account: the first two must now be text on their entries and gone from
// the accounts, and carol's entry and account untouched. Each backend's
// migration test builds that state in its own SQL and calls this.
func ImportedSubmittersMigrated(t *testing.T, s store.Store, carol store.User) {
	t.Helper()
	ctx := t.Context()
	items, err := s.Feed(ctx, store.FeedQuery{From: "2025-06-01", To: "2025-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	by := map[paper.ID]store.User{}
	for _, it := range items {
		if it.Submitter != nil {
			by[it.Paper.ID] = *it.Submitter
		}
	}
	if got, want := by["2506.00001"], (store.User{Username: "AKhaliq", Fullname: "AK", Imported: true}); got != want {
		t.Errorf("AKhaliq's entry: submitter %+v, want %+v", got, want)
	}
	if got, want := by["2506.00002"], (store.User{Fullname: "evil<script>", Imported: true}); got != want {
		t.Errorf("a name that breaks the rules: submitter %+v, want it as text only, %+v", got, want)
	}
	if got := by["2506.00003"]; got.ID != carol.ID || got.Imported {
		t.Errorf("carol's entry: submitter %+v, want her account", got)
	}
	for _, name := range []string{"AKhaliq", "evil<script>"} {
		if _, err := s.UserByName(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByName(%s) after the migration: %v, want not found", name, err)
		}
	}
	if _, err := s.UserByName(ctx, "carol"); err != nil {
		t.Errorf("carol after the migration: %v", err)
	}
}
