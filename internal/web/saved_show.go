package web

import (
	"net/http"
	"strconv"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// libraryPageSize is how many papers one page of the Saved list or of a
// collection shows: 50 cards render in about 5 ms the first time and come
// from the card cache after (card_cache.go, BENCHMARKS.md).
const libraryPageSize = 50

// savedPage is the viewer's private Saved list.
type savedPage struct {
	layout
	Items   []store.FeedItem
	Total   int
	Offset  int
	Max     int
	Newer   *navLink
	Older   *navLink
	Exports []navLink
}

// pageNumber reads ?page= (1 when absent); a bad one is a 400.
func pageNumber(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, badRequest("The page number must be a whole number from 1.")
	}
	return n, nil
}

// savedShow serves /saved, newest saves first, a page at a time.
func (s *Server) savedShow(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/saved", "library")
		return nil
	}
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	page := savedPage{layout: s.layout(r, "Saved papers", "Saved"), Offset: (n - 1) * libraryPageSize, Max: library.MaxSaved}
	if page.Total, err = s.store.SavedCount(r.Context(), a.ID); err != nil {
		return err
	}
	saved, err := s.store.SavedPapers(r.Context(), a.ID, libraryPageSize, page.Offset)
	if err != nil {
		return err
	}
	ids := make([]paper.ID, len(saved))
	page.Items = make([]store.FeedItem, len(saved))
	for i := range saved {
		page.Items[i] = store.FeedItem{Paper: saved[i].Paper}
		ids[i] = saved[i].Paper.ID
	}
	if err := s.markVotes(r, &page.layout, ids); err != nil {
		return err
	}
	page.Newer, page.Older = pager("/saved", n, page.Offset+len(saved) < page.Total)
	page.Exports = exportLinks("/saved")
	w.Header().Set("Cache-Control", "private, no-cache")
	return s.render(w, http.StatusOK, "saved", &page)
}

// pager links the pages before and after page n of a list at base.
func pager(base string, n int, more bool) (prev, next *navLink) {
	if n == 2 {
		prev = &navLink{"Previous page", base}
	} else if n > 2 {
		prev = &navLink{"Previous page", base + "?page=" + strconv.Itoa(n-1)}
	}
	if more {
		next = &navLink{"Next page", base + "?page=" + strconv.Itoa(n+1)}
	}
	return prev, next
}

// exportLinks are the citation downloads of a list at base.
func exportLinks(base string) []navLink {
	return []navLink{{"BibTeX", base + ".bib"}, {"RIS", base + ".ris"}, {"CSL-JSON", base + ".json"}}
}

// savedExport serves /saved.bib, .ris and .json: the whole Saved list,
// newest first (at most library.MaxSaved papers).
func (s *Server) savedExport(f *citeFormat) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := viewer(r)
		if a == nil {
			signInFirst(w, r, "/saved", "library")
			return nil
		}
		saved, err := s.store.SavedPapers(r.Context(), a.ID, library.MaxSaved, 0)
		if err != nil {
			return err
		}
		ps := make([]paper.Paper, len(saved))
		for i := range saved {
			ps[i] = saved[i].Paper
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		return sendCitations(w, f, "saved", ps)
	}
}
