package bench

// The worst inputs at every public search endpoint: the rule is that no
// request costs more than 100 ms of CPU on the 355k-paper database,
// whatever its input (issue 15).

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/web"
)

// worstInput is one hostile query; page, when set, is asked of /search.
type worstInput struct {
	name, q string
	page    int
}

// repeatTo repeats parts, separated by spaces, while the query stays
// within n characters.
func repeatTo(n int, parts ...string) string {
	var b strings.Builder
	for i := 0; ; i++ {
		p := parts[i%len(parts)]
		if b.Len()+len(p)+1 > n {
			return strings.TrimSpace(b.String())
		}
		b.WriteString(p + " ")
	}
}

// twoLetterPrefixes is ab* ac* ad* ...: the review's 16-18 s query.
func twoLetterPrefixes(n int) string {
	var ps []string
	for c1 := 'a'; c1 <= 'z'; c1++ {
		for c2 := 'a'; c2 <= 'z'; c2++ {
			if c1 != c2 {
				ps = append(ps, string([]rune{c1, c2, '*'}))
			}
		}
	}
	return repeatTo(n, ps...)
}

// commonWords are among the most frequent words of arXiv abstracts: the
// longest posting lists.
var commonWords = []string{"model", "method", "result", "use", "data", "learning", "network", "problem", "approach",
	"propose", "show", "paper", "base", "performance", "time", "system", "new", "two", "algorithm", "function",
	"also", "study", "present", "set", "provide", "different", "field", "state", "large", "analysis", "high",
	"information", "process", "demonstrate", "order", "structure", "one", "general", "develop", "case"}

// worstInputs are the costliest queries we could construct, each aimed
// at one part of the work: prefix expansion, many long lists, phrase
// checks (which read texts from the store), exclusions, authors,
// category tests over every paper, deep pages, and sheer size.
func worstInputs() []worstInput {
	var phrases, excluded, exPhrases, authors, cats []string
	for i := 0; i+1 < len(commonWords); i++ {
		phrases = append(phrases, `"`+commonWords[i]+" "+commonWords[i+1]+`"`)
		exPhrases = append(exPhrases, `-"`+commonWords[i]+" "+commonWords[i+1]+`"`)
	}
	for _, w := range commonWords {
		excluded = append(excluded, "-"+w)
	}
	for _, n := range []string{"wang", "li", "zhang", "liu", "chen", "yang", "kim", "lee", "smith", "wu", "xu", "zhao"} {
		authors = append(authors, "author:"+n)
	}
	for _, c := range []string{"cs", "math", "physics", "stat", "cond-mat", "astro-ph", "quant-ph", "hep-th", "eess", "q-bio", "econ", "gr-qc", "nlin", "q-fin", "hep-ph", "math-ph"} {
		cats = append(cats, "cat:"+c)
	}
	return []worstInput{
		{name: "333 two-letter prefixes (999 chars)", q: twoLetterPrefixes(999)},
		{name: "two-letter prefixes within 250 chars", q: twoLetterPrefixes(250)},
		{name: "the commonest prefixes", q: repeatTo(999, "co*", "pr*", "re*", "de*", "in*", "st*", "ma*", "pa*")},
		{name: "common words", q: repeatTo(999, commonWords...)},
		{name: "common words, page 50", q: repeatTo(999, commonWords...), page: 50},
		{name: "one common word, page 50", q: "model", page: 50},
		{name: "phrases of common words", q: repeatTo(999, phrases...)},
		{name: "one common phrase, page 50", q: `"neural network"`, page: 50},
		{name: "a common word without common words", q: "model " + repeatTo(990, excluded...)},
		{name: "a common word without common phrases", q: "model " + repeatTo(990, exPhrases...)},
		{name: "common author names", q: repeatTo(999, authors...)},
		{name: "common author names and words", q: repeatTo(999, append(slices.Clone(authors[:6]), commonWords[:20]...)...)},
		{name: "categories only", q: repeatTo(999, cats...)},
		{name: "categories only, page 50", q: repeatTo(999, cats...), page: 50},
		{name: "a rare category and a year", q: "model cat:q-fin.TR year:2015"},
		{name: "everything at once", q: repeatTo(999, "co*", `"neural network"`, "author:wang", "-survey", "cat:cs", "model", "learning", "year:2015..2019", "has:code")},
		{name: "one 999-letter word", q: strings.Repeat("a", 999)},
		{name: "one 998-letter prefix", q: strings.Repeat("a", 998) + "*"},
		{name: "1000 CJK characters", q: strings.Repeat("模型", 500)},
		{name: "one-letter words", q: repeatTo(999, strings.Split("a b c d e f g h i j k l m n o p q r s t u v w x y z", " ")...)},
		{name: "1 MB of words (refused)", q: strings.Repeat("attention ", 100_000)},
	}
}

// worstEndpoints are the public search endpoints in every mode and format.
var worstEndpoints = []string{
	"/search?q=", "/search?mode=lexical&q=", "/search?mode=semantic&q=",
	"/search.atom?q=", "/search.rss?mode=lexical&q=", "/search.json?mode=semantic&q=",
	"/api/papers/search?limit=120&q=",
}

// BenchmarkWorstSearch serves every worst input at every search endpoint
// of the 355k-paper site (hybrid search with the built-in embedder, the
// page cache off so that every request does its work), one at a time, a
// few times each, and reports the CPU time of the costliest request: the
// thread's (the request's own work: the handler runs on the benchmark's
// goroutine, locked to its thread) and the process's (with the garbage
// collector's share).
//
//	go test ./internal/bench -run '^$' -bench 'WorstSearch$' -benchtime 1x -timeout 60m -v
func BenchmarkWorstSearch(b *testing.B) {
	st := benchStore(b)
	svc := apiSearchService(b, st, true)
	h := newHandler(b, st, web.Options{Search: svc, PageCacheBytes: -1, Logger: slog.New(slog.DiscardHandler)})
	inputs := worstInputs()
	const repeats = 3
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.LockOSThread()
		var worstThread, worstProcess time.Duration
		var worstWhat string
		for _, in := range inputs {
			var inThread, inProcess, inWall time.Duration
			var inWhere string
			statuses := map[int]int{}
			for _, ep := range worstEndpoints {
				path := ep + url.QueryEscape(in.q)
				if in.page > 0 && strings.HasPrefix(ep, "/search?") {
					path += fmt.Sprintf("&page=%d", in.page)
				}
				for range repeats {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest("GET", path, nil)
					p0, t0, w0 := processCPU(), threadCPU(), time.Now()
					h.ServeHTTP(rec, req)
					wall, thread, process := time.Since(w0), threadCPU()-t0, processCPU()-p0
					statuses[rec.Code]++
					if rec.Code >= 500 {
						b.Fatalf("%s: %s: %d %.300s", in.name, ep, rec.Code, rec.Body.String())
					}
					if thread > inThread {
						inThread, inWhere = thread, strings.TrimSuffix(strings.TrimSuffix(ep, "q="), "?")
					}
					inProcess, inWall = max(inProcess, process), max(inWall, wall)
					if thread > worstThread {
						worstThread, worstWhat = thread, in.name+" at "+strings.TrimSuffix(ep, "q=")
					}
					worstProcess = max(worstProcess, process)
				}
			}
			b.Logf("%-40s %4d chars: max CPU %7.2f ms (%s; process %7.2f ms), wall %7.2f ms; answers %v",
				in.name, len([]rune(in.q)), msf(inThread), inWhere, msf(inProcess), msf(inWall), statuses)
		}
		runtime.UnlockOSThread()
		b.Logf("%d inputs x %d endpoints x %d: the costliest request took %.2f ms of CPU (%s); the process's CPU in any one request at most %.2f ms; query budget %d terms (a prefix %d); load average %s",
			len(inputs), len(worstEndpoints), repeats, msf(worstThread), worstWhat, msf(worstProcess), search.MaxQueryCost, search.PrefixTerms, loadAverage())
		b.ReportMetric(msf(worstThread), "max-cpu-ms")
		b.ReportMetric(msf(worstProcess), "max-process-cpu-ms")
	}
}
