package markdown

import (
	"errors"
	"html/template"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func TestPrepareLimits(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want error
	}{
		{"ordinary comment", sampleComment, nil},
		{"10,000 >", strings.Repeat(">", MaxBytes), ErrTooDeep},
		{"9,990 > then text", strings.Repeat(">", 9990) + " hi", ErrTooDeep},
		{"4,995 [ then 4,995 ]", strings.Repeat("[", 4995) + strings.Repeat("]", 4995), ErrTooDeep},
		{"> with spaces", strings.Repeat("> ", 4995), ErrTooDeep},
		{"lists on one line", strings.Repeat("- ", 4990) + "a", ErrTooDeep},
		{"ordered lists on one line", strings.Repeat("1. ", 3300) + "a", ErrTooDeep},
		{"quotes and lists", strings.Repeat("> - ", 2490) + "a", ErrTooDeep},
		{"nested emphasis", strings.Repeat("*", 300) + "a" + strings.Repeat("*", 300), ErrTooDeep},
		{"33 quotes", strings.Repeat(">", 33) + " a", ErrTooDeep},
		{"31 quotes", strings.Repeat(">", 31) + " a", nil},
		{"quotes 8 deep", "> > > > > > > > deep quote", nil},
		{"lists 8 deep", "- a\n  - b\n    - c\n      - d\n        - e\n          - f\n            - g\n              - h", nil},
		{"brackets 32 deep", strings.Repeat("[", 32) + "a" + strings.Repeat("]", 32), nil},
		{"brackets 33 deep", strings.Repeat("[", 33) + "a" + strings.Repeat("]", 33), ErrTooDeep},
		{"escaped brackets", strings.Repeat(`\[`, 100) + " a", nil},
		{"brackets in separate paragraphs", strings.Repeat("[a\n\n", 100), nil},
		{"long thematic break", strings.Repeat("- ", 100) + "\n\ntext", nil},
		{"emphasis runs", strings.Repeat("*a_", 1001), ErrTooComplex},
		{"strikethrough runs", strings.Repeat("~~a*", 1001), ErrTooComplex},
		{"emphasis runs in paragraphs", strings.Repeat(strings.Repeat("*a_", 450)+"\n\n", 7), nil},
		{"open destinations", strings.Repeat("[a](<", 501), ErrTooComplex},
		{"many links", strings.Repeat("[paper](https://arxiv.org/abs/1706.03762) ", 200), nil},
		{"quotes blow up", strings.Repeat(`"`, MaxBytes), ErrTooLarge},
		{"angle brackets fit", strings.Repeat("<", MaxBytes-10), nil},
		{"zero-width only", "\u200b\u200c\u200d\u2060\ufeff", ErrEmpty},
		{"format and spaces", " \u200b \u00ad\n\u2063 \u180e", ErrEmpty},
		{"variation selectors and fillers", "\ufe0f\u3164\u115f\u2800", ErrEmpty},
		{"bidi controls only", "\u202e\u2066\u2069", ErrEmpty},
		{"markup that shows nothing", "<b></b> <!-- x -->", ErrEmpty},
		{"entity space", "&nbsp;&#8203;", ErrEmpty},
		{"one emoji", "🙂", nil},
		{"zero-width joined emoji", "👩\u200d🔬", nil},
		{"control character", "a\x00b", ErrControlChar},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, out, err := Prepare(tc.src)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Prepare(%.40q) = %v, want %v", tc.src, err, tc.want)
			}
			if err != nil {
				if out != "" {
					t.Errorf("Prepare refused with %v but returned HTML", err)
				}
				return
			}
			checkBounds(t, tc.src, string(out))
			checkSafe(t, "(test input)", out)
		})
	}
}

// checkBounds fails t unless out keeps to Prepare's limits.
func checkBounds(t testing.TB, src string, out string) {
	t.Helper()
	if len(out) > MaxHTMLBytes {
		t.Errorf("Prepare(%.40q) = %d bytes of HTML, want at most %d", src, len(out), MaxHTMLBytes)
	}
	if d := depthOf(t, out); d > MaxDepth {
		t.Errorf("Prepare(%.40q) nests %d deep, want at most %d", src, d, MaxDepth)
	}
}

// depthOf measures element nesting the way a browser builds the tree, not
// the way inspect counts tags, so that the two check each other.
func depthOf(t testing.TB, out string) int {
	deepest := 0
	var visit func(n *html.Node, d int)
	visit = func(n *html.Node, d int) {
		if n.Type == html.ElementNode {
			d++
			deepest = max(deepest, d)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, d)
		}
	}
	for _, n := range parse(t, template.HTML(out)) {
		visit(n, 0)
	}
	return deepest
}

func TestPrepareBidi(t *testing.T) {
	// "Trojan source": U+202E makes "txt.exe" read as "exe.txt".
	src := "Download report\u202etxt.exe and \u2066isolated\u2069 text; marks \u200f stay."
	body, out, err := Prepare(src)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	for _, s := range []string{body, string(out)} {
		if strings.IndexFunc(s, isBidiControl) >= 0 {
			t.Errorf("bidi control kept in %q", s)
		}
	}
	if want := "Download reporttxt.exe and isolated text; marks \u200f stay."; body != want {
		t.Errorf("body = %q, want %q", body, want)
	}
	if got := Render("a\u202eb"); strings.ContainsRune(string(got), '\u202e') {
		t.Errorf("Render kept U+202E: %q", got)
	}
}

// TestRenderKeepsLimits: comments stored before Prepare existed are shown
// by Render within the same bounds, as plain text when Prepare would refuse
// them.
func TestRenderKeepsLimits(t *testing.T) {
	for _, src := range []string{
		strings.Repeat(">", 9990),
		strings.Repeat("[", 4995) + strings.Repeat("]", 4995),
		strings.Repeat("*", 4995) + "a" + strings.Repeat("*", 4995),
		strings.Repeat("*a_", 3300),
	} {
		out := Render(src)
		checkBounds(t, src[:20], string(out))
		if !strings.HasPrefix(string(out), "<p>") {
			t.Errorf("Render(%.20q...) = %.60q..., want plain text", src, out)
		}
	}
}

func FuzzPrepare(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.src)
	}
	f.Add(sampleComment)
	f.Add(strings.Repeat(">", 40) + " a")
	f.Add("- > 1. > * [[[a]]] ***b*** ~~c~~")
	f.Add(strings.Repeat("[", 30) + "![x](<y" + strings.Repeat("]", 30))
	f.Add("\u202e\u200b a")
	f.Fuzz(func(t *testing.T, src string) {
		body, out, err := Prepare(src)
		if err != nil {
			for _, known := range []error{ErrEmpty, ErrTooLong, ErrInvalidUTF8, ErrControlChar, ErrTooDeep, ErrTooComplex, ErrTooLarge} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("Prepare(%q): unexpected error %v", src, err)
		}
		checkBounds(t, src, string(out))
		checkSafe(t, src, out)
		if !utf8.ValidString(body) || strings.IndexFunc(body, isBidiControl) >= 0 {
			t.Errorf("Prepare(%q) body = %q", src, body)
		}
		if !hasVisible(textContent(parse(t, out))) {
			t.Errorf("Prepare(%q) = %q shows nothing", src, out)
		}
	})
}

// worstComments are the costliest comments found that Prepare accepts, each
// near MaxBytes: every kind of work scanNesting bounds, taken to its limit.
func worstComments() map[string]string {
	fill := func(unit, sep string) string {
		var b strings.Builder
		for b.Len()+len(unit)+len(sep) <= MaxBytes {
			b.WriteString(unit)
			b.WriteString(sep)
		}
		return b.String()
	}
	return map[string]string{
		"emphasis runs":     fill(strings.Repeat("*a_", maxDelimiters/2-1), "\n\n"),
		"strikethrough":     fill(strings.Repeat("~~a*", maxDelimiters/2-1), "\n\n"),
		"open destinations": fill(strings.Repeat("[a](<", maxDestinations-1), "\n\n"),
		"brackets":          fill(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth), " "),
		"open brackets":     fill(strings.Repeat("[", MaxDepth)+"a", "\n\n"),
		"quotes":            fill(strings.Repeat(">", MaxDepth-2)+" a", "\n"),
		"lists":             strings.Repeat(strings.Repeat("- ", MaxDepth/2-1)+"a\n\n", 100), // as many as fit MaxHTMLBytes
		"headings":          fill("a\n=", "\n"),
		"links":             fill("<https://a.example/>", " "),
		"angle brackets":    strings.Repeat("<", MaxBytes-10),
	}
}

func TestWorstCommentsAccepted(t *testing.T) {
	for name, src := range worstComments() {
		if _, _, err := Prepare(src); err != nil {
			t.Errorf("%s (%d bytes): %v", name, len(src), err)
		}
	}
}

// BenchmarkPrepareWorst measures Prepare on the worst comments it accepts,
// the most a comment costs to post (and so, once, to render).
//
//	go test ./internal/markdown -run '^$' -bench PrepareWorst
func BenchmarkPrepareWorst(b *testing.B) {
	for name, src := range worstComments() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			var out template.HTML
			for b.Loop() {
				_, out, _ = Prepare(src)
			}
			b.ReportMetric(float64(len(out)), "html-bytes")
		})
	}
}
