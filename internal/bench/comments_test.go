package bench

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// threadComments is the largest thread the rate limits let one account
// write in a sitting: 20 comments per 10 minutes an account, 60 an
// address, so two accounts from one address in ten minutes.
const threadComments = 40

// worstComments are comments markdown.Prepare accepts that cost a page the
// most: the largest HTML (about MaxHTMLBytes each) and the deepest nesting
// (MaxDepth), cycled through a thread.
func worstComments(b *testing.B) []string {
	fill := func(unit, sep string) string {
		var s strings.Builder
		for s.Len()+len(unit)+len(sep) <= markdown.MaxBytes {
			s.WriteString(unit)
			s.WriteString(sep)
		}
		return s.String()
	}
	srcs := []string{
		strings.Repeat("<", markdown.MaxBytes-10),                                                // escapes to MaxHTMLBytes
		fill("<https://a.example/>", " "),                                                        // links: rel and href for each
		strings.Repeat(strings.Repeat("- ", markdown.MaxDepth/2-1)+"a\n\n", 100),                 // lists 30 elements deep
		fill(strings.Repeat(">", markdown.MaxDepth-2)+" a", "\n"),                                // quotes 30 deep
		fill(strings.Repeat("*a_", 499), "\n\n"),                                                 // emphasis at its limit
		fill(strings.Repeat("[", markdown.MaxDepth)+strings.Repeat("]", markdown.MaxDepth), " "), // brackets 32 deep
	}
	for i, src := range srcs {
		if _, _, err := markdown.Prepare(src); err != nil {
			b.Fatalf("worst comment %d (%d bytes) is refused: %v", i, len(src), err)
		}
	}
	return srcs
}

// BenchmarkPaperPageWorstComments: a paper page with the largest thread
// the rate limits allow, every comment one of the worst Prepare accepts
// (half of them replies), viewed by a signed-in reader (no page cache, as
// for anyone signed in), one request at a time. It reports the CPU time
// of each view on its thread (p50, p99, max) and in the whole process
// (with the collector's work on other threads), the wall time, the page's
// size, and render-all-ms: what rendering the thread's Markdown again, as
// every view did before comments were stored with their HTML, would cost.
//
//	go test ./internal/bench -run '^$' -bench PaperPageWorstComments -benchtime 1x
func BenchmarkPaperPageWorstComments(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	_, papers := feedPaths(b, st)
	id := strings.TrimPrefix(papers[len(papers)/2], "/papers/")
	srcs := worstComments(b)
	var authors []store.Account
	for i := range 2 {
		a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: fmt.Sprintf("hostile%d", i)},
			Email: fmt.Sprintf("hostile%d@example.org", i)})
		if err != nil {
			b.Fatal(err)
		}
		authors = append(authors, a)
	}
	var bodies []string
	var parent int64
	for i := range threadComments {
		body, html, err := markdown.Prepare(srcs[i%len(srcs)])
		if err != nil {
			b.Fatal(err)
		}
		c := store.Comment{PaperID: paper.ID(id), Author: authors[i%2].User, Body: body, HTML: html}
		if i%2 == 1 {
			c.ParentID = parent
		}
		added, err := st.AddComment(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			parent = added.ID
		}
		bodies = append(bodies, body)
	}
	token := signIn(b, st)
	h := newHandler(b, st, web.Options{})
	path := "/papers/" + id

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const requests = 200
	var cpu, proc, wall []time.Duration
	size := 0
	b.ResetTimer()
	for range b.N {
		cpu, proc, wall = cpu[:0], proc[:0], wall[:0]
		for range requests {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Cookie", "dp_session="+token)
			c0, p0, t0 := threadCPU(), processCPU(), time.Now()
			h.ServeHTTP(rec, req)
			cpu, proc, wall = append(cpu, threadCPU()-c0), append(proc, processCPU()-p0), append(wall, time.Since(t0))
			if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("hostile1")) {
				b.Fatalf("GET %s: %d, or without the thread", path, rec.Code)
			}
			size = rec.Body.Len()
		}
	}
	b.StopTimer()
	c0 := threadCPU()
	var rendered template.HTML
	for _, body := range bodies {
		rendered = markdown.Render(body)
	}
	_ = rendered
	renderAll := threadCPU() - c0

	slices.Sort(cpu)
	slices.Sort(proc)
	slices.Sort(wall)
	b.ReportMetric(ms(cpu[len(cpu)/2]), "cpu-p50-ms")
	b.ReportMetric(ms(cpu[len(cpu)*99/100]), "cpu-p99-ms")
	b.ReportMetric(ms(cpu[len(cpu)-1]), "cpu-max-ms")
	b.ReportMetric(ms(proc[len(proc)/2]), "process-cpu-p50-ms")
	b.ReportMetric(ms(proc[len(proc)-1]), "process-cpu-max-ms")
	b.ReportMetric(ms(wall[len(wall)/2]), "wall-p50-ms")
	b.ReportMetric(float64(size)/1e6, "page-MB")
	b.ReportMetric(ms(renderAll), "render-all-ms")
	b.ReportMetric(0, "ns/op")
}
