package static

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// synthetic makes n papers on a handful of topics: each topic has words of
// its own, and a paper's title and sentences draw from its topic's words
// and from words every topic shares, so that retrieval must learn which
// words tell papers apart.
func synthetic(n int, seed uint64) []Record {
	rng := rand.New(rand.NewPCG(seed, 1))
	shared := strings.Fields("we propose a method that the results show our approach improves on model data and")
	const topics = 12
	word := func(t, i int) string { return fmt.Sprintf("t%dw%d", t, i) }
	recs := make([]Record, n)
	for p := range recs {
		t := rng.IntN(topics)
		// Each paper also has a rare word of its own, spelled from pieces.
		own := fmt.Sprintf("zq%dx%dk", p%97, p%89)
		draw := func(k int) string {
			var ws []string
			for range k {
				if rng.IntN(2) == 0 {
					ws = append(ws, shared[rng.IntN(len(shared))])
				} else {
					ws = append(ws, word(t, rng.IntN(30)))
				}
			}
			return strings.Join(ws, " ")
		}
		var sents []string
		for range 4 {
			sents = append(sents, strings.ToUpper(draw(1)[:1])+draw(8)+" "+own+".")
		}
		recs[p] = Record{ID: fmt.Sprintf("2501.%05d", p), Title: draw(5) + " " + own, Abstract: strings.Join(sents, " ")}
		if p%3 == 0 {
			recs[p].Summary = draw(6)
		}
	}
	return recs
}

func smallOptions() Options {
	return Options{
		Name: "test-static", Dim: 32, Prefixes: []int{16}, Keep: 32,
		Vocab:  VocabOptions{Words: 200, MinCount: 2, Pieces: 50},
		Epochs: 4, Batch: 64, Temperature: 0.05, LearnRate: 0.05, MaxTokens: 64, Seed: 7,
	}
}

func encode(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Training lowers the loss, gives the same model for the same seed and
// another for another seed, and the model ranks a paper's own abstract
// first for its title far more often than chance.
func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	recs := synthetic(600, 1)
	opt := smallOptions()
	var losses []float64
	opt.Progress = func(step, steps int, loss float64) { losses = append(losses, loss) }
	m, st, err := Train(context.Background(), recs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Steps != 4*(600/64) || len(losses) != st.Steps {
		t.Errorf("steps %d, progress calls %d, want %d", st.Steps, len(losses), 4*(600/64))
	}
	if !(st.LastLoss < 0.7*st.FirstLoss) {
		t.Errorf("loss %.4f → %.4f: want it to fall by 30%% at least", st.FirstLoss, st.LastLoss)
	}
	again, _, err := Train(context.Background(), recs, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, m), encode(t, again)) {
		t.Error("two runs with the same seed gave different models")
	}
	// The same on one processor as on several: no sum depends on the split.
	procs := runtime.GOMAXPROCS(1)
	one, _, err := Train(context.Background(), recs, smallOptions())
	runtime.GOMAXPROCS(procs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, m), encode(t, one)) {
		t.Errorf("one processor gave another model than %d", procs)
	}
	other := smallOptions()
	other.Seed = 8
	m8, _, err := Train(context.Background(), recs, other)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(encode(t, m), encode(t, m8)) {
		t.Error("another seed gave the same model")
	}

	// Title → own abstract among 200 papers: chance is 1/200.
	test := synthetic(200, 99)
	var abstracts, titles []string
	for _, r := range test {
		abstracts = append(abstracts, r.Abstract)
		titles = append(titles, r.Title)
	}
	dv, _ := m.Embed(context.Background(), abstracts)
	qv, _ := m.Embed(context.Background(), titles)
	hits := 0
	for i, q := range qv {
		best, bestSim := -1, float32(-2)
		for j, d := range dv {
			if s := dot(q, d); s > bestSim {
				best, bestSim = j, s
			}
		}
		if best == i {
			hits++
		}
	}
	if hits < 100 {
		t.Errorf("own abstract first for %d of 200 titles, want at least 100", hits)
	}
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestTrainRejectsBadOptions(t *testing.T) {
	recs := synthetic(100, 1)
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"batch larger than the papers", func(o *Options) { o.Batch = 200 }},
		{"batch of one", func(o *Options) { o.Batch = 1 }},
		{"keep more than trained", func(o *Options) { o.Keep = 64 }},
		{"prefix as wide as the vector", func(o *Options) { o.Prefixes = []int{32} }},
		{"unknown pair kind", func(o *Options) { o.Pairs = []string{"title", "citations"} }},
		{"negative temperature", func(o *Options) { o.Temperature = -1 }},
	} {
		opt := smallOptions()
		tc.edit(&opt)
		if _, _, err := Train(context.Background(), recs, opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, synthetic(200, 1), smallOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestVocabPieces(t *testing.T) {
	counts := map[string]int{
		"model": 50, "models": 40, "language": 30, "large": 30,
		"transformer": 2, "transformers": 2, "transform": 1, "tokenizer": 1, "tokenization": 1,
	}
	v := BuildVocab(counts, VocabOptions{Words: 4, MinCount: 3, Pieces: 6})
	toks := func(text string) []string {
		var out []string
		for _, id := range v.Append(nil, text) {
			out = append(out, v.Token(id))
		}
		return out
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Large Language Models", []string{"large", "language", "models"}},
		{"model", []string{"model"}},
		// Rarer words are pieces: the most frequent first pieces are
		// those the rare words share ("t", "to", "tr", "tok", ...).
		{"transformers", nil},
		{"tokenizers", nil},
		// A character never seen is skipped; the rest still spelled.
		{"x€y", nil},
		{"", []string{}},
	} {
		got := toks(tc.in)
		if tc.want != nil && !slices.Equal(got, tc.want) && !(len(tc.want) == 0 && len(got) == 0) {
			t.Errorf("%q → %q, want %q", tc.in, got, tc.want)
		}
		if tc.want == nil {
			// Spelled from pieces: joined without the marks, the pieces
			// give back the word's known characters.
			var b strings.Builder
			for _, p := range got {
				b.WriteString(strings.TrimPrefix(p, contMark))
			}
			want := strings.Map(func(r rune) rune {
				if strings.ContainsRune("xy€", r) && !strings.ContainsRune(strings.Join(v.tokens, ""), r) {
					return -1
				}
				return r
			}, strings.ToLower(tc.in))
			if b.String() != want {
				t.Errorf("%q → %q, joined %q, want %q", tc.in, got, b.String(), want)
			}
			for i, p := range got {
				if (i > 0) != strings.HasPrefix(p, contMark) {
					t.Errorf("%q → %q: piece %d %q marked wrong", tc.in, got, i, p)
				}
			}
		}
	}
	// The same counts give the same vocabulary, whatever the map's order.
	for range 5 {
		if w := BuildVocab(counts, VocabOptions{Words: 4, MinCount: 3, Pieces: 6}); !slices.Equal(w.tokens, v.tokens) {
			t.Fatalf("vocabulary differs between builds: %q and %q", w.tokens, v.tokens)
		}
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"One sentence", []string{"One sentence"}},
		{"First one. Second one? Third! 4 is a number.", []string{"First one.", "Second one?", "Third!", "4 is a number."}},
		{"We use e.g. the method of Fig. 3. Then we stop.", []string{"We use e.g. the method of Fig.", "3.", "Then we stop."}},
		{"Ends with a dot. ", []string{"Ends with a dot."}},
		{"Line.\nBreak.", []string{"Line.", "Break."}},
	} {
		if got := sentences(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadRecordsAndMerge(t *testing.T) {
	in := `{"arxiv_id": "2501.00001", "title": "A", "abstract": "Text a."}

{"arxiv_id": "2501.00002", "title": "B", "abstract": "  "}
{"arxiv_id": "2501.00001", "title": "A again", "abstract": "Text a.", "ai_summary": "Sum a.", "primary_category": "cs.IT"}
{"feed_date": "2025-01-02", "arxiv_id": "2501.00003", "title": "C", "abstract": "Text c.", "ai_summary": null}
`
	var recs []Record
	if err := ReadRecords(strings.NewReader(in), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	got := Merge(recs)
	want := []Record{
		{ID: "2501.00001", Title: "A", Abstract: "Text a.", Summary: "Sum a.", Category: "cs.IT"},
		{ID: "2501.00003", Title: "C", Abstract: "Text c."},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Merge = %+v, want %+v", got, want)
	}
	err := ReadRecords(strings.NewReader("{\"arxiv_id\": \"x\", \"abstract\": \"y\"}\n[1,2]\n"), func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a line that is not an object: %v, want an error naming line 2", err)
	}
}

func TestOutsideFields(t *testing.T) {
	fields := []string{"cs.CV", "cs.CL", "eess"}
	for _, tc := range []struct {
		category string
		fields   []string
		want     bool
	}{
		{"cs.CV", fields, false},
		{"cs.CL", fields, false},
		{"eess.IV", fields, false}, // the archive names all its categories
		{"cs.IT", fields, true},
		{"cs.CVX", fields, true}, // a category, not a prefix
		{"math.OC", fields, true},
		{"", fields, false},   // the hosted feed's records: inside
		{"cs.IT", nil, false}, // no fields: nothing outside
	} {
		if got := OutsideFields(tc.category, tc.fields); got != tc.want {
			t.Errorf("OutsideFields(%q, %q) = %v, want %v", tc.category, tc.fields, got, tc.want)
		}
	}
}

// scripts/arxiv-dev-collection.py --outside puts in its collection the
// papers that train-embeddings --fields holds out, and no other: a paper
// of a trained field in it would flatter the vectors out of their field.
func TestDevCollectionOutsideAgrees(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	data, out := t.TempDir(), t.TempDir()
	cats := []string{"cs.CV", "cs.CL", "cs.IT", "eess.IV", "math.OC", "cs.CVX", "", "q-bio.NC"}
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 80 {
		line, _ := json.Marshal(map[string]string{"arxiv_id": fmt.Sprintf("2501.%05d", i), "title": fmt.Sprintf("Paper %d", i),
			"abstract": "We study it. It works.", "primary_category": cats[i%len(cats)]})
		zw.Write(append(line, '\n'))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "arxiv-daily-2025-2026.jsonl.xz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fields := []string{"cs.CV", "cs.CL", "eess"}
	cmd := exec.Command(py, filepath.Join("..", "..", "..", "scripts", "arxiv-dev-collection.py"), "--outside", strings.Join(fields, ","), data, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, msg)
	}
	corpus, err := os.ReadFile(filepath.Join(out, "corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, line := range strings.Split(strings.TrimSpace(string(corpus)), "\n") {
		var d struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimPrefix(d.ID, "d"))
	}
	for i := range 80 {
		if OutsideFields(cats[i%len(cats)], fields) {
			want = append(want, fmt.Sprintf("2501.%05d", i))
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("the collection holds %q, want the papers OutsideFields holds out: %q", got, want)
	}
}

// The holdout rule is the CRC-32 one scripts/arxiv-dev-collection.py
// applies with Python's zlib.crc32.
func TestHeldOut(t *testing.T) {
	n := 0
	for i := range 10_000 {
		id := fmt.Sprintf("2503.%05d", i)
		if HeldOut(id, 10) != (crc32.ChecksumIEEE([]byte(id))%10 == 0) {
			t.Fatalf("HeldOut(%q) disagrees with the CRC rule", id)
		}
		if HeldOut(id, 10) {
			n++
		}
		if HeldOut(id, 0) {
			t.Fatalf("HeldOut(%q, 0) = true", id)
		}
	}
	if n < 900 || n > 1100 {
		t.Errorf("%d of 10,000 held out, want about 1,000", n)
	}
}

func trainedSmall(t testing.TB) *Model {
	t.Helper()
	m, _, err := Train(context.Background(), synthetic(300, 1), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteReadRoundTrip(t *testing.T) {
	m := trainedSmall(t)
	data := encode(t, m)
	r, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != m.Name() || r.Dim() != m.Dim() || !slices.Equal(r.vocab.tokens, m.vocab.tokens) ||
		!slices.Equal(r.scales, m.scales) || !slices.Equal(r.vecs, m.vecs) {
		t.Error("read model differs from the written one")
	}
	text := "t1w3 t1w4 we propose zq5x7k"
	if a, b := m.Vector(text), r.Vector(text); !slices.Equal(a, b) {
		t.Errorf("vectors differ after the round trip")
	}
	if v := m.Vector(text); math.Abs(float64(dot(v, v))-1) > 1e-5 {
		t.Errorf("vector of length² %v, want 1", dot(v, v))
	}
	if v := m.Vector("!!! ---"); slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
		t.Errorf("a text with no token: %v, want a zero vector", v)
	}
}

func withCRC(body []byte) []byte {
	return binary.LittleEndian.AppendUint32(slices.Clone(body), crc32.ChecksumIEEE(body))
}

func TestReadRejects(t *testing.T) {
	valid := encode(t, trainedSmall(t))
	body := valid[:len(valid)-4]
	header := func(name string, dim, rows uint64, tokens ...string) []byte {
		b := []byte(Magic + "\x01")
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, dim)
		b = binary.AppendUvarint(b, rows)
		for _, t := range tokens {
			b = binary.AppendUvarint(b, uint64(len(t)))
			b = append(b, t...)
		}
		return b
	}
	nan := binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.NaN())))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a static"},
		{"word-vector asset", withCRC([]byte("DPWV\x01abcd")), "not a static"},
		{"future version", withCRC(append([]byte(Magic+"\x02"), body[5:]...)), "format 2"},
		{"damaged", append(slices.Clone(body), 0, 0, 0, 0), "checksum"},
		{"truncated", withCRC(body[:len(body)-10]), "vectors"},
		{"trailing bytes", withCRC(append(slices.Clone(body), 1)), "trailing"},
		{"zero dimensions", withCRC(header("x", 0, 1, "a")), "implausible"},
		{"repeated token", withCRC(append(header("x", 1, 2, "a", "a"), make([]byte, 10)...)), "repeated"},
		{"bare mark", withCRC(append(header("x", 1, 1, "##"), make([]byte, 5)...)), "empty or repeated"},
		{"NaN scale", withCRC(append(append(header("x", 1, 1, "a"), nan...), 1)), "scale"},
	} {
		_, err := Read(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(encode(f, trainedSmall(f)))
	f.Add([]byte(Magic + "\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(data)
		if err != nil {
			return
		}
		v := m.Vector("a b c ##d zz")
		if len(v) != m.Dim() {
			t.Fatalf("vector of %d, want %d", len(v), m.Dim())
		}
	})
}

func BenchmarkTrainStep(b *testing.B) {
	recs := synthetic(4096, 1)
	opt := DefaultOptions()
	opt.Vocab = VocabOptions{Words: 2000, MinCount: 1, Pieces: 500}
	opt.Epochs = 1
	b.ResetTimer()
	for range b.N {
		if _, _, err := Train(context.Background(), recs, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*4), "ms/step")
}

// A warm start sets where a token's vector starts: with a learning rate
// too small to move anything, the trained vector of a warm-started word
// points where its starting vector did, in its first components.
func TestTrainWarmStart(t *testing.T) {
	opt := smallOptions()
	opt.LearnRate = 1e-9
	opt.Vocab.Words = 1000 // every topic word a token of its own
	start := []float32{3, -4, 0, 0, 0, 0, 0, 0}
	opt.Warm = func(token string) []float32 {
		if token == "t0w1" {
			return start
		}
		return nil
	}
	m, _, err := Train(context.Background(), synthetic(300, 1), opt)
	if err != nil {
		t.Fatal(err)
	}
	v := m.Vector("t0w1")
	want := []float32{0.6, -0.8}
	for j, x := range v {
		w := float32(0)
		if j < len(want) {
			w = want[j]
		}
		if math.Abs(float64(x-w)) > 0.01 {
			t.Fatalf("vector of the warm-started word %v, want %v then zeros", v[:4], want)
		}
	}
	if u := m.Vector("t0w2"); math.Abs(float64(u[0])) > 0.9 {
		t.Errorf("a word without a start vector: %v, want a random direction", u[:4])
	}
}
