// Package mcp serves the site's papers to AI agents over the Model
// Context Protocol, on the official Go SDK: over Streamable HTTP at /mcp
// on the running site (web mounts Handler) and over stdio with
// "dailypapers mcp". Its tools answer through the same services the pages
// and the JSON API use (Site, which web implements), so a search, a day's
// feed or a vote means the same here as there, under the same limits.
package mcp

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/rank"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Site is what the tools ask of the site: the reads and writes the pages
// and the JSON API make, each checking its input and its limits as they
// do there. Errors meant for the caller are *Refusal; any other error is
// the site's own failure, logged and not shown. Ids are as the caller
// typed them (an arXiv id or link): the site reads them as its pages do.
//
// A feature a tool needs beyond these (saved papers, collections, For
// you) is an interface of its own, declared beside its tool: the tool is
// offered when the site implements it (see register).
type Site interface {
	// BaseURL is the site's public address, for links.
	BaseURL() string
	// SearchPapers ranks the catalogue for query (the site's query
	// language), charged to the client address addr as the API's searches
	// are; a query over the budget is refused, not cut.
	SearchPapers(ctx context.Context, addr, query string, mode search.Mode, limit int) ([]store.FeedItem, error)
	// DailyPapers is the feed of one day, ISO week or month (at most one of
	// date, week and month given; none: the newest day), of one submitter
	// when who is not "", in the order sort says: "" (upvotes),
	// "publishedAt" or "trending".
	DailyPapers(ctx context.Context, date, week, month, who, sort string) (Period, []store.FeedItem, error)
	// TrendingPapers is the first limit papers of the trending page.
	TrendingPapers(ctx context.Context, limit int) ([]rank.Scored, error)
	// Paper is one paper and its feed entries.
	Paper(ctx context.Context, id string) (paper.Paper, []store.FeedItem, error)
	// PaperMarkdown is the paper as /papers/{id}.md serves it.
	PaperMarkdown(ctx context.Context, id string) (string, error)
	// SimilarPapers are up to limit papers like the paper id, as its page
	// lists them.
	SimilarPapers(ctx context.Context, id string, limit int) ([]paper.Paper, error)
	// TokenAccount is the account of a personal API token.
	TokenAccount(ctx context.Context, token string) (*store.Account, error)
	// SubmitPaper puts a paper on today's feed for account a, under the
	// rules and limits of the submit page.
	SubmitPaper(ctx context.Context, addr string, a *store.Account, s Submission) (store.FeedItem, error)
	// Upvote upvotes the paper id for a, or withdraws the vote, within the
	// limits of votes; it returns the paper's upvotes.
	Upvote(ctx context.Context, addr string, a *store.Account, id string, up bool) (int, error)
}

// Period is the span of feed days a daily_papers call read.
type Period struct {
	Kind string `json:"kind" jsonschema:"date, week or month"`
	Key  string `json:"key" jsonschema:"the period as given: 2025-09-03, 2025-W36 or 2025-09"`
	From string `json:"from" jsonschema:"its first day, YYYY-MM-DD"`
	To   string `json:"to" jsonschema:"its last day, YYYY-MM-DD"`
}

// Submission is what submit_paper asks to put on the feed.
type Submission struct {
	Paper       string // an arXiv id or link
	GitHub      string
	ProjectPage string
}

// Refusal is an error whose message is written for the caller: bad
// input, a broken rule, a limit reached, a paper not in the catalogue.
// A tool answers it as an error result an agent can act on.
type Refusal struct {
	Message string
	// RetryAfter, when set, is how long to wait before asking again.
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return r.Message }

// refuse is a Refusal with a formatted message.
func refuse(format string, args ...any) error {
	return &Refusal{Message: fmt.Sprintf(format, args...)}
}

// Caller is who calls a tool: the client address that rate limits count
// against, and the personal API token the caller sent, if any.
type Caller struct {
	Addr  string
	Token string
}

type callerKey struct{}

// WithCaller returns ctx carrying c, for the tools to read.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerOf(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// Options configure a Server.
type Options struct {
	Logger  *slog.Logger
	Version string // the program's, for the initialize handshake
	// TokenHint tells a caller without a token how to send one: a header
	// over HTTP, an environment variable over stdio.
	TokenHint string
}

// Server is the site's MCP server: one SDK server with the tools, the
// paper resources and the prompt, served over HTTP (Handler) and stdio
// (Run).
type Server struct {
	site Site
	log  *slog.Logger
	sdk  *sdk.Server
	hint string
	http http.Handler
}

// New builds the server and registers every tool the site supports.
func New(site Site, opt Options) *Server {
	s := &Server{site: site, log: opt.Logger, hint: opt.TokenHint}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.hint == "" {
		s.hint = "send it as Authorization: Bearer <token>"
	}
	s.sdk = sdk.NewServer(&sdk.Implementation{Name: "dailypapers", Title: "Daily Papers", Version: cmp.Or(opt.Version, "dev")},
		&sdk.ServerOptions{Instructions: instructions, Logger: quiet(s.log)})
	s.sdk.AddReceivingMiddleware(s.recoverPanics)
	for _, add := range tools {
		add(s)
	}
	s.addResources()
	s.addPrompts()
	// Stateless: every request is whole in itself (no Mcp-Session-Id is
	// given out or asked for), so any process of the site can answer any
	// request and a load balancer needs no sticky sessions. The tools
	// never call back to the client, which is what sessions would be for.
	// JSON answers rather than event streams, as no tool streams progress.
	// A tool's context ends when its HTTP request does, so a client that
	// gives up stops the work.
	s.http = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.sdk },
		&sdk.StreamableHTTPOptions{Stateless: true, JSONResponse: true, PropagateRequestCancellation: true,
			Logger: quiet(s.log), MaxRequestBodyBytes: maxRequestBytes})
	return s
}

// quiet is log for the SDK, which tells of every connection at info
// level (one a request, when stateless): its warnings and errors only.
func quiet(log *slog.Logger) *slog.Logger { return slog.New(minLevel{log.Handler(), slog.LevelWarn}) }

// minLevel passes on the records of a handler from a level up.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(g string) slog.Handler { return minLevel{h.Handler.WithGroup(g), h.min} }

// maxRequestBytes bounds one request's body; a tool call's arguments are
// a few hundred bytes.
const maxRequestBytes = 64 << 10

const instructions = `Daily Papers: a community's daily feed of research papers (arXiv), which people submit and upvote.
Find papers with search_papers (the site's query language), daily_papers (a day's, week's or month's feed) and trending_papers;
read one with get_paper (metadata, links, upvotes, AI summary) or read_paper (Markdown); find related work with similar_papers.
cite_paper gives a paper's BibTeX, RIS or CSL-JSON; list_collections and get_collection read people's public collections.
submit_paper, upvote_paper and the reader's library act for an account and need its personal API token:
save_paper, unsave_paper and saved_papers (the Saved list); create_collection, add_to_collection and remove_from_collection;
follow, unfollow and following_papers (papers from followed authors, categories, people and collections);
for_you (the reader's own ranking of the last days' papers, with why each is there).`

// Handler serves the MCP endpoint over Streamable HTTP. addrOf names the
// client address of a request, as the site's rate limits count it.
func (s *Server) Handler(addrOf func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := Caller{Addr: addrOf(r)}
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
			if strings.EqualFold(scheme, "Bearer") {
				c.Token = strings.TrimSpace(token)
			}
		}
		s.http.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// Run serves one client over t (stdio: &sdk.StdioTransport{}) until the
// client hangs up or ctx ends, as caller c.
func (s *Server) Run(ctx context.Context, t sdk.Transport, c Caller) error {
	err := s.sdk.Run(WithCaller(ctx, c), t)
	if ctx.Err() != nil {
		return nil // stopped, not failed
	}
	return err
}

// Connect starts serving one client over t without waiting: for tests,
// which talk to it over in-memory transports.
func (s *Server) Connect(ctx context.Context, t sdk.Transport, c Caller) (*sdk.ServerSession, error) {
	return s.sdk.Connect(WithCaller(ctx, c), t, nil)
}

// tools are the functions that register each tool on a new Server. Each
// tool lives in a file of its own (tool_*.go) whose init appends it, so a
// feature's tool is one file: an adder may skip its tool when the site
// lacks the feature (a type assertion on s.site).
var tools []func(s *Server)

// register adds a tool's adder to tools; only init functions call it.
func register(add func(s *Server)) { tools = append(tools, add) }

// handler is a tool's work: its structured result and the same as text.
type handler[In, Out any] func(ctx context.Context, c Caller, in In) (Out, string, error)

// addTool registers a tool whose input and output schemas are inferred
// from In and Out, then adjusted by adjust (bounds, enums), and whose
// errors become error results: a Refusal says its message, a failure of
// the site is logged and said in general terms.
//
// It binds the tool with the SDK's Server.AddTool, not the generic
// mcp.AddTool, which checks the output it is given against the output
// schema by marshalling it, decoding it into maps, validating those and
// marshalling them again: more CPU than the tool's own work, for output
// whose shape is the Go type the schema is made from (a day of the demo
// feed, BenchmarkCallOverHTTP with -cpuprofile: 2.6 ms of CPU a call in
// the SDK's handler with mcp.AddTool, 1.4 ms so). The arguments, which
// come from outside, are validated against the input schema as there.
func addTool[In, Out any](s *Server, t *sdk.Tool, adjust func(in *inputSchema), h handler[In, Out]) {
	in := newInputSchema[In]()
	if adjust != nil {
		adjust(&in)
	}
	resolved, err := in.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: tool %s: input schema: %v", t.Name, err))
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: tool %s: output schema: %v", t.Name, err))
	}
	t.InputSchema, t.OutputSchema = in.Schema, out
	s.sdk.AddTool(t, func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		args, err := decodeArgs[In](req.Params.Arguments, resolved)
		if err != nil {
			return errorResult(err), nil
		}
		out, text, err := h(ctx, callerOf(ctx), args)
		if err != nil {
			return errorResult(s.toolError(ctx, t.Name, err)), nil
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}, StructuredContent: out}, nil
	})
}

// decodeArgs checks a call's arguments against the tool's input schema
// and decodes them; none, or null, are the empty object.
func decodeArgs[In any](raw json.RawMessage, schema *jsonschema.Resolved) (In, error) {
	var in In
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return in, fmt.Errorf("The arguments are not valid JSON: %v", err)
	}
	if err := schema.Validate(v); err != nil {
		return in, fmt.Errorf("The arguments do not fit the tool's input schema: %v", err)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, fmt.Errorf("The arguments do not fit the tool's input schema: %v", err)
	}
	return in, nil
}

// errorResult is a tool's answer that it failed, saying why.
func errorResult(err error) *sdk.CallToolResult {
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: err.Error()}}}
}

// recoverPanics turns a panic while answering a request into an error
// answer: the SDK runs each request in a goroutine of its own, where a
// panic, its own or a tool's, would otherwise end the whole process.
func (s *Server) recoverPanics(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (res sdk.Result, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("mcp request panicked", "method", method, "panic", p, "stack", string(debug.Stack()))
				res, err = nil, errors.New("Something went wrong on the site's side. Please try again in a moment.")
			}
		}()
		return next(ctx, method, req)
	}
}

// toolError is what a caller is told of err.
func (s *Server) toolError(ctx context.Context, tool string, err error) error {
	var r *Refusal
	switch {
	case errors.As(err, &r):
		s.log.Info("mcp tool refused", "tool", tool, "err", err)
		if r.RetryAfter > 0 {
			return fmt.Errorf("%s (Retry after %d seconds.)", r.Message, int(r.RetryAfter.Seconds()+0.999))
		}
		return r
	case ctx.Err() != nil:
		s.log.Debug("mcp tool cancelled", "tool", tool, "err", err)
		return errors.New("The call was cancelled before it finished.")
	}
	s.log.Error("mcp tool failed", "tool", tool, "err", err)
	return errors.New("Something went wrong on the site's side. Please try again in a moment.")
}

// account is the account of the caller's token, for the tools that act
// for one: a Refusal that says how to send a token when there is none.
func (s *Server) account(ctx context.Context, c Caller, tool string) (*store.Account, error) {
	if c.Token == "" {
		return nil, refuse("%s acts for an account, so it needs a personal API token: make one at %s/settings/tokens and %s.",
			tool, s.site.BaseURL(), s.hint)
	}
	return s.site.TokenAccount(ctx, c.Token)
}

// viewer is the account of the caller's token for the tools anyone may
// call that show an account more (its private collections): nil without
// a token, and a token that is not valid is refused, as the API does.
func (s *Server) viewer(ctx context.Context, c Caller) (*store.Account, error) {
	if c.Token == "" {
		return nil, nil
	}
	return s.site.TokenAccount(ctx, c.Token)
}
