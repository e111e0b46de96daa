package web

import (
	"net/http"
	"strings"
	"testing"
)

// When arXiv cannot be reached at all (offline, its name not resolving, a
// refused connection), the submitter is told so, not that it was slow.
func TestSubmitWhenArxivCannotBeReached(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	c.arxiv.srv.Close() // its port now refuses connections
	b := c.browser()
	b.signUp("hal")
	a := b.post("/submit", form("paper", "2104.12255")).want(t, "arXiv unreachable", http.StatusBadGateway)
	if msg := a.text(".form-error"); !strings.Contains(msg, "could not reach arXiv") || strings.Contains(msg, "in time") {
		t.Errorf("arXiv unreachable says %q", msg)
	}
	if a.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}
