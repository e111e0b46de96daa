package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// ReadOutput is read_paper's result.
type ReadOutput struct {
	ID       string `json:"id"`
	Markdown string `json:"markdown"`
}

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "read_paper", Title: "Read a paper",
			Description: "One paper as Markdown, as the site serves it at /papers/{id}.md: title, authors, " +
				"publication date, links (arXiv, PDF, code) and the abstract. Use it to read or quote a paper.",
			Annotations: readOnly("Read a paper")}, nil, s.readPaper)
	})
}

func (s *Server) readPaper(ctx context.Context, c Caller, in PaperInput) (ReadOutput, string, error) {
	md, err := s.site.PaperMarkdown(ctx, in.ID)
	if err != nil {
		return ReadOutput{}, "", err
	}
	return ReadOutput{ID: canonical(in.ID), Markdown: md}, md, nil
}
