package search

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// BEIR is a retrieval test collection in the BEIR layout: corpus.jsonl
// (or .jsonl.xz) of {_id, title, text}, queries.jsonl of {_id, text} and
// qrels/<split>.tsv of query-id, corpus-id, score with a header line.
type BEIR struct {
	Docs    []Doc
	Queries []BEIRQuery
	// Qrels maps a query id to its judged documents and their relevance.
	Qrels map[string]map[string]int
}

// BEIRQuery is one test query.
type BEIRQuery struct {
	ID, Text string
}

// LoadBEIR reads a collection; only queries with judgments are kept.
func LoadBEIR(dir, split string) (*BEIR, error) {
	b := &BEIR{Qrels: map[string]map[string]int{}}
	if err := b.readQrels(filepath.Join(dir, "qrels", split+".tsv")); err != nil {
		return nil, err
	}
	corpus := filepath.Join(dir, "corpus.jsonl")
	if _, err := os.Stat(corpus); err != nil {
		corpus += ".xz"
	}
	err := readJSONL(corpus, func(line []byte) error {
		var d struct{ ID, Title, Text string }
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		// Collection ids are not arXiv ids; the index only needs them unique.
		b.Docs = append(b.Docs, Doc{ID: paper.ID(d.ID), Title: d.Title, Abstract: d.Text})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(dir, "queries.jsonl"), func(line []byte) error {
		var q struct{ ID, Text string }
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		if _, judged := b.Qrels[q.ID]; judged {
			b.Queries = append(b.Queries, BEIRQuery{ID: q.ID, Text: q.Text})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(b.Docs) == 0 || len(b.Queries) == 0 {
		return nil, fmt.Errorf("beir %s: %d documents and %d judged queries", dir, len(b.Docs), len(b.Queries))
	}
	return b, nil
}

// BEIR's JSON uses "_id"; encoding/json matches field names without case
// but not the underscore, hence this small rename on read.
func readJSONL(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".xz") {
		if r, err = xz.NewReader(r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		line = []byte(strings.Replace(string(line), `"_id"`, `"id"`, 1))
		if err := fn(line); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

func (b *BEIR) readQrels(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.FieldsPerRecord = -1
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if n == 1 && len(rec) > 0 && rec[0] == "query-id" {
			continue
		}
		if len(rec) < 3 {
			return fmt.Errorf("%s:%d: want query-id, corpus-id, score", path, n)
		}
		score, err := strconv.Atoi(strings.TrimSpace(rec[2]))
		if err != nil {
			return fmt.Errorf("%s:%d: score %q", path, n, rec[2])
		}
		if b.Qrels[rec[0]] == nil {
			b.Qrels[rec[0]] = map[string]int{}
		}
		b.Qrels[rec[0]][rec[1]] = score
	}
}

// Scores are the mean quality figures of a run over a collection.
type Scores struct {
	NDCG10    float64
	Recall100 float64
	Queries   int
	// PerQuery is each query's nDCG@10, in the order of BEIR.Queries, for
	// paired comparisons of two rankings.
	PerQuery []float64
}

func (s Scores) String() string {
	return fmt.Sprintf("nDCG@10=%.4f Recall@100=%.4f", s.NDCG10, s.Recall100)
}

// Ranker returns the ids of the top n documents for a query text.
type Ranker func(ctx context.Context, text string, n int) ([]paper.ID, error)

// Evaluate scores a ranker with the BEIR definitions: nDCG@10 with graded
// gains and log2 discounts, ideal order from the judgments; Recall@100 as
// the share of relevant documents retrieved in the first 100.
func (b *BEIR) Evaluate(ctx context.Context, rank Ranker) (Scores, error) {
	var s Scores
	for _, q := range b.Queries {
		ids, err := rank(ctx, q.Text, 100)
		if err != nil {
			return s, fmt.Errorf("query %s: %w", q.ID, err)
		}
		rel := b.Qrels[q.ID]
		dcg := 0.0
		found := 0
		for i, id := range ids {
			g := rel[string(id)]
			if i < 10 && g > 0 {
				dcg += float64(g) / math.Log2(float64(i)+2)
			}
			if g > 0 {
				found++
			}
		}
		var gains []int
		relevant := 0
		for _, g := range rel {
			if g > 0 {
				gains = append(gains, g)
				relevant++
			}
		}
		slices.Sort(gains)
		slices.Reverse(gains)
		idcg := 0.0
		for i := 0; i < len(gains) && i < 10; i++ {
			idcg += float64(gains[i]) / math.Log2(float64(i)+2)
		}
		ndcg := 0.0
		if idcg > 0 {
			ndcg = dcg / idcg
		}
		s.NDCG10 += ndcg
		s.PerQuery = append(s.PerQuery, ndcg)
		if relevant > 0 {
			s.Recall100 += float64(found) / float64(relevant)
		}
		s.Queries++
	}
	if s.Queries > 0 {
		s.NDCG10 /= float64(s.Queries)
		s.Recall100 /= float64(s.Queries)
	}
	return s, nil
}

// Ranker ranks a test collection's queries lexically with this index.
func (ix *Index) Ranker() Ranker { return ix.ModeRanker(0, nil, nil) }

// ModeRanker ranks a test collection's queries with the given semantic
// weight (Mode.Weight), embedding them with emb to compare with vecs (see
// SearchMode). Test
// queries are claims and questions in prose: their quotes and minus signs
// are punctuation, not operators, so phrases and exclusions are dropped.
func (ix *Index) ModeRanker(weight float32, emb embed.Embedder, vecs *Vectors) Ranker {
	return ix.FusionRanker(weight, false, emb, vecs)
}

// FusionRanker is ModeRanker with the semantic weight scaled by the
// rankings' agreement when agree is set (SemanticQuery.Agree).
func (ix *Index) FusionRanker(weight float32, agree bool, emb embed.Embedder, vecs *Vectors) Ranker {
	return func(ctx context.Context, text string, n int) ([]paper.ID, error) {
		q, err := ParseQuery(text)
		if errors.Is(err, ErrEmptyQuery) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		q.Phrases, q.Excluded, q.ExcludedPhrases = nil, nil, nil
		var qvec []float32
		if emb != nil && weight > 0 {
			vs, err := emb.Embed(ctx, []string{q.Meaning})
			if err != nil {
				return nil, err
			}
			qvec = vs[0]
		}
		res, err := ix.SearchMode(ctx, q, SemanticQuery{Vec: qvec, Vectors: vecs, Weight: weight, Agree: agree}, n, 0, nil)
		if err != nil {
			return nil, err
		}
		return res.IDs(), nil
	}
}

// EmbedDocs embeds docs in batches of batch and puts their vectors in
// vecs; progress, when non-nil, gets the count done after each batch.
func EmbedDocs(ctx context.Context, emb embed.Embedder, docs []Doc, vecs *Vectors, batch int, progress func(int)) error {
	for start := 0; start < len(docs); start += batch {
		end := min(start+batch, len(docs))
		texts := make([]string, end-start)
		for i, d := range docs[start:end] {
			texts[i] = EmbedText(d)
		}
		out, err := emb.Embed(ctx, texts)
		if err != nil {
			return err
		}
		for i, v := range out {
			vecs.Put(docs[start+i].ID, v)
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// EmbedText is the text of a paper that is embedded: title and abstract.
func EmbedText(d Doc) string { return d.Title + ".\n" + d.Abstract }
