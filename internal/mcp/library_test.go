package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/web"
)

// browser is a person signed in to the site through its sign-in form,
// to see a tool's write on the pages.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

// signIn gives the account name (made by fixture.token) a password and
// signs it in to the site served at base.
func (f *fixture) signIn(t *testing.T, base, name string) *browser {
	t.Helper()
	ctx := context.Background()
	a, err := f.st.AccountByEmail(ctx, name+"@example.org")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("a long password of " + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetPassword(ctx, a.ID, hash); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	resp, err := b.c.PostForm(base+"/signin", url.Values{"email": {name + "@example.org"}, "password": {"a long password of " + name}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/signin" {
		t.Fatalf("sign in %s: %d at %s", name, resp.StatusCode, resp.Request.URL)
	}
	return b
}

// get fetches a page (or an API answer, with a token) and returns its body.
func (b *browser) get(path, token string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// libraryServer is the site over HTTP, for the MCP clients and the pages
// alike.
func libraryServer(t *testing.T, s *web.Server) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// callFails calls a tool that must fail, saying want.
func callFails(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any, want string) {
	t.Helper()
	if text, isErr := call(t, cs, tool, args, nil); !isErr || !strings.Contains(text, want) {
		t.Errorf("%s(%v): error %v, %q; want an error saying %q", tool, args, isErr, text, want)
	}
}

// TestLibraryToolsNeedAToken: every tool of the reader's library and For
// you, without a token and with a wrong one, over both transports.
func TestLibraryToolsNeedAToken(t *testing.T) {
	f := newFixture(t)
	s := f.site(t, nil)
	calls := map[string]map[string]any{
		"save_paper":             {"id": topPaper},
		"unsave_paper":           {"id": topPaper},
		"saved_papers":           {},
		"create_collection":      {"title": "Agents"},
		"add_to_collection":      {"collection": "ada/agents-1", "id": topPaper},
		"remove_from_collection": {"collection": "ada/agents-1", "id": topPaper},
		"for_you":                {},
		"follow":                 {"kind": "category", "target": "cs.CL"},
		"unfollow":               {"kind": "category", "target": "cs.CL"},
		"following_papers":       {},
	}
	for _, tool := range tokenTools {
		if _, ok := calls[tool]; !ok && tool != "submit_paper" && tool != "upvote_paper" {
			t.Errorf("%s is not called here", tool)
		}
	}
	for name, connect := range map[string]func(string) *sdk.ClientSession{
		"stdio": func(token string) *sdk.ClientSession { return stdioClient(t, s, token) },
		"http":  func(token string) *sdk.ClientSession { return httpClient(t, s.Handler(), token) },
	} {
		t.Run(name, func(t *testing.T) {
			anon, wrong := connect(""), connect("dp_not_a_token")
			for tool, args := range calls {
				callFails(t, anon, tool, args, base+"/settings/tokens")
				callFails(t, wrong, tool, args, "not valid")
			}
			// Anyone may list and read collections, but a token that is
			// given must be good.
			callFails(t, wrong, "list_collections", map[string]any{"owner": "ada"}, "not valid")
			callFails(t, wrong, "get_collection", map[string]any{"collection": "ada/x-1"}, "not valid")
		})
	}
}

// TestSavedTools saves and unsaves through the tools, over both
// transports, and sees the Saved list on /saved.
func TestSavedTools(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.site(t, nil)
	srv := libraryServer(t, s)
	day, err := f.st.Feed(ctx, store.FeedQuery{From: lastDay, To: lastDay})
	if err != nil || len(day) < 3 {
		t.Fatalf("the demo's last day: %d papers (%v)", len(day), err)
	}
	for _, name := range []string{"stdio", "http"} {
		t.Run(name, func(t *testing.T) {
			reader := "ada_" + name
			token := f.token(t, reader)
			cs := httpClient(t, s.Handler(), token)
			if name == "stdio" {
				cs = stdioClient(t, s, token)
			}
			var out mcp.SaveOutput
			for i, it := range day[:3] {
				id := string(it.Paper.ID)
				if i == 0 {
					id = "https://arxiv.org/abs/" + id + "v2" // as a link, read as the site reads one
				}
				if text, isErr := call(t, cs, "save_paper", map[string]any{"id": id}, &out); isErr || out.ID != string(it.Paper.ID) || !out.Saved {
					t.Fatalf("save %s: %+v\n%s", id, out, text)
				}
			}
			// Saving twice keeps it once.
			if text, isErr := call(t, cs, "save_paper", map[string]any{"id": string(day[0].Paper.ID)}, nil); isErr {
				t.Fatal(text)
			}
			var saved mcp.SavedOutput
			text, isErr := call(t, cs, "saved_papers", nil, &saved)
			if isErr || saved.Total != 3 || len(saved.Papers) != 3 || saved.Papers[0].ID != string(day[2].Paper.ID) || saved.Papers[0].SavedAt == "" {
				t.Fatalf("saved_papers: %+v\n%s", saved, text)
			}
			if !strings.Contains(text, "1. "+oneLineOf(day[2].Paper.Title)) {
				t.Errorf("text does not list the newest save first:\n%s", text)
			}
			if text, isErr := call(t, cs, "saved_papers", map[string]any{"limit": 1, "offset": 1}, &saved); isErr || saved.Total != 3 || len(saved.Papers) != 1 || saved.Papers[0].ID != string(day[1].Paper.ID) {
				t.Errorf("saved_papers page 2 of 1: %+v\n%s", saved, text)
			}
			// The write is the Save button's: /saved shows the papers.
			page := f.signIn(t, srv.URL, reader)
			if code, body := page.get("/saved", ""); code != http.StatusOK || !strings.Contains(body, "/papers/"+string(day[1].Paper.ID)) {
				t.Errorf("/saved: %d, without %s", code, day[1].Paper.ID)
			}
			if text, isErr := call(t, cs, "unsave_paper", map[string]any{"id": string(day[1].Paper.ID)}, &out); isErr || out.Saved {
				t.Errorf("unsave: %+v\n%s", out, text)
			}
			if text, isErr := call(t, cs, "unsave_paper", map[string]any{"id": string(day[1].Paper.ID)}, nil); isErr {
				t.Errorf("unsaving a paper not saved: %s", text)
			}
			if _, body := page.get("/saved", ""); strings.Contains(body, "/papers/"+string(day[1].Paper.ID)+`"`) {
				t.Error("/saved still lists the paper taken out")
			}
			callFails(t, cs, "save_paper", map[string]any{"id": "2601.99999"}, "not in this catalogue")
			callFails(t, cs, "save_paper", map[string]any{"id": "not an id"}, "is not an arXiv id")
			callFails(t, cs, "save_paper", map[string]any{}, "id")
			callFails(t, cs, "unsave_paper", map[string]any{"id": "2601.99999"}, "not in this catalogue")
			callFails(t, cs, "saved_papers", map[string]any{"limit": 1000}, "limit")
			callFails(t, cs, "saved_papers", map[string]any{"offset": -1}, "offset")
			if text, isErr := call(t, cs, "saved_papers", map[string]any{"offset": 50}, &saved); isErr || len(saved.Papers) != 0 || !strings.Contains(text, "past the last") {
				t.Errorf("saved_papers past the end: %+v\n%s", saved, text)
			}
		})
	}
}

func oneLineOf(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestCollectionTools makes, fills, reads and empties collections through
// the tools, with the Collections API's limits and errors, and sees the
// writes through that API; a private collection is its owner's only.
func TestCollectionTools(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.site(t, nil)
	srv := libraryServer(t, s)
	adaToken, boToken := f.token(t, "ada"), f.token(t, "bo")
	for _, name := range []string{"stdio", "http"} {
		t.Run(name, func(t *testing.T) {
			ada, bo, anon := httpClient(t, s.Handler(), adaToken), httpClient(t, s.Handler(), boToken), httpClient(t, s.Handler(), "")
			if name == "stdio" {
				ada, bo, anon = stdioClient(t, s, adaToken), stdioClient(t, s, boToken), stdioClient(t, s, "")
			}
			title := "Agents " + name
			var made mcp.CollectionOutput
			if text, isErr := call(t, ada, "create_collection", map[string]any{"title": "  " + title + "  ", "description": "Papers on agents."}, &made); isErr ||
				made.Collection.Title != title || made.Collection.Owner != "ada" || made.Collection.Private || !strings.HasPrefix(made.Collection.Slug, "ada/agents-"+name+"-") {
				t.Fatalf("create: %+v\n%s", made, text)
			}
			slug := made.Collection.Slug
			if made.Collection.URL != base+"/collections/"+slug || made.Collection.Resource != "collection://"+slug {
				t.Errorf("links: %+v", made.Collection)
			}
			callFails(t, ada, "create_collection", map[string]any{"title": title}, "You have a collection of that title already: "+slug)
			callFails(t, ada, "create_collection", map[string]any{"title": strings.Repeat("x", library.MaxTitle+1)}, fmt.Sprintf("titles are limited to %d", library.MaxTitle))
			callFails(t, ada, "create_collection", map[string]any{"title": " "}, "Give the collection a title")
			callFails(t, ada, "create_collection", map[string]any{"title": "Long", "description": strings.Repeat("y", library.MaxDescription+1)}, "descriptions are limited")

			var added mcp.CollectionOutput
			if text, isErr := call(t, ada, "add_to_collection", map[string]any{"collection": slug, "id": topPaper, "note": "Read **this** first."}, &added); isErr ||
				added.Item == nil || added.Item.Paper.ID != topPaper || added.Item.Paper.Title == "" || added.Item.Note != "Read **this** first." || added.Collection.Papers != 1 {
				t.Fatalf("add: %+v\n%s", added, text)
			}
			// By its page's address too, without a note.
			second := "2608.10744"
			if text, isErr := call(t, ada, "add_to_collection", map[string]any{"collection": base + "/collections/" + slug, "id": second}, &added); isErr || added.Collection.Papers != 2 || added.Item.Position != 1 {
				t.Fatalf("add by address: %+v\n%s", added, text)
			}
			callFails(t, ada, "add_to_collection", map[string]any{"collection": slug, "id": topPaper}, "This paper is in the collection already.")
			callFails(t, ada, "add_to_collection", map[string]any{"collection": slug, "id": "2601.99999"}, "Paper 2601.99999 is not in this catalogue.")
			callFails(t, ada, "add_to_collection", map[string]any{"collection": slug, "id": "nonsense"}, "is not an arXiv id")
			callFails(t, ada, "add_to_collection", map[string]any{"collection": slug, "id": "2608.19881", "note": strings.Repeat("n", markdown.MaxBytes+1)}, "The note is too long")
			callFails(t, ada, "add_to_collection", map[string]any{"collection": "ada/no-such-999999", "id": topPaper}, "There is no collection at this address.")
			callFails(t, ada, "add_to_collection", map[string]any{"collection": "just words", "id": topPaper}, "does not name a collection")
			callFails(t, bo, "add_to_collection", map[string]any{"collection": slug, "id": second}, "You may change only your own collections.")
			callFails(t, bo, "remove_from_collection", map[string]any{"collection": slug, "id": topPaper}, "You may change only your own collections.")

			// Anyone reads it, notes and all, and the API shows the writes.
			var got mcp.GetCollectionOutput
			text, isErr := call(t, anon, "get_collection", map[string]any{"collection": slug}, &got)
			if isErr || len(got.Items) != 2 || got.Items[0].Paper.ID != topPaper || got.Items[0].Note != "Read **this** first." || got.Items[1].Paper.ID != second {
				t.Fatalf("get_collection: %+v\n%s", got, text)
			}
			if !strings.Contains(text, "Note: Read **this** first.") || !strings.Contains(text, "# "+title) {
				t.Errorf("get_collection's text:\n%s", text)
			}
			if text, isErr := call(t, anon, "get_collection", map[string]any{"collection": slug, "offset": 1, "limit": 1}, &got); isErr || len(got.Items) != 1 || got.Items[0].Paper.ID != second {
				t.Errorf("get_collection's second page: %+v\n%s", got, text)
			}
			api := &browser{t: t, base: srv.URL, c: http.DefaultClient}
			code, body := api.get("/api/collections/"+slug, "")
			var fromAPI struct {
				Items []struct {
					ID   string `json:"id"`
					Note *struct {
						Text string `json:"text"`
					} `json:"note"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(body), &fromAPI); code != http.StatusOK || err != nil || len(fromAPI.Items) != 2 ||
				fromAPI.Items[0].ID != topPaper || fromAPI.Items[0].Note == nil || fromAPI.Items[0].Note.Text != "Read **this** first." {
				t.Errorf("the API's collection: %d %s", code, body)
			}

			// A private collection: its owner's only, over the tools, the
			// resource and the API.
			var secret mcp.CollectionOutput
			if text, isErr := call(t, ada, "create_collection", map[string]any{"title": "Secret " + name, "private": true}, &secret); isErr || !secret.Collection.Private || secret.Collection.Resource != "" {
				t.Fatalf("create private: %+v\n%s", secret, text)
			}
			if text, isErr := call(t, ada, "add_to_collection", map[string]any{"collection": secret.Collection.Slug, "id": topPaper}, nil); isErr {
				t.Fatal(text)
			}
			callFails(t, anon, "get_collection", map[string]any{"collection": secret.Collection.Slug}, "There is no collection at this address.")
			callFails(t, bo, "get_collection", map[string]any{"collection": secret.Collection.Slug}, "There is no collection at this address.")
			callFails(t, bo, "add_to_collection", map[string]any{"collection": secret.Collection.Slug, "id": second}, "There is no collection at this address.")
			if text, isErr := call(t, ada, "get_collection", map[string]any{"collection": secret.Collection.Slug}, &got); isErr || len(got.Items) != 1 || !got.Collection.Private {
				t.Errorf("the owner's private collection: %+v\n%s", got, text)
			}
			if code, _ := api.get("/api/collections/"+secret.Collection.Slug, ""); code != http.StatusNotFound {
				t.Errorf("the API shows the private collection to a visitor: %d", code)
			}
			if _, err := anon.ReadResource(ctx, &sdk.ReadResourceParams{URI: "collection://" + secret.Collection.Slug}); err == nil || !strings.Contains(err.Error(), "not found") {
				t.Errorf("the private collection's resource: %v", err)
			}
			res, err := anon.ReadResource(ctx, &sdk.ReadResourceParams{URI: "collection://" + slug})
			if err != nil || len(res.Contents) != 1 || res.Contents[0].MIMEType != "text/markdown" || !strings.Contains(res.Contents[0].Text, "Note: Read **this** first.") {
				t.Errorf("collection://%s: %v %v", slug, res, err)
			}

			var list mcp.ListCollectionsOutput
			slugs := func() []string {
				var out []string
				for _, c := range list.Collections {
					out = append(out, c.Slug)
				}
				return out
			}
			for _, tc := range []struct {
				who  *sdk.ClientSession
				args map[string]any
				see  bool // the private one
			}{
				{anon, map[string]any{"owner": "ada"}, false},
				{bo, map[string]any{"owner": "ADA"}, false},
				{ada, map[string]any{}, true},
				{ada, map[string]any{"owner": "ada"}, true},
				{anon, map[string]any{}, false},
			} {
				text, isErr := call(t, tc.who, "list_collections", tc.args, &list)
				if isErr || !slices.Contains(slugs(), slug) || slices.Contains(slugs(), secret.Collection.Slug) != tc.see {
					t.Errorf("list_collections(%v): %v, want the private one: %v\n%s", tc.args, slugs(), tc.see, text)
				}
			}
			callFails(t, anon, "list_collections", map[string]any{"owner": "nobody-here"}, `There is no one called "nobody-here"`)
			callFails(t, anon, "list_collections", map[string]any{"limit": 500}, "limit")
			callFails(t, anon, "get_collection", map[string]any{"collection": slug, "limit": 0.5}, "limit")

			// Out again, and the API sees it gone.
			var removed mcp.CollectionOutput
			if text, isErr := call(t, ada, "remove_from_collection", map[string]any{"collection": slug, "id": "arXiv:" + topPaper}, &removed); isErr || removed.Collection.Papers != 1 {
				t.Errorf("remove: %+v\n%s", removed, text)
			}
			callFails(t, ada, "remove_from_collection", map[string]any{"collection": slug, "id": topPaper}, "is not in the collection")
			callFails(t, ada, "remove_from_collection", map[string]any{"collection": slug, "id": "x"}, "is not an arXiv id")
			if _, body := api.get("/api/collections/"+slug, ""); strings.Contains(body, `"id":"`+topPaper+`"`) {
				t.Errorf("the API still lists the paper taken out: %s", body)
			}
		})
	}

	// The bound on collections, as the API's.
	cy := f.token(t, "cy")
	a, err := f.st.AccountByEmail(ctx, "cy@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for i := range library.MaxCollections {
		if _, err := f.st.CreateCollection(ctx, store.Collection{Owner: a.User, Title: fmt.Sprint("List ", i), Theme: library.DefaultTheme, CreatedAt: clock}, 0); err != nil {
			t.Fatal(err)
		}
	}
	callFails(t, httpClient(t, s.Handler(), cy), "create_collection", map[string]any{"title": "One more"}, fmt.Sprintf("You have %d collections", library.MaxCollections))
}

// TestFollowTools follows an author, a category, a person and a public
// collection through the tools, reads following_papers, and sees the
// follows on /following.
func TestFollowTools(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.site(t, nil)
	srv := libraryServer(t, s)
	top, err := f.st.Paper(ctx, topPaper)
	if err != nil || len(top.Authors) == 0 {
		t.Fatalf("the top paper: %v", err)
	}
	author := top.Authors[0].Name
	adaToken, boToken := f.token(t, "ada"), f.token(t, "bo")
	bo := httpClient(t, s.Handler(), boToken)
	var pub, priv mcp.CollectionOutput
	if text, isErr := call(t, bo, "create_collection", map[string]any{"title": "Bo's picks"}, &pub); isErr {
		t.Fatal(text)
	}
	if text, isErr := call(t, bo, "create_collection", map[string]any{"title": "Bo's drafts", "private": true}, &priv); isErr {
		t.Fatal(text)
	}
	for _, name := range []string{"stdio", "http"} {
		t.Run(name, func(t *testing.T) {
			ada := httpClient(t, s.Handler(), adaToken)
			if name == "stdio" {
				ada = stdioClient(t, s, adaToken)
			}
			var out mcp.FollowOutput
			for _, tc := range []struct{ kind, target, wantTarget string }{
				{"author", "  " + author + " ", author},
				{"category", "cs.CL", "cs.CL"},
				{"person", "BO", "bo"},
				{"collection", base + "/collections/" + pub.Collection.Slug, pub.Collection.Slug},
			} {
				text, isErr := call(t, ada, "follow", map[string]any{"kind": tc.kind, "target": tc.target}, &out)
				if isErr || !out.Following || out.Kind != tc.kind || out.Target != tc.wantTarget || out.URL == "" {
					t.Errorf("follow %s %q: %+v\n%s", tc.kind, tc.target, out, text)
				}
			}
			var fp mcp.FollowingOutput
			text, isErr := call(t, ada, "following_papers", nil, &fp)
			if isErr || len(fp.Follows) != 4 || !slices.ContainsFunc(fp.Papers, func(p mcp.FollowingPaper) bool { return p.ID == topPaper }) {
				t.Fatalf("following_papers: %d follows, %d papers\n%s", len(fp.Follows), len(fp.Papers), text)
			}
			if !strings.Contains(text, "author "+author) || !strings.Contains(text, `collection Bo's picks (target "`+pub.Collection.Slug+`")`) {
				t.Errorf("following_papers' text:\n%s", text)
			}
			// Paged by the cursor it gives.
			var p1, p2 mcp.FollowingOutput
			if text, isErr := call(t, ada, "following_papers", map[string]any{"limit": 1}, &p1); isErr || len(p1.Papers) != 1 || p1.Next == "" {
				t.Fatalf("a page of one: %+v\n%s", p1, text)
			}
			if text, isErr := call(t, ada, "following_papers", map[string]any{"limit": 1, "after": p1.Next}, &p2); isErr || len(p2.Papers) != 1 || p2.Papers[0].ID == p1.Papers[0].ID || p2.Papers[0].ID != fp.Papers[1].ID {
				t.Errorf("the next page: %+v after %+v\n%s", p2.Papers, p1.Papers, text)
			}
			// The follows are the Follow button's: /following shows them.
			page := f.signIn(t, srv.URL, "ada")
			if code, body := page.get("/following", ""); code != http.StatusOK || !strings.Contains(body, author) || !strings.Contains(body, "/papers/"+topPaper) {
				t.Errorf("/following: %d, without %s or its paper", code, author)
			}

			callFails(t, ada, "follow", map[string]any{"kind": "planet", "target": "Mars"}, "kind")
			callFails(t, ada, "follow", map[string]any{"kind": "category", "target": "not a category"}, "not an arXiv category")
			callFails(t, ada, "follow", map[string]any{"kind": "author", "target": "  "}, "needs a name")
			callFails(t, ada, "follow", map[string]any{"kind": "person", "target": "nobody-here"}, `There is no one called "nobody-here"`)
			callFails(t, ada, "follow", map[string]any{"kind": "person", "target": "ada"}, "You cannot follow yourself")
			callFails(t, ada, "follow", map[string]any{"kind": "collection", "target": priv.Collection.Slug}, "There is no collection at this address.")
			callFails(t, bo, "follow", map[string]any{"kind": "collection", "target": pub.Collection.Slug}, "That collection is yours")
			callFails(t, ada, "following_papers", map[string]any{"after": "not-a-cursor"}, "after must be the next cursor")
			callFails(t, ada, "following_papers", map[string]any{"limit": 1000}, "limit")

			// Unfollowing by the targets following_papers gives.
			for _, fl := range fp.Follows {
				if text, isErr := call(t, ada, "unfollow", map[string]any{"kind": fl.Kind, "target": fl.Target}, &out); isErr || out.Following {
					t.Errorf("unfollow %+v: %+v\n%s", fl, out, text)
				}
			}
			if text, isErr := call(t, ada, "following_papers", nil, &fp); isErr || len(fp.Follows) != 0 || len(fp.Papers) != 0 || !strings.Contains(text, "follows nothing yet") {
				t.Errorf("after unfollowing all: %+v\n%s", fp, text)
			}
			if _, body := page.get("/following", ""); strings.Contains(body, "/papers/"+topPaper) {
				t.Error("/following still lists the author's paper")
			}
		})
	}
}

// TestCitePaper: cite_paper gives the files /papers/{id}.bib, .ris and
// .json serve, byte for byte.
func TestCitePaper(t *testing.T) {
	f := newFixture(t)
	s := f.site(t, nil)
	srv := libraryServer(t, s)
	page := &browser{t: t, base: srv.URL, c: http.DefaultClient}
	for name, cs := range transports(t, s, "") {
		t.Run(name, func(t *testing.T) {
			for format, ext := range map[string]string{"": ".bib", "bibtex": ".bib", "ris": ".ris", "csl-json": ".json"} {
				var out mcp.CiteOutput
				args := map[string]any{"id": "arXiv:" + topPaper}
				if format != "" {
					args["format"] = format
				}
				text, isErr := call(t, cs, "cite_paper", args, &out)
				_, want := page.get("/papers/"+topPaper+ext, "")
				if isErr || out.Citation != want || text != want || out.ID != topPaper || out.URL != base+"/papers/"+topPaper+ext {
					t.Errorf("cite_paper %q: %+v\nwant %s", format, out, want)
				}
			}
			callFails(t, cs, "cite_paper", map[string]any{"id": topPaper, "format": "mla"}, "format")
			callFails(t, cs, "cite_paper", map[string]any{"id": "2601.99999"}, "not in this catalogue")
			callFails(t, cs, "cite_paper", map[string]any{"id": "nonsense"}, "is not an arXiv id")
		})
	}
}

// forYouClock is a time the demo feed is fresh: its last day is in every
// For-you window.
var forYouClock = time.Date(2026, 8, 22, 9, 0, 0, 0, time.UTC)

// TestForYouTool: a reader with no signals gets trending and is told so;
// an upvote through the tools makes the ranking personal, with reasons;
// pausing gives trending again; a disabled account's token is refused.
func TestForYouTool(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, err := web.New(f.st, web.Options{Search: f.svc, Now: func() time.Time { return forYouClock }, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	for _, name := range []string{"stdio", "http"} {
		t.Run(name, func(t *testing.T) {
			reader := "ada_" + name
			token := f.token(t, reader)
			cs := httpClient(t, s.Handler(), token)
			if name == "stdio" {
				cs = stdioClient(t, s, token)
			}
			var out mcp.ForYouOutput
			text, isErr := call(t, cs, "for_you", map[string]any{"limit": 5}, &out)
			if isErr || out.Personal || !strings.Contains(out.Note, "No signals yet") || len(out.Papers) != 5 || out.Papers[0].Reason != "trending" || out.Days != 7 {
				t.Fatalf("cold for_you: %+v\n%s", out, text)
			}
			if !strings.HasPrefix(text, out.Note) || !strings.Contains(text, "Why: trending") {
				t.Errorf("cold text:\n%s", text)
			}
			var page mcp.ForYouOutput
			if text, isErr := call(t, cs, "for_you", map[string]any{"limit": 2, "offset": 3}, &page); isErr || len(page.Papers) != 2 || page.Papers[0].ID != out.Papers[3].ID || page.Total != out.Total {
				t.Errorf("cold page at 3: %+v\n%s", page, text)
			}

			// A signal through the tools; the model is trained in the
			// background, as a reader who reloads finds it.
			if text, isErr := call(t, cs, "upvote_paper", map[string]any{"id": topPaper}, nil); isErr {
				t.Fatal(text)
			}
			deadline := time.Now().Add(time.Minute)
			for {
				out = mcp.ForYouOutput{}
				text, isErr = call(t, cs, "for_you", map[string]any{"days": 30, "limit": 10}, &out)
				if isErr || out.Personal || time.Now().After(deadline) {
					break
				}
				if !strings.Contains(out.Note, "being prepared") {
					t.Errorf("while training: note %q", out.Note)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if isErr || !out.Personal || out.Note != "" || out.Days != 30 || len(out.Papers) == 0 || out.Total < len(out.Papers) {
				t.Fatalf("personal for_you: %+v\n%s", out, text)
			}
			if slices.ContainsFunc(out.Papers, func(p mcp.RecommendedPaper) bool { return p.ID == topPaper || p.Reason == "" }) {
				t.Errorf("the upvoted paper is recommended back, or a paper has no reason: %+v", out.Papers)
			}
			if text, isErr := call(t, cs, "for_you", map[string]any{"days": 30, "limit": 3, "offset": 2}, &page); isErr || len(page.Papers) == 0 || page.Papers[0].ID != out.Papers[2].ID {
				t.Errorf("personal page at 2: %+v\n%s", page.Papers, text)
			}

			a, err := f.st.AccountByEmail(ctx, reader+"@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.SetReaderPaused(ctx, a.ID, true); err != nil {
				t.Fatal(err)
			}
			out = mcp.ForYouOutput{}
			if text, isErr := call(t, cs, "for_you", nil, &out); isErr || out.Personal || !strings.Contains(out.Note, "paused") {
				t.Errorf("paused: %+v\n%s", out, text)
			}
			callFails(t, cs, "for_you", map[string]any{"days": 2}, "days")
			callFails(t, cs, "for_you", map[string]any{"limit": 1000}, "limit")
			callFails(t, cs, "for_you", map[string]any{"offset": -3}, "offset")
			if err := f.st.SetDisabled(ctx, a.ID, forYouClock); err != nil {
				t.Fatal(err)
			}
			callFails(t, cs, "for_you", nil, "its account is disabled")
		})
	}
}

// TestUnfollowCollectionTurnedPrivate: a collection its owner made
// private no longer feeds its followers, and they can still stop
// following it, by the name following_papers gives.
func TestUnfollowCollectionTurnedPrivate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.site(t, nil)
	ada, bo := httpClient(t, s.Handler(), f.token(t, "ada")), httpClient(t, s.Handler(), f.token(t, "bo"))
	var made mcp.CollectionOutput
	if text, isErr := call(t, bo, "create_collection", map[string]any{"title": "Picks"}, &made); isErr {
		t.Fatal(text)
	}
	if text, isErr := call(t, ada, "follow", map[string]any{"kind": "collection", "target": made.Collection.Slug}, nil); isErr {
		t.Fatal(text)
	}
	c, err := f.st.Collections(ctx, store.CollectionQuery{Limit: 1})
	if err != nil || len(c) != 1 {
		t.Fatalf("collections: %v %v", c, err)
	}
	c[0].Private = true
	if _, err := f.st.UpdateCollection(ctx, c[0]); err != nil {
		t.Fatal(err)
	}
	var fp mcp.FollowingOutput
	if text, isErr := call(t, ada, "following_papers", nil, &fp); isErr || len(fp.Follows) != 1 {
		t.Fatalf("following_papers: %+v\n%s", fp, text)
	}
	target := fp.Follows[0].Target
	if text, isErr := call(t, ada, "unfollow", map[string]any{"kind": "collection", "target": target}, nil); isErr {
		t.Errorf("unfollowing a collection turned private: %s", text)
	}
	if text, isErr := call(t, ada, "following_papers", nil, &fp); isErr || len(fp.Follows) != 0 {
		t.Errorf("still following: %+v\n%s", fp.Follows, text)
	}
	// Following it again is refused, as the Follow button refuses it.
	callFails(t, ada, "follow", map[string]any{"kind": "collection", "target": target}, "There is no collection at this address.")
}
