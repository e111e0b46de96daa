package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// harvest and stars as an operator runs them, against servers that replay
// recorded answers of arXiv's OAI-PMH interface and of GitHub.
func TestHarvestAndStarsCommands(t *testing.T) {
	page, err := os.ReadFile("../../internal/arxiv/testdata/oai/old_GetRecord_arXivRaw_1302.2146.xml")
	if err != nil {
		t.Fatal(err)
	}
	// The recorded GetRecord's record, as the one page of a ListRecords.
	body := string(page)
	record := body[strings.Index(body, "<record>"):strings.LastIndex(body, "</record>")]
	list := `<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">` +
		`<responseDate>2015-01-06T20:48:16Z</responseDate><request verb="ListRecords">x</request><ListRecords>` +
		record + `</record></ListRecords></OAI-PMH>`
	var asked []string
	oai := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RawQuery)
		w.Write([]byte(list))
	}))
	defer oai.Close()
	repo, err := os.ReadFile("../../internal/github/testdata/PyGithub/Repository.setUp.0.GET_200.body.json")
	if err != nil {
		t.Fatal(err)
	}
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/PyGithub/PyGithub" {
			http.NotFound(w, r)
			return
		}
		// GitHub's headers as the recorded answer has them; the reset an
		// hour from now.
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "59")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		w.Write(repo)
	}))
	defer gh.Close()

	data := t.TempDir()
	out, errOut, err := runCmd(t, "harvest", "--data", data, "--oai-url", oai.URL, "--categories", "hep-ex", "--from", "2015-01-01")
	if err != nil {
		t.Fatalf("harvest: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "physics:hep-ex (from 2015-01-01 to now): 1 pages, 1 records read, 1 in the categories: added 1") {
		t.Errorf("harvest said %q", out)
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "set=physics%3Ahep-ex") || !strings.Contains(asked[0], "from=2015-01-01") {
		t.Errorf("asked %q", asked)
	}
	// A second run asks from the day the first ended.
	if out, _, err = runCmd(t, "harvest", "--data", data, "--oai-url", oai.URL, "--categories", "hep-ex"); err != nil || !strings.Contains(out, "unchanged 1") {
		t.Errorf("second harvest: %v %q", err, out)
	}
	if len(asked) != 2 || !strings.Contains(asked[1], "from=2015-01-06") {
		t.Errorf("the second run asked %q", asked[1:])
	}
	if _, _, err := runCmd(t, "harvest", "--data", data, "--categories", "cs.CL;drop"); err == nil {
		t.Error("a bad category was accepted")
	}

	// The harvested paper links no repository; one imported with it does.
	line := `{"arxiv_id": "2501.00001", "title": "With code", "abstract": "Code: https://github.com/PyGithub/PyGithub.", "authors": ["A B"], "categories": ["cs.CL"], "primary_category": "cs.CL"}` + "\n"
	file := t.TempDir() + "/code.jsonl"
	os.WriteFile(file, []byte(line), 0o644)
	if _, errOut, err := runCmd(t, "import", "--data", data, "--index=false", file); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	out, errOut, err = runCmd(t, "stars", "--data", data, "--github-api", gh.URL)
	if err != nil || !strings.Contains(out, "1 repositories checked, 0 of them gone; 0 failed\nGitHub allows 59 more requests until ") {
		t.Errorf("stars: %v %q\n%s", err, out, errOut)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.Paper(context.Background(), "2501.00001")
	if err != nil || p.GitHubRepo != "https://github.com/PyGithub/PyGithub" || p.GitHubStars != 7122 {
		t.Errorf("the paper links %q with %d stars (%v), want the recorded 7122", p.GitHubRepo, p.GitHubStars, err)
	}
}

// levelsLogged collects "LEVEL message" of what is logged through slog's
// default logger while a test runs.
type levelsLogged struct{ lines []string }

func (l *levelsLogged) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelsLogged) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *levelsLogged) WithGroup(string) slog.Handler            { return l }
func (l *levelsLogged) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			line += ": " + a.Value.String()
		}
		return true
	})
	l.lines = append(l.lines, line)
	return nil
}

func captureLog(t *testing.T) *levelsLogged {
	l := &levelsLogged{}
	old := slog.Default()
	slog.SetDefault(slog.New(l))
	t.Cleanup(func() { slog.SetDefault(old) })
	return l
}

// Offline, a catalogue job fails at every look: it is said once, at warn
// level with the reason, and its recovery is said too.
func TestTroubleIsSaidOnce(t *testing.T) {
	logs := captureLog(t)
	refused := func() error {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, err = net.Dial("tcp", addr) // a new port each time: the same cause
		return fmt.Errorf("github: GET /repos/a/b (attempt 4 of 4): %w", err)
	}
	p := trouble{job: "refreshing GitHub stars"}
	p.failed(refused())
	p.failed(refused())
	_, dns := net.LookupHost("api.github.invalid")
	p.failed(dns) // cannot be reached either
	p.failed(errors.New("HTTP 500"))
	p.ok()
	p.ok()
	p.failed(errors.New("HTTP 500"))
	var levels []string
	for _, line := range logs.lines {
		levels = append(levels, strings.SplitN(line, ":", 2)[0])
	}
	want := []string{
		"WARN refreshing GitHub stars failed",
		"DEBUG refreshing GitHub stars failed again",
		"DEBUG refreshing GitHub stars failed again",
		"WARN refreshing GitHub stars failed",
		"INFO refreshing GitHub stars works again",
		"WARN refreshing GitHub stars failed",
	}
	if !slices.Equal(levels, want) {
		t.Errorf("logged:\n%s\nwant:\n%s", strings.Join(logs.lines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(logs.lines[0], "connection refused") {
		t.Errorf("the warning does not say why: %s", logs.lines[0])
	}
}
