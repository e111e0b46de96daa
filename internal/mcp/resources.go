package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// resourceScheme names papers as resources an agent can attach:
// paper://2509.02547, read as read_paper reads them.
const resourceScheme = "paper://"

func resourceURI(id string) string { return resourceScheme + id }

// canonical is the canonical spelling of an arXiv id or link, or raw as
// it is when it is none (the site says what is wrong with it).
func canonical(raw string) string {
	if id, _, err := paper.ParseID(raw); err == nil {
		return string(id)
	}
	return raw
}

func (s *Server) addResources() {
	// {+id}: old-style ids have a slash (paper://math/0601001).
	s.sdk.AddResourceTemplate(&sdk.ResourceTemplate{Name: "paper", Title: "A paper", URITemplate: resourceScheme + "{+id}",
		MIMEType: "text/markdown", Description: "A paper of the catalogue as Markdown (title, authors, links, abstract), by its arXiv id: paper://2509.02547."},
		s.readResource)
}

func (s *Server) readResource(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	raw, ok := strings.CutPrefix(uri, resourceScheme)
	if !ok {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	md, err := s.site.PaperMarkdown(ctx, raw)
	var r *Refusal
	switch {
	case errors.As(err, &r):
		// Not found, or no arXiv id: the protocol's "not found", with the
		// site's reason in the log.
		s.log.Info("mcp resource refused", "uri", uri, "err", err)
		return nil, sdk.ResourceNotFoundError(uri)
	case err != nil:
		return nil, s.toolError(ctx, "resource", err)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: md}}}, nil
}

// addPrompts adds summarise_papers, which asks for a summary of a day's
// papers on a topic with the day's feed in the message, so that one step
// gives the model all it needs.
func (s *Server) addPrompts() {
	s.sdk.AddPrompt(&sdk.Prompt{Name: "summarise_papers", Title: "Summarise the day's papers on a topic",
		Description: "Summarise the papers on the feed of one day (the newest by default) that are about a topic.",
		Arguments: []*sdk.PromptArgument{
			{Name: "topic", Description: "what the papers should be about, such as \"robotics\" or \"long-context LLMs\"", Required: true},
			{Name: "date", Description: "the feed day, YYYY-MM-DD; the newest day when left out"},
		}}, s.summarisePrompt)
}

// promptPapers bounds the papers a prompt lists: a busy day has a
// hundred, and the model reads them all.
const promptPapers = 100

func (s *Server) summarisePrompt(ctx context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
	topic := strings.TrimSpace(req.Params.Arguments["topic"])
	if topic == "" {
		return nil, errors.New("topic is required: say what the papers should be about")
	}
	p, items, err := s.site.DailyPapers(ctx, req.Params.Arguments["date"], "", "", "", "")
	if err != nil {
		return nil, s.toolError(ctx, "summarise_papers", err)
	}
	var b strings.Builder
	if p.Key == "" {
		fmt.Fprintf(&b, "The Daily Papers feed is empty. Say so, and suggest searching for papers on %q with search_papers instead.", topic)
	} else {
		n := min(len(items), promptPapers)
		fmt.Fprintf(&b, "Here are the %d papers on the Daily Papers feed of %s, most upvoted first. "+
			"Pick the ones about %q, and summarise each in two or three sentences: what it does, how, and why it matters. "+
			"Cite each by title and arXiv id, and say if none is about the topic. get_paper or read_paper give more on any of them.\n\n",
			n, p.Key, topic)
		textList(&b, s.feedPapers(items[:n]), 0)
	}
	return &sdk.GetPromptResult{Description: "Summarise the papers of " + cmp.Or(p.Key, "the feed") + " about " + topic,
		Messages: []*sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: b.String()}}}}, nil
}
