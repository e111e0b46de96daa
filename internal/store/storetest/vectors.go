package storetest

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

func testVectors(t *testing.T, s store.Store) {
	ctx := t.Context()
	const model = "test-model"
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00801", Title: "First", Abstract: "One."}},
		store.Record{Paper: paper.Paper{ID: "2503.00802", Title: "Second", Abstract: "Two."}})
	missing := func() []string {
		t.Helper()
		tasks, err := s.MissingVectors(ctx, model, store.Cursor{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, task := range tasks {
			ids = append(ids, string(task.ID))
		}
		return ids
	}
	tasks, err := s.MissingVectors(ctx, model, store.Cursor{}, 10)
	if err != nil || len(tasks) != 2 || tasks[0].Title != "First" || tasks[1].Abstract != "Two." {
		t.Fatalf("missing vectors of a fresh store = %+v, %v", tasks, err)
	}
	if got, err := s.MissingVectors(ctx, model, store.Cursor{}, 1); err != nil || len(got) != 1 {
		t.Fatalf("limit 1 gave %d tasks, %v", len(got), err)
	}
	// Paging by cursor: after the first, only the second.
	if got, err := s.MissingVectors(ctx, model, tasks[0].Cursor, 10); err != nil || len(got) != 1 || got[0].ID != tasks[1].ID {
		t.Fatalf("after the first task's cursor: %+v, %v", got, err)
	}
	if !tasks[0].Cursor.Less(tasks[1].Cursor) {
		t.Errorf("task cursors not increasing: %+v, %+v", tasks[0].Cursor, tasks[1].Cursor)
	}
	version, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := []float32{3, 4, 0}
	err = s.PutVectors(ctx, model, []store.Vector{
		{ID: tasks[0].ID, Rev: tasks[0].Rev, Vec: first},
		{ID: "2503.09999", Rev: 1, Vec: first}, // not a stored paper: skipped
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := missing(); !slices.Equal(got, []string{"2503.00802"}) {
		t.Errorf("after embedding the first, missing = %v", got)
	}
	if v, _ := s.Version(ctx); v != version {
		t.Errorf("storing vectors changed the version %d -> %d", version, v)
	}
	// Another model's vectors are separate.
	if got, err := s.MissingVectors(ctx, "other-model", store.Cursor{}, 10); err != nil || len(got) != 2 {
		t.Errorf("other model: %d missing, %v", len(got), err)
	}

	feed, err := s.ChangedVectors(ctx, model, 0, 10)
	if err != nil || len(feed) != 1 || feed[0].ID != "2503.00801" {
		t.Fatalf("vector feed = %+v, %v", feed, err)
	}
	// Stored normalised and 8-bit: (3,4,0) comes back as (0.6, 0.8, 0).
	for i, want := range []float32{0.6, 0.8, 0} {
		if math.Abs(float64(feed[0].Vec[i]-want)) > 0.01 {
			t.Errorf("component %d = %v, want %v", i, feed[0].Vec[i], want)
		}
	}
	if got, err := s.ChangedVectors(ctx, model, feed[0].Seq, 10); err != nil || len(got) != 0 {
		t.Errorf("after the last seq: %+v, %v", got, err)
	}

	// A changed paper needs a new vector; its old one stays until then.
	write(t, s, store.Record{Paper: paper.Paper{ID: "2503.00801", Title: "First, revised", AsOf: time.Now()}})
	if got := missing(); !slices.Equal(got, []string{"2503.00802", "2503.00801"}) { // change-feed order
		t.Errorf("after a revision, missing = %v", got)
	}
	// Found after the cursor where an embedding pass stopped, too.
	tasks, err = s.MissingVectors(ctx, model, tasks[1].Cursor, 10)
	if err != nil || len(tasks) != 1 || tasks[0].ID != "2503.00801" {
		t.Fatalf("after the last cursor of the first pass: %+v, %v", tasks, err)
	}
	if tasks[0].Rev <= feed[0].Rev {
		t.Errorf("revised paper's task rev %d, not after the vector's %d", tasks[0].Rev, feed[0].Rev)
	}
	// A late vector of the old revision does not replace a newer one.
	second := []float32{0, 0, 1}
	if err := s.PutVectors(ctx, model, []store.Vector{{ID: tasks[0].ID, Rev: tasks[0].Rev, Vec: second}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVectors(ctx, model, []store.Vector{{ID: tasks[0].ID, Rev: feed[0].Rev, Vec: first}}); err != nil {
		t.Fatal(err)
	}
	after, err := s.ChangedVectors(ctx, model, feed[0].Seq, 10)
	if err != nil || len(after) != 1 || after[0].Rev != tasks[0].Rev || after[0].Vec[2] < 0.99 {
		t.Fatalf("after the update the feed has %+v, %v", after, err)
	}
	if got := missing(); !slices.Equal(got, []string{"2503.00802"}) {
		t.Errorf("after re-embedding, missing = %v", got)
	}
}
