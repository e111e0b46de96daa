package mcp

import (
	"context"
	"fmt"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/store"
)

// SavedList is the reader's Saved list as the Save button and /saved
// keep it: save_paper, unsave_paper and saved_papers are offered when the
// site has one.
type SavedList interface {
	// SavePaper puts the paper id in a's Saved list, or takes it out
	// (save false), within the library's rate limit and bound.
	SavePaper(ctx context.Context, a *store.Account, id string, save bool) error
	// SavedPapers is limit papers of a's Saved list from offset, most
	// recently saved first, and how many the list holds.
	SavedPapers(ctx context.Context, a *store.Account, offset, limit int) ([]store.SavedPaper, int, error)
}

// SaveOutput is save_paper's and unsave_paper's result.
type SaveOutput struct {
	ID    string `json:"id"`
	Saved bool   `json:"saved" jsonschema:"whether the paper is in your Saved list now"`
}

func init() {
	register(func(s *Server) {
		lib, ok := s.site.(SavedList)
		if !ok {
			return
		}
		save := func(on bool) handler[PaperInput, SaveOutput] {
			return func(ctx context.Context, c Caller, in PaperInput) (SaveOutput, string, error) {
				return s.savePaper(ctx, c, lib, in, on)
			}
		}
		addTool(s, &sdk.Tool{Name: "save_paper", Title: "Save a paper",
			Description: "Put a paper in the Saved list of the account of your personal API token, its private reading list " +
				"(saved_papers lists it; the site shows it at /saved). Saving twice keeps it once. Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Save a paper", IdempotentHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)}},
			nil, save(true))
		addTool(s, &sdk.Tool{Name: "unsave_paper", Title: "Unsave a paper",
			Description: "Take a paper out of the Saved list of the account of your personal API token. " +
				"A paper not in the list is no error. Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Unsave a paper", IdempotentHint: true, DestructiveHint: new(true), OpenWorldHint: new(false)}},
			nil, save(false))
	})
}

func (s *Server) savePaper(ctx context.Context, c Caller, lib SavedList, in PaperInput, save bool) (SaveOutput, string, error) {
	tool := "save_paper"
	if !save {
		tool = "unsave_paper"
	}
	a, err := s.account(ctx, c, tool)
	if err != nil {
		return SaveOutput{}, "", err
	}
	if err := lib.SavePaper(ctx, a, in.ID, save); err != nil {
		return SaveOutput{}, "", err
	}
	out := SaveOutput{ID: canonical(in.ID), Saved: save}
	if save {
		return out, fmt.Sprintf("Saved %s to the Saved list of %s (%s/saved).\n", out.ID, a.Username, s.site.BaseURL()), nil
	}
	return out, fmt.Sprintf("%s is not in the Saved list of %s now.\n", out.ID, a.Username), nil
}
