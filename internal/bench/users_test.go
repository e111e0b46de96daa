package bench

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
)

// BenchmarkImportedSubmitterPages renders /users/NAME of the hosted feed's
// 50 most prolific submitters (hundreds of entries each, 100 shown), with
// the page cache off: the name is no account's, so the page is the
// entries imported under it, read by feed_entries_imported_submitter.
// Reports p50-ms and p99-ms of 3,000 requests.
func BenchmarkImportedSubmitterPages(b *testing.B) {
	st := benchStore(b)
	items, err := st.Feed(context.Background(), store.FeedQuery{From: "0000-01-01", To: "9999-12-31"})
	if err != nil {
		b.Fatal(err)
	}
	count := map[string]int{}
	for _, it := range items {
		if u := it.Submitter; u != nil && u.Imported && u.Username != "" {
			count[u.Username]++
		}
	}
	names := make([]string, 0, len(count))
	for n := range count {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	names = names[:min(50, len(names))]
	if len(names) == 0 {
		b.Fatal("no imported submitters")
	}
	b.Logf("%d names; the most prolific has %d entries, the 50th %d", len(names), count[names[0]], count[names[len(names)-1]])
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = "/users/" + n
	}
	latency(b, newHandler(b, st, noCache), paths)
}
