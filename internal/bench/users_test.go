package bench

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// BenchmarkImportedSubmitterPages renders /users/NAME of the hosted feed's
// 50 most prolific submitters (hundreds of entries each, 100 shown), with
// the page cache off: the name is no account's, so the page is the
// entries imported under it, read by feed_entries_imported_submitter.
// Reports p50-ms and p99-ms of 3,000 requests, and the CPU of one
// request (its thread's, three rounds of the 50 pages): cpu-p50-ms and
// cpu-max-ms.
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
	h := newHandler(b, st, noCache)
	// The CPU each page costs its thread, which other work on the machine
	// does not inflate as it does the wall clock: the bound is 100 ms.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu []time.Duration
	for range 3 {
		for _, path := range paths {
			c0 := threadCPU()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			cpu = append(cpu, threadCPU()-c0)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
		}
	}
	slices.Sort(cpu)
	latency(b, h, paths)
	b.ReportMetric(ms(cpu[len(cpu)/2]), "cpu-p50-ms")
	b.ReportMetric(ms(cpu[len(cpu)-1]), "cpu-max-ms")
}
