package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// fullCard is a card with every field it is made from set.
func fullCard() cardData {
	at := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	return cardData{
		FeedItem: store.FeedItem{
			Paper: paper.Paper{ID: "2608.12345", Title: "Agents <in> the loop & more", Abstract: strings.Repeat("An abstract that goes on. ", 20),
				Authors:    []paper.Author{{Name: "Ada Lovelace"}, {Name: "Émile Borel", User: "emile"}, {Name: "Y. LeCun"}, {Name: "Fourth Author"}},
				Categories: []string{"cs.LG", "cs.AI"}, Versions: []paper.Version{{N: 1, Date: at}}, Published: at, Updated: at, Listed: "2026-08-21",
				DOI: "10.1/x", JournalRef: "J. 1", Comments: "9 pages", GitHubRepo: "https://github.com/o/r", GitHubStars: 1234,
				ProjectPage: "https://example.org", AISummary: "A summary", AIKeywords: []string{"agents"}, AIModel: "m",
				Upvotes: 42, NumComments: 3, AsOf: at},
			Day:         "2026-08-21",
			Submitter:   &store.User{ID: 7, Username: "ada", Fullname: "Ada L.", AvatarURL: "https://example.org/a.png", CreatedAt: at},
			SubmittedAt: at, StarsGained: 5,
		},
		Voted: true, Saved: true, Signed: true,
	}
}

// newTestCardCache is a card cache on the site's templates, alone.
func newTestCardCache(t *testing.T, maxBytes int) *cardCache {
	t.Helper()
	tp, err := parseTemplates(template.FuncMap{"renderCard": func(cardData) (template.HTML, error) { return "", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return newCardCache(tp.partials, maxBytes)
}

// mutate changes the target-th leaf of v (counting from 0 in the order
// of a walk over its fields, slices and pointers) and returns how many
// leaves it passed, so that a caller can try each in turn.
func mutate(v reflect.Value, target int, n *int) {
	hit := func() bool { *n++; return *n-1 == target }
	switch v.Kind() {
	case reflect.String:
		if hit() {
			v.SetString(v.String() + "x")
		}
	case reflect.Int, reflect.Int64:
		if hit() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Bool:
		if hit() {
			v.SetBool(!v.Bool())
		}
	case reflect.Pointer:
		if hit() {
			v.Set(reflect.Zero(v.Type())) // the pointer gone
			return
		}
		if !v.IsNil() {
			mutate(v.Elem(), target, n)
		}
	case reflect.Slice:
		if hit() && v.Len() > 0 { // one more element
			v.Set(reflect.Append(v, v.Index(v.Len()-1)))
			return
		}
		if hit() && v.Len() > 0 { // one fewer
			v.Set(v.Slice(0, v.Len()-1))
			return
		}
		for i := range v.Len() {
			mutate(v.Index(i), target, n)
		}
	case reflect.Struct:
		if t, ok := v.Addr().Interface().(*time.Time); ok {
			if hit() {
				*t = t.Add(time.Hour)
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i), target, n)
			}
		}
	default:
		panic(fmt.Sprintf("mutate: a field of kind %s: teach the test to change it", v.Kind()))
	}
}

// TestCardCacheKeyCoversTheCard changes, one at a time, every field a card
// is made from (the paper's, the feed entry's, the viewer's marks) and
// checks that the card from the cache is the card drawn afresh: a field
// the card template shows but the cache key leaves out fails here, the
// day someone adds it to the card.
func TestCardCacheKeyCoversTheCard(t *testing.T) {
	cc := newTestCardCache(t, 1<<20)
	base := fullCard()
	if _, err := cc.render(base); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for target := 0; ; target++ {
		c := fullCard() // fresh, so that no slice or pointer is shared with another case
		n := 0
		mutate(reflect.ValueOf(&c).Elem(), target, &n)
		if target >= n {
			if target < 40 {
				t.Fatalf("only %d changes tried", target)
			}
			break
		}
		fresh, err := cc.execute(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cc.render(c)
		if err != nil {
			t.Fatal(err)
		}
		if got != fresh {
			t.Errorf("change %d: the cached card differs from the card drawn afresh\ncached: %s\nfresh:  %s", target, got, fresh)
		}
		if base2, _ := cc.execute(base); fresh != base2 {
			changed++
		}
	}
	// The walk must have reached what the card shows, not only fields it
	// ignores.
	if changed < 10 {
		t.Errorf("only %d changes showed on the card", changed)
	}
}

func TestCardCacheKeepsTheSameCard(t *testing.T) {
	cc := newTestCardCache(t, 1<<20)
	c := fullCard()
	a, _ := cc.render(c)
	b, _ := cc.render(c)
	if a != b || cc.len() != 1 {
		t.Errorf("the same card twice: %d cards kept", cc.len())
	}
	// A card that gives one reader's reason is never kept.
	c.Reason = "Because you saved Agents"
	if h, _ := cc.render(c); !strings.Contains(string(h), "Because you saved Agents") || cc.len() != 1 {
		t.Errorf("a card with a reason: %d cards kept", cc.len())
	}
	// The cache keeps within its bound, the newest kept.
	small := newTestCardCache(t, 3*(len(a)+len(c.Paper.Abstract)+cardEntryOverhead+200))
	for i := range 10 {
		c := fullCard()
		c.Paper.ID = paper.ID(fmt.Sprintf("2608.%05d", i))
		if _, err := small.render(c); err != nil {
			t.Fatal(err)
		}
	}
	if small.len() < 1 || small.len() > 3 || small.bytes > small.maxBytes {
		t.Errorf("a bounded cache holds %d cards, %d bytes of %d", small.len(), small.bytes, small.maxBytes)
	}
	if _, ok := small.entries[keyOf(cardData{FeedItem: store.FeedItem{Paper: paper.Paper{ID: "2608.00009"}}})]; ok {
		t.Error("a key of a card with other content matched")
	}
}

// TestCardCacheShowsChangedPapers: a paper whose votes, title or authors
// change shows its new card on a signed-in page at once, though its old
// card was drawn and kept.
func TestCardCacheShowsChangedPapers(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ctx := context.Background()
	ada := c.browser()
	ada.signUp("ada")
	ada.post("/saved", form("paper", libPaperA, "save", "1")).want(t, "save", http.StatusSeeOther)
	before := ada.get("/saved").want(t, "the Saved page", http.StatusOK)
	votes := before.text("article.card .vote .n")
	if before.text("article.card h3") == "" || votes == "" {
		t.Fatalf("the Saved page has no card: %q", before.body)
	}

	// Another reader's upvote: the count on ada's card goes up.
	bob := c.browser()
	bob.signUp("bob")
	bob.post("/vote", form("paper", libPaperA, "up", "1")).want(t, "bob upvotes", http.StatusSeeOther)
	after := ada.get("/saved").want(t, "the Saved page after a vote", http.StatusOK)
	if got := after.text("article.card .vote .n"); got == votes {
		t.Errorf("the upvotes still read %s after another reader's vote", got)
	}

	// A new title and first author from a fresher record of the paper.
	p, err := c.st.Paper(ctx, libPaperA)
	if err != nil {
		t.Fatal(err)
	}
	p.Title = "A title put right"
	p.Authors = append([]paper.Author{{Name: "Newly First"}}, p.Authors...)
	p.AsOf = time.Now()
	im, err := c.st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(ctx, []store.Record{{Paper: p}}); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	edited := ada.get("/saved").want(t, "the Saved page after an edit", http.StatusOK)
	if got := edited.text("article.card h3"); got != "A title put right" {
		t.Errorf("the card's title is %q after the paper's changed", got)
	}
	if got := edited.doc.Find("article.card .authors a").First().Text(); got != "Newly First" {
		t.Errorf("the card's first author is %q after the paper's changed", got)
	}
}

// TestCardCacheKeepsReadersApart: two readers, one of whom upvoted and
// saved a paper, take turns on the same public collection; each sees their
// own marks, whoever's card was drawn first.
func TestCardCacheKeepsReadersApart(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ada := c.browser()
	ada.signUp("ada")
	path := ada.post("/collections", form("title", "Shared", "paper", libPaperA)).want(t, "make a collection", http.StatusSeeOther).location
	ada.post("/saved", form("paper", libPaperA, "save", "1")).want(t, "ada saves", http.StatusSeeOther)
	ada.post("/vote", form("paper", libPaperA, "up", "1")).want(t, "ada upvotes", http.StatusSeeOther)
	bob := c.browser()
	bob.signUp("bob")
	anon := c.browser()

	marks := func(who string, b *browser) (voted, saved, signed bool) {
		a := b.get(path).want(t, who+" on the collection", http.StatusOK)
		if a.doc.Find("article.card").Length() != 1 {
			t.Fatalf("%s sees %d cards", who, a.doc.Find("article.card").Length())
		}
		return a.doc.Find("article.card form.vote.voted").Length() == 1,
			a.doc.Find("article.card form.save.saved").Length() == 1,
			a.doc.Find("article.card .signals").Length() == 1
	}
	for round := range 2 { // each reader's card kept, then looked up again
		for _, tc := range []struct {
			who                  string
			b                    *browser
			voted, saved, signed bool
		}{
			{"ada", ada, true, true, true},
			{"bob", bob, false, false, true},
			{"a visitor", anon, false, false, false},
			{"ada again", ada, true, true, true},
		} {
			v, s, sg := marks(tc.who, tc.b)
			if v != tc.voted || s != tc.saved || sg != tc.signed {
				t.Errorf("round %d, %s: voted %v saved %v signed %v, want %v %v %v", round, tc.who, v, s, sg, tc.voted, tc.saved, tc.signed)
			}
		}
	}
	// Bob's view after ada's marks change: still his own.
	ada.post("/saved", form("paper", libPaperA, "save", "0")).want(t, "ada unsaves", http.StatusSeeOther)
	if _, s, _ := marks("ada after unsaving", ada); s {
		t.Error("ada's card still says saved after she took it out")
	}
	bob.post("/saved", form("paper", libPaperA, "save", "1")).want(t, "bob saves", http.StatusSeeOther)
	if v, s, _ := marks("bob after saving", bob); v || !s {
		t.Errorf("bob after saving: voted %v saved %v, want false true", v, s)
	}
}

// TestAuthorSummaryFollowsTheStore: an author page's co-authors, kept
// while the store is unchanged, show a new co-author as soon as a paper
// naming one is imported.
func TestAuthorSummaryFollowsTheStore(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ctx := context.Background()
	name, _ := demoAuthor(t, c)
	ada := c.browser()
	ada.signUp("ada") // signed in: never from the page cache
	coAuthors := func() string {
		return ada.get(library.AuthorPath(name)).want(t, "the author page", http.StatusOK).text(".side .counts")
	}
	if before := coAuthors(); strings.Contains(before, "Zora Newcomer") || before != coAuthors() {
		t.Fatalf("co-authors before: %q", before)
	}
	im, err := c.st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var recs []store.Record
	for i := range 3 { // the most papers together: first in the list
		recs = append(recs, store.Record{Paper: paper.Paper{ID: paper.ID(fmt.Sprintf("2608.9990%d", i)), Title: "Together",
			Authors: []paper.Author{{Name: name}, {Name: "Zora Newcomer"}}, Published: time.Date(2026, 8, 30, 0, 0, 0, 0, time.UTC)}})
	}
	if _, err := im.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if after := coAuthors(); !strings.HasPrefix(after, "Zora Newcomer 3") {
		t.Errorf("co-authors after the import: %q", after)
	}
}
