package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// A collection as the hosted API writes it is encoded from these structs,
// not from maps: encoding/json sorts a map's keys and reflects on every
// value of it, which for a whole collection (2,000 items) cost more CPU
// than reading it. Their fields are in the order of their JSON names, so
// the bytes are those the maps made (TestCollectionsAPIBytes checks).

// apiCollectionHead is the part of a collection before its items.
type apiCollectionHead struct {
	Description     string `json:"description"`
	IsUpvotedByUser bool   `json:"isUpvotedByUser"`
}

// apiCollectionTail is the part of a collection after its items.
// Position is read by get_collection and must not be in a list's
// collections (list_collections passes its own): nil leaves it out.
type apiCollectionTail struct {
	LastUpdated string    `json:"lastUpdated"`
	NumberItems int       `json:"numberItems"`
	Owner       collOwner `json:"owner"`
	Position    *int      `json:"position,omitempty"`
	Private     bool      `json:"private"`
	Slug        string    `json:"slug"`
	Theme       string    `json:"theme"`
	Title       string    `json:"title"`
	Upvotes     int       `json:"upvotes"`
}

type collOwner struct {
	AvatarURL string `json:"avatarUrl"`
	Fullname  string `json:"fullname"`
	Name      string `json:"name"`
	Type      string `json:"type"`
}

// collItem is a CollectionItem of type paper.
type collItem struct {
	ID          string    `json:"_id"`
	PaperID     string    `json:"id"`
	Note        *collNote `json:"note,omitempty"`
	Position    int       `json:"position"`
	PublishedAt string    `json:"publishedAt,omitempty"`
	Title       string    `json:"title"`
	Type        string    `json:"type"`
	Upvotes     int       `json:"upvotes"`
}

type collNote struct {
	HTML string `json:"html"`
	Text string `json:"text"`
}

func collItemOf(it *store.ItemBrief) collItem {
	out := collItem{ID: strconv.FormatInt(it.ID, 10), PaperID: string(it.PaperID), Position: it.Position,
		PublishedAt: apiTime(it.Published), Title: it.Title, Type: "paper", Upvotes: it.Upvotes}
	if it.Note != "" {
		out.Note = &collNote{HTML: string(it.NoteHTML), Text: it.Note}
	}
	return out
}

// encodeCollection writes collection c with its items (all of them for
// one collection, its first for a list) as the hosted API does: head,
// each item, tail. withPosition adds "position". done is asked before
// each item, so that an answer to a client gone away stops there.
func encodeCollection(w io.Writer, c *store.Collection, items []store.ItemBrief, withPosition bool, done func() error) error {
	head, err := json.Marshal(apiCollectionHead{Description: c.Description})
	if err != nil {
		return err
	}
	tail := apiCollectionTail{LastUpdated: apiTime(c.UpdatedAt), NumberItems: c.Items,
		Owner:   collOwner{AvatarURL: c.Owner.AvatarURL, Fullname: shownName(c.Owner), Name: c.Owner.Username, Type: "user"},
		Private: c.Private, Slug: collectionSlug(*c), Theme: c.Theme, Title: c.Title}
	if withPosition {
		tail.Position = new(int)
	}
	rest, err := json.Marshal(tail)
	if err != nil {
		return err
	}
	// head without its "}", the items, then rest without its "{".
	if _, err := w.Write(append(head[:len(head)-1], `,"items":[`...)); err != nil {
		return err
	}
	var b []byte
	for i := range items {
		if err := done(); err != nil {
			return err
		}
		if b, err = json.Marshal(collItemOf(&items[i])); err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	rest[0] = ','
	_, err = w.Write(append([]byte{']'}, rest...))
	return err
}

// writeCollection answers with a collection and all its items, read with
// only the columns the answer writes and encoded to the client as they
// go; a client that hangs up stops it. wrap puts it in {"data": ...,
// "success": true}, as update_collection_metadata reads.
func (s *Server) writeCollection(w http.ResponseWriter, r *http.Request, status int, c store.Collection, wrap bool) error {
	ctx := r.Context()
	items, err := s.store.CollectionBriefs(ctx, c.ID, library.MaxItems)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	bw := bufio.NewWriterSize(w, 32<<10)
	if wrap {
		_, _ = bw.WriteString(`{"data":`)
	}
	err = encodeCollection(bw, &c, items, true, ctx.Err)
	if err == nil && wrap {
		_, err = bw.WriteString(`,"success":true}`)
	}
	if err == nil {
		_ = bw.WriteByte('\n')
		err = bw.Flush()
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // the client went away: nothing to answer
	}
	if err != nil {
		// The status is sent: all that can be done is to stop and say why.
		s.log.Warn("writing a collection failed", "collection", c.ID, "err", err)
	}
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
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range cs {
		items, err := s.store.CollectionBriefs(r.Context(), cs[i].ID, apiListedItems)
		if err != nil {
			return err
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeCollection(&buf, &cs[i], items, false, r.Context().Err); err != nil {
			return err
		}
	}
	buf.WriteString("]\n")
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
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
