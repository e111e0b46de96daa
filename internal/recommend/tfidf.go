package recommend

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TfidfOptions are the settings of a Tfidf vectorizer, named as
// scikit-learn's TfidfVectorizer names them.
type TfidfOptions struct {
	MaxFeatures int     // keep the most frequent n-grams over the corpus
	MinDF       int     // in at least this many documents
	MaxDF       float64 // in at most this share of the documents
}

// ArxivSanityTfidf are arxiv-sanity-lite's settings (compute.py): word
// 1-2 grams, 20,000 features, min_df 5, max_df 0.1; sublinear tf, smooth
// idf and l2 norm are what Tfidf always does.
var ArxivSanityTfidf = TfidfOptions{MaxFeatures: 20000, MinDF: 5, MaxDF: 0.1}

// Tfidf is a fitted tf-idf vectorizer of word 1-2 grams, as
// arxiv-sanity-lite configures scikit-learn's: accents stripped, lower
// case, tokens of two or more word characters starting with a letter or
// underscore (its token_pattern), English stop words dropped before the
// bigrams are formed, tf = 1 + ln(count), idf = ln((1+n)/(1+df)) + 1, and
// each vector scaled to unit length.
type Tfidf struct {
	vocab map[string]int32
	idf   []float32
}

// FitTfidf learns the vocabulary and idf from a corpus.
func FitTfidf(docs []string, opt TfidfOptions) *Tfidf {
	type stat struct{ df, tf int }
	stats := map[string]*stat{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		ngrams(d, func(g string) {
			s := stats[g]
			if s == nil {
				s = &stat{}
				stats[g] = s
			}
			s.tf++
			if !seen[g] {
				seen[g] = true
				s.df++
			}
		})
	}
	maxDF := int(opt.MaxDF * float64(len(docs)))
	type kept struct {
		g string
		stat
	}
	var ks []kept
	for g, s := range stats {
		if s.df >= opt.MinDF && s.df <= maxDF {
			ks = append(ks, kept{g, *s})
		}
	}
	// The most frequent over the corpus; ties by the n-gram so the
	// vocabulary does not depend on map order.
	slices.SortFunc(ks, func(a, b kept) int {
		if a.tf != b.tf {
			return b.tf - a.tf
		}
		return strings.Compare(a.g, b.g)
	})
	ks = ks[:min(len(ks), opt.MaxFeatures)]
	slices.SortFunc(ks, func(a, b kept) int { return strings.Compare(a.g, b.g) })
	t := &Tfidf{vocab: make(map[string]int32, len(ks)), idf: make([]float32, len(ks))}
	n := float64(len(docs))
	for i, k := range ks {
		t.vocab[k.g] = int32(i)
		t.idf[i] = float32(math.Log((1+n)/(1+float64(k.df))) + 1)
	}
	return t
}

// Dim is the number of features.
func (t *Tfidf) Dim() int { return len(t.idf) }

// Transform gives a document's unit tf-idf vector.
func (t *Tfidf) Transform(doc string) Sparse {
	counts := map[int32]float32{}
	ngrams(doc, func(g string) {
		if i, ok := t.vocab[g]; ok {
			counts[i]++
		}
	})
	for i, c := range counts {
		counts[i] = (1 + float32(math.Log(float64(c)))) * t.idf[i]
	}
	s := sparseFromMap(counts)
	s.normalize()
	return s
}

// ngrams calls fn with every unigram and bigram of text's tokens.
func ngrams(text string, fn func(string)) {
	prev := ""
	for _, tok := range tokens(text) {
		fn(tok)
		if prev != "" {
			fn(prev + " " + tok)
		}
		prev = tok
	}
}

// tokens are scikit-learn's with arxiv-sanity-lite's token_pattern
// (?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b after strip_accents="unicode" and
// lowercasing: a run of word characters is a token when it is all ASCII
// letters, digits and underscores, starts with no digit and is at least
// two long (inside a run there is no word boundary, so the pattern only
// ever matches whole runs). Stop words are dropped.
func tokens(text string) []string {
	text = stripAccents(strings.ToLower(text))
	var out []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		if len(w) < 2 || (w[0] >= '0' && w[0] <= '9') || englishStopWords[w] {
			return
		}
		for i := 0; i < len(w); i++ {
			c := w[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return
			}
		}
		out = append(out, w)
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

// stripAccents is scikit-learn's strip_accents_unicode: decompose (NFKD)
// and drop the combining marks.
func stripAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFKD.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}
