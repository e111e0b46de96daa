package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// PageInput pages through a list.
type PageInput struct {
	Limit  int `json:"limit,omitempty" jsonschema:"how many papers"`
	Offset int `json:"offset,omitempty" jsonschema:"how many to skip first, to page through the list"`
}

// SavedPaper is a paper of the Saved list.
type SavedPaper struct {
	Paper
	SavedAt string `json:"saved_at" jsonschema:"when it was saved, RFC 3339"`
}

// SavedOutput is saved_papers' result.
type SavedOutput struct {
	Total  int          `json:"total" jsonschema:"how many papers the Saved list holds"`
	Offset int          `json:"offset"`
	Papers []SavedPaper `json:"papers"`
}

// maxListed bounds a page of a reader's list (the Saved list, a
// collection): the page's 50 and as many again.
const maxListed = 100

func init() {
	register(func(s *Server) {
		lib, ok := s.site.(SavedList)
		if !ok {
			return
		}
		addTool(s, &sdk.Tool{Name: "saved_papers", Title: "Saved papers",
			Description: "The Saved list of the account of your personal API token, its private reading list, " +
				"most recently saved first, a page at a time. Needs a token.",
			Annotations: readOnly("Saved papers")},
			func(in *inputSchema) {
				in.between("limit", 1, maxListed, 50)
				in.between("offset", 0, maxOffset, 0)
			},
			func(ctx context.Context, c Caller, in PageInput) (SavedOutput, string, error) {
				return s.savedPapers(ctx, c, lib, in)
			})
	})
}

// pageOf checks a page's limit (def when 0) and offset.
func pageOf(in PageInput, def int) (limit int, err error) {
	if limit, err = limitOf(in.Limit, def, maxListed); err != nil {
		return 0, err
	}
	if in.Offset < 0 || in.Offset > maxOffset {
		return 0, refuse("offset must be a whole number from 0 to %d.", maxOffset)
	}
	return limit, nil
}

func (s *Server) savedPapers(ctx context.Context, c Caller, lib SavedList, in PageInput) (SavedOutput, string, error) {
	out := SavedOutput{Offset: in.Offset, Papers: []SavedPaper{}}
	limit, err := pageOf(in, 50)
	if err != nil {
		return out, "", err
	}
	a, err := s.account(ctx, c, "saved_papers")
	if err != nil {
		return out, "", err
	}
	saved, total, err := lib.SavedPapers(ctx, a, in.Offset, limit)
	if err != nil {
		return out, "", err
	}
	out.Total = total
	ps := make([]Paper, len(saved))
	for i := range saved {
		ps[i] = s.paperOf(&saved[i].Paper, nil)
		out.Papers = append(out.Papers, SavedPaper{Paper: ps[i], SavedAt: saved[i].SavedAt.UTC().Format(time.RFC3339)})
	}
	var b strings.Builder
	switch {
	case total == 0:
		fmt.Fprintf(&b, "The Saved list of %s is empty; save_paper saves a paper to it.\n", a.Username)
	case len(saved) == 0:
		fmt.Fprintf(&b, "The Saved list of %s holds %d papers; offset %d is past the last.\n", a.Username, total, in.Offset)
	default:
		fmt.Fprintf(&b, "The Saved list of %s, most recently saved first: %d to %d of %d.\n\n", a.Username, in.Offset+1, in.Offset+len(saved), total)
		textList(&b, ps, in.Offset)
	}
	return out, b.String(), nil
}
