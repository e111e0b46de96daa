package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// apiSite serves the demo data with search, over real HTTP.
func apiSite(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	st := newStore(t, true)
	svc := search.NewService(st, nil)
	if err := svc.Build(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	s, err := New(st, Options{Search: svc, Now: func() time.Time { return clock }, BaseURL: "http://api.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

// apiGet fetches path and decodes the JSON body into a generic value.
func apiGet(t *testing.T, srv *httptest.Server, path string, want int) (any, http.Header) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return v, resp.Header
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// sameShape checks ours against a real response, recursively: every field
// we send exists there with the same type, and every field the real one
// always has (in all of its items) we send too.
func sameShape(t *testing.T, path string, ours, real []any) {
	t.Helper()
	always := map[string]int{}
	for _, r := range real {
		for k := range r.(map[string]any) {
			always[k]++
		}
	}
	for _, o := range ours {
		om, ok := o.(map[string]any)
		if !ok {
			t.Errorf("%s: ours is %s, want object", path, jsonType(o))
			continue
		}
		for k, n := range always {
			if _, ok := om[k]; !ok && n == len(real) && !hostedOptional[k] {
				t.Errorf("%s.%s: missing (every real item has it)", path, k)
			}
		}
		for k, v := range om {
			var seen []any
			for _, r := range real {
				if rv, ok := r.(map[string]any)[k]; ok {
					seen = append(seen, rv)
				}
			}
			if len(seen) == 0 {
				t.Errorf("%s.%s: the real API has no such field", path, k)
				continue
			}
			if jsonType(v) != jsonType(seen[0]) {
				t.Errorf("%s.%s: %s, the real API sends %s", path, k, jsonType(v), jsonType(seen[0]))
				continue
			}
			switch v := v.(type) {
			case map[string]any:
				sameShape(t, path+"."+k, []any{v}, seen)
			case []any:
				var realElems []any
				for _, s := range seen {
					realElems = append(realElems, s.([]any)...)
				}
				if len(v) > 0 && len(realElems) > 0 {
					if _, isObj := v[0].(map[string]any); isObj {
						sameShape(t, path+"."+k+"[]", v, realElems)
					} else if jsonType(v[0]) != jsonType(realElems[0]) {
						t.Errorf("%s.%s[]: %s, the real API sends %s", path, k, jsonType(v[0]), jsonType(realElems[0]))
					}
				}
			case string:
				if isTime(seen[0].(string)) && !apiTimeRE.MatchString(v) {
					t.Errorf("%s.%s: %q is not in the real API's time format", path, k, v)
				}
			}
		}
	}
}

// hostedOptional are fields that some items of the real responses lack
// (in the three whole responses of ../shared/data/hf-api-samples: 58 of 59
// papers have ai_summary and ai_keywords, which this site has only for
// papers imported from the hosted feed; 24 have an organization, 13
// mediaUrls).
var hostedOptional = map[string]bool{"ai_summary": true, "ai_keywords": true, "ai_summary_model": true,
	"organization": true, "mediaUrls": true, "githubRepoAddedBy": true, "isUserFollowing": true}

var apiTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func isTime(s string) bool { return apiTimeRE.MatchString(s) }

func realSample(t *testing.T) []any {
	t.Helper()
	b, err := os.ReadFile("../ingest/testdata/hf-api-2025-10-06.json")
	if err != nil {
		t.Fatal(err)
	}
	var v []any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAPIDailyPapersHasTheHostedShape(t *testing.T) {
	srv, _ := apiSite(t)
	real := realSample(t)
	for _, path := range []string{"/api/daily_papers", "/api/daily_papers?date=2026-08-21", "/api/papers/search?q=agents&limit=5"} {
		v, h := apiGet(t, srv, path, http.StatusOK)
		items := v.([]any)
		if len(items) == 0 {
			t.Fatalf("%s: no items", path)
		}
		sameShape(t, path, items, real)
		if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("ETag") == "" {
			t.Errorf("%s: CORS %q, ETag %q", path, h.Get("Access-Control-Allow-Origin"), h.Get("ETag"))
		}
	}
	var papers []any
	for _, r := range real {
		papers = append(papers, r.(map[string]any)["paper"])
	}
	v, _ := apiGet(t, srv, "/api/papers/2608.19880", http.StatusOK)
	sameShape(t, "/api/papers/{id}", []any{v}, papers)
	// The list of all papers has no submission fields: most papers of a
	// catalogue were never on the feed.
	list, _ := apiGet(t, srv, "/api/papers?limit=3", http.StatusOK)
	hostedOptional["submittedOnDailyAt"], hostedOptional["submittedOnDailyBy"] = true, true
	defer delete(hostedOptional, "submittedOnDailyAt")
	defer delete(hostedOptional, "submittedOnDailyBy")
	sameShape(t, "/api/papers", list.([]any), papers)
}

// The API's answers for one day hold exactly the day's feed, in its order.
func TestAPIDailyPapersContent(t *testing.T) {
	srv, st := apiSite(t)
	want, err := st.Feed(t.Context(), store.FeedQuery{From: "2026-08-21", To: "2026-08-21"})
	if err != nil || len(want) == 0 {
		t.Fatal(len(want), err)
	}
	var got []apiItem
	v, _ := apiGet(t, srv, "/api/daily_papers?date=2026-08-21", http.StatusOK)
	b, _ := json.Marshal(v)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	summarised := 0
	for i := range want {
		w, g := want[i], got[i]
		if g.Paper.ID != string(w.Paper.ID) || g.Paper.Upvotes != w.Paper.Upvotes || g.Title != w.Paper.Title ||
			len(g.Paper.Authors) != len(w.Paper.Authors) || g.Paper.SubmittedOnDailyAt != apiTime(w.SubmittedAt) {
			t.Errorf("item %d: %+v, want %s", i, g.Paper, w.Paper.ID)
		}
		if w.Submitter != nil && (g.SubmittedBy == nil || g.SubmittedBy.Name != w.Submitter.Username || g.Paper.SubmittedOnDailyBy.User != w.Submitter.Username) {
			t.Errorf("item %d: submitter %+v, want %s", i, g.SubmittedBy, w.Submitter.Username)
		}
		if g.Paper.AISummary != w.Paper.AISummary || !slices.Equal(g.Paper.AIKeywords, w.Paper.AIKeywords) {
			t.Errorf("item %d: ai_summary %q and ai_keywords %q, want %q and %q", i,
				g.Paper.AISummary, g.Paper.AIKeywords, w.Paper.AISummary, w.Paper.AIKeywords)
		}
		if w.Paper.AISummary != "" {
			summarised++
		}
		if want := "http://api.test/thumbnails/" + string(w.Paper.ID) + ".png"; g.Thumbnail != want {
			t.Errorf("item %d: thumbnail %q, want %q", i, g.Thumbnail, want)
		}
	}
	if summarised == 0 {
		t.Error("no paper of the day has an AI summary to compare; the demo's hosted feed has them")
	}
	// The author ids are stable from one answer to the next.
	v2, _ := apiGet(t, srv, "/api/papers/"+got[0].Paper.ID, http.StatusOK)
	if a := v2.(map[string]any)["authors"].([]any)[0].(map[string]any)["_id"]; a != got[0].Paper.Authors[0].ID {
		t.Errorf("author id %v, then %v", got[0].Paper.Authors[0].ID, a)
	}
}

// nextLink reads the Link header's rel="next" URL.
func nextLink(h http.Header) string {
	m := regexp.MustCompile(`<([^>]+)>;\s*rel="next"`).FindStringSubmatch(h.Get("Link"))
	if m == nil {
		return ""
	}
	return m[1]
}

func TestAPIPagingWalksToTheEnd(t *testing.T) {
	srv, st := apiSite(t)
	total, err := st.FeedCount(t.Context(), "2026-08-01", "2026-08-31")
	if err != nil || total < 20 {
		t.Fatal(total, err)
	}
	seen := map[string]bool{}
	path := "/api/daily_papers?month=2026-08&limit=7"
	for pages := 0; path != ""; pages++ {
		if pages > total {
			t.Fatal("paging does not end")
		}
		v, h := apiGet(t, srv, path, http.StatusOK)
		for _, it := range v.([]any) {
			// A paper can be on the feed of two days of a month: an entry
			// is a paper and its submission.
			p := it.(map[string]any)["paper"].(map[string]any)
			id := p["id"].(string) + "@" + p["submittedOnDailyAt"].(string)
			if seen[id] {
				t.Errorf("%s seen twice", id)
			}
			seen[id] = true
		}
		path = ""
		if next := nextLink(h); next != "" {
			u, err := url.Parse(next)
			if err != nil || u.Host != "api.test" {
				t.Fatalf("next link %q", next)
			}
			path = u.RequestURI()
		}
	}
	if len(seen) != total {
		t.Errorf("walked %d papers, the month has %d", len(seen), total)
	}

	// Every paper, by cursor.
	n := 0
	path = "/api/papers?limit=100"
	for path != "" {
		v, h := apiGet(t, srv, path, http.StatusOK)
		n += len(v.([]any))
		path = ""
		if next := nextLink(h); next != "" {
			u, _ := url.Parse(next)
			path = u.RequestURI()
		}
	}
	stats, err := st.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != stats.Papers {
		t.Errorf("the cursor walk saw %d papers, the store has %d", n, stats.Papers)
	}
}

func TestAPIBadParameters(t *testing.T) {
	srv, _ := apiSite(t)
	for _, path := range []string{
		"/api/daily_papers?date=2025-13-45",
		"/api/daily_papers?date=yesterday",
		"/api/daily_papers?limit=1000",
		"/api/daily_papers?limit=-1",
		"/api/daily_papers?limit=0",
		"/api/daily_papers?week=2025-W99",
		"/api/daily_papers?month=2025-13",
		"/api/daily_papers?p=-3",
		"/api/daily_papers?p=x",
		"/api/daily_papers?sort=upvotes",
		"/api/daily_papers?date=2025-09-03&week=2025-W36",
		"/api/daily_papers?date=2025-09-03'%20OR%201=1--",
		"/api/daily_papers?date=%3Cscript%3Ealert(1)%3C/script%3E",
		"/api/daily_papers?dates=2025-09-03",
		"/api/papers?cursor=not-a-cursor",
		"/api/papers?limit=101",
		"/api/papers/search",
		"/api/papers/search?q=" + strings.Repeat("a", search.MaxQueryLen+1),
		"/api/papers/search?q=x&limit=121",
		"/api/papers/not-an-id",
	} {
		v, _ := apiGet(t, srv, path, http.StatusBadRequest)
		if msg, _ := v.(map[string]any)["error"].(string); msg == "" {
			t.Errorf("%s: no error message: %v", path, v)
		}
	}
	v, _ := apiGet(t, srv, "/api/papers/2601.99999", http.StatusNotFound)
	if msg, _ := v.(map[string]any)["error"].(string); !strings.Contains(msg, "2601.99999") {
		t.Errorf("404 says %v", v)
	}
}

func TestAPIConditionalGetAndCORS(t *testing.T) {
	srv, _ := apiSite(t)
	_, h := apiGet(t, srv, "/api/daily_papers?date=2026-08-21", http.StatusOK)
	req, _ := http.NewRequest("GET", srv.URL+"/api/daily_papers?date=2026-08-21", nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	req, _ = http.NewRequest("OPTIONS", srv.URL+"/api/daily_papers", nil)
	req.Header.Set("Origin", "https://dashboard.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Methods") != "GET" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// Every documented field of every GET is in the running server's answers
// with its documented type, and nothing undocumented is.
func TestOpenAPIMatchesResponses(t *testing.T) {
	srv, st := apiSite(t)
	// An author with an approved claim carries authors[].user.
	acc, err := st.CreateAccount(t.Context(), store.Account{User: store.User{Username: "claimant", Fullname: "C. Laimant"}, Email: "c@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.ClaimAuthor(t.Context(), store.Claim{UserID: acc.ID, PaperID: "2608.19880", Position: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DecideClaim(t.Context(), c.ID, true, clock); err != nil {
		t.Fatal(err)
	}
	specAny, _ := apiGet(t, srv, "/api/openapi.json", http.StatusOK)
	spec := specAny.(map[string]any)
	schemas := spec["components"].(map[string]any)["schemas"].(map[string]any)
	var check func(path string, schema map[string]any, v any)
	check = func(path string, schema map[string]any, v any) {
		if ref, ok := schema["$ref"].(string); ok {
			schema = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		}
		want := schema["type"].(string)
		got := jsonType(v)
		if want == "integer" && got == "number" && v.(float64) == float64(int64(v.(float64))) {
			got = "integer"
		}
		if got != want {
			t.Errorf("%s: %s, documented %s", path, got, want)
			return
		}
		switch want {
		case "object":
			props := schema["properties"].(map[string]any)
			obj := v.(map[string]any)
			for _, r := range schema["required"].([]any) {
				if _, ok := obj[r.(string)]; !ok {
					t.Errorf("%s.%s: documented as required, missing", path, r)
				}
			}
			for k, fv := range obj {
				ps, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: not documented", path, k)
					continue
				}
				check(path+"."+k, ps, fv)
			}
		case "array":
			for i, e := range v.([]any) {
				check(fmt.Sprintf("%s[%d]", path, i), schema["items"].(map[string]any), e)
			}
		}
	}
	// A public collection with a paper and a note, for the Collections API's reads.
	ada, err := st.CreateAccount(t.Context(), store.Account{User: store.User{Username: "ada"}, Email: "ada@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	coll, err := st.CreateCollection(t.Context(), store.Collection{Owner: ada.User, Title: "Reading list", Theme: "orange"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCollectionItem(t.Context(), store.CollectionItem{CollectionID: coll.ID, Paper: paper.Paper{ID: "2608.19880"}, Note: "*x*", NoteHTML: "<p><em>x</em></p>"}, 0); err != nil {
		t.Fatal(err)
	}
	paths := spec["paths"].(map[string]any)
	for _, tc := range []struct{ doc, path string }{
		{"/api/collections", "/api/collections?owner=ada&item=papers/2608.19880"},
		{"/api/collections/{owner}/{slug}", "/api/" + strings.TrimPrefix(collectionPath(coll), "/")},
		{"/api/daily_papers", "/api/daily_papers"},
		{"/api/daily_papers", "/api/daily_papers?week=2026-W34&sort=trending"},
		{"/api/papers", "/api/papers?limit=20"},
		{"/api/papers/search", "/api/papers/search?q=language+models"},
		{"/api/papers/{id}", "/api/papers/2608.19880"},
	} {
		op := paths[tc.doc].(map[string]any)["get"].(map[string]any)
		schema := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		v, _ := apiGet(t, srv, tc.path, http.StatusOK)
		check(tc.path, schema, v)
	}
}

func TestPaperAsMarkdown(t *testing.T) {
	st := newStore(t, false)
	mustPaper(t, st, mdPaper)
	h := serve(t, st, nil)
	for _, tc := range []struct {
		path, accept string
	}{
		{"/papers/2509.00009.md", ""},
		{"/papers/2509.00009", "text/markdown"},
		{"/papers/2509.00009", "text/html;q=0.9, text/markdown"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/markdown") {
			t.Fatalf("%s (%s): %d %s", tc.path, tc.accept, rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, want := range []string{
			`# \*Stars\* \_and\_ \[brackets\] &lt;script&gt;alert(1)&lt;/script&gt; \# x`,
			`**Authors:** Ada \*Lovelace\*, 李 小龙`,
			"- arXiv: <https://arxiv.org/abs/2509.00009>",
			"- PDF: <https://arxiv.org/pdf/2509.00009>",
			"We show $O(n^2)$ bounds when x &lt; y.",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q in\n%s", tc.path, want, body)
			}
		}
	}
	// The HTML page stays the default; unknown papers are 404s.
	if _, doc := get(t, h, "/papers/2509.00009", 200); doc.Find("h1").Length() == 0 {
		t.Error("the HTML page is gone")
	}
	get(t, h, "/papers/2509.99999.md", 404)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/papers/2509.00009", nil)
	req.Header.Set("Accept", "text/markdown;q=0, text/html")
	h.ServeHTTP(rec, req)
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/markdown") {
		t.Error("text/markdown;q=0 got Markdown")
	}
}

// Links stored before the links' rule (or by a way in that slipped past
// it) cannot end their autolink or add Markdown after it.
func TestPaperMarkdownEscapesLinks(t *testing.T) {
	st := newStore(t, false)
	p := paperOf("2509.00010", "Links", "An abstract.", "Ada")
	p.GitHubRepo = `https://github.com/owner/repo"> [click](javascript:alert(1)) <x`
	p.ProjectPage = "https://example.org/a b>\n# Heading"
	mustPaper(t, st, p)
	_, body := getText(t, serve(t, st, nil), "/papers/2509.00010.md")
	for _, want := range []string{
		"- Code: <https://github.com/owner/repo%22%3E%20[click](javascript:alert(1))%20%3Cx>\n",
		"- Project page: <https://example.org/a%20b%3E%0A#%20Heading>\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "\n# Heading") {
		t.Errorf("a link added a heading:\n%s", body)
	}
}

func getText(t *testing.T, h http.Handler, path string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec, rec.Body.String()
}

var mdPaper = paperOf("2509.00009", "*Stars* _and_ [brackets] <script>alert(1)</script>\n# x",
	"We show $O(n^2)$ bounds when x < y.", "Ada *Lovelace*", "李 小龙")

// A client that uses the API only as documented, the way the hosted API's
// official client does: a day, a week, a month, paging, a paper, a search.
func TestAPIClientAsDocumented(t *testing.T) {
	srv, _ := apiSite(t)
	type client struct{ base string }
	c := client{base: srv.URL}
	list := func(params url.Values) []apiItem {
		var all []apiItem
		next := c.base + "/api/daily_papers?" + params.Encode()
		for next != "" {
			resp, err := http.Get(next)
			if err != nil {
				t.Fatal(err)
			}
			var page []apiItem
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %d %v", next, resp.StatusCode, err)
			}
			all = append(all, page...)
			next = strings.Replace(nextLink(resp.Header), "http://api.test", c.base, 1)
		}
		return all
	}
	day := list(url.Values{"date": {"2026-08-21"}})
	week := list(url.Values{"week": {"2026-W34"}, "limit": {"10"}})
	month := list(url.Values{"month": {"2026-08"}, "limit": {"100"}})
	if len(day) == 0 || len(week) < len(day) || len(month) < len(week) {
		t.Errorf("day %d, week %d, month %d papers", len(day), len(week), len(month))
	}
	inWeek := map[string]bool{}
	for _, it := range week {
		inWeek[it.Paper.ID] = true
	}
	for _, it := range day {
		if !inWeek[it.Paper.ID] {
			t.Errorf("%s is on 2026-08-21 but not in its week", it.Paper.ID)
		}
	}
	resp, err := http.Get(c.base + "/api/papers/" + day[0].Paper.ID)
	if err != nil {
		t.Fatal(err)
	}
	var p apiPaperObject
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if p.Title != day[0].Paper.Title {
		t.Errorf("paper_info: %q, want %q", p.Title, day[0].Paper.Title)
	}
	resp, err = http.Get(c.base + "/api/papers/search?q=" + url.QueryEscape(day[0].Paper.Title))
	if err != nil {
		t.Fatal(err)
	}
	var found []apiItem
	json.NewDecoder(resp.Body).Decode(&found)
	resp.Body.Close()
	if !slices.ContainsFunc(found[:min(3, len(found))], func(it apiItem) bool { return it.Paper.ID == day[0].Paper.ID }) {
		t.Errorf("searching a paper's title does not find it in the top 3")
	}
}

func paperOf(id, title, abstract string, authors ...string) paper.Paper {
	p := paper.Paper{ID: paper.ID(id), Title: title, Abstract: abstract, Published: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)}
	for _, a := range authors {
		p.Authors = append(p.Authors, paper.Author{Name: a})
	}
	return p
}

// Submitters of an imported feed are not accounts: /users/NAME shows a
// local account by that name when there is one and the imported entries
// only when there is none; the API gives the two different _ids; a name
// that breaks the username rules has no page.
func TestImportedSubmitters(t *testing.T) {
	st := newStore(t, false)
	ctx := t.Context()
	at := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := []store.Record{
		{Paper: paperOf("2509.00021", "By the hosted Carol", "A.", "Ada"),
			Submission: &store.Submission{Day: "2025-09-01", Submitter: "Carol", Fullname: "Hosted Carol", SubmittedAt: at}},
		{Paper: paperOf("2509.00022", "By AK", "A.", "Ada"),
			Submission: &store.Submission{Day: "2025-09-01", Submitter: "AKhaliq", Fullname: "AK", SubmittedAt: at}},
		{Paper: paperOf("2509.00023", "By a name that breaks the rules", "A.", "Ada"),
			Submission: &store.Submission{Day: "2025-09-01", Fullname: "evil<script>", SubmittedAt: at}},
	}
	if _, err := im.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "carol", Fullname: "Carol Local"}, Email: "carol@example.org"}); err != nil {
		t.Fatal(err)
	}
	h := serve(t, st, nil)

	_, doc := get(t, h, "/users/carol", http.StatusOK)
	if got := doc.Find("h1").Text(); got != "Carol Local" {
		t.Errorf("/users/carol shows %q, want the local account", got)
	}
	if doc.Find(`a[href="/papers/2509.00021"]`).Length() != 0 {
		t.Error("the local carol's page lists the hosted Carol's entry")
	}
	_, doc = get(t, h, "/users/AKhaliq", http.StatusOK)
	if got := doc.Find("h1").Text(); got != "AK" || !strings.Contains(doc.Find(".sub").Text(), "imported feed") {
		t.Errorf("/users/AKhaliq: h1 %q, %q", got, doc.Find(".sub").Text())
	}
	if doc.Find(`a[href="/papers/2509.00022"]`).Length() == 0 || doc.Find(`form[action^="/admin/users/"]`).Length() != 0 {
		t.Error("/users/AKhaliq does not list AK's entry, or offers to disable an account")
	}
	if rec, _ := get(t, h, "/users/akhaliq", http.StatusMovedPermanently); rec.Header().Get("Location") != "/users/AKhaliq" {
		t.Errorf("/users/akhaliq redirects to %q", rec.Header().Get("Location"))
	}
	get(t, h, "/users/evil%3Cscript%3E", http.StatusNotFound)
	get(t, h, "/feeds/user/AKhaliq.atom", http.StatusOK)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/daily_papers?date=2025-09-01", nil))
	var items []apiItem
	if err := json.Unmarshal(rec.Body.Bytes(), &items); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("API: %d %v %s", rec.Code, err, rec.Body.String())
	}
	by := map[string]*apiSubmitter{}
	for _, it := range items {
		by[it.Paper.ID] = it.SubmittedBy
	}
	if sb := by["2509.00021"]; sb == nil || sb.Name != "Carol" || sb.Fullname != "Hosted Carol" || sb.ID == objectID("user", "carol") {
		t.Errorf("the hosted Carol's submittedBy = %+v; want her names and an _id apart from the local carol's", sb)
	}
	if sb := by["2509.00023"]; sb == nil || sb.Name != "" || sb.Fullname != "evil<script>" {
		t.Errorf("submittedBy of a name that broke the rules = %+v; want the text as fullname only", sb)
	}
}
