package mcp

import (
	"context"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TrendingInput is trending_papers' arguments.
type TrendingInput struct {
	Limit int `json:"limit,omitempty" jsonschema:"how many papers"`
}

// TrendingPaper is a paper with its trending score.
type TrendingPaper struct {
	Paper
	Score float64 `json:"score" jsonschema:"the trending score: upvotes and stars gained, decaying with age"`
}

// TrendingOutput is trending_papers' result.
type TrendingOutput struct {
	Papers []TrendingPaper `json:"papers"`
}

// maxTrending is the trending page's length.
const maxTrending = 50

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "trending_papers", Title: "Trending papers",
			Description: "The papers rising fastest on the feed now, as the site's trending page ranks them " +
				"(upvotes and GitHub stars gained recently, decaying with age). Use it for \"what is hot\".",
			Annotations: readOnly("Trending papers")},
			func(in *inputSchema) { in.between("limit", 1, maxTrending, 20) }, s.trendingPapers)
	})
}

func (s *Server) trendingPapers(ctx context.Context, c Caller, in TrendingInput) (TrendingOutput, string, error) {
	out := TrendingOutput{Papers: []TrendingPaper{}}
	limit, err := limitOf(in.Limit, 20, maxTrending)
	if err != nil {
		return out, "", err
	}
	scored, err := s.site.TrendingPapers(ctx, limit)
	if err != nil {
		return out, "", err
	}
	ps := make([]Paper, len(scored))
	for i := range scored {
		ps[i] = s.paperOf(&scored[i].Paper, &scored[i].FeedItem)
		out.Papers = append(out.Papers, TrendingPaper{Paper: ps[i], Score: scored[i].Score})
	}
	var b strings.Builder
	if len(ps) == 0 {
		b.WriteString("Nothing is trending: no paper has been submitted yet.\n")
	} else {
		b.WriteString("Trending now, fastest rising first:\n\n")
		textList(&b, ps, 0)
	}
	return out, b.String(), nil
}
