package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// mcpSite is the site as the MCP server's tools see it (mcp.Site): the
// functions the API's handlers and the pages call, with their refusals
// told as mcp.Refusal.
type mcpSite struct{ s *Server }

// MCP is the site's MCP server, which Handler serves at /mcp and
// "dailypapers mcp" over stdio.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// mcpError tells a refusal (an httpError below 500, or a 503 with its
// wait) as mcp.Refusal; other errors are the site's failures.
func mcpError(err error) error {
	var (
		he  *httpError
		dup *onFeedError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dup):
		return &mcp.Refusal{Message: fmt.Sprintf("%s is already on the feed of %s.", dup.item.Paper.ID, dup.item.Day)}
	case errors.As(err, &he) && (he.status < 500 || he.retryAfter > 0):
		return &mcp.Refusal{Message: he.msg, RetryAfter: he.retryAfter}
	}
	return err
}

func (m mcpSite) BaseURL() string { return m.s.baseURL }

func (m mcpSite) SearchPapers(ctx context.Context, addr, query string, mode search.Mode, limit int) ([]store.FeedItem, error) {
	items, err := m.s.searchFeed(ctx, addr, query, mode, limit)
	return items, mcpError(err)
}

func (m mcpSite) DailyPapers(ctx context.Context, date, week, month, who, sort string) (mcp.Period, []store.FeedItem, error) {
	p, ok, err := m.s.feedPeriod(ctx, date, week, month)
	if err != nil || !ok {
		return mcp.Period{}, nil, mcpError(err)
	}
	items, err := m.s.feedItems(ctx, p, who, sort)
	return mcp.Period{Kind: p.Kind, Key: p.Key, From: p.fromKey(), To: p.toKey()}, items, mcpError(err)
}

func (m mcpSite) TrendingPapers(ctx context.Context, limit int) ([]rank.Scored, error) {
	return m.s.trendingNow(ctx, limit)
}

// paperID reads an id as the API does: a 400 that names what was given.
func paperID(raw string) (paper.ID, error) {
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return "", badRequest(fmt.Sprintf("%q is not an arXiv id or link; ids look like 2509.02547 or math/0601001.", raw))
	}
	return id, nil
}

func (m mcpSite) Paper(ctx context.Context, raw string) (paper.Paper, []store.FeedItem, error) {
	id, err := paperID(raw)
	if err != nil {
		return paper.Paper{}, nil, mcpError(err)
	}
	p, err := m.s.store.Paper(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, nil, mcpError(notFound("Paper " + string(id) + " is not in this catalogue; search_papers finds the papers it has."))
	}
	if err != nil {
		return p, nil, err
	}
	subs, err := m.s.store.Submissions(ctx, id)
	return p, subs, err
}

func (m mcpSite) PaperMarkdown(ctx context.Context, raw string) (string, error) {
	md, err := m.s.paperMarkdownText(ctx, raw)
	return md, mcpError(err)
}

func (m mcpSite) SimilarPapers(ctx context.Context, raw string, limit int) ([]paper.Paper, error) {
	p, _, err := m.Paper(ctx, raw)
	if err != nil {
		return nil, err
	}
	if m.s.search == nil || !m.s.search.Ready() {
		return nil, &mcp.Refusal{Message: "The search index is being built, so similar papers cannot be ranked yet; try again in a moment."}
	}
	return m.s.similar(ctx, &p, limit)
}

func (m mcpSite) TokenAccount(ctx context.Context, token string) (*store.Account, error) {
	a, err := m.s.tokenAccount(ctx, token)
	return a, mcpError(err)
}

func (m mcpSite) SubmitPaper(ctx context.Context, addr string, a *store.Account, sub mcp.Submission) (store.FeedItem, error) {
	it, err := m.s.submit(ctx, a, addr, submission{Ref: sub.Paper, GitHub: sub.GitHub, ProjectPage: sub.ProjectPage})
	return it, mcpError(err)
}

func (m mcpSite) Upvote(ctx context.Context, addr string, a *store.Account, raw string, up bool) (int, error) {
	id, err := paperID(raw)
	if err != nil {
		return 0, mcpError(err)
	}
	n, err := m.s.castVote(ctx, a, addr, id, up)
	return n, mcpError(err)
}

// mcpHandler serves /mcp: the MCP server over Streamable HTTP, with the
// client address the site's rate limits count.
func (s *Server) mcpHandler() http.Handler {
	return s.mcp.Handler(s.clientIP)
}
