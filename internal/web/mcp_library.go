package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The reader's library and For you as the MCP tools see them
// (mcp.SavedList, mcp.Collections, mcp.Follows, mcp.ForYou,
// mcp.Citations): the functions the Save and Follow buttons, the
// Collections API, /api/recommendations and the citation downloads call.

var (
	_ mcp.SavedList   = mcpSite{}
	_ mcp.Collections = mcpSite{}
	_ mcp.Follows     = mcpSite{}
	_ mcp.ForYou      = mcpSite{}
	_ mcp.Citations   = mcpSite{}
)

func (m mcpSite) SavePaper(ctx context.Context, a *store.Account, raw string, save bool) error {
	id, err := paperID(raw)
	if err != nil {
		return mcpError(err)
	}
	return mcpError(m.s.savePaper(ctx, a, id, save))
}

func (m mcpSite) SavedPapers(ctx context.Context, a *store.Account, offset, limit int) ([]store.SavedPaper, int, error) {
	total, err := m.s.store.SavedCount(ctx, a.ID)
	if err != nil {
		return nil, 0, err
	}
	saved, err := m.s.store.SavedPapers(ctx, a.ID, limit, offset)
	return saved, total, err
}

func (m mcpSite) CollectionPath(c *store.Collection) string { return collectionPath(*c) }

func (m mcpSite) Collections(ctx context.Context, v *store.Account, owner string, limit int) ([]store.Collection, error) {
	if owner == "" {
		return m.s.store.Collections(ctx, store.CollectionQuery{Limit: limit})
	}
	cs, err := m.s.ownerCollections(ctx, v, owner, "", limit)
	if err == nil && cs == nil {
		if _, err := m.s.store.UserByName(ctx, owner); errors.Is(err, store.ErrNotFound) {
			return nil, &mcp.Refusal{Message: fmt.Sprintf("There is no one called %q here.", owner)}
		}
	}
	return cs, err
}

// collectionRef reads a collection's name as the tools take it: its slug
// (owner/title-slug-id), its page's address (on this site or as a path)
// or its resource's (collection://owner/slug).
func (m mcpSite) collectionRef(ref string) (owner, slug string, err error) {
	raw := strings.TrimSpace(ref)
	rest, ok := strings.CutPrefix(raw, "collection://")
	if !ok {
		if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
			raw = u.Path
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(raw, "/"), "collections/")
	}
	owner, slug, ok = strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	if !ok || owner == "" || slug == "" || strings.Contains(slug, "/") {
		return "", "", &mcp.Refusal{Message: fmt.Sprintf("%q does not name a collection: give its slug (owner/title-slug-id, as list_collections gives it) or its address.", ref)}
	}
	return owner, slug, nil
}

// collection is the collection ref names, for v (write: to change).
func (m mcpSite) collection(ctx context.Context, v *store.Account, ref string, write bool) (store.Collection, error) {
	owner, slug, err := m.collectionRef(ref)
	if err != nil {
		return store.Collection{}, err
	}
	c, err := m.s.collectionFor(ctx, owner, slug, v, write)
	return c, mcpError(err)
}

func (m mcpSite) Collection(ctx context.Context, v *store.Account, ref string, offset, limit int) (store.Collection, []store.CollectionItem, error) {
	c, err := m.collection(ctx, v, ref, false)
	if err != nil {
		return c, nil, err
	}
	items, err := m.s.store.CollectionItems(ctx, c.ID, store.ItemQuery{Limit: limit, Offset: offset})
	return c, items, err
}

func (m mcpSite) CreateCollection(ctx context.Context, a *store.Account, title, description string, private bool) (store.Collection, error) {
	c, err := m.s.createCollection(ctx, a, title, &description, private)
	if errors.Is(err, store.ErrConflict) {
		return c, &mcp.Refusal{Message: fmt.Sprintf("You have a collection of that title already: %s.", collectionSlug(c))}
	}
	return c, mcpError(err)
}

func (m mcpSite) AddToCollection(ctx context.Context, a *store.Account, ref, raw, note string) (store.Collection, store.CollectionItem, error) {
	c, err := m.collection(ctx, a, ref, true)
	if err != nil {
		return c, store.CollectionItem{}, err
	}
	id, err := paperID(raw)
	if err != nil {
		return c, store.CollectionItem{}, mcpError(err)
	}
	it, err := m.s.addToCollection(ctx, c, id, &note)
	if err != nil {
		return c, it, mcpError(err)
	}
	if it.Paper, err = m.s.store.Paper(ctx, id); err != nil {
		return c, it, err
	}
	c, err = m.s.store.Collection(ctx, c.ID)
	return c, it, err
}

func (m mcpSite) RemoveFromCollection(ctx context.Context, a *store.Account, ref, raw string) (store.Collection, error) {
	c, err := m.collection(ctx, a, ref, true)
	if err != nil {
		return c, err
	}
	id, err := paperID(raw)
	if err != nil {
		return c, mcpError(err)
	}
	// The API takes an item's id; an agent knows the paper's. Found by
	// its key, not among the collection's items: reading 2,000 of them
	// cost 125 ms of CPU on the benchmark database (BenchmarkMCPLibraryCPU).
	it, err := m.s.store.CollectionItemOf(ctx, c.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, &mcp.Refusal{Message: fmt.Sprintf("Paper %s is not in the collection %q.", id, c.Title)}
	}
	if err != nil {
		return c, err
	}
	if err := m.s.removeFromCollection(ctx, c, it.ID); err != nil {
		return c, mcpError(err)
	}
	c, err = m.s.store.Collection(ctx, c.ID)
	return c, err
}

// followKinds are the follow tools' kinds as the store names them.
var followKinds = map[string]store.FollowKind{"author": store.FollowAuthor, "category": store.FollowCategory,
	"person": store.FollowUser, "collection": store.FollowCollection}

func (m mcpSite) Follow(ctx context.Context, a *store.Account, kind, target string, following bool) (mcp.Followed, error) {
	k, ok := followKinds[kind]
	if !ok {
		return mcp.Followed{}, &mcp.Refusal{Message: fmt.Sprintf("kind must be author, category, person or collection, not %q.", kind)}
	}
	// The buttons post an account's or a collection's id; the tools name
	// them as people do.
	raw := target
	switch k {
	case store.FollowUser:
		u, err := m.s.store.UserByName(ctx, strings.TrimSpace(target))
		if errors.Is(err, store.ErrNotFound) {
			return mcp.Followed{}, &mcp.Refusal{Message: fmt.Sprintf("There is no one called %q here.", target)}
		}
		if err != nil {
			return mcp.Followed{}, err
		}
		raw = strconv.FormatInt(u.ID, 10)
	case store.FollowCollection:
		if !following {
			// By its id alone: one turned private since can still be
			// unfollowed, by the name following_papers gave.
			_, slug, err := m.collectionRef(target)
			if err != nil {
				return mcp.Followed{}, err
			}
			id, ok := library.ParsePath(slug)
			if !ok {
				return mcp.Followed{}, mcpError(notFound("There is no collection at this address."))
			}
			raw = strconv.FormatInt(id, 10)
			break
		}
		c, err := m.collection(ctx, a, target, false)
		if err != nil {
			return mcp.Followed{}, err
		}
		raw = strconv.FormatInt(c.ID, 10)
	}
	key, err := m.s.setFollow(ctx, a, k, raw, following)
	if err != nil {
		return mcp.Followed{}, mcpError(err)
	}
	// An author is named as given; the others by what they are now.
	label := ""
	if k == store.FollowAuthor {
		label = strings.TrimSpace(target)
	}
	return m.followed(ctx, store.Follow{Kind: k, Target: key, Label: label})
}

// followed is a follow as the tools name it: target as follow takes it.
func (m mcpSite) followed(ctx context.Context, f store.Follow) (mcp.Followed, error) {
	out := mcp.Followed{Kind: string(f.Kind), Target: f.Target, Label: cmp.Or(f.Label, f.Target)}
	switch f.Kind {
	case store.FollowAuthor:
		out.URL = m.s.baseURL + library.AuthorPath(out.Label)
		out.Target = out.Label
	case store.FollowCategory:
		out.URL = m.s.baseURL + "/categories/" + f.Target
		out.Label = f.Target + " · " + categoryName(f.Target)
	case store.FollowUser:
		out.Kind = "person"
		id, _ := strconv.ParseInt(f.Target, 10, 64)
		acc, err := m.s.store.Account(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return out, err
		}
		out.Target, out.Label, out.URL = acc.Username, acc.Username, m.s.baseURL+userPath(acc.Username)
	case store.FollowCollection:
		id, _ := strconv.ParseInt(f.Target, 10, 64)
		c, err := m.s.store.Collection(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return out, err
		}
		if c.Private {
			// Turned private since: named as it was when followed, to
			// unfollow, and nothing of it now.
			out.Target = c.Owner.Username + "/" + library.Path(f.Label, id)
			break
		}
		out.Target, out.Label, out.URL = collectionSlug(c), c.Title, m.s.baseURL+collectionPath(c)
	}
	return out, nil
}

func (m mcpSite) Following(ctx context.Context, a *store.Account, after string, limit int) (mcp.FollowingPage, error) {
	var page mcp.FollowingPage
	var cursor store.PaperCursor
	if after != "" {
		c, err := parsePaperCursor(after)
		if err != nil {
			return page, &mcp.Refusal{Message: "after must be the next cursor a following_papers call gave; start again without it."}
		}
		cursor = c
	}
	follows, err := m.s.store.FollowsOf(ctx, a.ID)
	if err != nil {
		return page, err
	}
	for _, f := range follows {
		fd, err := m.followed(ctx, f)
		if err != nil {
			return page, err
		}
		page.Follows = append(page.Follows, fd)
	}
	items, next, err := m.s.store.FollowingPapers(ctx, a.ID, cursor, limit)
	if err != nil {
		return page, err
	}
	page.Items = items
	if next != (store.PaperCursor{}) {
		page.Next = formatPaperCursor(next)
	}
	page.Read, err = m.s.store.ReadOf(ctx, a.ID, feedIDs(items))
	return page, err
}

func (m mcpSite) ForYou(ctx context.Context, a *store.Account, days, offset, limit int) (mcp.Recommendations, error) {
	if m.s.recs == nil {
		return mcp.Recommendations{}, &mcp.Refusal{Message: "For you needs the search index, which this site runs without."}
	}
	items, res, note, err := m.s.recommendations(ctx, *a, days, offset, limit)
	if err != nil {
		return mcp.Recommendations{}, mcpError(err)
	}
	out := mcp.Recommendations{From: res.From, To: res.To, Personal: !res.Cold, Note: note, Total: res.Total}
	for _, it := range items {
		out.Items = append(out.Items, mcp.Recommended{Item: it.FeedItem, Reason: it.Reason})
	}
	return out, nil
}

// mcpCiteFormats are cite_paper's formats, as the downloads' suffixes.
var mcpCiteFormats = map[string]string{"bibtex": ".bib", "ris": ".ris", "csl-json": ".json"}

func (m mcpSite) Cite(ctx context.Context, raw, format string) (string, string, error) {
	ext, ok := mcpCiteFormats[format]
	if !ok {
		return "", "", &mcp.Refusal{Message: fmt.Sprintf("format must be bibtex, ris or csl-json, not %q.", format)}
	}
	p, _, err := m.Paper(ctx, raw)
	if err != nil {
		return "", "", err
	}
	_, f := citeSuffix(ext)
	var b bytes.Buffer
	if err := f.write(&b, []paper.Paper{p}); err != nil {
		return "", "", err
	}
	return b.String(), m.s.baseURL + p.ID.Path() + ext, nil
}
