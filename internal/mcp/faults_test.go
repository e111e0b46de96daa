package mcp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// faultySite is a site whose search never ends on its own and whose
// daily feed panics: faults the real site cannot be made to have on
// demand. Its other methods are not called.
type faultySite struct {
	Site
	searching chan struct{} // a search started
	stopped   chan error    // and ended, with its context's error
}

func (f *faultySite) BaseURL() string { return "https://papers.example.org" }

func (f *faultySite) SearchPapers(ctx context.Context, addr, query string, mode search.Mode, limit int) ([]store.FeedItem, error) {
	f.searching <- struct{}{}
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Second): // the test has failed; end
	}
	f.stopped <- ctx.Err()
	return nil, ctx.Err()
}

func (f *faultySite) DailyPapers(ctx context.Context, date, week, month, who, sort string) (Period, []store.FeedItem, error) {
	panic("the feed is broken")
}

// faultyClients connects to a server over a faulty site, over HTTP and
// in memory.
func faultyClients(t *testing.T) (*faultySite, map[string]*sdk.ClientSession) {
	site := &faultySite{searching: make(chan struct{}, 1), stopped: make(chan error, 1)}
	s := New(site, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(s.Handler(func(r *http.Request) string { return r.RemoteAddr }))
	t.Cleanup(srv.Close)
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	overHTTP, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1, t2 := sdk.NewInMemoryTransports()
	if _, err := s.Connect(context.Background(), t1, Caller{Addr: "local"}); err != nil {
		t.Fatal(err)
	}
	inMemory, err := c.Connect(context.Background(), t2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { overHTTP.Close(); inMemory.Close() })
	return site, map[string]*sdk.ClientSession{"http": overHTTP, "in memory": inMemory}
}

// stillAnswers checks that a session answers after a fault.
func stillAnswers(t *testing.T, cs *sdk.ClientSession) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "search_papers", Arguments: map[string]any{"query": "x", "limit": 0.5}})
	if err != nil || !res.IsError {
		t.Errorf("after the fault: %v %v", res, err)
	}
}

// TestCancelledCallStopsTheWork: a client that gives up on a call stops
// the tool's work, and its session goes on.
func TestCancelledCallStopsTheWork(t *testing.T) {
	site, clients := faultyClients(t)
	for name, cs := range clients {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "search_papers", Arguments: map[string]any{"query": "agents"}})
				errc <- err
			}()
			<-site.searching
			cancel()
			select {
			case err := <-site.stopped:
				if err != context.Canceled {
					t.Errorf("the search ended with %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the search went on after its caller gave up")
			}
			if err := <-errc; err == nil {
				t.Error("the cancelled call returned no error")
			}
			stillAnswers(t, cs)
		})
	}
}

// TestPanicIsAnErrorResult: a tool that panics answers with an error, and
// neither the process nor the session ends.
func TestPanicIsAnErrorResult(t *testing.T) {
	_, clients := faultyClients(t)
	for name, cs := range clients {
		t.Run(name, func(t *testing.T) {
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "daily_papers"})
			switch {
			case err != nil && strings.Contains(err.Error(), "went wrong on the site's side"):
			case err == nil && res.IsError && strings.Contains(res.Content[0].(*sdk.TextContent).Text, "went wrong"):
			default:
				t.Errorf("a panicking tool answered %v, %v", res, err)
			}
			stillAnswers(t, cs)
		})
	}
}
