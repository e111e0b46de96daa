package web

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
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
)

// The JSON API speaks the hosted Daily Papers API's shapes (field names,
// nesting, types and date format, as in its real responses), so that a
// program written for it works here by changing the base URL.

// api marks a response as the API's: any origin may read it (it holds
// nothing private, and the writes take tokens, not cookies).
func (s *Server) api(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "Link, ETag")
		return h(w, r)
	}
}

// preflight answers CORS preflight requests: GETs from any origin.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET")
	h.Set("Access-Control-Allow-Headers", "If-None-Match")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// apiTime is the hosted API's time format: UTC with milliseconds.
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// objectID makes a stable 24-hex-digit id, the form of the hosted API's
// "_id" fields, from what names the thing.
func objectID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:12])
}

type apiAuthor struct {
	ID   string        `json:"_id"`
	User *apiClaimUser `json:"user,omitempty"`
	Name string        `json:"name"`
	// Status and StatusLastChangedAt are the hosted API's for an author a
	// site account claimed: "claimed_verified" once a moderator approved.
	Status              string `json:"status,omitempty"`
	StatusLastChangedAt string `json:"statusLastChangedAt,omitempty"`
	Hidden              bool   `json:"hidden"`
}

// apiClaimUser is an author's user: the account whose claim of the
// author a moderator approved, in the hosted API's shape.
type apiClaimUser struct {
	ID        string `json:"_id"`
	AvatarURL string `json:"avatarUrl"`
	IsPro     bool   `json:"isPro"`
	Fullname  string `json:"fullname"`
	User      string `json:"user"`
	Type      string `json:"type"`
	Name      string `json:"name"`
}

// apiClaims reads the approved claims of papers, for authors[].user.
func (s *Server) apiClaims(ctx context.Context, ids []paper.ID) (map[paper.ID]map[int]store.Claim, error) {
	all, err := s.store.PaperClaims(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[paper.ID]map[int]store.Claim, len(all))
	for id, cs := range all {
		for _, c := range cs {
			if c.Status != store.ClaimApproved {
				continue
			}
			if out[id] == nil {
				out[id] = map[int]store.Claim{}
			}
			out[id][c.Position] = c
		}
	}
	return out, nil
}

// apiDailyUser is a paper's submittedOnDailyBy.
type apiDailyUser struct {
	ID        string `json:"_id"`
	AvatarURL string `json:"avatarUrl"`
	IsPro     bool   `json:"isPro"`
	Fullname  string `json:"fullname"`
	User      string `json:"user"`
	Type      string `json:"type"`
}

// apiSubmitter is a feed item's submittedBy.
type apiSubmitter struct {
	ID            string `json:"_id"`
	AvatarURL     string `json:"avatarUrl"`
	Fullname      string `json:"fullname"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	IsPro         bool   `json:"isPro"`
	IsHf          bool   `json:"isHf"`
	IsHfAdmin     bool   `json:"isHfAdmin"`
	IsMod         bool   `json:"isMod"`
	FollowerCount int    `json:"followerCount"`
}

// apiPaperObject is the hosted API's paper.
type apiPaperObject struct {
	ID                 string        `json:"id"`
	Authors            []apiAuthor   `json:"authors"`
	PublishedAt        string        `json:"publishedAt"`
	SubmittedOnDailyAt string        `json:"submittedOnDailyAt,omitempty"`
	Title              string        `json:"title"`
	SubmittedOnDailyBy *apiDailyUser `json:"submittedOnDailyBy,omitempty"`
	Summary            string        `json:"summary"`
	Upvotes            int           `json:"upvotes"`
	DiscussionID       string        `json:"discussionId"`
	GitHubRepo         string        `json:"githubRepo,omitempty"`
	GitHubStars        *int          `json:"githubStars,omitempty"`
	ProjectPage        string        `json:"projectPage,omitempty"`
	AISummary          string        `json:"ai_summary,omitempty"`
	AIKeywords         []string      `json:"ai_keywords,omitempty"`
	AISummaryModel     string        `json:"ai_summary_model,omitempty"`
}

// apiItem is one entry of /api/daily_papers (and of search results).
type apiItem struct {
	Paper                 apiPaperObject `json:"paper"`
	PublishedAt           string         `json:"publishedAt"`
	Title                 string         `json:"title"`
	Summary               string         `json:"summary"`
	Thumbnail             string         `json:"thumbnail"`
	NumComments           int            `json:"numComments"`
	SubmittedBy           *apiSubmitter  `json:"submittedBy,omitempty"`
	IsAuthorParticipating bool           `json:"isAuthorParticipating"`
}

// apiPaperOf is the API's paper; claims are its authors' approved
// claims by position (see apiClaims).
func (s *Server) apiPaperOf(p *paper.Paper, sub *store.FeedItem, claims map[int]store.Claim) apiPaperObject {
	o := apiPaperObject{ID: string(p.ID), Title: p.Title, Summary: p.Abstract, Upvotes: p.Upvotes,
		PublishedAt: apiTime(p.Published), DiscussionID: objectID("discussion", string(p.ID)),
		GitHubRepo: p.GitHubRepo, ProjectPage: p.ProjectPage, Authors: []apiAuthor{},
		AISummary: p.AISummary, AIKeywords: p.AIKeywords, AISummaryModel: p.AIModel}
	if o.PublishedAt == "" {
		o.PublishedAt = apiTime(firstPublished(p))
	}
	if p.GitHubRepo != "" {
		stars := p.GitHubStars
		o.GitHubStars = &stars
	}
	for i, a := range p.Authors {
		au := apiAuthor{ID: objectID("author", string(p.ID), strconv.Itoa(i)), Name: a.Name}
		if c, ok := claims[i]; ok {
			u := c.User
			au.User = &apiClaimUser{ID: submitterID(&u), AvatarURL: u.AvatarURL, Fullname: u.Fullname,
				User: u.Username, Type: "user", Name: u.Username}
			au.Status, au.StatusLastChangedAt = "claimed_verified", apiTime(c.DecidedAt)
		}
		o.Authors = append(o.Authors, au)
	}
	if sub != nil {
		o.SubmittedOnDailyAt = apiTime(sub.SubmittedAt)
		if u := sub.Submitter; u != nil {
			o.SubmittedOnDailyBy = &apiDailyUser{ID: submitterID(u), AvatarURL: u.AvatarURL,
				Fullname: u.Fullname, User: u.Username, Type: "user"}
		}
	}
	return o
}

// submitterID is a submitter's _id: an account's, or one apart for a
// submitter an imported feed named, so that the two never share one
// whatever their names.
func submitterID(u *store.User) string {
	switch {
	case u.Imported && u.Username != "":
		return objectID("imported-user", strings.ToLower(u.Username))
	case u.Imported:
		return objectID("imported-user", "", u.Fullname) // known by the text shown only
	}
	return objectID("user", strings.ToLower(u.Username))
}

func (s *Server) apiItemOf(it *store.FeedItem, claims map[int]store.Claim) apiItem {
	p := s.apiPaperOf(&it.Paper, it, claims)
	item := apiItem{Paper: p, PublishedAt: p.PublishedAt, Title: it.Paper.Title, Summary: it.Paper.Abstract,
		Thumbnail: s.thumbnailURL(it.Paper.ID), NumComments: it.Paper.NumComments}
	if u := it.Submitter; u != nil {
		item.SubmittedBy = &apiSubmitter{ID: p.SubmittedOnDailyBy.ID, AvatarURL: u.AvatarURL, Fullname: u.Fullname,
			Name: u.Username, Type: "user"}
	}
	return item
}

// apiLimit reads limit=, from 1 to max, def when absent.
func apiLimit(q url.Values, def, max int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest(fmt.Sprintf("limit must be a whole number from 1 to %d", max))
	}
	return n, nil
}

// apiDailyPapers answers GET /api/daily_papers: the feed of a day, week or
// month (the newest day when none is given), optionally of one submitter,
// by upvotes ("trending", the feed's own order) or newest first
// (sort=publishedAt), p-th page of limit.
func (s *Server) apiDailyPapers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains([]string{"date", "week", "month", "submitter", "sort", "p", "limit"}, k) {
			return badRequest(fmt.Sprintf("unknown parameter %q; this endpoint takes date, week, month, submitter, sort, p and limit", k))
		}
	}
	limit, err := apiLimit(q, 50, 100)
	if err != nil {
		return err
	}
	page := 0
	if v := q.Get("p"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 || page > 10000 {
			return badRequest("p (the page, from 0) must be a whole number from 0 to 10000")
		}
	}
	sort := q.Get("sort")
	if sort != "" && sort != "publishedAt" && sort != "trending" {
		return badRequest(`sort must be "publishedAt" or "trending"`)
	}
	p, ok, err := s.feedPeriod(r.Context(), q.Get("date"), q.Get("week"), q.Get("month"))
	if err != nil {
		return err
	}
	if !ok {
		writeJSON(w, http.StatusOK, []apiItem{})
		return nil
	}
	items, err := s.feedItems(r.Context(), p, q.Get("submitter"), sort)
	if err != nil {
		return err
	}
	from := min(page*limit, len(items))
	to := min(from+limit, len(items))
	out := make([]apiItem, 0, to-from)
	claims, err := s.apiClaims(r.Context(), feedIDs(items[from:to]))
	if err != nil {
		return err
	}
	for i := from; i < to; i++ {
		out = append(out, s.apiItemOf(&items[i], claims[items[i].Paper.ID]))
	}
	if to < len(items) {
		next := *r.URL
		nq := next.Query()
		nq.Set("p", strconv.Itoa(page+1))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.baseURL, next.RequestURI()))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// feedPeriod is the period of one of date, week and month (at most one
// may be given), or the feed's newest day when none is; ok is false when
// none is given and the feed is empty. The API and the MCP tools read
// periods so.
func (s *Server) feedPeriod(ctx context.Context, date, week, month string) (p period, ok bool, err error) {
	set := 0
	for _, k := range []struct {
		name, v string
		parse   func(string) (period, error)
	}{{"date", date, parseDay}, {"week", week, parseWeek}, {"month", month, parseMonth}} {
		if k.v == "" {
			continue
		}
		set++
		if p, err = k.parse(k.v); err != nil {
			return p, false, badRequest(k.name + ": " + err.Error())
		}
	}
	if set > 1 {
		return p, false, badRequest("give one of date, week and month")
	}
	if set == 1 {
		return p, true, nil
	}
	day, err := s.store.LatestFeedDay(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	p, err = parseDay(day)
	return p, err == nil, err
}

// feedItems reads the feed entries of p, of one submitter when who is not
// "", in the order asked: "" the feed's own (upvotes), "publishedAt"
// newest first, "trending" the hosted site's trending order over the
// period's days.
func (s *Server) feedItems(ctx context.Context, p period, who, sort string) ([]store.FeedItem, error) {
	items, err := s.store.Feed(ctx, store.FeedQuery{From: p.fromKey(), To: p.toKey()})
	if err != nil {
		return nil, err
	}
	if who != "" {
		items = slices.DeleteFunc(items, func(it store.FeedItem) bool {
			return it.Submitter == nil || !strings.EqualFold(it.Submitter.Username, who)
		})
	}
	switch sort {
	case "publishedAt":
		slices.SortStableFunc(items, func(a, b store.FeedItem) int { return firstPublished(&b.Paper).Compare(firstPublished(&a.Paper)) })
	case "trending":
		ref := p.To.Add(24 * time.Hour)
		if err := s.addStarsGained(ctx, items, ref.Add(-rank.TrendWindow)); err != nil {
			return nil, err
		}
		scored := rank.Trending(items, ref, len(items))
		items = items[:0]
		for _, sc := range scored {
			items = append(items, sc.FeedItem)
		}
	}
	return items, nil
}

// apiPaper answers GET /api/papers/{id}: the paper object.
func (s *Server) apiPaper(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return badRequest(fmt.Sprintf("%q is not an arXiv id", raw))
	}
	p, err := s.store.Paper(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Paper " + string(id) + " is not in this catalogue")
	}
	if err != nil {
		return err
	}
	subs, err := s.store.Submissions(r.Context(), id)
	if err != nil {
		return err
	}
	var sub *store.FeedItem
	if len(subs) > 0 {
		sub = &subs[0]
	}
	claims, err := s.apiClaims(r.Context(), []paper.ID{id})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.apiPaperOf(&p, sub, claims[id]))
	return nil
}

// apiSearch answers GET /api/papers/search?q=&limit=: the best matches, as
// feed items.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	switch {
	case text == "":
		return badRequest("q (the search) is required")
	}
	if err := checkSearchQuery(q.Get("q")); err != nil {
		return err
	}
	limit, err := apiLimit(q, 50, 120)
	if err != nil {
		return err
	}
	items, err := s.searchFeed(r.Context(), s.clientIP(r), text, search.Hybrid, limit)
	if err != nil {
		return err
	}
	out := make([]apiItem, len(items))
	claims, err := s.apiClaims(r.Context(), feedIDs(items))
	if err != nil {
		return err
	}
	for i := range items {
		out[i] = s.apiItemOf(&items[i], claims[items[i].Paper.ID])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// searchFeed answers a search whose readers see no notes (the API, the
// MCP tools): the best limit matches of text, as feed entries, charged to
// the client address ip. A query over the budget is refused rather than
// cut, and one of only common words matches nothing.
func (s *Server) searchFeed(ctx context.Context, ip, text string, mode search.Mode, limit int) ([]store.FeedItem, error) {
	if err := checkSearchQuery(text); err != nil {
		return nil, err
	}
	if err := refuseCut(text); err != nil {
		return nil, err
	}
	if s.search == nil || !s.search.Ready() {
		return nil, &httpError{status: http.StatusServiceUnavailable, msg: "the search index is being built; try again in a moment", retryAfter: 10 * time.Second}
	}
	if err := s.allowSearchFrom(ctx, ip); err != nil {
		return nil, err
	}
	q, res, err := s.runSearch(ctx, text, mode, limit, 0)
	switch {
	case errors.Is(err, search.ErrEmptyQuery):
		return nil, nil // only common words: nothing matches
	case err != nil && q == nil: // a query the parser refused
		return nil, badRequest(err.Error())
	case err != nil:
		return nil, err
	}
	return s.store.PapersOnFeed(ctx, res.IDs())
}

// apiPapers answers GET /api/papers?cursor=&limit=: every paper, newest
// first, a page at a time; the next page's cursor is in the Link header.
func (s *Server) apiPapers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := apiLimit(q, 50, 100)
	if err != nil {
		return err
	}
	var cur store.PaperCursor
	if v := q.Get("cursor"); v != "" {
		if cur, err = parsePaperCursor(v); err != nil {
			return badRequest("cursor is not one this API gave out; start again without it")
		}
	}
	ps, next, err := s.store.LatestPapers(r.Context(), cur, limit)
	if err != nil {
		return err
	}
	out := make([]apiPaperObject, len(ps))
	ids := make([]paper.ID, len(ps))
	for i := range ps {
		ids[i] = ps[i].ID
	}
	claims, err := s.apiClaims(r.Context(), ids)
	if err != nil {
		return err
	}
	for i := range ps {
		out[i] = s.apiPaperOf(&ps[i], nil, claims[ps[i].ID])
	}
	if next != (store.PaperCursor{}) {
		nq := url.Values{"cursor": {formatPaperCursor(next)}, "limit": {strconv.Itoa(limit)}}
		w.Header().Set("Link", fmt.Sprintf(`<%s/api/papers?%s>; rel="next"`, s.baseURL, nq.Encode()))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func formatPaperCursor(c store.PaperCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Published, 10) + ":" + strconv.FormatInt(c.Seq, 10)))
}

func parsePaperCursor(s string) (store.PaperCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.PaperCursor{}, err
	}
	a, c, ok := strings.Cut(string(b), ":")
	pub, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(c, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq <= 0 {
		return store.PaperCursor{}, errors.New("bad cursor")
	}
	return store.PaperCursor{Published: pub, Seq: seq}, nil
}

//go:embed openapi.json
var openAPISpec []byte

// openAPI serves the API's OpenAPI 3 description.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(openAPISpec)
	return nil
}
