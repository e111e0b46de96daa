package search

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// similarTTL is how long a paper's similar papers are kept. A paper page
// is drawn again after every vote or comment anywhere (they empty the page
// cache), and ranking the catalogue for it again costs tens of
// milliseconds at three million papers (BENCHMARKS.md); a list an hour old
// only misses papers that arrived within the hour. A new title or
// abstract of the paper itself makes a new key, so its list follows at once.
const similarTTL = time.Hour

// similarCacheSize bounds the lists kept (a few hundred bytes each).
const similarCacheSize = 8192

// similarCache keeps the answers of Service.Similar, least recently used
// first out.
type similarCache struct {
	mu      sync.Mutex
	entries map[similarKey]*list.Element
	lru     *list.List // of *similarEntry, most recently used first
}

// similarKey is a paper with its text, whether it had a vector, and how
// many hits were asked.
type similarKey struct {
	id      paper.ID
	text    [16]byte // of the title and abstract the query was made from
	meaning bool     // ranked by meaning too
	k       int
}

type similarEntry struct {
	key  similarKey
	hits []Hit
	made time.Time
}

func newSimilarCache() *similarCache {
	return &similarCache{entries: map[similarKey]*list.Element{}, lru: list.New()}
}

func similarKeyOf(p *paper.Paper, k int, meaning bool) similarKey {
	h := sha256.New()
	h.Write([]byte(p.Title))
	h.Write([]byte{0})
	h.Write([]byte(p.Abstract))
	key := similarKey{id: p.ID, k: k, meaning: meaning}
	copy(key.text[:], h.Sum(nil))
	return key
}

// get returns a copy of the kept hits, or false when there are none that
// are fresh at now.
func (c *similarCache) get(key similarKey, now time.Time) ([]Hit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*similarEntry)
	if now.Sub(e.made) > similarTTL {
		c.lru.Remove(el)
		delete(c.entries, key)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return append([]Hit(nil), e.hits...), true
}

func (c *similarCache) put(key similarKey, hits []Hit, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&similarEntry{key: key, hits: append([]Hit(nil), hits...), made: now})
	for c.lru.Len() > similarCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*similarEntry)
		delete(c.entries, old.key)
	}
}

// clear forgets every list, for a rebuilt index.
func (c *similarCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.lru.Init()
}
