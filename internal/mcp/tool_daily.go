package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// DailyInput is daily_papers' arguments.
type DailyInput struct {
	Date   string `json:"date,omitempty" jsonschema:"a day of the feed, YYYY-MM-DD"`
	Week   string `json:"week,omitempty" jsonschema:"an ISO week, such as 2025-W36"`
	Month  string `json:"month,omitempty" jsonschema:"a month, YYYY-MM"`
	Sort   string `json:"sort,omitempty" jsonschema:"upvotes (the feed's own order, the default), trending (rising fastest over the period) or newest (newest first)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"how many papers"`
	Offset int    `json:"offset,omitempty" jsonschema:"how many to skip first, to page through a week or a month"`
}

// DailyOutput is daily_papers' result.
type DailyOutput struct {
	Period Period  `json:"period"`
	Sort   string  `json:"sort"`
	Total  int     `json:"total" jsonschema:"how many papers the period has"`
	Offset int     `json:"offset"`
	Papers []Paper `json:"papers"`
}

const (
	maxDaily    = 100 // the JSON API's bound of limit=
	maxOffset   = 10000
	defaultSort = "upvotes"
)

// dailySorts are daily_papers' orders, as the site's feed orders say them.
var dailySorts = map[string]string{"upvotes": "", "trending": "trending", "newest": "publishedAt"}

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "daily_papers", Title: "Daily papers",
			Description: "The community's daily feed of papers: those submitted on a day, an ISO week or a month " +
				"(give at most one of date, week and month; none gives the newest day), most upvoted first, " +
				"trending or newest first. Use it for \"today's papers\", \"this week's top papers\" and the like.",
			Annotations: readOnly("Daily papers")},
			func(in *inputSchema) {
				in.between("limit", 1, maxDaily, 50)
				in.between("offset", 0, maxOffset, 0)
				in.oneOf("sort", defaultSort, "trending", "newest")
				in.pattern("date", `^\d{4}-\d{2}-\d{2}$`)
				in.pattern("week", `^\d{4}-W\d{2}$`)
				in.pattern("month", `^\d{4}-\d{2}$`)
			}, s.dailyPapers)
	})
}

func (s *Server) dailyPapers(ctx context.Context, c Caller, in DailyInput) (DailyOutput, string, error) {
	var out DailyOutput
	limit, err := limitOf(in.Limit, 50, maxDaily)
	if err != nil {
		return out, "", err
	}
	if in.Offset < 0 || in.Offset > maxOffset {
		return out, "", refuse("offset must be a whole number from 0 to %d.", maxOffset)
	}
	sortName := cmp.Or(in.Sort, defaultSort)
	sort, ok := dailySorts[sortName]
	if !ok {
		return out, "", refuse("sort must be upvotes, trending or newest, not %q.", in.Sort)
	}
	p, items, err := s.site.DailyPapers(ctx, in.Date, in.Week, in.Month, "", sort)
	if err != nil {
		return out, "", err
	}
	from := min(in.Offset, len(items))
	page := items[from:min(from+limit, len(items))]
	out = DailyOutput{Period: p, Sort: sortName, Total: len(items), Offset: from, Papers: s.feedPapers(page)}
	var b strings.Builder
	switch {
	case p.Key == "":
		b.WriteString("The feed is empty: no paper has been submitted yet.\n")
	case len(items) == 0:
		fmt.Fprintf(&b, "No papers were submitted in %s %s.\n", p.Kind, p.Key)
	case len(page) == 0:
		fmt.Fprintf(&b, "%s %s has %d papers; offset %d is past the last.\n", p.Kind, p.Key, len(items), in.Offset)
	default:
		fmt.Fprintf(&b, "Papers of %s %s (%s to %s), by %s: %d to %d of %d.\n\n", p.Kind, p.Key, p.From, p.To, sortName, from+1, from+len(page), len(items))
		textList(&b, out.Papers, from)
	}
	return out, b.String(), nil
}
