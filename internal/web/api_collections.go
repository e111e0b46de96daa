package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The Collections API answers as the hosted one does, so that
// huggingface_hub's collection functions (create_collection,
// get_collection, list_collections, update_collection_metadata,
// add_collection_item, update_collection_item, delete_collection_item,
// delete_collection) and the whoami they call work against this site
// unchanged with HF_ENDPOINT pointed at it, for items of type "paper".
// The shapes are what the client's Collection and CollectionItem classes
// read (hf_api.py); errors are {"error": ...} with the message in
// X-Error-Message too, which hf_raise_for_status shows for a 403.

// apiListedItems is how many items each collection of a list carries, as
// on the hosted API; get_collection reads them all.
const apiListedItems = 4

// apiCollectionsLimit bounds a list of collections (?limit=).
const apiCollectionsLimit = 100

// hfAPI wraps a Collections API handler: its refusals carry their
// message in X-Error-Message as well as in the body.
func hfAPI(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		var he *httpError
		if errors.As(err, &he) && he.status < 500 {
			// A header holds no line breaks and, to be safe with every
			// client, ASCII only.
			msg := strings.Map(func(r rune) rune {
				if r < ' ' || r > '~' {
					return ' '
				}
				return r
			}, he.msg)
			w.Header().Set("X-Error-Message", msg)
		}
		return err
	}
}

// apiViewer is the account of a read's token, nil without one; a token
// that is given and not valid is refused (401), as for writes.
func (s *Server) apiViewer(r *http.Request) (*store.Account, error) {
	if r.Header.Get("Authorization") == "" {
		return nil, nil
	}
	return s.apiAccount(r)
}

// apiCollectionJSON is a collection as the hosted API writes it. items
// are its first papers (all of them for one collection); withPosition
// adds "position", which get_collection reads and list_collections must
// not get (it passes its own).
func apiCollectionJSON(c *store.Collection, items []store.CollectionItem, withPosition bool) map[string]any {
	out := map[string]any{
		"slug":            collectionSlug(*c),
		"title":           c.Title,
		"description":     c.Description,
		"owner":           map[string]any{"name": c.Owner.Username, "fullname": shownName(c.Owner), "avatarUrl": c.Owner.AvatarURL, "type": "user"},
		"items":           apiItemsJSON(items),
		"lastUpdated":     apiTime(c.UpdatedAt),
		"theme":           c.Theme,
		"private":         c.Private,
		"upvotes":         0,
		"isUpvotedByUser": false,
		"numberItems":     c.Items,
	}
	if withPosition {
		out["position"] = 0
	}
	return out
}

func apiItemsJSON(items []store.CollectionItem) []map[string]any {
	out := make([]map[string]any, len(items))
	for i := range items {
		it := &items[i]
		m := map[string]any{
			"_id":      strconv.FormatInt(it.ID, 10),
			"type":     "paper",
			"id":       string(it.Paper.ID),
			"position": it.Position,
			"title":    it.Paper.Title,
			"upvotes":  it.Paper.Upvotes,
		}
		if !it.Paper.Published.IsZero() {
			m["publishedAt"] = apiTime(it.Paper.Published)
		}
		if it.Note != "" {
			m["note"] = map[string]any{"text": it.Note, "html": string(it.NoteHTML)}
		}
		out[i] = m
	}
	return out
}

// writeCollection answers with a collection and all its items.
func (s *Server) writeCollection(w http.ResponseWriter, r *http.Request, status int, c store.Collection, wrap bool) error {
	items, err := s.store.CollectionItems(r.Context(), c.ID, store.ItemQuery{Limit: library.MaxItems})
	if err != nil {
		return err
	}
	body := apiCollectionJSON(&c, items, true)
	if wrap {
		writeJSON(w, status, map[string]any{"success": true, "data": body})
		return nil
	}
	writeJSON(w, status, body)
	return nil
}

// apiWhoami answers GET /api/whoami-v2: who the token is, as the hosted
// API says it (create_collection asks it for the token's namespace).
func (s *Server) apiWhoami(w http.ResponseWriter, r *http.Request) error {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return &httpError{status: http.StatusUnauthorized, msg: "This endpoint needs a personal API token: Authorization: Bearer <token>."}
	}
	a, t, err := s.store.APITokenAccount(r.Context(), auth.HashToken(strings.TrimSpace(token)), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusUnauthorized, msg: "This API token is not valid: it was revoked, its account is disabled, or it was mistyped."}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type": "user", "id": strconv.FormatInt(a.ID, 10), "name": a.Username, "fullname": shownName(a.User),
		"avatarUrl": a.AvatarURL, "isPro": false, "orgs": []any{},
		"auth": map[string]any{"type": "access_token", "accessToken": map[string]any{"displayName": t.Name, "role": "write"}},
	})
	return nil
}

// apiCollectionsList answers GET /api/collections?owner=&item=papers/ID&limit=:
// public collections (and the token holder's private ones), most recently
// changed first, each with its first items.
func (s *Server) apiCollectionsList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.apiViewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := apiCollectionsLimit
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return badRequest("limit must be a whole number from 1.")
		}
		limit = min(n, apiCollectionsLimit)
	}
	if sort := q.Get("sort"); sort != "" && sort != "lastModified" && sort != "trending" && sort != "upvotes" {
		return badRequest("sort must be lastModified, trending or upvotes.")
	}
	var pid paper.ID
	switch items := q["item"]; len(items) {
	case 0:
	case 1:
		kind, raw, _ := strings.Cut(items[0], "/")
		if kind != "papers" {
			return badRequest(fmt.Sprintf("This site keeps collections of papers only: item must be papers/ID, not %q.", items[0]))
		}
		if pid, _, err = paper.ParseID(raw); err != nil {
			return badRequest(fmt.Sprintf("%q is not an arXiv id.", raw))
		}
	default:
		return badRequest("Give one item at a time.")
	}
	owners := q["owner"]
	if len(owners) > 10 {
		return badRequest("Give at most 10 owners.")
	}
	var cs []store.Collection
	if len(owners) == 0 {
		if cs, err = s.store.Collections(r.Context(), store.CollectionQuery{Paper: pid, Limit: limit}); err != nil {
			return err
		}
	}
	for _, name := range owners {
		more, err := s.ownerCollections(r.Context(), v, name, pid, limit)
		if err != nil {
			return err
		}
		cs = append(cs, more...)
	}
	cs = cs[:min(len(cs), limit)]
	out := make([]map[string]any, len(cs))
	for i := range cs {
		items, err := s.store.CollectionItems(r.Context(), cs[i].ID, store.ItemQuery{Limit: apiListedItems})
		if err != nil {
			return err
		}
		out[i] = apiCollectionJSON(&cs[i], items, false)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ownerCollections are the collections of the person named name (in any
// case) that viewer v may see: their private ones too when v is they. An
// unknown name has none.
func (s *Server) ownerCollections(ctx context.Context, v *store.Account, name string, pid paper.ID, limit int) ([]store.Collection, error) {
	u, err := s.store.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.store.Collections(ctx, store.CollectionQuery{OwnerID: u.ID, Paper: pid, Limit: limit, Private: v != nil && v.ID == u.ID})
}

// apiCollectionOf finds the collection of /api/collections/{owner}/{slug}
// for its reader (see collectionFor).
func (s *Server) apiCollectionOf(r *http.Request, v *store.Account, write bool) (store.Collection, error) {
	return s.collectionFor(r.Context(), r.PathValue("owner"), r.PathValue("slug"), v, write)
}

// collectionFor finds the collection at owner/slug for its reader v (404
// for another's private one); write says it is for a change, which only
// its owner may make (403), within the library's rate limit.
func (s *Server) collectionFor(ctx context.Context, owner, slug string, v *store.Account, write bool) (store.Collection, error) {
	c, _, err := s.findCollection(ctx, owner, slug, v)
	if err != nil {
		return c, err
	}
	if write && (v == nil || v.ID != c.Owner.ID) {
		return c, forbidden("You may change only your own collections.")
	}
	if write {
		return c, s.libraryAllowed(ctx, v)
	}
	return c, nil
}

// apiCollectionGet answers GET /api/collections/{owner}/{slug}.
func (s *Server) apiCollectionGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.apiViewer(r)
	if err != nil {
		return err
	}
	c, err := s.apiCollectionOf(r, v, false)
	if err != nil {
		return err
	}
	return s.writeCollection(w, r, http.StatusOK, c, false)
}

type apiCreateCollectionRequest struct {
	Title       string  `json:"title"`
	Namespace   string  `json:"namespace"`
	Description *string `json:"description"`
	Private     bool    `json:"private"`
}

// apiCollectionCreate answers POST /api/collections. A title the owner
// uses already is 409 with that collection's slug, which
// create_collection(exists_ok=True) reads to fetch it.
func (s *Server) apiCollectionCreate(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	if err := s.allowLibrary(r, a); err != nil {
		return err
	}
	var req apiCreateCollectionRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Namespace != "" && !equalFoldASCII(req.Namespace, a.Username) {
		return forbidden(fmt.Sprintf("You may create collections in your own namespace (%s) only.", a.Username))
	}
	c, err := s.createCollection(r.Context(), a, req.Title, req.Description, req.Private)
	if errors.Is(err, store.ErrConflict) {
		msg := "You have a collection of that title already."
		w.Header().Set("X-Error-Message", msg)
		writeJSON(w, http.StatusConflict, map[string]any{"error": msg, "slug": collectionSlug(c)})
		return nil
	}
	if err != nil {
		return err
	}
	return s.writeCollection(w, r, http.StatusOK, c, false)
}

// createCollection makes a collection of a's with the default theme, its
// title and description (nil: none) checked. A title a uses already is
// a 409 that wraps store.ErrConflict, with that collection returned.
func (s *Server) createCollection(ctx context.Context, a *store.Account, title string, description *string, private bool) (store.Collection, error) {
	title, err := library.Title(title)
	if err != nil {
		return store.Collection{}, badRequest(err.Error())
	}
	var desc string
	if description != nil {
		if desc, err = library.Description(*description); err != nil {
			return store.Collection{}, badRequest(err.Error())
		}
	}
	c, err := s.store.CreateCollection(ctx, store.Collection{Owner: a.User, Title: title, Description: desc,
		Private: private, Theme: library.DefaultTheme, CreatedAt: s.now()}, library.MaxCollections)
	return c, libraryError(err, "collection")
}

type apiUpdateCollectionRequest struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	Private     *bool   `json:"private"`
	Theme       *string `json:"theme"`
	// Position orders a person's collections on the hosted site; here
	// they are listed by their last change, so it is taken and unused.
	Position *int `json:"position"`
}

// apiCollectionUpdate answers PATCH /api/collections/{owner}/{slug}, with
// {"success": true, "data": collection} as update_collection_metadata reads.
func (s *Server) apiCollectionUpdate(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	c, err := s.apiCollectionOf(r, a, true)
	if err != nil {
		return err
	}
	var req apiUpdateCollectionRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Title != nil {
		if c.Title, err = library.Title(*req.Title); err != nil {
			return badRequest(err.Error())
		}
	}
	if req.Description != nil {
		if c.Description, err = library.Description(*req.Description); err != nil {
			return badRequest(err.Error())
		}
	}
	if req.Theme != nil {
		if c.Theme, err = library.Theme(*req.Theme); err != nil {
			return badRequest(err.Error())
		}
	}
	if req.Private != nil {
		c.Private = *req.Private
	}
	c.UpdatedAt = s.now()
	up, err := s.store.UpdateCollection(r.Context(), c)
	if err := libraryError(err, "collection"); err != nil {
		return err
	}
	return s.writeCollection(w, r, http.StatusOK, up, true)
}

// apiCollectionDelete answers DELETE /api/collections/{owner}/{slug}.
func (s *Server) apiCollectionDelete(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	c, err := s.apiCollectionOf(r, a, true)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCollection(r.Context(), c.ID); err != nil {
		return err
	}
	s.recs.Changed(a.ID) // its papers were For-you signals
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

type apiAddItemRequest struct {
	Item struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"item"`
	Note *string `json:"note"`
}

// apiItemAdd answers POST /api/collections/{owner}/{slug}/items with the
// collection; a paper there already is 409, which
// add_collection_item(exists_ok=True) reads.
func (s *Server) apiItemAdd(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	c, err := s.apiCollectionOf(r, a, true)
	if err != nil {
		return err
	}
	var req apiAddItemRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Item.Type != "paper" {
		return badRequest(fmt.Sprintf("This site keeps collections of papers only: item type %q is not one it knows. Use \"paper\" with an arXiv id.", req.Item.Type))
	}
	id, _, err := paper.ParseID(req.Item.ID)
	if err != nil {
		return badRequest(fmt.Sprintf("%q is not an arXiv id.", req.Item.ID))
	}
	if _, err := s.addToCollection(r.Context(), c, id, req.Note); err != nil {
		return err
	}
	s.recs.Signalled(a.ID, store.Signal{Kind: store.SignalCollected, Paper: id}, true)
	if c, err = s.store.Collection(r.Context(), c.ID); err != nil {
		return err
	}
	return s.writeCollection(w, r, http.StatusOK, c, false)
}

// addToCollection puts paper id at the end of collection c with a note
// (nil: none), checked: an unknown paper is a 404, one there already or
// a full collection a 409.
func (s *Server) addToCollection(ctx context.Context, c store.Collection, id paper.ID, note *string) (store.CollectionItem, error) {
	it := store.CollectionItem{CollectionID: c.ID, Paper: paper.Paper{ID: id}, AddedAt: s.now()}
	if note != nil {
		var err error
		if it.Note, it.NoteHTML, err = library.Note(*note); err != nil {
			return it, badRequest(err.Error())
		}
	}
	it, err := s.store.AddCollectionItem(ctx, it, library.MaxItems)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return it, notFound("Paper " + string(id) + " is not in this catalogue.")
	case err != nil:
		return it, libraryError(err, "item")
	}
	return it, nil
}

type apiUpdateItemRequest struct {
	Note     *string `json:"note"`
	Position *int    `json:"position"`
}

// apiItemOf reads the {item} of an item's address.
func apiItemOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("There is no such item in this collection.")
	}
	return id, nil
}

// apiItemUpdate answers PATCH /api/collections/{owner}/{slug}/items/{item}:
// a new note, a new position, or both.
func (s *Server) apiItemUpdate(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	c, err := s.apiCollectionOf(r, a, true)
	if err != nil {
		return err
	}
	item, err := apiItemOf(r)
	if err != nil {
		return err
	}
	var req apiUpdateItemRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	ch := store.ItemChange{At: s.now()}
	if req.Note != nil {
		ch.SetNote = true
		if ch.Note, ch.NoteHTML, err = library.Note(*req.Note); err != nil {
			return badRequest(err.Error())
		}
	}
	if req.Position != nil {
		ch.Move, ch.Position = true, *req.Position
	}
	err = s.store.UpdateCollectionItem(r.Context(), c.ID, item, ch)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no such item in this collection.")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// apiItemDelete answers DELETE /api/collections/{owner}/{slug}/items/{item}.
func (s *Server) apiItemDelete(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	c, err := s.apiCollectionOf(r, a, true)
	if err != nil {
		return err
	}
	item, err := apiItemOf(r)
	if err != nil {
		return err
	}
	if err := s.removeFromCollection(r.Context(), c, item); err != nil {
		return err
	}
	s.recs.Changed(a.ID)
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// removeFromCollection takes item out of collection c; an item that is
// not c's is a 404.
func (s *Server) removeFromCollection(ctx context.Context, c store.Collection, item int64) error {
	err := s.store.DeleteCollectionItem(ctx, c.ID, item, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return notFound("There is no such item in this collection.")
	}
	return err
}
