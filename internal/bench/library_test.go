package bench

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// libraryPapers is how many papers the benchmark's reader has saved and
// put in one public collection: the figure the issue names.
const libraryPapers = 2000

// reader is a signed-in reader with a big library.
type reader struct {
	name, token, collection string
}

// newReader makes an account with a session, saves libraryPapers papers
// drawn from the whole catalogue (feed and harvested alike) and puts the
// same papers, every tenth with a Markdown note, in a public collection.
func newReader(b *testing.B, st store.Store) reader {
	ctx := context.Background()
	n := viewerSeq.Add(1)
	a, err := st.CreateAccount(ctx, store.Account{
		User:  store.User{Username: fmt.Sprintf("benchreader%d", n), Fullname: "Bench Reader"},
		Email: fmt.Sprintf("benchreader%d@example.org", n),
	})
	if err != nil {
		b.Fatal(err)
	}
	token, hash := auth.NewSessionToken()
	now := time.Now()
	if err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	// Every 150th of the newest 300,000 papers: old and new, on the feed and not.
	var ids []paper.ID
	var cur store.PaperCursor
	for len(ids) < libraryPapers {
		ps, next, err := st.LatestPapers(ctx, cur, 5000)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(ps) && len(ids) < libraryPapers; i += 150 {
			ids = append(ids, ps[i].ID)
		}
		if next == (store.PaperCursor{}) {
			break
		}
		cur = next
	}
	if len(ids) < libraryPapers {
		b.Fatalf("only %d papers to save", len(ids))
	}
	c, err := st.CreateCollection(ctx, store.Collection{Owner: a.User, Title: "Everything I read", Description: "Two thousand papers", Theme: "blue"}, 0)
	if err != nil {
		b.Fatal(err)
	}
	_, note, err := library.Note("Read **section 3** first, then the [appendix](https://example.org/appendix).")
	if err != nil {
		b.Fatal(err)
	}
	for i, id := range ids {
		at := now.Add(time.Duration(i) * time.Second)
		if err := st.SavePaper(ctx, a.ID, id, at, 0); err != nil {
			b.Fatal(err)
		}
		it := store.CollectionItem{CollectionID: c.ID, Paper: paper.Paper{ID: id}, AddedAt: at}
		if i%10 == 0 {
			it.Note, it.NoteHTML = "Read **section 3** first", template.HTML(note)
		}
		if _, err := st.AddCollectionItem(ctx, it, 0); err != nil {
			b.Fatal(err)
		}
	}
	if c, err = st.Collection(ctx, c.ID); err != nil {
		b.Fatal(err)
	}
	return reader{name: a.Username, token: token, collection: "/collections/" + a.Username + "/" + library.Path(c.Title, c.ID)}
}

// signedInLatency serves paths as the reader, one at a time, and reports
// the median and 99th percentile of the wall time and of the CPU time of
// the serving thread: on a machine others share, the wall time counts the
// waits for a core, and the CPU time is what a request costs.
func signedInLatency(b *testing.B, h http.Handler, r reader, paths []string, want string) {
	const requests = 1000
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rng := rand.New(rand.NewPCG(5, 6))
	walls := make([]time.Duration, 0, requests)
	cpus := make([]time.Duration, 0, requests)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		walls, cpus = walls[:0], cpus[:0]
		for j := 0; j < requests; j++ {
			path := paths[rng.IntN(len(paths))]
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Cookie", "dp_session="+r.token)
			c0, start := threadCPU(), time.Now()
			h.ServeHTTP(rec, req)
			walls, cpus = append(walls, time.Since(start)), append(cpus, threadCPU()-c0)
			if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(want)) {
				b.Fatalf("GET %s: %d, without %q", path, rec.Code, want)
			}
		}
	}
	b.StopTimer()
	slices.Sort(walls)
	slices.Sort(cpus)
	b.ReportMetric(ms(walls[len(walls)/2]), "p50-ms")
	b.ReportMetric(ms(walls[len(walls)*99/100]), "p99-ms")
	b.ReportMetric(ms(cpus[len(cpus)/2]), "cpu-p50-ms")
	b.ReportMetric(ms(cpus[len(cpus)*99/100]), "cpu-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLibraryPages: the pages of a reader with 2,000 saved papers and
// a public collection of the same 2,000 (every tenth with a note), on the
// 355k-paper database, signed in as that reader (so never from the page
// cache): their profile, every page of the Saved list, and every page of
// the collection (50 papers a page), then the last two again without the
// card cache.
func BenchmarkLibraryPages(b *testing.B) {
	st := benchStore(b)
	r := newReader(b, st)
	h := newHandler(b, st, web.Options{})
	pages := func(base string) []string {
		var out []string
		for p := 1; p <= libraryPapers/50; p++ {
			if p == 1 {
				out = append(out, base)
			} else {
				out = append(out, base+"?page="+strconv.Itoa(p))
			}
		}
		return out
	}
	b.Run("profile", func(b *testing.B) {
		signedInLatency(b, h, r, []string{"/users/" + r.name}, "Everything I read")
	})
	b.Run("saved", func(b *testing.B) { signedInLatency(b, h, r, pages("/saved"), `class="save saved"`) })
	b.Run("collection", func(b *testing.B) { signedInLatency(b, h, r, pages(r.collection), "note-body") })
	// The same pages with every card drawn afresh, as on a reader's first
	// visit to each page: the cost the card cache saves.
	cold := newHandler(b, st, web.Options{CardCacheBytes: -1})
	b.Run("saved-nocardcache", func(b *testing.B) { signedInLatency(b, cold, r, pages("/saved"), `class="save saved"`) })
	b.Run("collection-nocardcache", func(b *testing.B) { signedInLatency(b, cold, r, pages(r.collection), "note-body") })
}

// BenchmarkLibraryExport: the whole 2,000-paper collection and Saved list
// as BibTeX, RIS and CSL-JSON, and the collection as the hosted
// Collections API answers it (get_collection reads every item at once),
// one request at a time; it reports the median and slowest wall time and
// the mean and largest CPU time a request costs, the whole process's (its
// garbage collection included). The first request of each is counted:
// no cache makes it cheaper than the others.
func BenchmarkLibraryExport(b *testing.B) {
	st := benchStore(b)
	r := newReader(b, st)
	h := newHandler(b, st, web.Options{PageCacheBytes: -1})
	for _, tc := range []struct{ name, path string }{
		{"collection.bib", r.collection + ".bib"},
		{"saved.bib", "/saved.bib"},
		{"collection.ris", r.collection + ".ris"},
		{"collection.json", r.collection + ".json"},
		{"api.collection", "/api" + r.collection},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const requests = 50
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			durations := make([]time.Duration, 0, requests)
			var cpu, worst time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				durations, cpu, worst = durations[:0], 0, 0
				for j := 0; j < requests; j++ {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest("GET", tc.path, nil)
					req.Header.Set("Cookie", "dp_session="+r.token)
					c0, start := processCPU(), time.Now()
					h.ServeHTTP(rec, req)
					durations = append(durations, time.Since(start))
					d := processCPU() - c0
					cpu, worst = cpu+d, max(worst, d)
					if rec.Code != http.StatusOK || rec.Body.Len() < libraryPapers*100 {
						b.Fatalf("GET %s: %d, %d bytes", tc.path, rec.Code, rec.Body.Len())
					}
				}
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(ms(durations[len(durations)/2]), "p50-ms")
			b.ReportMetric(ms(durations[len(durations)-1]), "max-ms")
			b.ReportMetric(ms(cpu/requests), "cpu-ms/req")
			b.ReportMetric(ms(worst), "cpu-max-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
