package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCallOverHTTP is one tools/call through /mcp, in process, on
// the demo data: daily_papers of the newest day (17 papers) and a
// search_papers of 50 results. The server's work per call, for profiles
// (-cpuprofile).
func BenchmarkCallOverHTTP(b *testing.B) {
	f := newFixture(b)
	h := f.site(b, nil).Handler()
	for _, tc := range []struct{ name, args string }{
		{"daily_papers", `{"limit":50}`},
		{"search_papers", `{"query":"language model agents","limit":50}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tc.name + `","arguments":` + tc.args + `}}`
			for range b.N {
				req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("MCP-Protocol-Version", "2025-11-25")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"isError":true`) {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
