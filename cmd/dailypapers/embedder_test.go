package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/embed/static"
	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// The built-in embedder is the static model; --word-vectors glove brings
// back the word vectors it replaced, and a file of either kind of asset is
// read as its kind.
func TestNewEmbedderChoosesTheAsset(t *testing.T) {
	st, err := static.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	glove, err := wordvec.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, w func(*bytes.Buffer) error) string {
		var buf bytes.Buffer
		if err := w(&buf); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	staticFile := write("model.dpse", func(b *bytes.Buffer) error { return st.Write(b) })
	gloveFile := write("words.dpwv", func(b *bytes.Buffer) error { return glove.Write(b) })
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("neither kind"), 0o644)
	for _, tc := range []struct {
		vectors  string
		name     string
		dim      int
		wantErr  string
		embedder string
	}{
		{"", st.Name(), st.Dim(), "", "builtin"},
		{"glove", glove.Name(), glove.Dim(), "", "builtin"},
		{staticFile, st.Name(), st.Dim(), "", "builtin"},
		{gloveFile, glove.Name(), glove.Dim(), "", "builtin"},
		{junk, "", 0, "not a word-vector asset", "builtin"},
		{filepath.Join(dir, "missing"), "", 0, "no such file", "builtin"},
	} {
		cfg := &config.Config{Embedder: tc.embedder, WordVectors: tc.vectors}
		emb, err := newEmbedder(cfg)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("--word-vectors %q: %v, want an error with %q", tc.vectors, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("--word-vectors %q: %v", tc.vectors, err)
			continue
		}
		if emb.Name() != tc.name || emb.Dim() != tc.dim {
			t.Errorf("--word-vectors %q: %s of %d dimensions, want %s of %d", tc.vectors, emb.Name(), emb.Dim(), tc.name, tc.dim)
		}
	}
	if emb, err := newEmbedder(&config.Config{Embedder: "none"}); emb != nil || err != nil {
		t.Errorf("--embedder none: %v, %v; want no embedder", emb, err)
	}
}

// train-embeddings reads paper files, holds out the development papers,
// trains, and writes an asset that --word-vectors then serves.
func TestTrainEmbeddingsCommand(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	topics := []string{"graph neural networks for molecules", "speech recognition with transformers", "robot grasping from images"}
	for i := range 400 {
		topic := topics[i%len(topics)]
		cat := "cs.CV"
		if i%5 == 0 {
			cat = "cs.IT"
		}
		lines = append(lines, fmt.Sprintf(`{"arxiv_id": "2501.%05d", "title": "On %s, part %d", "abstract": "We study %s. Results on case %d improve. The method is simple.", "primary_category": %q}`, i, topic, i, topic, i, cat))
	}
	papers := filepath.Join(dir, "papers.jsonl")
	if err := os.WriteFile(papers, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "model.dpse")
	stdout, _, err := runCmd(t, "train-embeddings", "--out", out, "--name", "tiny", "--dim", "16", "--prefixes", "8", "--keep", "16",
		"--batch", "64", "--epochs", "2", "--words", "200", "--pieces", "20", "--warm-start=false", papers)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for i := range 400 {
		if static.HeldOut(fmt.Sprintf("2501.%05d", i), 10) {
			held++
		}
	}
	if want := fmt.Sprintf("%d papers to train on (%d records held out)", 400-held, held); !strings.Contains(stdout, want) || !strings.Contains(stdout, "trained tiny") {
		t.Errorf("output %q, want %q and the model's name", stdout, want)
	}
	emb, err := newEmbedder(&config.Config{Embedder: "builtin", WordVectors: out})
	if err != nil {
		t.Fatal(err)
	}
	if emb.Name() != "tiny" || emb.Dim() != 16 {
		t.Errorf("served %s of %d dimensions, want tiny of 16", emb.Name(), emb.Dim())
	}
	// --fields holds out the papers of other fields too.
	stdout, _, err = runCmd(t, "train-embeddings", "--out", filepath.Join(dir, "cv.dpse"), "--fields", "cs.CV, eess", "--dim", "16", "--prefixes", "8", "--keep", "16",
		"--batch", "64", "--epochs", "1", "--words", "200", "--pieces", "20", "--warm-start=false", papers)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if i%5 == 0 && !static.HeldOut(fmt.Sprintf("2501.%05d", i), 10) {
			held++
		}
	}
	if want := fmt.Sprintf("%d papers to train on (%d records held out)", 400-held, held); !strings.Contains(stdout, want) {
		t.Errorf("--fields: output %q, want %q", stdout, want)
	}
	if _, _, err := runCmd(t, "train-embeddings", "--out", filepath.Join(dir, "x.dpse"), filepath.Join(dir, "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("a missing file: %v, want an error naming it", err)
	}
}
