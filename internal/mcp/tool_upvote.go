package mcp

import (
	"context"
	"fmt"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// UpvoteInput is upvote_paper's arguments.
type UpvoteInput struct {
	ID       string `json:"id" jsonschema:"the paper's arXiv id or link"`
	Withdraw bool   `json:"withdraw,omitempty" jsonschema:"true takes the upvote back"`
}

// UpvoteOutput is upvote_paper's result.
type UpvoteOutput struct {
	ID      string `json:"id"`
	Upvotes int    `json:"upvotes" jsonschema:"the paper's upvotes now"`
	Upvoted bool   `json:"upvoted" jsonschema:"whether your account upvotes it now"`
}

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "upvote_paper", Title: "Upvote a paper",
			Description: "Upvote a paper as the account of your personal API token, or take the upvote back " +
				"(withdraw: true). Upvoting twice counts once. Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Upvote a paper", IdempotentHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)}},
			nil, s.upvotePaper)
	})
}

func (s *Server) upvotePaper(ctx context.Context, c Caller, in UpvoteInput) (UpvoteOutput, string, error) {
	var out UpvoteOutput
	a, err := s.account(ctx, c, "upvote_paper")
	if err != nil {
		return out, "", err
	}
	n, err := s.site.Upvote(ctx, c.Addr, a, in.ID, !in.Withdraw)
	if err != nil {
		return out, "", err
	}
	out = UpvoteOutput{ID: canonical(in.ID), Upvotes: n, Upvoted: !in.Withdraw}
	verb := "Upvoted"
	if in.Withdraw {
		verb = "Withdrew the upvote of"
	}
	return out, fmt.Sprintf("%s %s as %s; it has %d upvotes.\n", verb, out.ID, a.Username, n), nil
}
