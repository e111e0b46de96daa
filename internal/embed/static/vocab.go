package static

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
)

// contMark starts the name of a continuation piece, as in WordPiece: "##ing"
// is "ing" inside a word, "ing" alone is a word or a word's first piece.
const contMark = "##"

// Vocab splits text into tokens: the words of wordvec.Tokens (lower-cased
// runs of letters and digits, as the lexical index sees them), each either
// a token of its own or, when it is not in the vocabulary, the longest
// known first piece followed by the longest known continuation pieces
// (greedy longest match, as WordPiece does). A word never seen in training
// thus still gets the vectors of its pieces ("llms" → "llm", "##s").
type Vocab struct {
	tokens   []string         // id → token, continuation pieces with contMark
	first    map[string]int32 // words and first pieces → id
	cont     map[string]int32 // continuation pieces, without contMark → id
	maxPiece int              // longest piece, in bytes
}

// newVocab indexes tokens by id.
func newVocab(tokens []string) *Vocab {
	v := &Vocab{tokens: tokens, first: make(map[string]int32, len(tokens)), cont: map[string]int32{}}
	for i, t := range tokens {
		if p, ok := strings.CutPrefix(t, contMark); ok && p != "" {
			v.cont[p] = int32(i)
			v.maxPiece = max(v.maxPiece, len(p))
		} else {
			v.first[t] = int32(i)
		}
	}
	for t := range v.first {
		if utf8.RuneCountInString(t) <= maxPieceRunes {
			v.maxPiece = max(v.maxPiece, len(t))
		}
	}
	return v
}

// Len is the number of tokens.
func (v *Vocab) Len() int { return len(v.tokens) }

// Token is the token of an id.
func (v *Vocab) Token(id int32) string { return v.tokens[id] }

// Append appends the token ids of text to ids and returns them.
func (v *Vocab) Append(ids []int32, text string) []int32 {
	wordvec.Tokens(text, func(w string) { ids = v.appendWord(ids, w) })
	return ids
}

// appendWord appends a word's id, or its pieces' ids. A position no piece
// starts at (a character never seen in training) is skipped.
func (v *Vocab) appendWord(ids []int32, w string) []int32 {
	if id, ok := v.first[w]; ok {
		return append(ids, id)
	}
	table := v.first
	for start := 0; start < len(w); {
		end := min(len(w), start+v.maxPiece)
		for ; end > start; end-- {
			if id, ok := table[w[start:end]]; ok {
				ids = append(ids, id)
				break
			}
		}
		if end == start { // no piece: skip the character
			_, size := utf8.DecodeRuneInString(w[start:])
			end = start + size
		}
		start, table = end, v.cont
	}
	return ids
}

// maxPieceRunes bounds the length of the pieces a vocabulary is built with.
const maxPieceRunes = 8

// VocabOptions size a vocabulary.
type VocabOptions struct {
	Words    int // most frequent words kept whole (those seen at least MinCount times)
	MinCount int
	Pieces   int // most frequent pieces of the other words
}

// BuildVocab makes a vocabulary from word counts: the Words most frequent
// words seen at least MinCount times are tokens of their own; the rarer
// words are counted out into their first pieces and continuation pieces
// of up to maxPieceRunes characters, each weighted by the word's count,
// and the Pieces most frequent become tokens, as does every character
// seen (first and continuation), so that any word of known characters can
// be spelled. Ties are broken by the token's text, so the vocabulary
// depends on the counts alone.
func BuildVocab(counts map[string]int, opt VocabOptions) *Vocab {
	type wc struct {
		w string
		n int
	}
	byCount := func(a, b wc) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.w, b.w)
	}
	words := make([]wc, 0, len(counts))
	for w, n := range counts {
		words = append(words, wc{w, n})
	}
	slices.SortFunc(words, byCount)
	var tokens []string
	keep := 0
	for keep < len(words) && keep < opt.Words && words[keep].n >= max(1, opt.MinCount) {
		tokens = append(tokens, words[keep].w)
		keep++
	}
	whole := make(map[string]bool, keep)
	for _, t := range tokens {
		whole[t] = true
	}
	pieces := map[string]int{}
	chars := map[string]bool{}
	for _, x := range words[keep:] {
		// Rune boundaries of the word.
		var at []int
		for i := range x.w {
			at = append(at, i)
		}
		at = append(at, len(x.w))
		for i := 0; i < len(at)-1; i++ {
			for j := i + 1; j < len(at) && j-i <= maxPieceRunes; j++ {
				p := x.w[at[i]:at[j]]
				if i > 0 {
					p = contMark + p
				}
				if j == i+1 {
					chars[p] = true
				}
				pieces[p] += x.n
			}
		}
	}
	// Every character of the kept words too, so pieces can spell them.
	for _, t := range tokens {
		for i, r := range t {
			c := string(r)
			if i > 0 {
				c = contMark + c
			}
			chars[c] = true
		}
	}
	ranked := make([]wc, 0, len(pieces))
	for p, n := range pieces {
		if !whole[p] && !chars[p] {
			ranked = append(ranked, wc{p, n})
		}
	}
	slices.SortFunc(ranked, byCount)
	for _, x := range ranked[:min(len(ranked), opt.Pieces)] {
		tokens = append(tokens, x.w)
	}
	var cs []string
	for c := range chars {
		if !whole[c] {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	tokens = append(tokens, cs...)
	return newVocab(tokens)
}
