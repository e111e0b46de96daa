package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// SimilarInput is similar_papers' arguments.
type SimilarInput struct {
	ID    string `json:"id" jsonschema:"the paper's arXiv id or link"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many papers"`
}

// SimilarOutput is similar_papers' result.
type SimilarOutput struct {
	ID     string  `json:"id"`
	Papers []Paper `json:"papers"`
}

// maxSimilar bounds similar_papers: ranking more neighbours costs more,
// and past a few dozen they are not much like the paper.
const maxSimilar = 20

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "similar_papers", Title: "Similar papers",
			Description: "Papers on the feed most like a given paper, by words and meaning, as its page lists them. " +
				"Use it to find related work.",
			Annotations: readOnly("Similar papers")},
			func(in *inputSchema) { in.between("limit", 1, maxSimilar, 6) }, s.similarPapers)
	})
}

func (s *Server) similarPapers(ctx context.Context, c Caller, in SimilarInput) (SimilarOutput, string, error) {
	out := SimilarOutput{ID: canonical(in.ID), Papers: []Paper{}}
	limit, err := limitOf(in.Limit, 6, maxSimilar)
	if err != nil {
		return out, "", err
	}
	ps, err := s.site.SimilarPapers(ctx, in.ID, limit)
	if err != nil {
		return out, "", err
	}
	for i := range ps {
		out.Papers = append(out.Papers, s.paperOf(&ps[i], nil))
	}
	var b strings.Builder
	if len(ps) == 0 {
		fmt.Fprintf(&b, "No similar papers for %s (the search index may still be loading).\n", in.ID)
	} else {
		fmt.Fprintf(&b, "Papers like %s:\n\n", in.ID)
		textList(&b, out.Papers, 0)
	}
	return out, b.String(), nil
}
