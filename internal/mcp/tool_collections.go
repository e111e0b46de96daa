package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Collections are people's collections of papers as their pages and the
// Collections API keep them: the collection tools are offered when the
// site has them. A collection is named by ref: owner/title-slug-id (its
// slug), its page's address or its resource's (collection://owner/slug).
// Another's private collection is not found, as an unknown one is.
type Collections interface {
	// Collections lists, most recently changed first, at most limit
	// collections of the person named owner that viewer may see (their
	// private ones too when viewer is they), or with owner "" everyone's
	// public ones.
	Collections(ctx context.Context, viewer *store.Account, owner string, limit int) ([]store.Collection, error)
	// Collection is the collection ref names, if viewer may see it, and
	// limit of its items from offset, in their owner's order.
	Collection(ctx context.Context, viewer *store.Account, ref string, offset, limit int) (store.Collection, []store.CollectionItem, error)
	// CollectionPath is a collection's page, /collections/OWNER/SLUG.
	CollectionPath(c *store.Collection) string
	// CreateCollection makes a collection of a's, checked as the API
	// checks one.
	CreateCollection(ctx context.Context, a *store.Account, title, description string, private bool) (store.Collection, error)
	// AddToCollection puts the paper id at the end of a's collection ref,
	// with a note ("" for none), and returns the collection as it is now
	// and the item.
	AddToCollection(ctx context.Context, a *store.Account, ref, id, note string) (store.Collection, store.CollectionItem, error)
	// RemoveFromCollection takes the paper id out of a's collection ref
	// and returns the collection as it is now.
	RemoveFromCollection(ctx context.Context, a *store.Account, ref, id string) (store.Collection, error)
}

// Collection is a collection as the tools show it.
type Collection struct {
	Slug        string `json:"slug" jsonschema:"owner/title-slug-id: how the collection tools name it"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner" jsonschema:"its owner's username"`
	Private     bool   `json:"private" jsonschema:"seen by its owner only"`
	Papers      int    `json:"papers" jsonschema:"how many papers it holds"`
	Updated     string `json:"updated" jsonschema:"its last change, RFC 3339"`
	URL         string `json:"url" jsonschema:"its page on this site"`
	Resource    string `json:"resource,omitempty" jsonschema:"the MCP resource of a public collection"`
}

// CollectionItem is a paper in a collection, with its owner's note.
type CollectionItem struct {
	Position int    `json:"position" jsonschema:"its place in the collection, 0 for the first"`
	Note     string `json:"note,omitempty" jsonschema:"the owner's note on the paper, Markdown"`
	AddedAt  string `json:"added_at" jsonschema:"RFC 3339"`
	Paper    Paper  `json:"paper"`
}

// ListCollectionsInput is list_collections' arguments.
type ListCollectionsInput struct {
	Owner string `json:"owner,omitempty" jsonschema:"whose collections, by username; left out: your own with a token, else everyone's public ones, most recently changed first"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many collections"`
}

// ListCollectionsOutput is list_collections' result.
type ListCollectionsOutput struct {
	Owner       string       `json:"owner,omitempty"`
	Collections []Collection `json:"collections"`
}

// GetCollectionInput is get_collection's arguments.
type GetCollectionInput struct {
	Collection string `json:"collection" jsonschema:"the collection: its slug (owner/title-slug-id, as list_collections gives it), its page's address or collection://owner/slug"`
	Limit      int    `json:"limit,omitempty" jsonschema:"how many papers"`
	Offset     int    `json:"offset,omitempty" jsonschema:"how many to skip first, to page through a long collection"`
}

// GetCollectionOutput is get_collection's result.
type GetCollectionOutput struct {
	Collection Collection       `json:"collection"`
	Offset     int              `json:"offset"`
	Items      []CollectionItem `json:"items"`
}

// collectionScheme names public collections as resources:
// collection://OWNER/SLUG.
const collectionScheme = "collection://"

func init() {
	register(func(s *Server) {
		cs, ok := s.site.(Collections)
		if !ok {
			return
		}
		addTool(s, &sdk.Tool{Name: "list_collections", Title: "List collections",
			Description: "People's collections of papers (named reading lists with notes): one person's by username, " +
				"or everyone's public ones, most recently changed first. With a personal API token, your own private ones are listed too.",
			Annotations: readOnly("List collections")},
			func(in *inputSchema) {
				in.between("limit", 1, 100, 30)
				in.maxLength("owner", 40)
			},
			func(ctx context.Context, c Caller, in ListCollectionsInput) (ListCollectionsOutput, string, error) {
				return s.listCollections(ctx, c, cs, in)
			})
		addTool(s, &sdk.Tool{Name: "get_collection", Title: "Get a collection",
			Description: "One collection's papers in their owner's order, each with the owner's note, a page at a time. " +
				"A private collection is seen by its owner only, with their personal API token.",
			Annotations: readOnly("Get a collection")},
			func(in *inputSchema) {
				in.between("limit", 1, maxListed, 50)
				in.between("offset", 0, library.MaxItems, 0)
				in.maxLength("collection", 300)
			},
			func(ctx context.Context, c Caller, in GetCollectionInput) (GetCollectionOutput, string, error) {
				return s.getCollection(ctx, c, cs, in)
			})
		s.sdk.AddResourceTemplate(&sdk.ResourceTemplate{Name: "collection", Title: "A public collection",
			URITemplate: collectionScheme + "{owner}/{slug}", MIMEType: "text/markdown",
			Description: "A public collection of papers as Markdown (its papers in order, with its owner's notes): collection://OWNER/SLUG, as list_collections names it."},
			func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
				return s.readCollection(ctx, cs, req)
			})
	})
}

// collectionOf is c as the tools show it.
func (s *Server) collectionOf(cs Collections, c *store.Collection) Collection {
	path := cs.CollectionPath(c)
	out := Collection{Slug: strings.TrimPrefix(path, "/collections/"), Title: c.Title, Description: c.Description,
		Owner: c.Owner.Username, Private: c.Private, Papers: c.Items, Updated: c.UpdatedAt.UTC().Format(time.RFC3339),
		URL: s.site.BaseURL() + path}
	if !c.Private {
		out.Resource = collectionScheme + out.Slug
	}
	return out
}

func (s *Server) listCollections(ctx context.Context, c Caller, cs Collections, in ListCollectionsInput) (ListCollectionsOutput, string, error) {
	out := ListCollectionsOutput{Owner: strings.TrimSpace(in.Owner), Collections: []Collection{}}
	limit, err := limitOf(in.Limit, 30, 100)
	if err != nil {
		return out, "", err
	}
	v, err := s.viewer(ctx, c)
	if err != nil {
		return out, "", err
	}
	if out.Owner == "" && v != nil {
		out.Owner = v.Username
	}
	found, err := cs.Collections(ctx, v, out.Owner, limit)
	if err != nil {
		return out, "", err
	}
	for i := range found {
		out.Collections = append(out.Collections, s.collectionOf(cs, &found[i]))
	}
	var b strings.Builder
	whose := "public collections"
	if out.Owner != "" {
		whose = "collections of " + out.Owner
	}
	if len(found) == 0 {
		fmt.Fprintf(&b, "There are no %s.\n", whose)
		return out, b.String(), nil
	}
	fmt.Fprintf(&b, "The %s, most recently changed first:\n\n", whose)
	for i, col := range out.Collections {
		fmt.Fprintf(&b, "%d. %s (%s)\n   %d papers", i+1, col.Title, col.Slug, col.Papers)
		if col.Private {
			b.WriteString(" · private")
		}
		fmt.Fprintf(&b, " · by %s · changed %s\n", col.Owner, col.Updated[:10])
		if col.Description != "" {
			fmt.Fprintf(&b, "   %s\n", col.Description)
		}
		fmt.Fprintf(&b, "   %s\n", col.URL)
	}
	return out, b.String(), nil
}

func (s *Server) getCollection(ctx context.Context, c Caller, cs Collections, in GetCollectionInput) (GetCollectionOutput, string, error) {
	out := GetCollectionOutput{Offset: in.Offset, Items: []CollectionItem{}}
	limit, err := limitOf(in.Limit, 50, maxListed)
	if err != nil {
		return out, "", err
	}
	if in.Offset < 0 || in.Offset > library.MaxItems {
		return out, "", refuse("offset must be a whole number from 0 to %d.", library.MaxItems)
	}
	v, err := s.viewer(ctx, c)
	if err != nil {
		return out, "", err
	}
	col, items, err := cs.Collection(ctx, v, in.Collection, in.Offset, limit)
	if err != nil {
		return out, "", err
	}
	out.Collection = s.collectionOf(cs, &col)
	for i := range items {
		out.Items = append(out.Items, s.itemOf(&items[i]))
	}
	return out, collectionText(&out), nil
}

// itemOf is a collection's item as the tools show it.
func (s *Server) itemOf(it *store.CollectionItem) CollectionItem {
	return CollectionItem{Position: it.Position, Note: it.Note, AddedAt: it.AddedAt.UTC().Format(time.RFC3339), Paper: s.paperOf(&it.Paper, nil)}
}

// collectionText is a page of a collection as Markdown, for people and
// models to read: get_collection's text and the resource's.
func collectionText(out *GetCollectionOutput) string {
	col := &out.Collection
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", col.Title)
	fmt.Fprintf(&b, "A collection by %s", col.Owner)
	if col.Private {
		b.WriteString(" (private)")
	}
	fmt.Fprintf(&b, ", %d papers, changed %s: <%s>\n", col.Papers, col.Updated[:10], col.URL)
	if col.Description != "" {
		fmt.Fprintf(&b, "\n%s\n", col.Description)
	}
	switch {
	case col.Papers == 0:
		b.WriteString("\nIt holds no papers yet.\n")
	case len(out.Items) == 0:
		fmt.Fprintf(&b, "\nOffset %d is past its last paper.\n", out.Offset)
	default:
		if len(out.Items) < col.Papers {
			fmt.Fprintf(&b, "\nPapers %d to %d of %d, in the owner's order:\n", out.Offset+1, out.Offset+len(out.Items), col.Papers)
		}
		for _, it := range out.Items {
			p := &it.Paper
			fmt.Fprintf(&b, "\n%d. %s\n   %s", it.Position+1, oneLine(p.Title), p.ID)
			if p.Published != "" {
				fmt.Fprintf(&b, " · published %s", p.Published)
			}
			fmt.Fprintf(&b, " · %d upvotes\n", p.Upvotes)
			if len(p.Authors) > 0 {
				fmt.Fprintf(&b, "   %s\n", authorLine(p.Authors, p.AuthorCount))
			}
			fmt.Fprintf(&b, "   %s\n", p.URL)
			if it.Note != "" {
				fmt.Fprintf(&b, "   Note: %s\n", oneLine(it.Note))
			}
		}
	}
	return b.String()
}

// resourcePapers is how many papers a collection's resource lists: the
// first page, as its page shows them.
const resourcePapers = 50

func (s *Server) readCollection(ctx context.Context, cs Collections, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	// A resource is public: it is read as a visitor reads the page, so a
	// private collection is not found, whoever asks.
	col, items, err := cs.Collection(ctx, nil, uri, 0, resourcePapers)
	if err != nil {
		if r := (*Refusal)(nil); errors.As(err, &r) {
			s.log.Info("mcp resource refused", "uri", uri, "err", err)
			return nil, sdk.ResourceNotFoundError(uri)
		}
		return nil, s.toolError(ctx, "resource", err)
	}
	out := GetCollectionOutput{Collection: s.collectionOf(cs, &col)}
	for i := range items {
		out.Items = append(out.Items, s.itemOf(&items[i]))
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: collectionText(&out)}}}, nil
}
