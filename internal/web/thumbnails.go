package web

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/thumb"
)

// thumbnailURL is the absolute address of a paper's thumbnail, as the
// hosted API gives one for every paper. It is built from the configured
// base URL, never from the request, so that cached answers hold no
// address a client chose.
func (s *Server) thumbnailURL(id paper.ID) string {
	return s.baseURL + "/thumbnails/" + string(id) + ".png"
}

// thumbnailCard is what a paper's thumbnail shows.
func (s *Server) thumbnailCard(p *paper.Paper) thumb.Card {
	c := thumb.Card{ID: string(p.ID), Title: p.Title, Authors: p.AuthorNames(), Category: p.PrimaryCategory(), Site: s.siteName}
	if t := firstPublished(p); !t.IsZero() {
		c.Date = t.UTC().Format("2 Jan 2006")
	}
	return c
}

// cardKey names a card's content and the drawing's version: the cache key
// and the ETag, so that a new title, author list or look makes a new image
// and nothing else does. objectID joins the fields with NULs, which
// metadata from arXiv and the hosted feed does not hold.
func cardKey(c thumb.Card) string {
	return objectID(append([]string{thumb.Version, c.ID, c.Title, c.Category, c.Date, c.Site}, c.Authors...)...)
}

// thumbnailShow answers GET /thumbnails/{id}.png with the paper's title
// card (internal/thumb). A card takes milliseconds to draw, so the bytes
// are kept in their own cache, by content, which votes and comments do
// not empty; browsers and proxies may keep them a day, and revalidate by
// ETag.
func (s *Server) thumbnailShow(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	name, ok := strings.CutSuffix(raw, ".png")
	id, _, err := paper.ParseID(name)
	if !ok || err != nil {
		return notFound("“" + raw + "” is not a thumbnail. Thumbnails are named like 2509.02547.png.")
	}
	if string(id) != name {
		http.Redirect(w, r, "/thumbnails/"+string(id)+".png", http.StatusMovedPermanently)
		return nil
	}
	p, err := s.store.Paper(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Paper " + string(id) + " is not in this catalogue yet.")
	}
	if err != nil {
		return err
	}
	card := s.thumbnailCard(&p)
	key := cardKey(card)
	etag := `"` + key + `"`
	cacheable := func() {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("ETag", etag)
	}
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		cacheable()
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	var body []byte
	if c := s.thumbs.get(key, 0, s.now()); c != nil {
		body = c.body
	} else {
		var buf bytes.Buffer
		if err := thumb.Render(&buf, card); err != nil {
			return err
		}
		body = buf.Bytes()
		s.thumbs.put(&cachedPage{key: key, made: s.now(), body: body})
	}
	cacheable()
	w.Header().Set("Content-Type", "image/png")
	w.Write(body)
	return nil
}

// thumbnailCacheBytes bounds the cache of drawn cards: about a thousand.
const thumbnailCacheBytes = 48 << 20

// thumbnailMaxAge is how long a drawn card is kept; it changes only with
// the paper's metadata, which its key covers.
const thumbnailMaxAge = 30 * 24 * time.Hour
