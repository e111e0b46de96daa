package web

import (
	"bytes"
	"container/list"
	"fmt"
	"html/template"
	"sync"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// cardCache keeps the HTML of paper cards. A list page of 30 or 50 cards
// spent most of its time executing the card template, two thirds of it in
// html/template's reflection (BENCHMARKS.md, "A reader's library"), and
// the same cards are drawn again and again: a reader's next visit to their
// Saved list, the same papers in a collection and on the Following page.
//
// An entry is keyed by everything the card template reads (cardContent), the
// viewer's marks included, and by nothing else. So a changed paper (a new
// vote, a comment, stars, a moderator's new title) is a new key and gets a
// fresh card without anything having to be told, and a card rendered for
// one reader is only ever served to a request whose card would be the very
// same bytes: "Saved" is in the key as a bit, never who saved. Cards that
// say something about one reader alone (a For-you reason) are not kept.
// Old versions of a card are never looked up again and leave by age.
type cardCache struct {
	tmpl *template.Template // holds "card", executed on its own

	mu       sync.Mutex
	entries  map[cardContent]*list.Element
	lru      *list.List // of *cachedCard, most recently used first
	bytes    int
	maxBytes int // 0: nothing is kept, every card is rendered afresh
}

// cardContent is what a card shows, compared in full (no hash that two cards
// could share). Keep it in step with partials/card.html:
// TestCardCacheKeyCoversTheCard changes every field a card is made from
// and fails when a change that shows on the card does not change the key.
type cardContent struct {
	id                  paper.ID
	title, abstract     string
	authors             [shortAuthorCount]string
	numAuthors          int
	upvotes, comments   int
	repo                string
	stars               int
	submitted           bool
	submitter, fullname string
	voted, saved        bool
	signed              bool
}

type cachedCard struct {
	key  cardContent
	html template.HTML
	size int
}

// cardEntryOverhead is roughly what an entry costs beyond its strings:
// the key's fixed fields, the list element and the map's slot.
const cardEntryOverhead = 400

func newCardCache(tmpl *template.Template, maxBytes int) *cardCache {
	return &cardCache{tmpl: tmpl, entries: map[cardContent]*list.Element{}, lru: list.New(), maxBytes: max(maxBytes, 0)}
}

func keyOf(c cardData) cardContent {
	p := &c.Paper
	k := cardContent{id: p.ID, title: p.Title, abstract: p.Abstract, numAuthors: len(p.Authors),
		upvotes: p.Upvotes, comments: p.NumComments, repo: p.GitHubRepo, stars: p.GitHubStars,
		voted: c.Voted, saved: c.Saved, signed: c.Signed}
	for i := range min(len(p.Authors), shortAuthorCount) {
		k.authors[i] = p.Authors[i].Name
	}
	if c.Submitter != nil {
		k.submitted, k.submitter, k.fullname = true, c.Submitter.Username, c.Submitter.Fullname
	}
	return k
}

// render is the card's HTML, from the cache when a card with the same
// content was drawn before. The HTML is html/template's own output for the
// card, so it is safe to insert as it is.
func (cc *cardCache) render(c cardData) (template.HTML, error) {
	if c.Reason != "" || cc.maxBytes == 0 {
		return cc.execute(c)
	}
	k := keyOf(c)
	cc.mu.Lock()
	if el, ok := cc.entries[k]; ok {
		cc.lru.MoveToFront(el)
		h := el.Value.(*cachedCard).html
		cc.mu.Unlock()
		return h, nil
	}
	cc.mu.Unlock()
	h, err := cc.execute(c)
	if err != nil {
		return "", err
	}
	e := &cachedCard{key: k, html: h, size: len(h) + len(k.title) + len(k.abstract) + len(k.repo) + cardEntryOverhead}
	for _, a := range k.authors {
		e.size += len(a)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if el, ok := cc.entries[k]; ok { // drawn meanwhile by another request
		cc.lru.MoveToFront(el)
		return h, nil
	}
	cc.entries[k] = cc.lru.PushFront(e)
	cc.bytes += e.size
	for cc.bytes > cc.maxBytes {
		old := cc.lru.Remove(cc.lru.Back()).(*cachedCard)
		delete(cc.entries, old.key)
		cc.bytes -= old.size
	}
	return h, nil
}

func (cc *cardCache) execute(c cardData) (template.HTML, error) {
	var b bytes.Buffer
	b.Grow(4096)
	if err := cc.tmpl.ExecuteTemplate(&b, "card", c); err != nil {
		return "", fmt.Errorf("web: card of %s: %w", c.Paper.ID, err)
	}
	return template.HTML(b.String()), nil
}

// len is how many cards the cache holds, for tests.
func (cc *cardCache) len() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.entries)
}
