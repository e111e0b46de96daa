package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
)

// searchPage lists the papers matching a query.
type searchPage struct {
	layout
	Message string // why there are no results, when there are none
	Notes   []string
	Results []searchResult
	Total   int
	Exact   bool // Total is exact; otherwise it is a lower bound
	Offset  int
	Newer   *navLink
	Older   *navLink
	Tips    bool
	Mode    search.Mode
	Modes   []modeLink // the other rankings of the same query
}

// modeLink offers the same query ranked another way.
type modeLink struct {
	Label, Path string
	Current     bool
}

// modeLabels names the rankings for people.
var modeLabels = []struct {
	mode  search.Mode
	label string
}{
	{search.Hybrid, "Best match"},
	{search.Lexical, "Exact words"},
	{search.Semantic, "Similar meaning"},
}

type searchResult struct {
	Paper    paper.Paper
	Title    []search.Segment
	Authors  shortAuthors
	Abstract []search.Segment
}

// searchPageSize is the number of results per page.
const searchPageSize = 20

// maxSearchPages keeps paging within what ranking can answer quickly.
const maxSearchPages = 50

// checkSearchQuery is the one rule for a query, wherever it comes in
// (the search page, its feeds, the API): within search.CheckQuery's length
// and valid UTF-8, or a 400 that says why without repeating the query.
func checkSearchQuery(raw string) error {
	if err := search.CheckQuery(raw); err != nil {
		return badRequest("The query is too long: keep it under " + strconv.Itoa(search.MaxQueryLen) + " characters.")
	}
	if !utf8.ValidString(raw) {
		return badRequest("The query is not valid UTF-8.")
	}
	return nil
}

// allowSearch charges a search to the client's address (Limits.SearchAddress).
func (s *Server) allowSearch(r *http.Request) error {
	return s.allowSearchFrom(r.Context(), s.clientIP(r))
}

// allowSearchFrom charges a search to the client address ip.
func (s *Server) allowSearchFrom(ctx context.Context, ip string) error {
	return s.allow(ctx, "searches", limitKey{"search/address", s.limits.SearchAddress, ip})
}

// refuseCut is the 400 of a feed or API search whose query is over the
// budget, before it is searched: their readers see no notes, and results
// for part of what they asked would pass for the whole.
func refuseCut(raw string) error {
	q, _ := search.ParseQuery(raw) // searching says what else is wrong
	if q == nil || !q.Cut {
		return nil
	}
	note := q.Notes[len(q.Notes)-1] // the cut's, which comes last
	return badRequest(strings.ToUpper(note[:1]) + note[1:] + ".")
}

func (s *Server) searchShow(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("q")
	page := searchPage{layout: s.layout(r, "Search", "")}
	if err := checkSearchQuery(raw); err != nil {
		// The page answers 400 as the feeds and the API do, and shows
		// neither the query nor the address that carried it.
		page.Here = "/search"
		page.Message = err.(*httpError).msg
		page.Tips = true
		return s.render(w, http.StatusBadRequest, "search", &page)
	}
	page.Query = raw
	if strings.TrimSpace(raw) != "" {
		page.Title = raw + " · Search"
	}
	pageNo := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSearchPages {
			return badRequest("page must be a number from 1 to " + strconv.Itoa(maxSearchPages))
		}
		pageNo = n
	}
	switch {
	case s.search == nil:
		page.Message = "Search is not available on this site."
		return s.render(w, http.StatusOK, "search", &page)
	case !s.search.Ready():
		page.Message = "The search index is still being built (" + strconv.Itoa(s.search.Len()) + " papers so far). Try again in a moment."
		return s.render(w, http.StatusOK, "search", &page)
	}
	mode, err := search.ParseMode(r.URL.Query().Get("mode"))
	if err != nil {
		return badRequest(err.Error())
	}
	page.Mode = mode
	if err := s.allowSearch(r); err != nil {
		return err
	}
	offset := (pageNo - 1) * searchPageSize
	q, res, err := s.runSearch(r.Context(), raw, mode, searchPageSize, offset)
	if q != nil {
		page.Notes = q.Notes
	}
	if errors.Is(err, search.ErrEmptyQuery) {
		if strings.TrimSpace(raw) != "" {
			page.Message = "There is nothing to search for in “" + paper.Excerpt(raw, 80) + "”: it has only common words or operators without values."
		}
		page.Tips = true
		return s.render(w, http.StatusOK, "search", &page)
	}
	if err != nil && q == nil { // a query the parser refused, such as one too long
		page.Message = err.Error()
		page.Tips = true
		return s.render(w, http.StatusOK, "search", &page)
	}
	if err != nil {
		return err
	}
	page.Total, page.Exact, page.Offset = res.Total, res.Exact, offset
	page.Feeds = s.searchFeeds(raw, mode)
	// One read for all the results; a paper indexed a moment before it
	// went away is left out.
	items, err := s.store.PapersOnFeed(r.Context(), res.IDs())
	if err != nil {
		return err
	}
	for i := range items {
		p := &items[i].Paper
		page.Results = append(page.Results, searchResult{
			Paper:    *p,
			Title:    search.Highlight(p.Title, q, 0),
			Authors:  resultAuthors(p.Authors, q),
			Abstract: search.Highlight(p.Abstract, q, 420),
		})
	}
	if err := s.markVotes(r, &page.layout, feedIDs(items)); err != nil {
		return err
	}
	switch {
	case len(page.Results) == 0 && offset > 0:
		page.Message = "There are no more results for “" + paper.Excerpt(raw, 80) + "”."
	case len(page.Results) == 0:
		page.Message = "No papers match “" + paper.Excerpt(raw, 80) + "”."
		page.Tips = true
	}
	base := "/search?q=" + urlQueryEscape(raw)
	if s.search.Semantic() {
		for _, m := range modeLabels {
			path := base
			if m.mode != search.Hybrid {
				path += "&mode=" + string(m.mode)
			}
			page.Modes = append(page.Modes, modeLink{m.label, path, m.mode == mode})
		}
	}
	if mode != search.Hybrid {
		base += "&mode=" + string(mode)
	}
	if offset > 0 {
		page.Newer = &navLink{"Previous page", base + pageParam(pageNo-1)}
	}
	if res.More && pageNo < maxSearchPages {
		page.Older = &navLink{"Next page", base + "&page=" + strconv.Itoa(pageNo+1)}
	}
	return s.render(w, http.StatusOK, "search", &page)
}

// resultAuthors are the authors a result names: the first few, and, for a
// search by author, up to two more that it matched further down the list,
// so that the result shows why it is there. Only the first
// maxAuthorsLooked are looked at: collaborations list thousands.
func resultAuthors(authors []paper.Author, q *search.Query) shortAuthors {
	mark := func(name string) []search.Segment { return search.Highlight(name, q, 0) }
	sa := authorsMarked(authors, mark)
	rest := authors[len(sa.Shown):min(len(authors), maxAuthorsLooked)]
	if len(q.Authors) == 0 || len(rest) == 0 {
		return sa
	}
	// One highlight of the names joined, by the author: terms alone, costs
	// a tenth of one a name; the marked words are then counted per name.
	var joined strings.Builder
	starts := make([]int, len(rest))
	for i, a := range rest {
		starts[i] = joined.Len()
		joined.WriteString(a.Name)
		joined.WriteString("; ")
	}
	marked := make([]map[string]bool, len(rest))
	at := 0
	for _, seg := range search.Highlight(joined.String(), &search.Query{Authors: q.Authors}, 0) {
		if seg.Match {
			i, found := slices.BinarySearch(starts, at)
			if !found {
				i--
			}
			if marked[i] == nil {
				marked[i] = map[string]bool{}
			}
			marked[i][strings.ToLower(seg.Text)] = true
		}
		at += len(seg.Text)
	}
	// A name is named by the query when it has as many of the marked words
	// as the shortest author: operator has terms: author:"Ada Huang" names
	// Ada Huang, not Bo Huang (nor "Huang Huang").
	fewest := len(q.Authors[0])
	for _, terms := range q.Authors {
		fewest = min(fewest, len(terms))
	}
	skipped := false
	for i, a := range rest {
		if len(sa.Shown) == shortAuthorCount+2 {
			break
		}
		if len(marked[i]) < max(fewest, 1) {
			skipped = true
			continue
		}
		sa.Shown = append(sa.Shown, authorName{Name: a.Name, Text: mark(a.Name), AfterGap: skipped})
		skipped = false
	}
	return sa
}

// maxAuthorsLooked bounds the authors of one result that are looked
// through for the ones a query named (BenchmarkResultAuthors).
const maxAuthorsLooked = 200

func pageParam(n int) string {
	if n <= 1 {
		return ""
	}
	return "&page=" + strconv.Itoa(n)
}
