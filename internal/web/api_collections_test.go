package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/store"
)

// hubClient speaks to the site as huggingface_hub's HfApi does with
// HF_ENDPOINT pointed at it: the same methods, paths and JSON bodies
// (requests' json=, which json.dumps writes with ", " and ": "), and
// build_hf_headers' authorization and user-agent.
type hubClient struct {
	t     *testing.T
	base  string
	token string
}

// hubAnswer is a response: its status, the X-Error-Message header and
// the body decoded.
type hubAnswer struct {
	status int
	errMsg string
	body   any
	raw    string
}

func (h *hubClient) do(method, path, body string) hubAnswer {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.base+path, rd)
	req.Header.Set("user-agent", "unknown/None; hf_hub/1.1.0; python/3.12.3")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Accept", "*/*")
	if h.token != "" {
		req.Header.Set("authorization", "Bearer "+h.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := hubAnswer{status: resp.StatusCode, errMsg: resp.Header.Get("X-Error-Message"), raw: string(b)}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&a.body); err != nil {
		h.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, b)
	}
	return a
}

func (a hubAnswer) want(t *testing.T, what string, status int) hubAnswer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, a.status, status, a.raw)
	}
	if status >= 400 {
		if m, _ := a.body.(map[string]any); m == nil || m["error"] == "" || a.errMsg == "" {
			t.Errorf("%s: an error without {\"error\"} or X-Error-Message: %s", what, a.raw)
		}
	}
	return a
}

func (a hubAnswer) obj() map[string]any {
	m, _ := a.body.(map[string]any)
	return m
}

// wantCollection checks that v holds every key the client's Collection
// reads (Collection(**data): slug, title, owner, items, lastUpdated,
// position, private, theme, upvotes) in the hosted form, and each item's
// (CollectionItem(**item): _id, id, type, position, note as {"text"}).
func wantCollection(t *testing.T, what string, v map[string]any, withPosition bool) {
	t.Helper()
	for _, k := range []string{"slug", "title", "owner", "items", "lastUpdated", "private", "theme", "upvotes", "description"} {
		if _, ok := v[k]; !ok {
			t.Errorf("%s: no %q in %v", what, k, v)
		}
	}
	// list_collections passes position itself: a second one would be a
	// TypeError in the client.
	if _, ok := v["position"]; ok != withPosition {
		t.Errorf("%s: position given %v, want %v", what, ok, withPosition)
	}
	if last, _ := v["lastUpdated"].(string); len(last) != len("2006-01-02T15:04:05.000Z") || !strings.HasSuffix(last, "Z") {
		t.Errorf("%s: lastUpdated %q is not the hosted form (parse_datetime)", what, last)
	}
	items, _ := v["items"].([]any)
	for _, raw := range items {
		it := raw.(map[string]any)
		for _, k := range []string{"_id", "id", "type", "position"} {
			if _, ok := it[k]; !ok {
				t.Errorf("%s: an item without %q: %v", what, k, it)
			}
		}
		if id, _ := it["_id"].(string); id == "" {
			t.Errorf("%s: _id %v is not a string", what, it["_id"])
		}
		if n, ok := it["note"]; ok {
			if m, _ := n.(map[string]any); m == nil || m["text"] == nil {
				t.Errorf("%s: note %v has no text", what, n)
			}
		}
	}
}

func itemIDs(v map[string]any) string {
	var ids []string
	for _, raw := range v["items"].([]any) {
		ids = append(ids, raw.(map[string]any)["id"].(string))
	}
	return strings.Join(ids, " ")
}

// hubToken makes an account and a personal token of it, as token create does.
func hubToken(t *testing.T, c *community, name string) string {
	t.Helper()
	c.browser().signUp(name)
	u, err := c.st.UserByName(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	token, hash, shown := auth.NewAPIToken()
	if _, err := c.st.CreateAPIToken(t.Context(), store.APIToken{UserID: u.ID, Name: "hub", Prefix: shown, TokenHash: hash, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return token
}

func TestCollectionsAPIAsHuggingFaceHubSpeaksIt(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ada := &hubClient{t: t, base: c.srv.URL, token: hubToken(t, c, "ada")}
	bob := &hubClient{t: t, base: c.srv.URL, token: hubToken(t, c, "bob")}
	anon := &hubClient{t: t, base: c.srv.URL}

	// whoami, which create_collection asks for the namespace.
	me := ada.do("GET", "/api/whoami-v2", "").want(t, "whoami", http.StatusOK).obj()
	if me["type"] != "user" || me["name"] != "ada" {
		t.Errorf("whoami = %v", me)
	}
	anon.do("GET", "/api/whoami-v2", "").want(t, "whoami without a token", http.StatusUnauthorized)
	(&hubClient{t: t, base: c.srv.URL, token: "dp_wrong"}).do("GET", "/api/whoami-v2", "").want(t, "whoami with a bad token", http.StatusUnauthorized)

	// create_collection(title, description=...).
	created := ada.do("POST", "/api/collections", `{"title": "Reading list", "namespace": "ada", "private": false, "description": "Papers to read"}`).
		want(t, "create_collection", http.StatusOK).obj()
	wantCollection(t, "create_collection", created, true)
	slug, _ := created["slug"].(string)
	if !strings.HasPrefix(slug, "ada/reading-list-") || created["description"] != "Papers to read" || created["private"] != false {
		t.Errorf("create_collection = %v", created)
	}
	if owner, _ := created["owner"].(map[string]any); owner["name"] != "ada" {
		t.Errorf("owner = %v", created["owner"])
	}
	// create_collection(exists_ok=True) reads the slug of the 409.
	dup := ada.do("POST", "/api/collections", `{"title": "Reading list", "namespace": "ada", "private": false}`).want(t, "the same title again", http.StatusConflict).obj()
	if dup["slug"] != slug {
		t.Errorf("409 slug = %v, want %s", dup["slug"], slug)
	}
	anon.do("POST", "/api/collections", `{"title": "X", "namespace": "ada", "private": false}`).want(t, "create without a token", http.StatusUnauthorized)
	bob.do("POST", "/api/collections", `{"title": "X", "namespace": "ada", "private": false}`).want(t, "create in another's namespace", http.StatusForbidden)
	ada.do("POST", "/api/collections", `{"title": "`+strings.Repeat("x", 61)+`", "namespace": "ada", "private": false}`).want(t, "an over-long title", http.StatusBadRequest)
	ada.do("POST", "/api/collections", `{"title": "X", "namespace": "ada", "private": false, "description": "`+strings.Repeat("x", 151)+`"}`).want(t, "an over-long description", http.StatusBadRequest)

	// add_collection_item(slug, "2608.19880", "paper", note=...).
	added := ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.19880", "type": "paper"}, "note": "Read **first**"}`).
		want(t, "add_collection_item", http.StatusOK).obj()
	wantCollection(t, "add_collection_item", added, true)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.00677", "type": "paper"}}`).want(t, "a second paper", http.StatusOK)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.19880", "type": "paper"}}`).want(t, "a paper twice", http.StatusConflict)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2609.99999", "type": "paper"}}`).want(t, "an unknown paper", http.StatusNotFound)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "openai/gpt2", "type": "model"}}`).want(t, "a model", http.StatusBadRequest)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "squad", "type": "dataset"}}`).want(t, "a dataset", http.StatusBadRequest)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.00677", "type": "paper"}, "note": "`+strings.Repeat("x", 10001)+`"}`).want(t, "an over-long note", http.StatusBadRequest)
	bob.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.00677", "type": "paper"}}`).want(t, "an item in another's collection", http.StatusForbidden)

	// get_collection(slug).
	got := anon.do("GET", "/api/collections/"+slug, "").want(t, "get_collection", http.StatusOK).obj()
	wantCollection(t, "get_collection", got, true)
	if itemIDs(got) != "2608.19880 2608.00677" {
		t.Errorf("items = %s", itemIDs(got))
	}
	first := got["items"].([]any)[0].(map[string]any)
	if note := first["note"].(map[string]any); note["text"] != "Read **first**" || !strings.Contains(note["html"].(string), "<strong>first</strong>") {
		t.Errorf("note = %v", note)
	}
	second := got["items"].([]any)[1].(map[string]any)

	// update_collection_item(slug, item_object_id, note=..., position=0).
	ada.do("PATCH", "/api/collections/"+slug+"/items/"+second["_id"].(string), `{"position": 0, "note": "Now first"}`).want(t, "update_collection_item", http.StatusOK)
	got = anon.do("GET", "/api/collections/"+slug, "").want(t, "get_collection after the move", http.StatusOK).obj()
	if itemIDs(got) != "2608.00677 2608.19880" || got["items"].([]any)[0].(map[string]any)["note"].(map[string]any)["text"] != "Now first" {
		t.Errorf("after update_collection_item: %s", got["items"])
	}
	ada.do("PATCH", "/api/collections/"+slug+"/items/999999", `{"position": 0}`).want(t, "an unknown item", http.StatusNotFound)

	// update_collection_metadata(slug, title=..., private=True, theme=...).
	upd := ada.do("PATCH", "/api/collections/"+slug, `{"private": true, "theme": "pink", "title": "Reading list 2026"}`).want(t, "update_collection_metadata", http.StatusOK).obj()
	data, _ := upd["data"].(map[string]any)
	wantCollection(t, "update_collection_metadata", data, true)
	newSlug, _ := data["slug"].(string)
	if !strings.HasPrefix(newSlug, "ada/reading-list-2026-") || data["private"] != true || data["theme"] != "pink" {
		t.Errorf("update_collection_metadata = %v", data)
	}
	ada.do("PATCH", "/api/collections/"+newSlug, `{"theme": "chartreuse"}`).want(t, "an unknown theme", http.StatusBadRequest)
	bob.do("PATCH", "/api/collections/"+newSlug, `{"title": "Mine"}`).want(t, "another's private collection", http.StatusNotFound)

	// A private collection is its owner's: 404 to others, as if it were not there.
	anon.do("GET", "/api/collections/"+newSlug, "").want(t, "a private collection, signed out", http.StatusNotFound)
	bob.do("GET", "/api/collections/"+newSlug, "").want(t, "a private collection, another's token", http.StatusNotFound)
	ada.do("GET", "/api/collections/"+newSlug, "").want(t, "a private collection, its owner", http.StatusOK)
	// The old slug's words still find it (the id decides), as the hosted site's do.
	ada.do("GET", "/api/collections/"+slug, "").want(t, "the old slug", http.StatusOK)

	// list_collections(owner="ada", item="papers/2608.19880").
	pub := ada.do("POST", "/api/collections", `{"title": "Public one", "namespace": "ada", "private": false}`).want(t, "a public collection", http.StatusOK).obj()
	pubSlug := pub["slug"].(string)
	ada.do("POST", "/api/collections/"+pubSlug+"/items", `{"item": {"id": "2608.19880", "type": "paper"}}`).want(t, "add to it", http.StatusOK)
	list := func(h *hubClient, query string) []string {
		t.Helper()
		a := h.do("GET", "/api/collections?"+query, "").want(t, "list_collections "+query, http.StatusOK)
		var slugs []string
		for _, raw := range a.body.([]any) {
			v := raw.(map[string]any)
			wantCollection(t, "list_collections", v, false)
			slugs = append(slugs, v["slug"].(string))
		}
		return slugs
	}
	if got := list(anon, "owner=ada&item=papers%2F2608.19880"); len(got) != 1 || got[0] != pubSlug {
		t.Errorf("list_collections(owner, item), signed out = %v, want only %s", got, pubSlug)
	}
	if got := list(ada, "owner=ada&item=papers%2F2608.19880"); len(got) != 2 {
		t.Errorf("list_collections by its owner = %v, want the private one too", got)
	}
	if got := list(anon, "owner=nobody"); len(got) != 0 {
		t.Errorf("list_collections(owner=nobody) = %v", got)
	}
	anon.do("GET", "/api/collections?item=models%2Fgpt2", "").want(t, "list by a model", http.StatusBadRequest)

	// delete_collection_item, then delete_collection(missing_ok=True) twice.
	item := got["items"].([]any)[0].(map[string]any)["_id"].(string)
	ada.do("DELETE", "/api/collections/"+newSlug+"/items/"+item, "").want(t, "delete_collection_item", http.StatusOK)
	ada.do("DELETE", "/api/collections/"+newSlug+"/items/"+item, "").want(t, "delete_collection_item again", http.StatusNotFound)
	bob.do("DELETE", "/api/collections/"+pubSlug, "").want(t, "delete another's collection", http.StatusForbidden)
	anon.do("DELETE", "/api/collections/"+pubSlug, "").want(t, "delete without a token", http.StatusUnauthorized)
	ada.do("DELETE", "/api/collections/"+newSlug, "").want(t, "delete_collection", http.StatusOK)
	ada.do("DELETE", "/api/collections/"+newSlug, "").want(t, "delete_collection again", http.StatusNotFound)
}

// mapCollectionJSON is a collection as the Collections API wrote it from
// maps before it encoded structs: the bytes the struct encoding must give.
func mapCollectionJSON(c store.Collection, items []store.CollectionItem, withPosition bool) map[string]any {
	its := make([]map[string]any, len(items))
	for i, it := range items {
		m := map[string]any{"_id": strconv.FormatInt(it.ID, 10), "type": "paper", "id": string(it.Paper.ID),
			"position": it.Position, "title": it.Paper.Title, "upvotes": it.Paper.Upvotes}
		if !it.Paper.Published.IsZero() {
			m["publishedAt"] = apiTime(it.Paper.Published)
		}
		if it.Note != "" {
			m["note"] = map[string]any{"text": it.Note, "html": string(it.NoteHTML)}
		}
		its[i] = m
	}
	out := map[string]any{"slug": collectionSlug(c), "title": c.Title, "description": c.Description,
		"owner": map[string]any{"name": c.Owner.Username, "fullname": shownName(c.Owner), "avatarUrl": c.Owner.AvatarURL, "type": "user"},
		"items": its, "lastUpdated": apiTime(c.UpdatedAt), "theme": c.Theme, "private": c.Private,
		"upvotes": 0, "isUpvotedByUser": false, "numberItems": c.Items}
	if withPosition {
		out["position"] = 0
	}
	return out
}

// TestCollectionsAPIBytes: get_collection, update_collection_metadata and
// list_collections answer byte for byte what the map encoding wrote,
// HTML escapes, notes and an empty collection included.
func TestCollectionsAPIBytes(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ada := &hubClient{t: t, base: c.srv.URL, token: hubToken(t, c, "ada")}
	slug := ada.do("POST", "/api/collections", `{"title": "Q&A <first>", "namespace": "ada", "private": false, "description": "\"Quoted\" & <b>bold</b> \u00e9"}`).
		want(t, "create_collection", http.StatusOK).obj()["slug"].(string)
	empty := ada.do("POST", "/api/collections", `{"title": "Empty", "namespace": "ada", "private": true}`).
		want(t, "create_collection", http.StatusOK).obj()["slug"].(string)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.19880", "type": "paper"}, "note": "Read **first** & <then> [this](https://example.org/?a=1&b=2)"}`).
		want(t, "add_collection_item", http.StatusOK)
	ada.do("POST", "/api/collections/"+slug+"/items", `{"item": {"id": "2608.00677", "type": "paper"}}`).want(t, "add_collection_item", http.StatusOK)

	u, err := c.st.UserByName(t.Context(), "ada")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.st.Collections(t.Context(), store.CollectionQuery{OwnerID: u.ID, Private: true})
	if err != nil || len(cs) != 2 {
		t.Fatalf("collections: %+v, %v", cs, err)
	}
	want := func(cs []store.Collection, limit int, withPosition bool) []any {
		out := make([]any, len(cs))
		for i, col := range cs {
			items, err := c.st.CollectionItems(t.Context(), col.ID, store.ItemQuery{Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			out[i] = mapCollectionJSON(col, items, withPosition)
		}
		return out
	}
	encode := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	byTitle := map[string]store.Collection{cs[0].Title: cs[0], cs[1].Title: cs[1]}
	for _, tc := range []struct {
		what, method, path, body, want string
	}{
		{"get_collection", "GET", "/api/collections/" + slug, "", encode(want([]store.Collection{byTitle["Q&A <first>"]}, 0, true)[0])},
		{"get_collection of an empty one", "GET", "/api/collections/" + empty, "", encode(want([]store.Collection{byTitle["Empty"]}, 0, true)[0])},
		{"list_collections", "GET", "/api/collections?owner=ada", "", encode(want(cs, apiListedItems, false))},
		{"list_collections of no one", "GET", "/api/collections?owner=nobody", "", "[]\n"},
	} {
		got := ada.do(tc.method, tc.path, tc.body).want(t, tc.what, http.StatusOK)
		if got.raw != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.what, got.raw, tc.want)
		}
	}
	// update_collection_metadata: its answer wrapped, as the collection is after it.
	got := ada.do("PATCH", "/api/collections/"+slug, `{"theme": "pink"}`).want(t, "update_collection_metadata", http.StatusOK)
	col, err := c.st.Collection(t.Context(), byTitle["Q&A <first>"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if w := encode(map[string]any{"success": true, "data": want([]store.Collection{col}, 0, true)[0]}); got.raw != w {
		t.Errorf("update_collection_metadata:\n got %s\nwant %s", got.raw, w)
	}
}
