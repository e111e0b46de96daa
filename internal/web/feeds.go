package web

// The site's lists as RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents.
//
// Addresses (each list in three formats, told apart by the extension:
// .atom, .rss or .json):
//
//	/feeds/daily.atom            the papers submitted in the last 7 days of the
//	                             feed (counted back from its newest submission),
//	                             newest submission first, at most 100
//	/feeds/trending.atom         the trending page's papers, in its order (50)
//	/feeds/category/cs.CL.atom   papers submitted in the last 30 days of the feed
//	                             in a category (cs.CL) or a whole archive (cs),
//	                             newest first, at most 100
//	/feeds/user/akhaliq.atom     a user's submissions, newest first, at most 100
//	/search.atom?q=...           the search results, best match first (50);
//	                             mode= as on /search
//
// Feed readers poll, so the daily feed is a rolling window rather than one
// day, which would empty itself every morning. The lists live under /feeds/
// because a mux pattern cannot match "{name}.atom" inside a segment and
// /users/{name} and /papers/{id...} already own their trees; the search
// feed sits beside /search, where the issue asked for it.
//
// The documents themselves are written by internal/syndication, which
// says how each format is escaped and what an item's id is; this file
// chooses the papers and builds the feed.
//
// Conditional GET: s.cached gives an ETag (a hash of the body) and answers
// If-None-Match with 304; with the page cache off, writeSyn's own ETag and
// conditionalGet do the same. Chronological feeds (daily, category, user)
// also send Last-Modified, the newest item's submission time, and answer
// If-Modified-Since: such a list gains a paper only when a newer one is
// submitted. (It can lose one without that, when a paper is hidden or
// ages out of the window, and a paper's metadata can change; readers keep
// what they fetched anyway, and those that send If-None-Match, which wins
// over If-Modified-Since as RFC 9110 says, see every change.) Trending and
// search results reorder without a newer item, so they send no
// Last-Modified and rely on the ETag alone.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

// Feed sizes and windows.
const (
	synDailyWindow    = 7 * 24 * time.Hour
	synCategoryWindow = 30 * 24 * time.Hour
	synListLimit      = 100 // daily, category and user feeds
	synSearchLimit    = 50
	synMaxAuthors     = 10 // more are summed up as "and N more authors"
)

// splitFeedFile splits "cs.CL.atom" into "cs.CL" and the Atom format.
func splitFeedFile(file string) (string, syndication.Format, bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", syndication.Format{}, false
	}
	f, ok := syndication.FormatOf(file[i+1:])
	return file[:i], f, ok
}

// feedLink is an autodiscovery link of a page: <link rel="alternate">.
type feedLink struct {
	Title, Type, Href string
}

// TypeAttr is the type attribute, written whole so that html/template
// leaves the "+" of "application/atom+xml" as it is (an attribute value
// would get "&#43;"), for autodiscovery code that does not decode entities.
func (l feedLink) TypeAttr() template.HTMLAttr {
	return template.HTMLAttr(`type="` + template.HTMLEscapeString(l.Type) + `"`)
}

// feedLinks offers a list in every format; path has no extension and query
// is "" or starts with "?".
func feedLinks(title, path, query string) []feedLink {
	links := make([]feedLink, len(syndication.Formats))
	for i, f := range syndication.Formats {
		links[i] = feedLink{Title: title + " (" + f.Name + ")", Type: f.MIME, Href: path + "." + f.Ext + query}
	}
	return links
}

// The titles of the feeds, shared by the feeds and the pages that link to them.
func (s *Server) dailyFeedTitle() string    { return s.siteName }
func (s *Server) trendingFeedTitle() string { return s.siteName + ": Trending" }
func (s *Server) userFeedTitle(name string) string {
	return s.siteName + ": submitted by " + name
}
func (s *Server) searchFeedTitle(q string) string {
	return s.siteName + ": search for “" + paper.Excerpt(strings.TrimSpace(q), 80) + "”"
}
func (s *Server) categoryFeedTitle(cat string) string {
	if n, ok := categoryNames[cat]; ok {
		return s.siteName + ": " + cat + " (" + n + ")"
	}
	return s.siteName + ": " + cat
}

// The autodiscovery links of the pages.
func (s *Server) dailyFeeds() []feedLink { return feedLinks(s.dailyFeedTitle(), "/feeds/daily", "") }
func (s *Server) trendingFeeds() []feedLink {
	return feedLinks(s.trendingFeedTitle(), "/feeds/trending", "")
}
func (s *Server) userFeeds(name string) []feedLink {
	return feedLinks(s.userFeedTitle(name), "/feeds/user/"+url.PathEscape(name), "")
}
func (s *Server) searchFeeds(q string, mode search.Mode) []feedLink {
	return feedLinks(s.searchFeedTitle(q), "/search", searchFeedQuery(q, mode))
}

// searchFeedQuery is the query string of a search feed. Spaces are %20,
// not "+", which html/template would write as "&#43;" in an href.
func searchFeedQuery(q string, mode search.Mode) string {
	v := "?q=" + strings.ReplaceAll(url.QueryEscape(q), "+", "%20")
	if mode != "" && mode != search.Hybrid {
		v += "&mode=" + url.QueryEscape(string(mode))
	}
	return v
}

const noFeedHere = "There is no feed at this address. Feeds end in .atom, .rss or .json: /feeds/daily.atom, /feeds/trending.atom, /feeds/category/cs.CL.atom, /feeds/user/NAME.atom or /search.atom?q=WORDS."

// feedTop serves /feeds/daily.* and /feeds/trending.*.
func (s *Server) feedTop(w http.ResponseWriter, r *http.Request) error {
	name, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok {
		return notFound(noFeedHere)
	}
	var feed *syndication.Feed
	var err error
	switch name {
	case "daily":
		feed, err = s.dailySyn(r.Context())
	case "trending":
		feed, err = s.trendingSyn(r.Context())
	default:
		return notFound(noFeedHere)
	}
	if err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}

func (s *Server) dailySyn(ctx context.Context) (*syndication.Feed, error) {
	feed := &syndication.Feed{
		Title:       s.dailyFeedTitle(),
		Description: "Papers submitted to " + s.siteName + " in the last seven days of the feed, newest first.",
		Path:        "/feeds/daily", Home: "/", Chronological: true,
	}
	items, err := s.recentSubmissions(ctx, synDailyWindow)
	if err != nil {
		return nil, err
	}
	s.addSynItems(feed, newestFirst(items, synListLimit))
	return feed, s.finishSyn(ctx, feed)
}

func (s *Server) trendingSyn(ctx context.Context) (*syndication.Feed, error) {
	feed := &syndication.Feed{
		Title:       s.trendingFeedTitle(),
		Description: rank.Explanation,
		Path:        "/feeds/trending", Home: "/papers/trending",
	}
	// As the trending page does (trending.go).
	latest, err := s.store.LatestSubmission(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		ref := rank.Reference(s.now(), latest)
		items, err := s.trendingItems(ctx, ref)
		if err != nil {
			return nil, err
		}
		for _, it := range rank.Trending(items, ref, pageSize) {
			s.addSynItems(feed, []store.FeedItem{it.FeedItem})
		}
	}
	return feed, s.finishSyn(ctx, feed)
}

// arxivArchives are arXiv's current archives: a category feed must name one
// of them or one of their categories.
var arxivArchives = map[string]bool{
	"astro-ph": true, "cond-mat": true, "cs": true, "econ": true, "eess": true, "gr-qc": true,
	"hep-ex": true, "hep-lat": true, "hep-ph": true, "hep-th": true, "math": true, "math-ph": true,
	"nlin": true, "nucl-ex": true, "nucl-th": true, "physics": true, "q-bio": true, "q-fin": true,
	"quant-ph": true, "stat": true,
}

// feedCategory serves /feeds/category/{cat}.*: a category such as cs.CL or
// a whole archive such as cs, in any case. There is no category query in
// the store, so the feed filters the last 30 days of the feed in Go, which
// is a few thousand entries at most at this site's scale (and the result is
// cached until the store changes). A well-formed category of a known
// archive that has no papers yet is an empty feed, not an error, so that a
// reader can subscribe before the first paper arrives.
func (s *Server) feedCategory(w http.ResponseWriter, r *http.Request) error {
	cat, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok {
		return notFound(noFeedHere)
	}
	archive, _, _ := strings.Cut(cat, ".")
	if !categoryPattern.MatchString(cat) || !arxivArchives[strings.ToLower(archive)] {
		return notFound(fmt.Sprintf("There is no arXiv category %q. Category feeds name a category such as cs.CL or a whole archive such as cs: /feeds/category/cs.CL.atom.", cat))
	}
	ctx := r.Context()
	feed := &syndication.Feed{
		Title:       s.categoryFeedTitle(cat),
		Description: "Papers in " + cat + " submitted to " + s.siteName + " in the last 30 days of the feed, newest first.",
		Path:        "/feeds/category/" + url.PathEscape(cat), Home: "/", Chronological: true,
	}
	if s.search != nil {
		feed.Home = "/search?q=" + url.QueryEscape("cat:"+cat)
	}
	items, err := s.recentSubmissions(ctx, synCategoryWindow)
	if err != nil {
		return err
	}
	items = slices.DeleteFunc(items, func(it store.FeedItem) bool { return !paper.InCategories(it.Paper.Categories, []string{cat}) })
	s.addSynItems(feed, newestFirst(items, synListLimit))
	if err := s.finishSyn(ctx, feed); err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}

// feedUser serves /feeds/user/{name}.*; a name in another case redirects
// to the user's own spelling, as the profile does.
func (s *Server) feedUser(w http.ResponseWriter, r *http.Request) error {
	name, f, ok := splitFeedFile(r.PathValue("file"))
	if !ok {
		return notFound(noFeedHere)
	}
	ctx := r.Context()
	var imported []store.FeedItem // the entries of a name no account has
	u, err := s.store.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		u, imported, err = s.importedSubmitter(ctx, name, synListLimit)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no user by that name, so there is no feed of their submissions.")
	}
	if err != nil {
		return err
	}
	if u.Username != name {
		http.Redirect(w, r, "/feeds/user/"+url.PathEscape(u.Username)+"."+f.Ext, http.StatusMovedPermanently)
		return nil
	}
	feed := &syndication.Feed{
		Title:       s.userFeedTitle(u.Username),
		Description: "Papers submitted to " + s.siteName + " by " + u.Username + ", newest first.",
		Path:        "/feeds/user/" + url.PathEscape(u.Username), Home: "/users/" + url.PathEscape(u.Username),
		Chronological: true,
	}
	items := imported
	if !u.Imported {
		if items, err = s.store.UserSubmissions(ctx, u.ID, synListLimit); err != nil {
			return err
		}
	}
	s.addSynItems(feed, newestFirst(items, synListLimit))
	if err := s.finishSyn(ctx, feed); err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}

// feedSearch serves /search.atom?q=..., /search.rss and /search.json.
func (s *Server) feedSearch(w http.ResponseWriter, r *http.Request, f syndication.Format) error {
	if s.search == nil {
		return notFound("Search is not available on this site, so there are no search feeds.")
	}
	raw := r.URL.Query().Get("q")
	switch {
	case strings.TrimSpace(raw) == "":
		return badRequest("A search feed needs a query, such as /search.atom?q=diffusion.")
	}
	if err := checkSearchQuery(raw); err != nil {
		return err
	}
	if err := refuseCut(raw); err != nil {
		return err
	}
	mode, err := search.ParseMode(r.URL.Query().Get("mode"))
	if err != nil {
		return badRequest(err.Error())
	}
	if !s.search.Ready() {
		return &httpError{status: http.StatusServiceUnavailable, msg: "The search index is still being built. Try again in a moment.", retryAfter: 30 * time.Second}
	}
	if err := s.allowSearch(r); err != nil {
		return err
	}
	ctx := r.Context()
	q, res, err := s.runSearch(r.Context(), raw, mode, synSearchLimit, 0)
	if errors.Is(err, search.ErrEmptyQuery) {
		return badRequest("There is nothing to search for in “" + paper.Excerpt(raw, 80) + "”: it has only common words or operators without values.")
	}
	if err != nil && q == nil { // a query the parser refused
		return badRequest(err.Error())
	}
	if err != nil {
		return err
	}
	query := searchFeedQuery(raw, mode)
	feed := &syndication.Feed{
		Title:       s.searchFeedTitle(raw),
		Description: "Papers on " + s.siteName + " that match “" + paper.Excerpt(strings.TrimSpace(raw), 200) + "”, best match first.",
		Path:        "/search", Query: query, Home: "/search" + query,
	}
	// One read for all, as the search page reads them: papers hidden from
	// the feed, or gone since they were indexed, are left out.
	items, err := s.store.PapersOnFeed(ctx, res.IDs())
	if err != nil {
		return err
	}
	for i := range items {
		p := &items[i].Paper
		// A search result is a paper, maybe never on the feed: its dates
		// are arXiv's.
		published := cmp.Or(p.Published, p.Updated, p.AsOf)
		updated := published
		if p.Updated.After(updated) {
			updated = p.Updated
		}
		feed.Entries = append(feed.Entries, s.synEntryOf(p, published, updated))
	}
	if err := s.finishSyn(ctx, feed); err != nil {
		return err
	}
	return s.writeSyn(w, feed, f)
}

// recentSubmissions lists the feed entries submitted within window of the
// newest submission (not of the clock: a quiet feed keeps its last days).
func (s *Server) recentSubmissions(ctx context.Context, window time.Duration) ([]store.FeedItem, error) {
	latest, err := s.store.LatestSubmission(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.store.SubmittedSince(ctx, latest.Add(-window))
}

// newestFirst orders feed entries by submission, newest first, keeps the
// newest entry of a paper submitted twice, and cuts the list at limit.
func newestFirst(items []store.FeedItem, limit int) []store.FeedItem {
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b store.FeedItem) int {
		if c := b.SubmittedAt.Compare(a.SubmittedAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.Paper.ID), string(b.Paper.ID))
	})
	seen := make(map[paper.ID]bool, len(items))
	out := items[:0]
	for _, it := range items {
		if seen[it.Paper.ID] {
			continue
		}
		seen[it.Paper.ID] = true
		out = append(out, it)
		if len(out) == limit {
			break
		}
	}
	return out
}

// synSite is the site the feeds are written for.
func (s *Server) synSite() syndication.Site {
	return syndication.Site{BaseURL: s.baseURL, Name: s.siteName, CategoryLabels: categoryNames}
}

// addSynItems adds feed entries to the feed, dated by their submission.
func (s *Server) addSynItems(f *syndication.Feed, items []store.FeedItem) {
	for _, it := range items {
		f.Entries = append(f.Entries, s.synEntryOf(&it.Paper, it.SubmittedAt, it.SubmittedAt))
	}
}

func (s *Server) synEntryOf(p *paper.Paper, published, updated time.Time) syndication.Entry {
	e := syndication.Entry{
		ID:         p.ID,
		Title:      syndication.Text(paper.CleanText(p.Title)),
		Abstract:   syndication.Text(p.Abstract),
		Categories: p.Categories,
		Published:  published.UTC().Truncate(time.Second),
		Updated:    updated.UTC().Truncate(time.Second),
		Image:      s.thumbnailURL(p.ID),
	}
	if e.Title == "" {
		e.Title = "arXiv:" + string(p.ID)
	}
	for i, a := range p.Authors {
		if i == synMaxAuthors && len(p.Authors) > synMaxAuthors+1 {
			e.Authors = append(e.Authors, fmt.Sprintf("and %d more authors", len(p.Authors)-synMaxAuthors))
			break
		}
		e.Authors = append(e.Authors, syndication.Text(paper.CleanText(a.Name)))
	}
	return e
}

// finishSyn sets the feed's time: its newest item's, or on an empty feed
// the site's newest submission's (the Unix epoch on an empty site), so
// that the document stays the same between changes.
func (s *Server) finishSyn(ctx context.Context, f *syndication.Feed) error {
	for _, e := range f.Entries {
		if e.Updated.After(f.Updated) {
			f.Updated = e.Updated
		}
	}
	if len(f.Entries) > 0 {
		return nil
	}
	latest, err := s.store.LatestSubmission(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f.Updated = time.Unix(0, 0).UTC()
	case err != nil:
		return err
	default:
		f.Updated = latest.UTC().Truncate(time.Second)
	}
	return nil
}

// writeSyn sends the feed in format f with its validators: an ETag (which
// s.cached replaces with its own when the page cache is on) and, for
// chronological feeds with items, Last-Modified.
func (s *Server) writeSyn(w http.ResponseWriter, feed *syndication.Feed, f syndication.Format) error {
	body, err := syndication.Marshal(feed, f, s.synSite())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.MIME+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	sum := fnv.New64a()
	sum.Write(body)
	h.Set("ETag", fmt.Sprintf(`"%x"`, sum.Sum64()))
	if feed.Chronological && len(feed.Entries) > 0 {
		h.Set("Last-Modified", feed.Updated.Format(http.TimeFormat))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a failed write means the client went away
	return nil
}

// conditionalGet answers If-Modified-Since with 304 for responses that
// carry Last-Modified, and If-None-Match for responses whose ETag the
// handler set (s.cached answers it itself when the page cache is on). Per
// RFC 9110, If-Modified-Since counts only when If-None-Match is absent.
func conditionalGet(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h(&conditionalWriter{ResponseWriter: w, r: r}, r)
	}
}

type conditionalWriter struct {
	http.ResponseWriter
	r       *http.Request
	wrote   bool
	discard bool // a 304 was sent: the body is dropped
}

func (w *conditionalWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if status == http.StatusOK && w.notModified() {
		h := w.Header()
		h.Del("Content-Type")
		h.Del("Content-Length")
		w.discard = true
		status = http.StatusNotModified
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *conditionalWriter) notModified() bool {
	h := w.Header()
	if inm := w.r.Header.Get("If-None-Match"); inm != "" {
		etag := h.Get("ETag")
		return etag != "" && etagMatches(inm, etag)
	}
	ims, err := http.ParseTime(w.r.Header.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(h.Get("Last-Modified"))
	return err == nil && !lm.After(ims)
}

func (w *conditionalWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
