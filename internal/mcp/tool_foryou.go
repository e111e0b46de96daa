package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ForYou is the reader's For-you ranking as /for-you and
// /api/recommendations give it: for_you is offered when the site has it.
type ForYou interface {
	// ForYou is limit papers of a's ranking of the last days' papers
	// from offset, each with why it is there; when the ranking cannot be
	// personal (no signals yet, paused, being prepared) it is trending,
	// with a note that says so.
	ForYou(ctx context.Context, a *store.Account, days, offset, limit int) (Recommendations, error)
}

// Recommendations is a page of a reader's ranking.
type Recommendations struct {
	From, To string // the window's first and last days
	Personal bool
	Note     string // why it is not personal
	Total    int    // papers the ranking holds
	Items    []Recommended
}

// Recommended is a paper of the ranking and why it is there.
type Recommended struct {
	Item   store.FeedItem
	Reason string
}

// ForYouInput is for_you's arguments.
type ForYouInput struct {
	Days   int `json:"days,omitempty" jsonschema:"the window: papers of the last so many days"`
	Limit  int `json:"limit,omitempty" jsonschema:"how many papers"`
	Offset int `json:"offset,omitempty" jsonschema:"how many to skip first, to page through the ranking"`
}

// RecommendedPaper is a paper for you, with the reason.
type RecommendedPaper struct {
	Paper
	Reason string `json:"reason" jsonschema:"why it is there: the liked paper, topic or author it is like, or trending"`
}

// ForYouOutput is for_you's result.
type ForYouOutput struct {
	Days     int                `json:"days"`
	From     string             `json:"from" jsonschema:"the window's first day, YYYY-MM-DD"`
	To       string             `json:"to" jsonschema:"its last day"`
	Personal bool               `json:"personal" jsonschema:"false when these are the trending papers instead, as note says"`
	Note     string             `json:"note,omitempty" jsonschema:"why the list is not personal"`
	Total    int                `json:"total" jsonschema:"how many papers the list holds"`
	Offset   int                `json:"offset"`
	Papers   []RecommendedPaper `json:"papers"`
}

func init() {
	register(func(s *Server) {
		fy, ok := s.site.(ForYou)
		if !ok {
			return
		}
		addTool(s, &sdk.Tool{Name: "for_you", Title: "Papers for you",
			Description: "The For-you ranking of the account of your personal API token: the last days' papers ordered by " +
				"what the reader upvoted, asked more of and picked as topics, each with why it is there. A reader with no signals yet " +
				"(or who paused it) gets the trending papers, and the result says so. Needs a token.",
			Annotations: readOnly("Papers for you")},
			func(in *inputSchema) {
				p := in.prop("days")
				p.Description += fmt.Sprintf(", one of %v (default %d)", recommend.Windows, recommend.DefaultWindow)
				for _, d := range recommend.Windows {
					p.Enum = append(p.Enum, d)
				}
				in.between("limit", 1, maxListed, 20)
				in.between("offset", 0, maxOffset, 0)
			},
			func(ctx context.Context, c Caller, in ForYouInput) (ForYouOutput, string, error) {
				return s.forYou(ctx, c, fy, in)
			})
	})
}

func (s *Server) forYou(ctx context.Context, c Caller, fy ForYou, in ForYouInput) (ForYouOutput, string, error) {
	out := ForYouOutput{Days: in.Days, Offset: in.Offset, Papers: []RecommendedPaper{}}
	if out.Days == 0 {
		out.Days = recommend.DefaultWindow
	}
	if !slices.Contains(recommend.Windows, out.Days) {
		return out, "", refuse("days must be one of %v, not %d.", recommend.Windows, in.Days)
	}
	limit, err := pageOf(PageInput{Limit: in.Limit, Offset: in.Offset}, 20)
	if err != nil {
		return out, "", err
	}
	a, err := s.account(ctx, c, "for_you")
	if err != nil {
		return out, "", err
	}
	recs, err := fy.ForYou(ctx, a, out.Days, in.Offset, limit)
	if err != nil {
		return out, "", err
	}
	out.From, out.To, out.Personal, out.Note, out.Total = recs.From, recs.To, recs.Personal, recs.Note, recs.Total
	ps := make([]Paper, len(recs.Items))
	for i := range recs.Items {
		ps[i] = s.paperOf(&recs.Items[i].Item.Paper, &recs.Items[i].Item)
		out.Papers = append(out.Papers, RecommendedPaper{Paper: ps[i], Reason: recs.Items[i].Reason})
	}
	var b strings.Builder
	if out.Personal {
		fmt.Fprintf(&b, "For %s, papers of %s to %s (%d days), best first", a.Username, out.From, out.To, out.Days)
	} else {
		fmt.Fprintf(&b, "%s\nTrending papers", out.Note)
	}
	switch {
	case len(ps) == 0 && out.Total > 0:
		fmt.Fprintf(&b, ": %d in all; offset %d is past the last.\n", out.Total, in.Offset)
	case len(ps) == 0:
		b.WriteString(": none.\n")
	default:
		fmt.Fprintf(&b, ": %d to %d of %d.\n\n", in.Offset+1, in.Offset+len(ps), out.Total)
		for i := range ps {
			var one strings.Builder
			textList(&one, ps[i:i+1], in.Offset+i)
			// The reason after the paper's first line, where a reader
			// looks for it.
			first, rest, _ := strings.Cut(one.String(), "\n")
			fmt.Fprintf(&b, "%s\n   Why: %s\n%s", first, out.Papers[i].Reason, rest)
		}
	}
	return out, b.String(), nil
}
