package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// TestMCPCommand runs "dailypapers mcp" as an agent starts it, over the
// demo database, and talks to it with the SDK's client over its stdin
// and stdout: its tools, a search once the index is ready, and a vote
// with the token of its environment.
func TestMCPCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "agent"}, Email: "agent@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	const token = "dp_command_test"
	if _, err := st.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: "agent", Prefix: token[:9], TokenHash: auth.HashToken(token), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	bin := buildBinary(t)
	cmd := exec.Command(bin, "mcp", "--data", dir, "--embedder", "none")
	cmd.Env = append(cleanEnv(), mcpTokenEnv+"="+token, "DAILYPAPERS_BASE_URL=https://papers.example.org")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cs.Close(); err != nil {
			t.Errorf("closing: %v\n%s", err, stderr.String())
		}
	}()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) != 21 {
		t.Fatalf("tools: %v %v", tools, err)
	}
	call := func(name string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr.String())
		}
		return res.Content[0].(*sdk.TextContent).Text, res.IsError
	}
	if text, isErr := call("daily_papers", map[string]any{"limit": 3}); isErr || !strings.Contains(text, "https://papers.example.org/papers/") {
		t.Errorf("daily_papers: %s", text)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		text, isErr := call("search_papers", map[string]any{"query": "agents", "limit": 3})
		if !isErr {
			if !strings.Contains(text, "The best 3 matches") {
				t.Errorf("search_papers: %s", text)
			}
			break
		}
		if !strings.Contains(text, "being built") || time.Now().After(deadline) {
			t.Fatalf("search_papers: %s\n%s", text, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A reader with no signals yet is told For you is trending.
	if text, isErr := call("for_you", map[string]any{"days": 30}); isErr || !strings.Contains(text, "No signals yet") {
		t.Errorf("for_you: %s", text)
	}
	if text, isErr := call("upvote_paper", map[string]any{"id": "2608.19880"}); isErr || !strings.Contains(text, "as agent") {
		t.Errorf("upvote_paper with the environment's token: %s", text)
	}
	// The reader's library, with the same token.
	if text, isErr := call("save_paper", map[string]any{"id": "2608.19880"}); isErr {
		t.Errorf("save_paper: %s", text)
	}
	if text, isErr := call("saved_papers", nil); isErr || !strings.Contains(text, "1. ") || !strings.Contains(text, "2608.19880") {
		t.Errorf("saved_papers: %s", text)
	}
}
