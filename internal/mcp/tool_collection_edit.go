package mcp

import (
	"context"
	"fmt"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/library"
)

// CreateCollectionInput is create_collection's arguments. The lengths
// are said in the descriptions, not the schema, so that a title too long
// gets the site's own message, as the API gives it.
type CreateCollectionInput struct {
	Title       string `json:"title" jsonschema:"its title, unique among your collections"`
	Description string `json:"description,omitempty" jsonschema:"a line on what it gathers"`
	Private     bool   `json:"private,omitempty" jsonschema:"true: seen by you only (the default: public, anyone may read and follow it)"`
}

// CollectionOutput is a collection after a change.
type CollectionOutput struct {
	Collection Collection      `json:"collection"`
	Item       *CollectionItem `json:"item,omitempty" jsonschema:"the paper added"`
}

// ItemInput names a paper of a collection of yours.
type ItemInput struct {
	Collection string `json:"collection" jsonschema:"your collection: its slug (owner/title-slug-id, as list_collections gives it) or its page's address"`
	ID         string `json:"id" jsonschema:"the paper's arXiv id or link"`
}

// AddItemInput is add_to_collection's arguments.
type AddItemInput struct {
	ItemInput
	Note string `json:"note,omitempty" jsonschema:"your note on the paper, Markdown, as long as a comment may be"`
}

func init() {
	register(func(s *Server) {
		cs, ok := s.site.(Collections)
		if !ok {
			return
		}
		write := func(title string, destructive bool) *sdk.ToolAnnotations {
			return &sdk.ToolAnnotations{Title: title, DestructiveHint: new(destructive), OpenWorldHint: new(false)}
		}
		addTool(s, &sdk.Tool{Name: "create_collection", Title: "Create a collection",
			Description: fmt.Sprintf("Make a new collection of papers (a named reading list, public unless private is true) "+
				"for the account of your personal API token. Titles are up to %d characters, descriptions up to %d; "+
				"one may have %d collections. Needs a token.", library.MaxTitle, library.MaxDescription, library.MaxCollections),
			Annotations: write("Create a collection", false)}, nil,
			func(ctx context.Context, c Caller, in CreateCollectionInput) (CollectionOutput, string, error) {
				return s.createCollection(ctx, c, cs, in)
			})
		addTool(s, &sdk.Tool{Name: "add_to_collection", Title: "Add a paper to a collection",
			Description: fmt.Sprintf("Put a paper at the end of one of your collections, with an optional note (Markdown). "+
				"A paper is in a collection once; a collection holds up to %d. Needs a token.", library.MaxItems),
			Annotations: write("Add a paper to a collection", false)}, nil,
			func(ctx context.Context, c Caller, in AddItemInput) (CollectionOutput, string, error) {
				return s.addToCollection(ctx, c, cs, in)
			})
		addTool(s, &sdk.Tool{Name: "remove_from_collection", Title: "Remove a paper from a collection",
			Description: "Take a paper out of one of your collections, with its note. Needs a token.",
			Annotations: write("Remove a paper from a collection", true)}, nil,
			func(ctx context.Context, c Caller, in ItemInput) (CollectionOutput, string, error) {
				return s.removeFromCollection(ctx, c, cs, in)
			})
	})
}

func (s *Server) createCollection(ctx context.Context, c Caller, cs Collections, in CreateCollectionInput) (CollectionOutput, string, error) {
	a, err := s.account(ctx, c, "create_collection")
	if err != nil {
		return CollectionOutput{}, "", err
	}
	col, err := cs.CreateCollection(ctx, a, in.Title, in.Description, in.Private)
	if err != nil {
		return CollectionOutput{}, "", err
	}
	out := CollectionOutput{Collection: s.collectionOf(cs, &col)}
	kind := "public"
	if col.Private {
		kind = "private"
	}
	return out, fmt.Sprintf("Made the %s collection %q (%s): %s\n", kind, col.Title, out.Collection.Slug, out.Collection.URL), nil
}

func (s *Server) addToCollection(ctx context.Context, c Caller, cs Collections, in AddItemInput) (CollectionOutput, string, error) {
	a, err := s.account(ctx, c, "add_to_collection")
	if err != nil {
		return CollectionOutput{}, "", err
	}
	col, it, err := cs.AddToCollection(ctx, a, in.Collection, in.ID, in.Note)
	if err != nil {
		return CollectionOutput{}, "", err
	}
	item := s.itemOf(&it)
	out := CollectionOutput{Collection: s.collectionOf(cs, &col), Item: &item}
	return out, fmt.Sprintf("Added %s (%s) to %q as paper %d of %d: %s\n", item.Paper.ID, oneLine(item.Paper.Title), col.Title,
		it.Position+1, col.Items, out.Collection.URL), nil
}

func (s *Server) removeFromCollection(ctx context.Context, c Caller, cs Collections, in ItemInput) (CollectionOutput, string, error) {
	a, err := s.account(ctx, c, "remove_from_collection")
	if err != nil {
		return CollectionOutput{}, "", err
	}
	col, err := cs.RemoveFromCollection(ctx, a, in.Collection, in.ID)
	if err != nil {
		return CollectionOutput{}, "", err
	}
	out := CollectionOutput{Collection: s.collectionOf(cs, &col)}
	return out, fmt.Sprintf("Took %s out of %q, which holds %d papers now.\n", canonical(in.ID), col.Title, col.Items), nil
}
