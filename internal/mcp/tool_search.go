package mcp

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/search"
)

// SearchInput is search_papers' arguments.
type SearchInput struct {
	Query    string `json:"query" jsonschema:"what to look for, in the site's query language: words, \"exact phrases\", -excluded words, prefix*, author:Name, cat:cs.CL, year:2024, year:2020..2022, after:2025-01-01, before:2025-06-30, has:code"`
	Mode     string `json:"mode,omitempty" jsonschema:"ranking: hybrid (words and meaning, the default), lexical (exact words) or semantic (meaning)"`
	After    string `json:"after,omitempty" jsonschema:"only papers first published on or after this day, YYYY-MM-DD"`
	Before   string `json:"before,omitempty" jsonschema:"only papers first published before this day, YYYY-MM-DD"`
	Category string `json:"category,omitempty" jsonschema:"only papers in this arXiv category (cs.CL) or archive (cs)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"how many results, best first"`
}

// SearchOutput is search_papers' result.
type SearchOutput struct {
	Query  string  `json:"query" jsonschema:"the query as searched, filters included"`
	Papers []Paper `json:"papers"`
}

// maxSearchResults is the most results one call returns: the JSON API's
// bound (its limit= goes to 120).
const maxSearchResults = 120

var categoryRE = regexp.MustCompile(`^[A-Za-z-]+(\.[A-Za-z-]+)?$`)

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "search_papers", Title: "Search papers",
			Description: "Search the whole catalogue of papers by words and meaning, with the site's query language " +
				"(phrases, -exclusions, author:, cat:, year:, after:, before:, has:code). Use it to find papers on a topic, " +
				"by an author or in a category; results come best first with id, title, authors, abstract, upvotes and links.",
			Annotations: readOnly("Search papers")},
			func(in *inputSchema) {
				in.between("limit", 1, maxSearchResults, 10)
				in.oneOf("mode", "hybrid", "lexical", "semantic")
				in.maxLength("query", search.MaxQueryLen)
				in.pattern("after", `^\d{4}-\d{2}-\d{2}$`)
				in.pattern("before", `^\d{4}-\d{2}-\d{2}$`)
				in.pattern("category", categoryRE.String())
			}, s.searchPapers)
	})
}

func (s *Server) searchPapers(ctx context.Context, c Caller, in SearchInput) (SearchOutput, string, error) {
	var out SearchOutput
	if strings.TrimSpace(in.Query) == "" {
		return out, "", refuse("query is required: give a few words to search for, such as \"long context language models\".")
	}
	limit, err := limitOf(in.Limit, 10, maxSearchResults)
	if err != nil {
		return out, "", err
	}
	mode, err := search.ParseMode(in.Mode)
	if err != nil {
		return out, "", refuse("mode must be hybrid, lexical or semantic, not %q.", in.Mode)
	}
	// The filters are the query language's own operators, so a search
	// here is the one /search?q= runs for the same text.
	q := strings.TrimSpace(in.Query)
	if in.Category != "" {
		if !categoryRE.MatchString(in.Category) {
			return out, "", refuse("category must be an arXiv category such as cs.CL, or an archive such as cs; %q is neither.", in.Category)
		}
		q += " cat:" + in.Category
	}
	for _, d := range []struct{ name, v string }{{"after", in.After}, {"before", in.Before}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return out, "", refuse("%s must be a date like 2025-09-03; %q is not one.", d.name, d.v)
		}
		q += " " + d.name + ":" + d.v
	}
	items, err := s.site.SearchPapers(ctx, c.Addr, q, mode, limit)
	if err != nil {
		return out, "", err
	}
	out = SearchOutput{Query: q, Papers: s.feedPapers(items)}
	var b strings.Builder
	if len(items) == 0 {
		fmt.Fprintf(&b, "No papers match %q.\n", q)
	} else {
		fmt.Fprintf(&b, "The best %d matches for %q:\n\n", len(items), q)
		textList(&b, out.Papers, 0)
	}
	return out, b.String(), nil
}

// limitOf is a tool's limit argument: def when 0, else from 1 to max.
func limitOf(n, def, max int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 1 || n > max:
		return 0, refuse("limit must be a whole number from 1 to %d; %d is out of range.", max, n)
	}
	return n, nil
}

// readOnly marks a tool that changes nothing.
func readOnly(title string) *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)}
}
