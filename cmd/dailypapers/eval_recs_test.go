package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalRecsPerReader: eval --recs prints the figures last and, with
// --per-query, writes each scored reader's figures, so that two runs
// compare reader by reader.
func TestEvalRecsPerReader(t *testing.T) {
	dir := t.TempDir()
	var corpus strings.Builder
	topics := []string{"protein folding molecule", "image segmentation pixels", "language model tokens"}
	for i := range 60 {
		day := "2026-01-10"
		if i >= 30 {
			day = "2026-02-10"
		}
		fmt.Fprintf(&corpus, `{"_id":"p%02d","title":"%s %d","text":"%s study","categories":["c%d"],"created":%q}`+"\n",
			i, topics[i%3], i, topics[i%3], i%3, day)
	}
	users := `{"user":"r0","liked":["p00","p03","p06"],"test":["p30","p33"]}
{"user":"r1","liked":["p01","p04"],"test":["p02"]}
{"user":"r2","liked":["p02","p05"],"test":["p32","p35"]}
`
	for name, body := range map[string]string{
		"corpus.jsonl": corpus.String(), "users.jsonl": users,
		"window.json": `{"from":"2026-02-01","to":"2026-02-28"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	per := filepath.Join(t.TempDir(), "per-reader.tsv")
	out, _, err := runCmd(t, "eval", "--recs", dir, "--embedder", "none", "--per-query", per)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "nDCG@10=") || !strings.HasSuffix(last, " users=2") {
		t.Errorf("last line %q", last)
	}
	data, err := os.ReadFile(per)
	if err != nil {
		t.Fatal(err)
	}
	// r1's test paper is before the window: r1 is not scored.
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "r0\t") || !strings.HasPrefix(rows[1], "r2\t") || len(strings.Split(rows[1], "\t")) != 3 {
		t.Errorf("per-reader file:\n%s", data)
	}
}
