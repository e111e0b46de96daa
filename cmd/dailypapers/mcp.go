package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/web"
)

// mcpTokenEnv holds the personal API token the tools that act for an
// account use over stdio. An environment variable, not a flag, so that
// it is not shown in process lists; agents' configurations set it.
const mcpTokenEnv = "DAILYPAPERS_MCP_TOKEN"

var mcpCmd = command{
	name:    "mcp",
	summary: "serve the papers to an AI agent over MCP on stdin and stdout",
	help: `Mcp runs the site's MCP (Model Context Protocol) server over stdin and
stdout, for agents that start a local process: the tools of /mcp on a
running site (search_papers, daily_papers, trending_papers, get_paper,
read_paper, similar_papers, submit_paper, upvote_paper), the paper://
resources and the summarise_papers prompt, over the database of --data or
--db. Logs go to stderr.

submit_paper and upvote_paper act for the account of a personal API token
(made on the site's /settings/tokens), given in ` + mcpTokenEnv + `.
Links in answers point to DAILYPAPERS_BASE_URL. The search index opens in
the background as serve's does: search answers "being built" until then.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc { c.DataFlags(fs); c.EmbedFlags(fs); return runMCP },
}

func runMCP(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("mcp takes no arguments, got %q", args)}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	idx := search.NewService(st, slog.Default())
	emb, err := newEmbedder(cfg)
	if err != nil {
		return err
	}
	if emb != nil {
		idx.UseEmbedder(emb)
	}
	go func() {
		start := time.Now()
		if _, err := idx.Open(ctx, cfg.IndexPath(), nil); err != nil {
			if ctx.Err() == nil {
				slog.Error("search index failed", "err", err)
			}
			return
		}
		slog.Info("search index ready", "papers", idx.Len(), "seconds", time.Since(start).Seconds())
		idx.Follow(ctx, searchPoll)
	}()
	site, err := web.New(st, web.Options{Logger: slog.Default(), Search: idx, BaseURL: cfg.PublicURL(),
		ArXiv: &arxiv.Client{BaseURL: cfg.ArXivAPI}, SubmitWindow: noLimit(cfg.SubmitWindow), DailyCap: noLimit(cfg.DailyCap),
		MCPTokenHint: "set " + mcpTokenEnv + " to it in the environment of dailypapers mcp"})
	if err != nil {
		return err
	}
	// The rate limits count a local agent's calls as one client's.
	return site.MCP().Run(ctx, &sdk.StdioTransport{}, mcp.Caller{Addr: "stdio", Token: os.Getenv(mcpTokenEnv)})
}
