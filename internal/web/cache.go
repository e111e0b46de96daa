package web

import (
	"bytes"
	"container/list"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"
)

// pageCache keeps rendered pages until the store changes. Feed and paper
// pages are read far more often than anything changes, and rendering one
// costs a millisecond of SQLite and templates; serving a copy costs one
// read of the store version. Pages older than maxAge are rendered again
// anyway, because some (trending, "next week" links) depend on the clock.
type pageCache struct {
	mu       sync.Mutex
	entries  map[string]*list.Element
	lru      *list.List // of *cachedPage, most recently used first
	bytes    int
	maxBytes int
	maxAge   time.Duration
}

type cachedPage struct {
	key     string
	version int64
	made    time.Time
	status  int
	header  http.Header
	body    []byte
	etag    string
}

func newPageCache(maxBytes int, maxAge time.Duration) *pageCache {
	return &pageCache{entries: map[string]*list.Element{}, lru: list.New(), maxBytes: maxBytes, maxAge: maxAge}
}

func (c *pageCache) get(key string, version int64, now time.Time) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	p := el.Value.(*cachedPage)
	if p.version != version || now.Sub(p.made) > c.maxAge {
		c.remove(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return p
}

func (c *pageCache) put(p *cachedPage) {
	if len(p.body) > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[p.key]; ok {
		c.remove(el)
	}
	c.entries[p.key] = c.lru.PushFront(p)
	c.bytes += len(p.body)
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *pageCache) remove(el *list.Element) {
	p := c.lru.Remove(el).(*cachedPage)
	delete(c.entries, p.key)
	c.bytes -= len(p.body)
}

// recorder captures a response so that it can be cached and then sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// cached serves a page from the cache when the store has not changed since
// it was rendered, and answers If-None-Match with 304. Only successful
// pages are kept; errors and redirects are always produced afresh.
func (s *Server) cached(h handlerFunc) handlerFunc {
	if s.cache == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if viewer(r) != nil {
			return h(w, r) // a signed-in page shows its viewer: never shared
		}
		version, err := s.store.Version(r.Context())
		if err != nil {
			return err
		}
		key := r.URL.RequestURI()
		now := s.now()
		p := s.cache.get(key, version, now)
		s.metrics.CacheLookup(p != nil)
		if p == nil {
			rec := &recorder{header: http.Header{}}
			if err := h(rec, r); err != nil {
				return err
			}
			p = &cachedPage{key: key, version: version, made: now, status: rec.status, header: rec.header, body: rec.body.Bytes()}
			sum := fnv.New64a()
			sum.Write(p.body)
			p.etag = fmt.Sprintf(`"%x"`, sum.Sum64())
			// A handler says "no-store" for a page that is incomplete for now.
			if p.status == http.StatusOK && rec.header.Get("Cache-Control") != "no-store" {
				s.cache.put(p)
			}
		}
		h := w.Header()
		for k, v := range p.header {
			h[k] = v
		}
		// Once the status is sent, a failed write means the client went
		// away; there is nothing to report.
		if p.status != http.StatusOK {
			w.WriteHeader(p.status)
			_, _ = w.Write(p.body)
			return nil
		}
		h.Set("ETag", p.etag)
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache") // browsers revalidate with the ETag
		}
		if etagMatches(r.Header.Get("If-None-Match"), p.etag) {
			h.Del("Content-Length")
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(p.body)
		return nil
	}
}

// etagMatches reports whether an If-None-Match header names etag (a list,
// weak forms and "*" included, as RFC 9110 section 13.1.2 allows).
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
