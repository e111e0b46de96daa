package wordvec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokens collects what Tokens yields.
func tokens(text string) []string {
	var out []string
	Tokens(text, func(w string) { out = append(out, w) })
	return out
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"!?,.;-- (){}", nil},
		{"word", []string{"word"}},
		{"Neural NETWORK Training", []string{"neural", "network", "training"}},
		{"state-of-the-art", []string{"state", "of", "the", "art"}},
		{"GPT-4o, e.g. BERT's", []string{"gpt", "4o", "e", "g", "bert", "s"}},
		{"CO2 x_1 3.14", []string{"co2", "x", "1", "3", "14"}},
		{"Über naïve café", []string{"über", "naïve", "café"}},
		{"ÜBER", []string{"über"}},
		{"Ελληνικά ΚΕΊΜΕΝΑ", []string{"ελληνικά", "κείμενα"}},
		{"Москва и Київ", []string{"москва", "и", "київ"}},
		{"数据 Daten\tdata\nDATA", []string{"数据", "daten", "data", "data"}},
		{"a\u00a0b\u2014c", []string{"a", "b", "c"}}, // no-break space and em dash separate
		{"\xffabc\xfe", []string{"abc"}},             // invalid UTF-8 is a separator
	} {
		got := tokens(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A lower-case word is passed through without being copied; an upper-case
// one is lowered into a buffer that is reused, so a caller keeping the
// word must get a string that later words do not overwrite.
func TestTokensKeptWordsStayIntact(t *testing.T) {
	got := tokens("ALPHA BETA Gamma delta EPSILON")
	want := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

// Every word Tokens yields is lower case, including words with title-case
// letters (ǅ, ǈ, ǋ, ǲ and Greek letters with prosgegrammeni such as ᾈ),
// which unicode.IsUpper does not report.
func TestTokensLowerCasesTitleCaseLetters(t *testing.T) {
	for _, in := range []string{"ǅemal", "ǈubljana", "ᾈδης"} {
		for _, w := range tokens(in) {
			if w != strings.ToLower(w) {
				t.Errorf("Tokens(%q) yields %q, which is not lower case (want %q)", in, w, strings.ToLower(w))
			}
		}
	}
}

// testSource is a small vocabulary, most frequent first, with words that
// Tokens can never produce and a duplicate among them.
func testSource() *Source {
	return &Source{
		Words: []string{"the", "Paris", "cat", "state-of-the-art", "dog", "e.g.", "cat", "naïve", "über", "42", "x1", "UN", "fish"},
		Vectors: [][]float32{
			{0.9, 0.1, 0.0, -0.2},  // the
			{5, 5, 5, 5},           // Paris: upper case, dropped
			{0.1, 0.8, -0.3, 0.2},  // cat
			{7, 7, 7, 7},           // state-of-the-art: punctuation, dropped
			{0.2, 0.7, -0.2, 0.4},  // dog
			{9, 9, 9, 9},           // e.g.: dropped
			{-8, -8, -8, -8},       // cat again: a duplicate, dropped
			{-0.5, 0.1, 0.6, 0.3},  // naïve
			{-0.4, -0.2, 0.7, 0.1}, // über
			{0.3, -0.6, 0.1, -0.9}, // 42
			{0.05, -0.4, -0.8, 0.6},
			{6, 6, 6, 6},           // UN: upper case, dropped
			{-0.7, 0.3, 0.2, -0.5}, // fish
		},
	}
}

// kept is what Convert should keep of testSource, in order, with vectors.
func kept(src *Source) ([]string, [][]float64) {
	var words []string
	var vecs [][]float64
	seen := map[string]bool{}
	for i, w := range src.Words {
		if w != strings.ToLower(w) || strings.ContainsAny(w, "-.") || seen[w] {
			continue
		}
		seen[w] = true
		v := make([]float64, len(src.Vectors[i]))
		for j, x := range src.Vectors[i] {
			v[j] = float64(x)
		}
		words, vecs = append(words, w), append(vecs, v)
	}
	return words, vecs
}

func writeModel(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rowWords is the vocabulary of m in row order.
func rowWords(m *Model) []string {
	words := make([]string, m.Words())
	for w, row := range m.index {
		words[row] = w
	}
	return words
}

func cosine64(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func TestConvertWriteReadRoundTrip(t *testing.T) {
	src := testSource()
	m, err := Convert(src, Options{Name: "test-4d"})
	if err != nil {
		t.Fatal(err)
	}
	wantWords, orig := kept(src)
	if got := rowWords(m); !slices.Equal(got, wantWords) {
		t.Fatalf("kept words %q, want %q", got, wantWords)
	}

	data := writeModel(t, m)
	r, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != "test-4d" || r.Dim() != 4 || r.Words() != len(wantWords) {
		t.Fatalf("read %q dim %d words %d, want test-4d, 4, %d", r.Name(), r.Dim(), r.Words(), len(wantWords))
	}
	if got := rowWords(r); !slices.Equal(got, wantWords) {
		t.Errorf("read words %q, want %q (frequency order must survive)", got, wantWords)
	}
	if !slices.Equal(r.scales, m.scales) || !slices.Equal(r.vecs, m.vecs) || !slices.Equal(r.weights, m.weights) {
		t.Error("the read model differs from the written one")
	}
	if again := writeModel(t, r); !bytes.Equal(again, data) {
		t.Error("writing the read model gives other bytes")
	}

	// Convert centres the vectors (mean over the kept words); quantisation
	// must keep each one's direction.
	mean := make([]float64, 4)
	for _, v := range orig {
		for j, x := range v {
			mean[j] += x / float64(len(orig))
		}
	}
	for i, w := range wantWords {
		row := r.index[w]
		deq := make([]float64, 4)
		for j := range deq {
			deq[j] = float64(r.vecs[int(row)*4+j]) * float64(r.scales[row])
		}
		centred := make([]float64, 4)
		for j := range centred {
			centred[j] = orig[i][j] - mean[j]
		}
		if c := cosine64(deq, centred); c < 0.99 {
			t.Errorf("%s: dequantised %v vs centred original %v: cosine %.4f", w, deq, centred, c)
		}
		// The largest component is quantised to ±127.
		if mx := slices.Max(absInts(r.vecs[int(row)*4 : int(row+1)*4])); mx != 127 {
			t.Errorf("%s: largest quantised component %d, want 127", w, mx)
		}
		// A one-word text embeds as that word's (unit) vector.
		v := r.Vector(strings.ToUpper(w))
		if c := cosine64(toF64(v), centred); c < 0.99 {
			t.Errorf("Vector(%q): cosine %.4f with the centred original", strings.ToUpper(w), c)
		}
		if n := norm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("Vector(%q) has norm %v", w, n)
		}
	}
	// Words that were dropped are unknown.
	for _, w := range []string{"paris", "Paris", "state", "e", "g", "un"} {
		if v := r.Vector(w); norm(v) != 0 {
			t.Errorf("Vector(%q) = %v, want zeros (not in the vocabulary)", w, v)
		}
	}
}

func absInts(v []int8) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
		if x < 0 {
			out[i] = -int(x)
		}
	}
	return out
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestConvertMaxWords(t *testing.T) {
	src := testSource()
	all, _ := kept(src)
	for _, max := range []int{1, 3, 5, len(all), len(all) + 10} {
		m, err := Convert(src, Options{Name: "t", MaxWords: max})
		if err != nil {
			t.Fatal(err)
		}
		want := all[:min(max, len(all))]
		if got := rowWords(m); !slices.Equal(got, want) {
			t.Errorf("MaxWords %d: kept %q, want %q (the most frequent usable words)", max, got, want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	if _, err := Convert(testSource(), Options{}); err == nil {
		t.Error("no error without a name")
	}
	src := &Source{Words: []string{"Paris", "e.g.", "U.S."}, Vectors: [][]float32{{1, 2}, {3, 4}, {5, 6}}}
	if _, err := Convert(src, Options{Name: "t"}); err == nil {
		t.Error("no error for a source without a usable word")
	}
	if _, err := Convert(&Source{}, Options{Name: "t"}); err == nil {
		t.Error("no error for an empty source")
	}
}

// A Source whose vectors differ in length (as a hand-built one may) must
// be refused with an error, not panic or yield a model whose rows are
// misaligned.
func TestConvertRaggedSource(t *testing.T) {
	for name, src := range map[string]*Source{
		"longer":  {Words: []string{"a", "b", "c"}, Vectors: [][]float32{{1, 0, 0}, {0, 1, 0, 5}, {0, 0, 1}}},
		"shorter": {Words: []string{"a", "b", "c"}, Vectors: [][]float32{{1, 0, 0}, {0, 1}, {0, 0, 1}}},
		"missing": {Words: []string{"a", "b", "c"}, Vectors: [][]float32{{1, 0, 0}, {0, 1, 0}}},
	} {
		t.Run(name, func(t *testing.T) {
			var m *Model
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Convert panicked: %v", r)
					}
				}()
				m, err = Convert(src, Options{Name: "t"})
			}()
			if err == nil && m != nil {
				if len(m.vecs) != m.Words()*m.Dim() {
					t.Errorf("Convert made a model of %d words x %d dims with %d components", m.Words(), m.Dim(), len(m.vecs))
				} else {
					t.Errorf("Convert accepted vectors of unequal lengths")
				}
			}
		})
	}
}

// Removing the top direction takes out a component that all words share
// in different amounts (as word frequency does in real vectors).
func TestConvertRemoveTop(t *testing.T) {
	src := &Source{}
	for i := range 40 {
		// A large component along the first axis varying by word, small
		// distinct components elsewhere.
		v := []float32{float32(10 * (i%7 - 3)), float32(math.Sin(float64(i))), float32(math.Cos(float64(3 * i))), float32(math.Sin(float64(5*i + 1)))}
		src.Words = append(src.Words, fmt.Sprintf("w%d", i))
		src.Vectors = append(src.Vectors, v)
	}
	m, err := Convert(src, Options{Name: "t", RemoveTop: 1})
	if err != nil {
		t.Fatal(err)
	}
	for row := range m.Words() {
		v := m.vecs[row*4 : row*4+4]
		if math.Abs(float64(v[0])) > 3 {
			t.Errorf("row %d = %v: the dominating first axis was not removed", row, v)
		}
	}
}

func validAsset(t testing.TB) []byte {
	t.Helper()
	m, err := Convert(testSource(), Options{Name: "test-4d"})
	if err != nil {
		t.Fatal(err)
	}
	return writeModel(t, m)
}

// withCRC replaces the last four bytes of data by the checksum of the rest,
// so that the parser behind the checksum is reached.
func withCRC(body []byte) []byte {
	out := slices.Clone(body)
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

// readNoPanic calls Read and turns a panic into a test error.
func readNoPanic(t *testing.T, data []byte) (m *Model, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Read panicked on %d bytes: %v", len(data), r)
			err = errors.New("panic")
		}
	}()
	return Read(data)
}

func TestReadRejects(t *testing.T) {
	good := validAsset(t)
	if _, err := Read(good); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func([]byte) []byte) []byte { return f(slices.Clone(good)) }
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"wrong magic", mutate(func(b []byte) []byte { copy(b, "DPWX"); return b }), "not a word-vector asset"},
		{"wrong version", mutate(func(b []byte) []byte { b[4] = formatVersion + 1; return b }), "format 2"},
		{"damaged middle", mutate(func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b }), "checksum"},
		{"damaged checksum", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "checksum"},
		{"truncated by one", good[:len(good)-1], "checksum"},
		{"truncated by half", good[:len(good)/2], "checksum"},
		{"header only", good[:5], "not a word-vector asset"},
		{"empty", nil, "not a word-vector asset"},
		{"extended", append(slices.Clone(good), 0), "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := readNoPanic(t, tc.data)
			if err == nil {
				t.Fatalf("no error (model %q)", m.Name())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// With a correct checksum over damaged content, the parser itself must
// refuse it: every strict prefix of the body, trailing bytes, and
// implausible shapes.
func TestReadRejectsMalformedBody(t *testing.T) {
	good := validAsset(t)
	body := good[:len(good)-4]
	for cut := len(magic) + 1; cut < len(body); cut++ {
		if m, err := readNoPanic(t, withCRC(body[:cut])); err == nil {
			t.Errorf("a body cut to %d of %d bytes was read (model %q, %d words)", cut, len(body), m.Name(), m.Words())
		}
	}
	if _, err := readNoPanic(t, withCRC(append(slices.Clone(body), 1, 2, 3))); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing bytes: error %v", err)
	}

	shape := func(dim, rows uint64) []byte {
		b := []byte(magic)
		b = append(b, formatVersion)
		b = binary.AppendUvarint(b, 1)
		b = append(b, 'n')
		b = binary.AppendUvarint(b, dim)
		b = binary.AppendUvarint(b, rows)
		return withCRC(append(b, make([]byte, 64)...))
	}
	for _, s := range [][2]uint64{{0, 1}, {1 << 15, 1}, {1, 1 << 25}, {4, 1000}, {1 << 14, 1 << 24}, {math.MaxUint64, 2}, {2, math.MaxUint64}} {
		if _, err := readNoPanic(t, shape(s[0], s[1])); err == nil {
			t.Errorf("dim %d rows %d: no error", s[0], s[1])
		}
	}
	// A word longer than any real one.
	b := append([]byte(magic), formatVersion)
	b = binary.AppendUvarint(b, 5000)
	if _, err := readNoPanic(t, withCRC(append(b, make([]byte, 6000)...))); err == nil {
		t.Error("a 5000-byte name was read")
	}
}

func TestReadText(t *testing.T) {
	glove := "the 0.1 0.2 0.3\nof -1 2.5e-1 0\ncafé 1 1 1\n"
	for name, text := range map[string]string{
		"glove":                    glove,
		"fasttext":                 "3 3\n" + glove,
		"crlf":                     strings.ReplaceAll(glove, "\n", "\r\n"),
		"padded, no final newline": "the 0.1  0.2\t0.3\nof -1 2.5e-1 0\ncafé 1 1 1",
	} {
		t.Run(name, func(t *testing.T) {
			src, err := ReadText(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"the", "of", "café"}; !slices.Equal(src.Words, want) {
				t.Errorf("words %q, want %q", src.Words, want)
			}
			want := [][]float32{{0.1, 0.2, 0.3}, {-1, 0.25, 0}, {1, 1, 1}}
			if len(src.Vectors) != len(want) {
				t.Fatalf("%d vectors, want %d", len(src.Vectors), len(want))
			}
			for i := range want {
				if !slices.Equal(src.Vectors[i], want[i]) {
					t.Errorf("vector %d = %v, want %v", i, src.Vectors[i], want[i])
				}
			}
			if _, err := Convert(src, Options{Name: "t"}); err != nil {
				t.Errorf("Convert: %v", err)
			}
		})
	}
}

func TestReadTextErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"wrong count", "a 1 2 3\nb 1 2 3\nc 1 2\nd 1 2 3\n", "line 3"},
		{"wrong count after a header", "4 3\na 1 2 3\nb 1 2 3 4\n", "line 3"},
		{"not a number", "a 1 2 3\nb 1 x 3\n", "line 2"},
		{"word alone", "a 1 2\nb\n", "line 2"},
		{"blank line", "a 1 2\n\nb 1 2\n", "line 2"},
		{"empty", "", "no vectors"},
		{"header only", "10 300\n", "no vectors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadText(strings.NewReader(tc.text))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to name %q", err, tc.want)
			}
		})
	}
}

func TestReadWinkJSON(t *testing.T) {
	js := `{"dimensions": 2, "words": ["the", "cat"], "vectors": {"the": [0.5, -1, 1.118, 0], "cat": [2, 3, 3.6, 1]}}`
	src, err := ReadWinkJSON(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(src.Words, []string{"the", "cat"}) || !slices.Equal(src.Vectors[0], []float32{0.5, -1}) || !slices.Equal(src.Vectors[1], []float32{2, 3}) {
		t.Errorf("read %+v", src)
	}
	for _, bad := range []string{
		`{"dimensions": 2, "words": ["the"], "vectors": {}}`,
		`{"dimensions": 2, "words": ["the"], "vectors": {"the": [1]}}`,
		`{"dimensions": 0, "words": ["the"], "vectors": {"the": [1]}}`,
		`{"dimensions": 2, "words": [], "vectors": {}}`,
		`not json`,
	} {
		if _, err := ReadWinkJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func builtinModel(t testing.TB) *Model {
	t.Helper()
	m, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	return m
}

func TestBuiltin(t *testing.T) {
	m := builtinModel(t)
	if m.Name() == "" || m.Dim() != 100 || m.Words() < 50_000 {
		t.Fatalf("built-in model %q: dim %d, %d words", m.Name(), m.Dim(), m.Words())
	}
	t.Logf("%s: %d words of %d dimensions", m.Name(), m.Words(), m.Dim())
	if again, _ := Builtin(); again != m {
		t.Error("Builtin loads the asset again")
	}
	// Frequent words come first, and rare ones are weighed more (SIF).
	the, okThe := m.index["the"]
	enzyme, okEnzyme := m.index["enzyme"]
	if !okThe || !okEnzyme || the >= enzyme || m.weights[the] >= m.weights[enzyme] {
		t.Errorf("the: row %d weight %v; enzyme: row %d weight %v", the, m.weights[the], enzyme, m.weights[enzyme])
	}
}

func TestBuiltinSemantics(t *testing.T) {
	m := builtinModel(t)
	for _, tc := range [][3]string{
		// query, closer, farther
		{"neural network training", "deep learning optimisation", "medieval church architecture"},
		{"car motor fix", "automobile engine repair", "protein folding simulation"},
		{"physician", "doctor", "galaxy"},
		{"heart attack", "cardiac infarction", "stock market"},
	} {
		q := m.Vector(tc[0])
		near, far := cosine(q, m.Vector(tc[1])), cosine(q, m.Vector(tc[2]))
		t.Logf("%q: %q %.3f, %q %.3f", tc[0], tc[1], near, tc[2], far)
		if near <= far {
			t.Errorf("%q is not closer to %q (%.3f) than to %q (%.3f)", tc[0], tc[1], near, tc[2], far)
		}
	}
	// Case and punctuation do not matter.
	if c := cosine(m.Vector("Neural-Network TRAINING!"), m.Vector("neural network training")); c < 0.9999 {
		t.Errorf("case and punctuation change the vector: cosine %v", c)
	}
	for _, text := range []string{"", "   ", "!!! ... ---", "qzxwv vbnmq zzxxq", "數據數據數據 qzxwv"} {
		v := m.Vector(text)
		if len(v) != m.Dim() {
			t.Fatalf("Vector(%q) has %d components", text, len(v))
		}
		for _, x := range v {
			if x != 0 {
				t.Errorf("Vector(%q) is not all zeros: %v", text, v[:5])
				break
			}
		}
	}
	// Known words make a unit vector, whatever the unknown ones around them.
	if n := norm(m.Vector("qzxwv graph qzxwv")); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm %v", n)
	}
}

func TestBuiltinEmbed(t *testing.T) {
	m := builtinModel(t)
	texts := []string{"graph neural networks", "", "qzxwv", "Protein structure prediction"}
	out, err := m.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(out), len(texts))
	}
	for i, v := range out {
		if !slices.Equal(v, m.Vector(texts[i])) {
			t.Errorf("Embed's vector %d differs from Vector(%q)", i, texts[i])
		}
	}
	if out, err := m.Embed(context.Background(), nil); err != nil || len(out) != 0 {
		t.Errorf("Embed(nil) = %d vectors, %v", len(out), err)
	}

	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprintf("paper %d about sparse attention", i)
	}
	out, err = m.Embed(context.Background(), many)
	if err != nil || len(out) != len(many) {
		t.Fatalf("%d vectors, %v", len(out), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if out, err := m.Embed(ctx, many); !errors.Is(err, context.Canceled) || out != nil {
		t.Errorf("cancelled: %d vectors, error %v; want context.Canceled", len(out), err)
	}
}

func FuzzRead(f *testing.F) {
	good := validAsset(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(magic + "\x01"))
	f.Add(withCRC(good[:len(good)-4][:20]))
	f.Fuzz(func(t *testing.T, data []byte) {
		try := func(data []byte) {
			m, err := Read(data)
			if err != nil {
				return
			}
			// Whatever was read is usable and writes back to a readable asset.
			words := rowWords(m)
			m.Vector(strings.Join(words, " "))
			var buf bytes.Buffer
			if err := m.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if _, err := Read(buf.Bytes()); err != nil {
				t.Fatalf("a model read from an asset writes one that cannot be read: %v", err)
			}
		}
		try(data)
		// Also with a correct checksum, to reach the parser.
		if len(data) >= len(magic)+1+4 {
			try(withCRC(data[:len(data)-4]))
		}
	})
}

// tokensByRune is Tokens without its ASCII table: every rune through
// package unicode, as Tokens was first written.
func tokensByRune(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !isWord(r) || r == utf8.RuneError }) {
		out = append(out, strings.ToLower(f))
	}
	return out
}

// The ASCII fast path splits and lowers as the rune path does, also where
// ASCII and other letters meet inside a word.
func FuzzTokensASCIIPath(f *testing.F) {
	for _, s := range []string{"Neural NETWORK", "naïve Café", "ABCé", "éABC", "word—word", "x\xffY", "GPT-4o", "İstanbul", "ǅemal"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // invalid bytes separate words in both; FieldsFunc sees U+FFFD
		}
		if got, want := tokens(text), tokensByRune(text); !slices.Equal(got, want) {
			t.Errorf("Tokens(%q) = %q, want %q", text, got, want)
		}
	})
}
