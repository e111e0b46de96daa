package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCallOverHTTP is one tools/call of daily_papers (the demo's
// newest day, 17 papers) through /mcp, in process: the server's work per
// call, for profiles (-cpuprofile).
func BenchmarkCallOverHTTP(b *testing.B) {
	f := newFixture(b)
	h := f.site(b, nil).Handler()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"daily_papers","arguments":{"limit":50}}}`
	b.ResetTimer()
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
}
