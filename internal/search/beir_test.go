package search

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/paper"
)

const (
	beirCorpus = `{"_id": "d1", "title": "Alpha particles", "text": "Alpha decay of heavy nuclei."}
{"_id": "d2", "title": "Alpha males", "text": "Primate social structure."}

{"title": "Beta blockers", "_id": "d3", "text": "Heart rate and \"_id\" fields.", "metadata": {}}
{"_id": "d4", "title": "Beta testing", "text": "Software releases."}
`
	beirQueries = `{"_id": "q1", "text": "alpha"}
{"_id": "q2", "text": "beta"}
{"_id": "q3", "text": "gamma, never judged"}
`
	// q1 has graded judgments and a judged-irrelevant document (d3, 0).
	beirQrels = "query-id\tcorpus-id\tscore\n" +
		"q1\td1\t2\n" +
		"q1\td2\t1\n" +
		"q1\td3\t0\n" +
		"q2\td4\t1\n" +
		"q2\td3\t1\n"
)

// writeBEIR writes a collection into a new directory and returns it.
func writeBEIR(t *testing.T, corpus, queries, qrels string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "qrels"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries, "qrels/test.tsv": qrels} {
		if data == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func checkBEIR(t *testing.T, b *BEIR) {
	t.Helper()
	if len(b.Docs) != 4 {
		t.Fatalf("%d documents, want 4", len(b.Docs))
	}
	wantDocs := []Doc{
		{ID: "d1", Title: "Alpha particles", Abstract: "Alpha decay of heavy nuclei."},
		{ID: "d2", Title: "Alpha males", Abstract: "Primate social structure."},
		{ID: "d3", Title: "Beta blockers", Abstract: `Heart rate and "_id" fields.`},
		{ID: "d4", Title: "Beta testing", Abstract: "Software releases."},
	}
	for i, d := range b.Docs {
		w := wantDocs[i]
		if d.ID != w.ID || d.Title != w.Title || d.Abstract != w.Abstract {
			t.Errorf("document %d = %+v, want %+v", i, d, w)
		}
	}
	if len(b.Queries) != 2 || b.Queries[0] != (BEIRQuery{"q1", "alpha"}) || b.Queries[1] != (BEIRQuery{"q2", "beta"}) {
		t.Errorf("queries %+v, want q1 and q2 (q3 has no judgments)", b.Queries)
	}
	if got := b.Qrels["q1"]; len(got) != 3 || got["d1"] != 2 || got["d2"] != 1 || got["d3"] != 0 {
		t.Errorf("qrels of q1: %v", got)
	}
	if got := b.Qrels["q2"]; len(got) != 2 || got["d4"] != 1 || got["d3"] != 1 {
		t.Errorf("qrels of q2: %v", got)
	}
}

func TestLoadBEIR(t *testing.T) {
	b, err := LoadBEIR(writeBEIR(t, beirCorpus, beirQueries, beirQrels), "test")
	if err != nil {
		t.Fatal(err)
	}
	checkBEIR(t, b)

	// The corpus may be xz-compressed.
	dir := writeBEIR(t, "", beirQueries, beirQrels)
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(beirCorpus))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corpus.jsonl.xz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = LoadBEIR(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	checkBEIR(t, b)

	// A qrels file without the header line is read too.
	b, err = LoadBEIR(writeBEIR(t, beirCorpus, beirQueries, strings.SplitN(beirQrels, "\n", 2)[1]), "test")
	if err != nil {
		t.Fatal(err)
	}
	checkBEIR(t, b)
}

func TestLoadBEIRErrors(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		corpus, queries, qrels string
		split                  string
		want                   string // in the message
		is                     error
	}{
		{name: "missing qrels", corpus: beirCorpus, queries: beirQueries, qrels: beirQrels, split: "dev", want: "dev.tsv", is: fs.ErrNotExist},
		{name: "missing corpus", queries: beirQueries, qrels: beirQrels, split: "test", want: "corpus.jsonl", is: fs.ErrNotExist},
		{name: "bad score", corpus: beirCorpus, queries: beirQueries, qrels: beirQrels + "q2\td1\thigh\n", split: "test", want: `test.tsv:7: score "high"`},
		{name: "short line", corpus: beirCorpus, queries: beirQueries, qrels: "query-id\tcorpus-id\tscore\nq1\td1\n", split: "test", want: "test.tsv:2"},
		{name: "bad corpus line", corpus: beirCorpus + "{not json\n", queries: beirQueries, qrels: beirQrels, split: "test", want: "corpus.jsonl:6"},
		{name: "bad query line", corpus: beirCorpus, queries: beirQueries + `{"_id": 7}` + "\n", qrels: beirQrels, split: "test", want: "queries.jsonl:4"},
		{name: "no judged queries", corpus: beirCorpus, queries: `{"_id": "q9", "text": "x"}` + "\n", qrels: beirQrels, split: "test", want: "0 judged queries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBEIR(writeBEIR(t, tc.corpus, tc.queries, tc.qrels), tc.split)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	b, err := LoadBEIR(writeBEIR(t, beirCorpus, beirQueries, beirQrels), "test")
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string][]paper.ID{
		"alpha": {"d3", "d1", "d4", "d2"},
		"beta":  {"d4", "d2"}, // d3, relevant to q2, is missed
	}
	fixed := func(_ context.Context, text string, n int) ([]paper.ID, error) {
		if n != 100 {
			t.Errorf("asked for %d results, want 100", n)
		}
		return runs[text], nil
	}
	s, err := b.Evaluate(context.Background(), fixed)
	if err != nil {
		t.Fatal(err)
	}
	// q1 (gains d1 2, d2 1, d3 0): ranks d3 d1 d4 d2.
	//   DCG  = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5) = 1.26186 + 0.43068 = 1.69254
	//   IDCG = 2/log2(2) + 1/log2(3)                        = 2 + 0.63093     = 2.63093
	//   nDCG = 0.64332; Recall@100 = 2 of 2 relevant (d3 scored 0 is not relevant) = 1
	// q2 (gains d4 1, d3 1): ranks d4 d2.
	//   DCG  = 1/log2(2)                = 1
	//   IDCG = 1/log2(2) + 1/log2(3)    = 1.63093
	//   nDCG = 0.61315; Recall@100 = 1 of 2 = 0.5
	// Means: nDCG@10 = (0.64332 + 0.61315)/2 = 0.62824; Recall@100 = 0.75.
	q1 := (2/math.Log2(3) + 1/math.Log2(5)) / (2 + 1/math.Log2(3))
	q2 := 1 / (1 + 1/math.Log2(3))
	if want := (q1 + q2) / 2; math.Abs(s.NDCG10-want) > 1e-9 || math.Abs(s.NDCG10-0.62824) > 5e-5 {
		t.Errorf("nDCG@10 = %.5f, want %.5f", s.NDCG10, want)
	}
	if math.Abs(s.Recall100-0.75) > 1e-9 {
		t.Errorf("Recall@100 = %.5f, want 0.75", s.Recall100)
	}
	if s.Queries != 2 {
		t.Errorf("%d queries, want 2", s.Queries)
	}
	if len(s.PerQuery) != 2 || math.Abs(s.PerQuery[0]-q1) > 1e-9 || math.Abs(s.PerQuery[1]-q2) > 1e-9 {
		t.Errorf("per query %v, want [%.5f %.5f] in the queries' order", s.PerQuery, q1, q2)
	}
	if got := s.String(); got != "nDCG@10=0.6282 Recall@100=0.7500" {
		t.Errorf("String() = %q", got)
	}

	// Only the first ten ranks count for nDCG@10; all 100 for recall.
	runs["alpha"] = []paper.ID{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "d1", "d2"}
	runs["beta"] = []paper.ID{"d4", "d3"}
	s, err = b.Evaluate(context.Background(), fixed)
	if err != nil {
		t.Fatal(err)
	}
	// q1: d1 at rank 10 gains 2/log2(11); d2 at rank 11 is past the cut. q2 is ideal: 1.
	q1 = (2 / math.Log2(11)) / (2 + 1/math.Log2(3))
	if want := (q1 + 1) / 2; math.Abs(s.NDCG10-want) > 1e-9 {
		t.Errorf("nDCG@10 = %.5f, want %.5f", s.NDCG10, want)
	}
	if s.Recall100 != 1 {
		t.Errorf("Recall@100 = %v, want 1", s.Recall100)
	}

	// A failing ranker fails the evaluation and names the query.
	boom := errors.New("ranker down")
	_, err = b.Evaluate(context.Background(), func(context.Context, string, int) ([]paper.ID, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "q1") {
		t.Errorf("error %v", err)
	}
}

// The index itself as the ranker, on the collection: each query's words
// are only in its relevant documents' titles.
func TestEvaluateWithIndex(t *testing.T) {
	b, err := LoadBEIR(writeBEIR(t, beirCorpus, beirQueries, beirQrels), "test")
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex()
	ix.Add(b.Docs...)
	s, err := b.Evaluate(context.Background(), func(ctx context.Context, text string, n int) ([]paper.ID, error) {
		q, err := ParseQuery(text)
		if err != nil {
			return nil, err
		}
		res, err := ix.Search(ctx, q, n, 0, nil)
		return res.IDs(), err
	})
	if err != nil {
		t.Fatal(err)
	}
	// alpha: d1 (alpha twice) before d2 (once) is the ideal order: 1.
	// beta: finds d3 and d4, both relevant: 1. Each finds all its relevant documents.
	if s.NDCG10 != 1 || s.Recall100 != 1 {
		t.Errorf("%v, want perfect scores", s)
	}
}
