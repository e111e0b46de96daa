package mcp

import (
	"context"
	"fmt"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// SubmitInput is submit_paper's arguments.
type SubmitInput struct {
	ID          string `json:"id" jsonschema:"the paper's arXiv id or link"`
	GitHub      string `json:"github,omitempty" jsonschema:"its code's GitHub repository, https://github.com/owner/name"`
	ProjectPage string `json:"project_page,omitempty" jsonschema:"its project page, an https:// link"`
}

// SubmitOutput is submit_paper's result.
type SubmitOutput struct {
	Paper       Paper  `json:"paper"`
	Day         string `json:"day" jsonschema:"the feed day it went on"`
	SubmittedBy string `json:"submitted_by"`
}

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "submit_paper", Title: "Submit a paper",
			Description: "Put a recent arXiv paper on today's feed, as the account of your personal API token " +
				"(the site's submission rules apply: recent papers only, once each, a daily cap). Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Submit a paper", DestructiveHint: new(false), OpenWorldHint: new(true)}},
			nil, s.submitPaper)
	})
}

func (s *Server) submitPaper(ctx context.Context, c Caller, in SubmitInput) (SubmitOutput, string, error) {
	var out SubmitOutput
	a, err := s.account(ctx, c, "submit_paper")
	if err != nil {
		return out, "", err
	}
	it, err := s.site.SubmitPaper(ctx, c.Addr, a, Submission{Paper: in.ID, GitHub: in.GitHub, ProjectPage: in.ProjectPage})
	if err != nil {
		return out, "", err
	}
	out = SubmitOutput{Paper: s.paperOf(&it.Paper, &it), Day: it.Day, SubmittedBy: a.Username}
	return out, fmt.Sprintf("Submitted %s (%s) to the feed of %s as %s.\n%s\n", it.Paper.ID, oneLine(it.Paper.Title), it.Day, a.Username, out.Paper.URL), nil
}
