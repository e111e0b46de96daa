package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/github"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The recorded GitHub answers the github package's tests replay.
const githubData = "../github/testdata/PyGithub/"

// replayGitHub writes a recorded answer: its status and headers (from the
// .headers.txt file, whose first lines are the request and "HTTP nnn")
// and its body. The recorded bodies are stored decoded, so the headers
// about encoding and length are left out.
func replayGitHub(t *testing.T, w http.ResponseWriter, name string) {
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, githubData+name+".headers.txt")))
	status := 0
	for sc.Scan() {
		line := sc.Text()
		if code, ok := strings.CutPrefix(line, "HTTP "); ok {
			n, err := strconv.Atoi(code)
			if err != nil {
				t.Fatalf("%s: status %q", name, code)
			}
			status = n
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok || status == 0 {
			continue
		}
		switch strings.ToLower(k) {
		case "content-length", "content-encoding", "transfer-encoding", "connection":
		default:
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	w.Write(readFile(t, githubData+name+".body.json"))
}

func TestRefreshStars(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	day := func(d string) time.Time { return ts(d + "T00:00:00Z") }
	rec := func(id, repo, published string) store.Record {
		return store.Record{Paper: paper.Paper{ID: paper.ID(id), Title: "Paper " + id, GitHubRepo: repo, Published: day(published)}}
	}
	// StaleRepos asks newest paper first: the order of the answers below.
	recs := []store.Record{
		rec("2501.00004", "https://github.com/PyGithub/PyGithub", "2025-01-04"),
		rec("2501.00003", "https://github.com/example/gone", "2025-01-03"),
		rec("2501.00002", "https://github.com/example/limited", "2025-01-02"),
		rec("2501.00001", "https://github.com/example/never-asked", "2025-01-01"),
	}
	if _, err := writeAll(ctx, st, recs); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/repos/PyGithub/PyGithub":
			replayGitHub(t, w, "Repository.setUp.0.GET_200")
		case "/repos/example/gone":
			replayGitHub(t, w, "Exceptions.testUnknownObject.1.GET_404")
		case "/repos/example/limited":
			replayGitHub(t, w, "SpecificExceptions.testRateLimitExceeded.1.GET_403")
		default:
			t.Errorf("asked about %s", r.URL.Path)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// GitHub's 403 says no requests are left and not until when: the
	// client would hold off a minute, longer than this MaxWait.
	gh := &github.Client{BaseURL: srv.URL, MaxWait: time.Second, Attempts: 2}
	now := day("2025-02-01")
	sum, err := RefreshStars(ctx, st, gh, StarsOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Checked != 2 || sum.Gone != 1 || sum.Failed != 0 || sum.RateLimited.IsZero() {
		t.Errorf("summary %+v", sum)
	}
	eqSlice(t, "asked", asked, []string{"/repos/PyGithub/PyGithub", "/repos/example/gone", "/repos/example/limited"})
	eq(t, "stars", getPaper(t, st, "2501.00004").GitHubStars, 7122)
	hist, err := st.StarHistory(ctx, "https://github.com/PyGithub/PyGithub")
	if err != nil || len(hist) != 1 || hist[0] != (store.StarCount{Day: "2025-02-01", Stars: 7122}) {
		t.Errorf("history %v, %v", hist, err)
	}
	// The rate-limited and the unasked ones are still stale; the others
	// are not, the gone one included.
	stale, err := st.StaleRepos(ctx, now.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	eqSlice(t, "stale", stale, []string{"https://github.com/example/limited", "https://github.com/example/never-asked"})
}

// When GitHub cannot be reached (offline), the run stops at the first
// repository and says why, rather than failing every one in turn, each
// after its retries.
func TestRefreshStarsUnreachable(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var recs []store.Record
	for i := range 5 {
		id := fmt.Sprintf("2501.%05d", i+1)
		recs = append(recs, store.Record{Paper: paper.Paper{ID: paper.ID(id), Title: "Paper " + id,
			GitHubRepo: "https://github.com/example/repo" + strconv.Itoa(i), Published: ts("2025-01-01T00:00:00Z")}})
	}
	if _, err := writeAll(ctx, st, recs); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // its port now refuses connections
	gh := &github.Client{BaseURL: srv.URL, Attempts: 1}
	sum, err := RefreshStars(ctx, st, gh, StarsOptions{})
	if err == nil || !strings.Contains(err.Error(), "GitHub cannot be reached") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want one saying GitHub cannot be reached, and why", err)
	}
	if sum.Failed != 1 || sum.Checked != 0 || sum.Err == nil {
		t.Errorf("summary %+v, want one failure with its reason", sum)
	}
}
