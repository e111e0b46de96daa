package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestHelpNamesEveryCommandAndSetting(t *testing.T) {
	out, _, err := runCmd(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "import", "stats", "DAILYPAPERS_ADDR", "DAILYPAPERS_DATA", "DAILYPAPERS_DEMO"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
	for _, cmd := range commands {
		out, _, err := runCmd(t, append(strings.Fields(cmd.name), "--help")...)
		// eval works on a throwaway index, train-embeddings on files
		opensDB := cmd.name != "eval" && cmd.name != "train-embeddings"
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "Usage: dailypapers "+cmd.name) || opensDB != strings.Contains(out, "-data") {
			t.Errorf("%s --help: %v\n%s", cmd.name, err, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--addr", "not-an-address"},
		{"serve", "--no-such-flag"},
		{"import", "--data", t.TempDir()},
		{"import", "--data", t.TempDir(), "--format", "csv", "x.json"},
		{"serve", "--embedder", "ftp://example.org"},
		{"serve", "--embedder", "http://localhost:11434/v1"}, // no --embed-model
		{"search", "--data", t.TempDir(), "--mode", "fuzzy", "graph"},
		{"eval", "--beir", t.TempDir(), "--mode", "fuzzy"},
		{"eval", "--beir", t.TempDir(), "--mode", "semantic", "--embedder", "none"},
		{"eval", "--beir", t.TempDir(), "--mode", "hybrid", "--semantic-weight", "1.5"},
		{"train-embeddings", "papers.jsonl"}, // no --out
		{"train-embeddings", "--out", "m.dpse"},
		{"train-embeddings", "--out", "m.dpse", "--prefixes", "64,x", "papers.jsonl"},
	} {
		_, _, err := runCmd(t, args...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}

func TestImportAndStats(t *testing.T) {
	data := t.TempDir()
	good := filepath.Join(t.TempDir(), "good.jsonl")
	os.WriteFile(good, []byte(`{"arxiv_id": "2509.02547", "title": "A title", "abstract": "Words.", "authors": ["A B"], "categories": ["cs.CL"], "primary_category": "cs.CL", "listing_date": "2025-09-03"}
{"arxiv_id": "not-an-id", "title": "Bad"}
`), 0o644)
	out, errOut, err := runCmd(t, "import", "--data", data, good, filepath.Join(data, "missing.jsonl"))
	if err == nil {
		t.Fatal("a missing file did not fail the import")
	}
	if !strings.Contains(out, "read 2, added 1, updated 0, unchanged 0, skipped 1 bad") {
		t.Errorf("summary %q", out)
	}
	if !strings.Contains(errOut, "good.jsonl:2: skipped") || !strings.Contains(errOut, "missing.jsonl") {
		t.Errorf("stderr does not name the bad line and the missing file:\n%s", errOut)
	}
	// The search index was built at the end, from the paper that went in.
	if !strings.Contains(out, "indexed 1 papers") {
		t.Errorf("import did not build the index:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(data, "search.idx")); err != nil {
		t.Errorf("no index snapshot: %v", err)
	}
	if out, _, err := runCmd(t, "search", "--data", data, "--mode", "lexical", "title"); err != nil || !strings.Contains(out, "2509.02547") {
		t.Errorf("search after import: %v\n%s", err, out)
	}
	// Importing the same again changes nothing, so nothing is rebuilt.
	out, _, err = runCmd(t, "import", "--data", data, good)
	if err != nil || strings.Contains(out, "indexed") {
		t.Errorf("a second import: %v\n%s", err, out)
	}
	t.Setenv("DAILYPAPERS_DATA", data) // the environment works as the flag does
	out, _, err = runCmd(t, "stats")
	if err != nil || !strings.Contains(out, "papers    1\n") {
		t.Errorf("stats: %v\n%s", err, out)
	}
}

func TestServeLoadsDemoAndStopsCleanly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(t.TempDir(), "new", "dir")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--data", data, "--addr", addr}, io.Discard, io.Discard) }()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Aug 21, 2026") || strings.Count(string(body), `class="card"`) < 5 {
		t.Errorf("home page: %d, %d bytes, no demo papers", resp.StatusCode, len(body))
	}
	if _, err := os.Stat(filepath.Join(data, "dailypapers.db")); err != nil {
		t.Errorf("database not created: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeDemoOff(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", addr, "--demo=false"}, io.Discard, io.Discard)
	}()
	var err error
	for i := 0; i < 100; i++ {
		var resp *http.Response
		if resp, err = http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "stats", "--data", data)
	if err != nil || !strings.Contains(out, "papers    0\n") {
		t.Errorf("--demo=false loaded papers: %v\n%s", err, out)
	}
}

func TestBadEnvironmentIsAUsageError(t *testing.T) {
	t.Setenv("DAILYPAPERS_DEMO", "sometimes")
	_, _, err := runCmd(t, "stats", "--data", t.TempDir())
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "DAILYPAPERS_DEMO") {
		t.Errorf("error %v, want one naming DAILYPAPERS_DEMO", err)
	}
}

// A number in the environment that does not parse stops the command
// before it starts (it was read as 0: no limit on mail), named once.
func TestBadEnvironmentNumberStopsTheCommand(t *testing.T) {
	t.Setenv("DAILYPAPERS_MAIL_RATE", "fast")
	t.Setenv("DAILYPAPERS_HARVEST_HOUR", "x")
	out, _, err := runCmd(t, "digest", "send", "--dry-run", "--data", t.TempDir())
	var u usageError
	if !errors.As(err, &u) || out != "" {
		t.Fatalf("error %v, output %q; want a usage error and nothing done", err, out)
	}
	for _, name := range []string{"DAILYPAPERS_MAIL_RATE=\"fast\"", "DAILYPAPERS_HARVEST_HOUR=\"x\""} {
		if strings.Count(err.Error(), name) != 1 {
			t.Errorf("error %q does not name %s once", err, name)
		}
	}
}

// The README's table of settings has a row for each, with its variable
// and default, so that a new setting is not left out of it.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "\n## Configuration\n")
	table, _, _ = strings.Cut(table, "\n## ")
	for _, s := range config.Settings {
		row := ""
		for _, line := range strings.Split(table, "\n") {
			if cells := strings.Split(line, "|"); len(cells) > 2 && strings.Contains(cells[1], "`--"+s.Flag+"`") {
				row = line
			}
		}
		switch {
		case row == "":
			t.Errorf("README's Configuration has no row for --%s", s.Flag)
		case !strings.Contains(row, "`"+s.Env+"`"):
			t.Errorf("README's row for --%s does not name %s: %s", s.Flag, s.Env, row)
		case s.Default != "" && !strings.Contains(row, "`"+s.Default+"`"):
			t.Errorf("README's row for --%s does not give the default %s: %s", s.Flag, s.Default, row)
		}
	}
}

// The top-level help lists every setting with its variable and default,
// and each is a flag of some command, whose help names the variable.
func TestHelpListsEverySetting(t *testing.T) {
	out, _, err := runCmd(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	flagHelp := ""
	for _, cmd := range commands {
		h, _, _ := runCmd(t, append(strings.Fields(cmd.name), "--help")...)
		flagHelp += h
	}
	for _, s := range config.Settings {
		row := regexp.MustCompile(`(?m)^  --` + regexp.QuoteMeta(s.Flag) + ` +` + s.Env + ` +` + regexp.QuoteMeta(s.Usage) + `.*$`)
		line := row.FindString(out)
		if line == "" {
			t.Errorf("--help has no row for --%s %s", s.Flag, s.Env)
		} else if s.Default != "" && !strings.HasSuffix(line, "(default "+s.Default+")") {
			t.Errorf("--help row %q does not give the default %s", line, s.Default)
		}
		if !strings.Contains(flagHelp, "\n  --"+s.Flag+" ") && !strings.Contains(flagHelp, "\n  --"+s.Flag+"\n") ||
			!strings.Contains(flagHelp, s.Usage+" (env "+s.Env+")") {
			t.Errorf("no command's help has --%s with its doc and %s", s.Flag, s.Env)
		}
	}
}

// A collection where the relevant papers share no word with their
// queries: only meaning finds them.
func TestEvalModes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("corpus.jsonl", `{"_id":"cars","title":"Automobile engines","text":"Mechanics repair the motors of trucks and vehicles."}
{"_id":"bread","title":"Baking at home","text":"Flour, water and yeast make a loaf in the oven."}
{"_id":"stars","title":"Galaxies","text":"Telescopes observe distant stars and nebulae."}
{"_id":"music","title":"Orchestras","text":"Violins and cellos play symphonies in concert halls."}
`)
	write("queries.jsonl", `{"_id":"q1","text":"car maintenance"}
{"_id":"q2","text":"cooking recipes"}
`)
	write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\tcars\t1\nq2\tbread\t1\n")
	last := regexp.MustCompile(`^nDCG@10=(\d\.\d{4}) Recall@100=\d\.\d{4}$`)
	ndcg := map[string]string{}
	for _, mode := range []string{"lexical", "semantic", "hybrid"} {
		out, _, err := runCmd(t, "eval", "--beir", dir, "--mode", mode)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		m := last.FindStringSubmatch(lines[len(lines)-1])
		if m == nil {
			t.Fatalf("%s: last line %q", mode, lines[len(lines)-1])
		}
		ndcg[mode] = m[1]
	}
	if ndcg["lexical"] != "0.0000" || ndcg["semantic"] != "1.0000" || ndcg["hybrid"] != "1.0000" {
		t.Errorf("nDCG@10 by mode = %v; want lexical 0 (no shared words), semantic and hybrid 1", ndcg)
	}
}

func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	create := func(password string, args ...string) (string, error) {
		t.Helper()
		stdin = strings.NewReader(password)
		t.Cleanup(func() { stdin = os.Stdin })
		out, _, err := runCmd(t, append([]string{"user", "create", "--data", dir, "--password-stdin"}, args...)...)
		return out, err
	}
	out, err := create("correct horse battery\n", "--email", "ada@example.org", "--username", "ada", "--name", "Ada Lovelace", "--admin")
	if err != nil || !strings.Contains(out, "created admin account ada <ada@example.org>") {
		t.Fatalf("user create: %q, %v", out, err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.AccountByEmail(context.Background(), "ADA@example.org")
	st.Close()
	if err != nil || !a.Admin || a.Fullname != "Ada Lovelace" {
		t.Fatalf("stored account %+v, %v", a, err)
	}
	if err := auth.VerifyPassword(a.PasswordHash, "correct horse battery"); err != nil {
		t.Errorf("the stored hash does not verify the password: %v", err)
	}
	// Taken: an error, not a usage error.
	_, err = create("another good password\n", "--email", "Ada@Example.org", "--username", "ada2")
	var u usageError
	if err == nil || errors.As(err, &u) || !strings.Contains(err.Error(), "taken") {
		t.Errorf("a taken address: %v", err)
	}
	for _, tc := range []struct {
		password string
		args     []string
		want     string
	}{
		{"short\n", []string{"--email", "b@example.org", "--username", "bob"}, "too short"},
		{"", []string{"--email", "b@example.org", "--username", "bob"}, "no password"},
		{"long enough pw\n", []string{"--email", "not an address", "--username", "bob"}, "--email"},
		{"long enough pw\n", []string{"--email", "Bob <b@example.org>", "--username", "bob"}, "--email"},
		{"long enough pw\n", []string{"--email", "b@example.org", "--username", "<script>"}, "--username"},
		{"long enough pw\n", []string{"--email", "b@example.org"}, "--username"},
	} {
		_, err := create(tc.password, tc.args...)
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q with %q: %v, want a usage error about %s", tc.args, tc.password, err, tc.want)
		}
	}
	// Not at a terminal and no --password-stdin: told how to give it.
	stdin = strings.NewReader("")
	_, _, err = runCmd(t, "user", "create", "--data", dir, "--email", "c@example.org", "--username", "carol")
	stdin = os.Stdin
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--password-stdin") {
		t.Errorf("without a terminal: %v", err)
	}
}

// Help spells flags as the README does, --name TYPE, with the doc and the
// default under it.
func TestHelpSpellsFlagsWithTwoDashes(t *testing.T) {
	t.Setenv("DAILYPAPERS_DATA", "")
	os.Unsetenv("DAILYPAPERS_DATA") // the default, not the environment's
	for _, cmd := range commands {
		out, _, _ := runCmd(t, append(strings.Fields(cmd.name), "--help")...)
		_, flags, ok := strings.Cut(out, "\nFlags:\n")
		if !ok {
			t.Errorf("%s --help has no Flags section:\n%s", cmd.name, out)
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(flags, "\n"), "\n") {
			if !strings.HasPrefix(line, "  --") && !strings.HasPrefix(line, "      ") {
				t.Errorf("%s --help: %q is neither a --flag nor its doc", cmd.name, line)
			}
		}
	}
	out, _, _ := runCmd(t, "import", "--help")
	for _, want := range []string{
		"\n  --data STRING\n      directory that holds the database",
		"(default ./data)\n",
		"\n  --log-level LEVEL\n      debug, info, warn or error",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import --help lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runCmd(t, "serve", "--help")
	for _, want := range []string{"\n  --demo\n", "\n  --stars-every DURATION\n", "\n  --daily-cap INT\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

// The settings table of the top-level help keeps its columns, whatever
// the longest flag.
func TestHelpSettingsAlign(t *testing.T) {
	out, _, err := runCmd(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	envCol, docCol, rows := -1, -1, 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "  --") {
			continue
		}
		rows++
		e := strings.Index(line, "DAILYPAPERS_")
		gap := line[e+strings.IndexByte(line[e:], ' '):]
		d := len(line) - len(strings.TrimLeft(gap, " "))
		if envCol == -1 {
			envCol, docCol = e, d
		}
		if e != envCol || d != docCol {
			t.Errorf("row out of line (variable at %d, doc at %d; want %d, %d):\n%s", e, d, envCol, docCol, line)
		}
	}
	if rows < 20 {
		t.Errorf("%d settings rows in --help", rows)
	}
}

// A command group's word lists its commands; an unknown command or flag
// is one line of error with a hint, not the whole help.
func TestCommandGroupsAndUnknownCommands(t *testing.T) {
	for group, want := range map[string][]string{
		"digest": {"digest preview", "digest send"},
		"user":   {"user create"},
	} {
		out, _, err := runCmd(t, group, "--help")
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s --help: %v", group, err)
		}
		for _, w := range want {
			if !strings.Contains(out, "\n  "+w+" ") {
				t.Errorf("%s --help does not list %s:\n%s", group, w, out)
			}
		}
		// help GROUP says the same.
		if out2, _, _ := runCmd(t, "help", group); out2 != out {
			t.Errorf("help %s:\n%s\nwant:\n%s", group, out2, out)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"; run "dailypapers --help"`},
		{[]string{"digest"}, `"digest" needs a command (digest preview or send); run "dailypapers digest --help"`},
		{[]string{"digest", "mail"}, `unknown command "digest mail" (digest preview or send)`},
		{[]string{"serve", "--no-such-flag"}, `flag provided but not defined: --no-such-flag; run "dailypapers serve --help" for its flags`},
		{[]string{"import", "-index=maybe", "x.json"}, `invalid boolean value "maybe" for --index`},
		{[]string{"import", "--format"}, `flag needs an argument: --format`},
	} {
		out, errOut, err := runCmd(t, tc.args...)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %q", tc.args, err, tc.want)
		}
		if out != "" || errOut != "" {
			t.Errorf("%q printed more than the error:\n%s%s", tc.args, out, errOut)
		}
	}
}
