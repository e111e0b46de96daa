package mcp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/ratelimit"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

// clock is the tests' "now": months after the demo feed's last day.
var clock = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

const (
	lastDay  = "2026-08-21" // the demo feed's newest day
	topPaper = "2608.19880" // its most upvoted paper
	base     = "https://papers.example.org"
)

// fixture is the demo catalogue in a SQLite file (or a PostgreSQL
// schema), with its search index.
type fixture struct {
	st   store.Store
	svc  *search.Service
	open func(t testing.TB) store.Store // another connection to the same database
}

func newFixture(t testing.TB) *fixture { return newFixtureOn(t, "sqlite") }

// newFixtureOn makes the fixture on a backend: "sqlite", or "postgres"
// in the database of DAILYPAPERS_TEST_POSTGRES (skipped when unset).
func newFixtureOn(t testing.TB, backend string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	if backend == "postgres" {
		dsn := pgtest.Schema(t)
		f.open = func(t testing.TB) store.Store {
			st, err := postgres.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() }) // before the schema's cleanup drops it
			return st
		}
	} else {
		path := filepath.Join(t.TempDir(), "dailypapers.db")
		f.open = func(t testing.TB) store.Store {
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
	}
	st := f.open(t)
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	svc := search.NewService(st, nil)
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	f.st, f.svc = st, svc
	return f
}

// site is the web site over the fixture's store; limits nil: the defaults.
func (f *fixture) site(t testing.TB, limits *web.Limits) *web.Server {
	t.Helper()
	s, err := web.New(f.st, web.Options{Search: f.svc, Now: func() time.Time { return clock }, BaseURL: base,
		SubmitWindow: -1, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// token makes an account and a personal API token for it.
func (f *fixture) token(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	a, err := f.st.CreateAccount(ctx, store.Account{User: store.User{Username: name}, Email: name + "@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	token := "dp_test_" + name
	if _, err := f.st.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: "agent", Prefix: token[:9], TokenHash: auth.HashToken(token), CreatedAt: clock}); err != nil {
		t.Fatal(err)
	}
	return token
}

// stdioClient connects a client to the site's MCP server over a pair of
// pipes, framed as over a process's stdin and stdout.
func stdioClient(t *testing.T, s *web.Server, token string) *sdk.ClientSession {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- s.MCP().Run(ctx, &sdk.IOTransport{Reader: inR, Writer: outW}, mcp.Caller{Addr: "local", Token: token})
	}()
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer cancel()
		cs.Close() // the server sees its input end, as when an agent quits
		select {
		case err := <-done:
			if err != nil && !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "EOF") {
				t.Errorf("the stdio server ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the stdio server went on after its client hung up")
		}
	})
	return cs
}

// bearer adds a token to every request, as an MCP client configured with
// one does.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// httpClient connects a client to /mcp of the site's handler.
func httpClient(t *testing.T, h http.Handler, token string) *sdk.ClientSession {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return connectHTTP(t, srv.URL+"/mcp", http.DefaultTransport, token)
}

func connectHTTP(t *testing.T, endpoint string, rt http.RoundTripper, token string) *sdk.ClientSession {
	t.Helper()
	if token != "" {
		rt = bearer{token, rt}
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: rt}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// transports connects a client both ways, for tests that run over each.
func transports(t *testing.T, s *web.Server, token string) map[string]*sdk.ClientSession {
	return map[string]*sdk.ClientSession{"stdio": stdioClient(t, s, token), "http": httpClient(t, s.Handler(), token)}
}

// call calls a tool and returns its result: its text, its structured
// content decoded into out (when not nil), and whether it is an error.
func call(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any, out any) (text string, isError bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v", tool, args, err)
	}
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			text += tc.Text
		}
	}
	if out != nil && !res.IsError {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: structured content %s: %v", tool, b, err)
		}
	}
	return text, res.IsError
}

var wantTools = []string{"add_to_collection", "cite_paper", "create_collection", "daily_papers", "follow", "following_papers", "for_you",
	"get_collection", "get_paper", "list_collections", "read_paper", "remove_from_collection", "save_paper", "saved_papers", "search_papers",
	"similar_papers", "submit_paper", "trending_papers", "unfollow", "unsave_paper", "upvote_paper"}

// tokenTools act for an account or read its own lists; writeTools change
// something, and are the tools not marked read-only.
var (
	tokenTools = []string{"add_to_collection", "create_collection", "follow", "following_papers", "for_you", "remove_from_collection",
		"save_paper", "saved_papers", "submit_paper", "unfollow", "unsave_paper", "upvote_paper"}
	writeTools = []string{"add_to_collection", "create_collection", "follow", "remove_from_collection", "save_paper", "submit_paper",
		"unfollow", "unsave_paper", "upvote_paper"}
)

func TestToolsAreListedWithSchemas(t *testing.T) {
	f := newFixture(t)
	for name, cs := range transports(t, f.site(t, nil), "") {
		t.Run(name, func(t *testing.T) {
			res, err := cs.ListTools(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range res.Tools {
				names = append(names, tool.Name)
				if len(tool.Description) < 40 || tool.InputSchema == nil || tool.OutputSchema == nil {
					t.Errorf("%s: description %q, input schema %v, output schema %v", tool.Name, tool.Description, tool.InputSchema != nil, tool.OutputSchema != nil)
				}
				if ro := tool.Annotations != nil && tool.Annotations.ReadOnlyHint; ro == slices.Contains(writeTools, tool.Name) {
					t.Errorf("%s: read-only %v", tool.Name, ro)
				}
				if says := strings.Contains(tool.Description, "Needs a token"); says != slices.Contains(tokenTools, tool.Name) {
					t.Errorf("%s: its description says it needs a token: %v (%q)", tool.Name, says, tool.Description)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, wantTools) {
				t.Errorf("tools %v, want %v", names, wantTools)
			}
		})
	}
}

// TestReadTools calls every anonymous tool with good and bad arguments,
// over stdio and over HTTP.
func TestReadTools(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	day, err := f.st.Feed(ctx, store.FeedQuery{From: lastDay, To: lastDay})
	if err != nil || len(day) == 0 || day[0].Paper.ID != topPaper {
		t.Fatalf("the demo's last day: %d papers (%v)", len(day), err)
	}
	top := day[0].Paper
	type papers struct {
		Papers []mcp.Paper `json:"papers"`
		Total  int         `json:"total"`
		Period mcp.Period  `json:"period"`
	}
	for name, cs := range transports(t, f.site(t, nil), "") {
		t.Run(name, func(t *testing.T) {
			t.Run("daily_papers newest day", func(t *testing.T) {
				var out papers
				text, isErr := call(t, cs, "daily_papers", nil, &out)
				if isErr || out.Period.Key != lastDay || out.Total != len(day) || len(out.Papers) != len(day) {
					t.Fatalf("error %v, period %+v, %d of %d papers, want %d\n%s", isErr, out.Period, len(out.Papers), out.Total, len(day), text)
				}
				if p := out.Papers[0]; p.ID != topPaper || p.Title != top.Title || p.FeedDay != lastDay || p.URL != base+"/papers/"+topPaper {
					t.Errorf("first paper %+v", p)
				}
				if !strings.Contains(text, "1. "+top.Title) || !strings.Contains(text, base+"/papers/"+topPaper) {
					t.Errorf("text does not list the top paper:\n%s", text)
				}
			})
			t.Run("daily_papers month trending paged", func(t *testing.T) {
				var all, page papers
				if text, isErr := call(t, cs, "daily_papers", map[string]any{"month": "2026-08", "sort": "trending", "limit": 100}, &all); isErr {
					t.Fatal(text)
				}
				if text, isErr := call(t, cs, "daily_papers", map[string]any{"month": "2026-08", "sort": "trending", "limit": 5, "offset": 10}, &page); isErr {
					t.Fatal(text)
				}
				if all.Total <= len(day) || len(page.Papers) != 5 || page.Papers[0].ID != all.Papers[10].ID {
					t.Errorf("month of %d papers; page at 10: %v", all.Total, page.Papers)
				}
			})
			t.Run("daily_papers week", func(t *testing.T) {
				var out papers
				if text, isErr := call(t, cs, "daily_papers", map[string]any{"week": "2026-W34", "sort": "newest"}, &out); isErr || out.Period.From != "2026-08-17" || out.Total < len(day) {
					t.Errorf("week: %+v %d papers\n%s", out.Period, out.Total, text)
				}
			})
			t.Run("search_papers", func(t *testing.T) {
				var out struct {
					Query  string      `json:"query"`
					Papers []mcp.Paper `json:"papers"`
				}
				text, isErr := call(t, cs, "search_papers", map[string]any{"query": top.Title, "limit": 5, "after": "2025-01-01", "mode": "lexical"}, &out)
				if isErr || len(out.Papers) == 0 || out.Papers[0].ID != topPaper {
					t.Fatalf("searching the top paper's title: %v\n%s", out.Papers, text)
				}
				if want := top.Title + " after:2025-01-01"; out.Query != want {
					t.Errorf("query searched %q, want %q", out.Query, want)
				}
				// The filters filter: no paper is that old, and the demo's
				// papers have no categories.
				for _, args := range []map[string]any{{"before": "2001-01-01"}, {"category": "math.AG"}} {
					args["query"] = top.Title
					if text, isErr := call(t, cs, "search_papers", args, &out); isErr || len(out.Papers) != 0 || !strings.Contains(text, "No papers match") {
						t.Errorf("%v: %d papers\n%s", args, len(out.Papers), text)
					}
				}
			})
			t.Run("trending_papers", func(t *testing.T) {
				var out struct {
					Papers []struct {
						mcp.Paper
						Score float64 `json:"score"`
					} `json:"papers"`
				}
				text, isErr := call(t, cs, "trending_papers", map[string]any{"limit": 3}, &out)
				if isErr || len(out.Papers) != 3 || out.Papers[0].Score < out.Papers[2].Score {
					t.Errorf("trending: %+v\n%s", out.Papers, text)
				}
			})
			t.Run("get_paper", func(t *testing.T) {
				var out mcp.PaperDetail
				text, isErr := call(t, cs, "get_paper", map[string]any{"id": "https://arxiv.org/abs/" + topPaper + "v1"}, &out)
				if isErr || out.ID != topPaper || len(out.AllAuthors) != len(top.Authors) || out.GitHub != top.GitHubRepo ||
					out.Links.PDF != "https://arxiv.org/pdf/"+topPaper || len(out.Feed) != 1 || out.Feed[0].Day != lastDay {
					t.Errorf("get_paper: %+v\n%s", out, text)
				}
				if top.AISummary != "" && (out.AISummary != top.AISummary || !strings.Contains(text, "AI summary: ")) {
					t.Errorf("AI summary %q, want %q", out.AISummary, top.AISummary)
				}
			})
			t.Run("read_paper", func(t *testing.T) {
				var out mcp.ReadOutput
				text, isErr := call(t, cs, "read_paper", map[string]any{"id": topPaper}, &out)
				if isErr || !strings.HasPrefix(out.Markdown, "# ") || out.Markdown != text || !strings.Contains(text, "- Page: <"+base+"/papers/"+topPaper+">") {
					t.Errorf("read_paper:\n%s", text)
				}
			})
			t.Run("similar_papers", func(t *testing.T) {
				var out mcp.SimilarOutput
				text, isErr := call(t, cs, "similar_papers", map[string]any{"id": topPaper, "limit": 3}, &out)
				if isErr || len(out.Papers) != 3 || slices.ContainsFunc(out.Papers, func(p mcp.Paper) bool { return p.ID == topPaper }) {
					t.Errorf("similar: %v\n%s", out.Papers, text)
				}
			})
			for _, tc := range []struct {
				tool string
				args map[string]any
				want string // in the error's text
			}{
				{"get_paper", map[string]any{"id": "2601.99999"}, "not in this catalogue"},
				{"get_paper", map[string]any{"id": "not an id"}, "is not an arXiv id"},
				{"get_paper", map[string]any{}, "id"},
				{"read_paper", map[string]any{"id": "2601.00001"}, "not in this catalogue"},
				{"similar_papers", map[string]any{"id": "2601.99999"}, "not in this catalogue"},
				{"similar_papers", map[string]any{"id": topPaper, "limit": 1000}, "limit"},
				{"daily_papers", map[string]any{"date": "2026-02-30"}, "not a date like"},
				{"daily_papers", map[string]any{"date": "yesterday"}, "date"},
				{"daily_papers", map[string]any{"week": "2026-W60"}, "week"},
				{"daily_papers", map[string]any{"date": lastDay, "month": "2026-08"}, "one of date, week and month"},
				{"daily_papers", map[string]any{"limit": 1000000}, "limit"},
				{"daily_papers", map[string]any{"limit": -1}, "limit"},
				{"daily_papers", map[string]any{"sort": "random"}, "sort"},
				{"daily_papers", map[string]any{"when": "today"}, "when"},
				{"search_papers", map[string]any{"query": "  "}, "query is required"},
				{"search_papers", map[string]any{"query": strings.Repeat("graph ", 300)}, "query"},
				{"search_papers", map[string]any{"query": "transform* graph* neural* diffus*"}, "more than one search does at once"},
				{"search_papers", map[string]any{"query": "x", "after": "01/02/2025"}, "after"},
				{"search_papers", map[string]any{"query": "x", "category": "cs.CL OR 1=1"}, "category"},
				{"search_papers", map[string]any{"query": "x", "mode": "psychic"}, "mode"},
				{"search_papers", map[string]any{"query": "x", "limit": 5000}, "limit"},
				{"trending_papers", map[string]any{"limit": 0.5}, "limit"},
			} {
				t.Run("bad "+tc.tool, func(t *testing.T) {
					text, isErr := call(t, cs, tc.tool, tc.args, nil)
					if !isErr || !strings.Contains(text, tc.want) {
						t.Errorf("%s(%v): error %v, text %q, want an error saying %q", tc.tool, tc.args, isErr, text, tc.want)
					}
				})
			}
		})
	}
}

// TestTokenTools calls the tools that act for an account without a
// token, with a wrong one and with a good one, over both transports.
func TestTokenTools(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.site(t, nil)
	good := f.token(t, "ada")
	// Papers in the catalogue but not on the feed, to submit.
	fresh := []string{"2611.00001", "2611.00002"}
	im, err := f.st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range fresh {
		p := paper.Paper{ID: paper.ID(id), Title: "Paper " + id, Abstract: "About agents.", Authors: []paper.Author{{Name: "Ada Lovelace"}},
			Published: clock.Add(-48 * time.Hour)}
		if _, err := im.Write(ctx, []store.Record{{Paper: p}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"stdio", "http"} {
		connect := func(token string) *sdk.ClientSession {
			if name == "stdio" {
				return stdioClient(t, s, token)
			}
			return httpClient(t, s.Handler(), token)
		}
		t.Run(name, func(t *testing.T) {
			anon, wrong, ada := connect(""), connect("dp_not_a_token"), connect(good)
			for _, tool := range []string{"submit_paper", "upvote_paper"} {
				args := map[string]any{"id": topPaper}
				if text, isErr := call(t, anon, tool, args, nil); !isErr || !strings.Contains(text, base+"/settings/tokens") {
					t.Errorf("%s without a token: error %v, %q", tool, isErr, text)
				}
				if text, isErr := call(t, wrong, tool, args, nil); !isErr || !strings.Contains(text, "not valid") {
					t.Errorf("%s with a wrong token: error %v, %q", tool, isErr, text)
				}
			}
			before, err := f.st.Paper(ctx, topPaper)
			if err != nil {
				t.Fatal(err)
			}
			var vote mcp.UpvoteOutput
			if text, isErr := call(t, ada, "upvote_paper", map[string]any{"id": "arXiv:" + topPaper + "v2"}, &vote); isErr || vote.ID != topPaper || vote.Upvotes != before.Upvotes+1 || !vote.Upvoted {
				t.Errorf("upvote: %+v (had %d)\n%s", vote, before.Upvotes, text)
			}
			if text, isErr := call(t, ada, "upvote_paper", map[string]any{"id": topPaper, "withdraw": true}, &vote); isErr || vote.Upvotes != before.Upvotes || vote.Upvoted {
				t.Errorf("withdraw: %+v\n%s", vote, text)
			}
			if text, isErr := call(t, ada, "upvote_paper", map[string]any{"id": "2601.99999"}, nil); !isErr || !strings.Contains(text, "not in this catalogue") {
				t.Errorf("upvoting an unknown paper: %q", text)
			}
			var sub mcp.SubmitOutput
			if text, isErr := call(t, ada, "submit_paper", map[string]any{"id": fresh[i]}, &sub); isErr || sub.Paper.ID != fresh[i] || sub.Day != "2026-11-27" || sub.SubmittedBy != "ada" {
				t.Errorf("submit: %+v\n%s", sub, text)
			}
			if subs, err := f.st.Submissions(ctx, paper.ID(fresh[i])); err != nil || len(subs) != 1 || subs[0].Submitter.Username != "ada" {
				t.Errorf("the store has %v (%v)", subs, err)
			}
			if text, isErr := call(t, ada, "submit_paper", map[string]any{"id": topPaper}, nil); !isErr || !strings.Contains(text, "already on the feed of "+lastDay) {
				t.Errorf("submitting a paper on the feed: %q", text)
			}
			if text, isErr := call(t, ada, "submit_paper", map[string]any{"id": "2611.99999"}, nil); !isErr || !strings.Contains(text, "does not ask arXiv") {
				t.Errorf("submitting a paper arXiv would be asked for: %q", text)
			}
			if text, isErr := call(t, ada, "submit_paper", map[string]any{"id": fresh[i], "github": "https://gitlab.com/x/y"}, nil); !isErr || !strings.Contains(strings.ToLower(text), "github") {
				t.Errorf("submitting with a link that is not GitHub's: %q", text)
			}
		})
	}
}

// TestSearchesCountAgainstTheAddress: search_papers is charged to the
// client address as the API's searches are, with the API's message.
func TestSearchesCountAgainstTheAddress(t *testing.T) {
	f := newFixture(t)
	limits := web.DefaultLimits
	limits.SearchAddress = ratelimit.Limit{Events: 2, Per: time.Hour}
	cs := httpClient(t, f.site(t, &limits).Handler(), "")
	for i := range 3 {
		text, isErr := call(t, cs, "search_papers", map[string]any{"query": "language models"}, nil)
		if want := i == 2; isErr != want || want && !strings.Contains(text, "Too many searches") {
			t.Errorf("search %d: error %v, %q", i+1, isErr, text)
		}
	}
}

func TestPaperResourceAndPrompt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, cs := range transports(t, f.site(t, nil), "") {
		t.Run(name, func(t *testing.T) {
			res, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "paper://" + topPaper})
			if err != nil || len(res.Contents) != 1 || res.Contents[0].MIMEType != "text/markdown" || !strings.Contains(res.Contents[0].Text, "/papers/"+topPaper) {
				t.Errorf("paper://%s: %v %v", topPaper, res, err)
			}
			if _, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "paper://9999.99999"}); err == nil || !strings.Contains(err.Error(), "not found") {
				t.Errorf("an unknown paper's resource: %v", err)
			}
			p, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: "summarise_papers", Arguments: map[string]string{"topic": "agents"}})
			if err != nil || len(p.Messages) != 1 {
				t.Fatalf("prompt: %v %v", p, err)
			}
			if text := p.Messages[0].Content.(*sdk.TextContent).Text; !strings.Contains(text, `about "agents"`) || !strings.Contains(text, topPaper) {
				t.Errorf("prompt text:\n%s", text)
			}
			if _, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: "summarise_papers", Arguments: map[string]string{"topic": "agents", "date": "2026-13-01"}}); err == nil || !strings.Contains(err.Error(), "not a date") {
				t.Errorf("prompt with a bad date: %v", err)
			}
		})
	}
}

// alternate sends each request to the next of several servers in turn,
// as a load balancer without sticky sessions does.
type alternate struct {
	targets []string // http://host:port
	n       atomic.Int64
	mu      sync.Mutex
	seen    map[string]int // requests each target answered
}

func (a *alternate) RoundTrip(r *http.Request) (*http.Response, error) {
	target := a.targets[int(a.n.Add(1))%len(a.targets)]
	a.mu.Lock()
	a.seen[target]++
	a.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Host = strings.TrimPrefix(target, "http://")
	r.Host = r.URL.Host
	return http.DefaultTransport.RoundTrip(r)
}

// TestNoStickySessions: two sites over one database, as two "serve"
// processes behind a load balancer, and a client whose requests alternate
// between them: every call works, whichever process gets it, and a vote
// through one is seen through the other. On SQLite, and on PostgreSQL
// when DAILYPAPERS_TEST_POSTGRES is set.
func TestNoStickySessions(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { noStickySessions(t, newFixtureOn(t, backend)) })
	}
}

func noStickySessions(t *testing.T, f *fixture) {
	token := f.token(t, "bo")
	second := f.open(t) // the other process's connection
	svc2 := search.NewService(second, nil)
	if err := svc2.Build(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	s2, err := web.New(second, web.Options{Search: svc2, Now: func() time.Time { return clock }, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	a, b := httptest.NewServer(f.site(t, nil).Handler()), httptest.NewServer(s2.Handler())
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	lb := &alternate{targets: []string{a.URL, b.URL}, seen: map[string]int{}}
	cs := connectHTTP(t, a.URL+"/mcp", lb, token)
	var up1, up2 mcp.UpvoteOutput
	var got mcp.PaperDetail
	for i, step := range []func() (string, bool){
		func() (string, bool) { return call(t, cs, "daily_papers", map[string]any{"limit": 2}, nil) },
		func() (string, bool) { return call(t, cs, "upvote_paper", map[string]any{"id": topPaper}, &up1) },
		func() (string, bool) { return call(t, cs, "get_paper", map[string]any{"id": topPaper}, &got) },
		func() (string, bool) { return call(t, cs, "search_papers", map[string]any{"query": "agents"}, nil) },
		func() (string, bool) { return call(t, cs, "upvote_paper", map[string]any{"id": topPaper}, &up2) },
		func() (string, bool) { return call(t, cs, "read_paper", map[string]any{"id": topPaper}, nil) },
	} {
		if text, isErr := step(); isErr {
			t.Errorf("step %d: %s", i, text)
		}
	}
	if got.Upvotes != up1.Upvotes || up2.Upvotes != up1.Upvotes {
		t.Errorf("upvoted to %d through one process, read %d through the other, and %d voting again", up1.Upvotes, got.Upvotes, up2.Upvotes)
	}
	if lb.seen[a.URL] < 3 || lb.seen[b.URL] < 3 {
		t.Errorf("requests per process: %v", lb.seen)
	}

	// A client of an older protocol (2025-11-25) initializes with one
	// process and calls a tool on the other, with no session id.
	post := func(url, body string) (int, string) {
		req, _ := http.NewRequest("POST", url+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
			t.Errorf("a session id %q was given out", id)
		}
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if code, out := post(a.URL, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}`); code != 200 || !strings.Contains(out, `"2025-11-25"`) {
		t.Errorf("initialize: %d %s", code, out)
	}
	if code, out := post(b.URL, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_paper","arguments":{"id":"`+topPaper+`"}}}`); code != 200 || !strings.Contains(out, topPaper) || strings.Contains(out, `"isError":true`) {
		t.Errorf("tools/call on the other process: %d %s", code, out)
	}
}
