package sqlite_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

const (
	benchDays   = 40
	benchPerDay = 50 // 2,000 papers in all, about a quarter of a year of the hosted feed
)

var benchStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

func benchDay(d int) string { return benchStart.AddDate(0, 0, d).Format(time.DateOnly) }

func benchID(d, i int) paper.ID { return paper.ID(fmt.Sprintf("2501.%05d", d*benchPerDay+i)) }

// benchStore fills a store with benchDays days of benchPerDay papers each,
// with the sizes of real ones: a 1,200-character abstract, five authors,
// three categories, two versions and a submitter from a pool of 200.
func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "dailypapers.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	abstract := strings.Repeat("We study a model of language and vision at scale. ", 24)
	var recs []store.Record
	for d := range benchDays {
		for i := range benchPerDay {
			n := d*benchPerDay + i
			at := benchStart.AddDate(0, 0, d).Add(time.Duration(i) * 7 * time.Minute)
			authors := make([]paper.Author, 5)
			for a := range authors {
				authors[a] = paper.Author{Name: fmt.Sprintf("Author %d-%d", n, a)}
			}
			recs = append(recs, store.Record{
				Paper: paper.Paper{
					ID: benchID(d, i), Title: fmt.Sprintf("Paper %d: scaling laws for something rather specific", n),
					Abstract: abstract, Authors: authors, Categories: []string{"cs.CL", "cs.LG", "cs.AI"},
					Versions:  []paper.Version{{N: 1, Date: at.Add(-72 * time.Hour)}, {N: 2, Date: at.Add(-24 * time.Hour)}},
					Published: at.Add(-72 * time.Hour), Updated: at.Add(-24 * time.Hour),
					GitHubRepo: fmt.Sprintf("https://github.com/lab%d/repo%d", n%50, n), GitHubStars: n % 997,
					Upvotes: (n * 37) % 113, NumComments: n % 7, AsOf: at,
				},
				Submission: &store.Submission{Day: benchDay(d), Submitter: fmt.Sprintf("user%d", n%200), SubmittedAt: at},
			})
		}
	}
	im, err := s.BeginImport(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer im.Rollback()
	for i := 0; i < len(recs); i += 500 {
		if _, err := im.Write(b.Context(), recs[i:min(i+500, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkFeedDay reads the first page of one day's feed, as the daily page does.
func BenchmarkFeedDay(b *testing.B) {
	s := benchStore(b)
	ctx := b.Context()
	d := 0
	for b.Loop() {
		day := benchDay(d % benchDays)
		items, err := s.Feed(ctx, store.FeedQuery{From: day, To: day, Limit: 50})
		if err != nil || len(items) != benchPerDay {
			b.Fatalf("Feed(%s) = %d items, %v", day, len(items), err)
		}
		d++
	}
}

// BenchmarkPaper reads one paper by id, as the paper page does.
func BenchmarkPaper(b *testing.B) {
	s := benchStore(b)
	ctx := b.Context()
	n := 0
	for b.Loop() {
		id := benchID(n%benchDays, (n*17)%benchPerDay)
		p, err := s.Paper(ctx, id)
		if err != nil || p.ID != id {
			b.Fatalf("Paper(%s) = %q, %v", id, p.ID, err)
		}
		n++
	}
}
