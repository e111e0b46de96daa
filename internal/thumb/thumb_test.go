package thumb

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The cards used across the tests, and written out as samples.
var (
	survey = Card{
		ID:    "2509.02547",
		Title: "Agentic Reinforcement Learning for Large Language Models: A Survey",
		Authors: []string{"Guibin Zhang", "Hejia Geng", "Xiaohang Yu", "Zhenfei Yin",
			"Zaibin Zhang", "Zelin Tan", "Heng Zhou", "Zhongzhi Li", "Xiangyuan Xue",
			"Yijiang Li", "Yifan Zhou", "Yang Chen"},
		Date:     "3 Sep 2025",
		Category: "cs.CL",
		Site:     "Daily Papers",
	}
	longTeX = Card{
		ID: "2507.01234",
		Title: "On the $\\alpha$-Divergence Family of Variational Objectives:\n  " +
			"Tight $O(n^2)$ Bounds, $\\mathcal{L}_{\\infty}$ Convergence and " +
			"Practical Estimators for Large-Scale Bayesian Deep Learning with " +
			"Heavy-Tailed Posteriors, Structured Priors, and Many Other Things Besides",
		Authors:  []string{"Ana Pérez-García", "Łukasz Kowalski", "Søren Ødegård"},
		Date:     "12 Jul 2025",
		Category: "stat.ML",
		Site:     "Daily Papers",
	}
	chinese = Card{
		ID:       "2508.07777",
		Title:    "大语言模型推理综述 LLM Reasoning: A Survey 🚀 of Methods and Benchmarks",
		Authors:  []string{"张伟", "Wei Zhang", "李娜", "Na Li", "Ωmega Σmith"},
		Date:     "9 Aug 2025",
		Category: "cs.AI",
		Site:     "Daily Papers",
	}
)

func manyAuthors(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Author Number%d Surname", i+1)
	}
	return names
}

func render(t testing.TB, c Card) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func testPainter(t testing.TB) *painter {
	t.Helper()
	f, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	return newPainter(f)
}

// TestSamples writes sample cards to the directory named by
// DAILYPAPERS_THUMB_OUT, for looking at; without it, it is skipped.
func TestSamples(t *testing.T) {
	dir := os.Getenv("DAILYPAPERS_THUMB_OUT")
	if dir == "" {
		t.Skip("DAILYPAPERS_THUMB_OUT not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	many := survey
	many.Title = "Short Title"
	many.Authors = manyAuthors(40)
	many.Date = ""
	cjkOnly := chinese
	cjkOnly.Title = "大语言模型推理综述"
	cjkOnly.Authors = []string{"张伟", "李娜"}
	fourLines := Card{
		ID: "2410.05229",
		Title: "GSM-Symbolic: Understanding the Limitations of Mathematical Reasoning " +
			"in Large Language Models through Symbolic Templates and Controlled Perturbations",
		Authors: []string{"Iman Mirzadeh", "Keivan Alizadeh", "Hooman Shahrokhi",
			"Oncel Tuzel", "Samy Bengio", "Mehrdad Farajtabar"},
		Date: "7 Oct 2024",
	}
	for name, c := range map[string]Card{
		"survey": survey, "long-tex": longTeX, "chinese": chinese,
		"many-authors": many, "cjk-only": cjkOnly, "empty": {},
		"four-lines": fourLines,
	} {
		b := render(t, c)
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s.png: %d bytes", name, len(b))
	}
}

func TestRenderSize(t *testing.T) {
	for _, c := range []Card{survey, longTeX, chinese, {}} {
		img := decode(t, render(t, c))
		if got := img.Bounds(); got != image.Rect(0, 0, Width, Height) {
			t.Errorf("%q: bounds %v, want %dx%d", c.Title, got, Width, Height)
		}
	}
}

func TestPixels(t *testing.T) {
	img := decode(t, render(t, survey))
	rgba := func(x, y int) color.RGBA {
		return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
	}
	for _, p := range []image.Point{{0, 0}, {Width - 1, 0}, {0, Height - 1}, {Width - 1, Height - 1}, {cardInset + 2, cardInset + 2}} {
		if got := rgba(p.X, p.Y); got != colBackground {
			t.Errorf("corner %v is %v, want the background %v", p, got, colBackground)
		}
	}
	if got := rgba(Width/2, cardInset+border+4); got != colSurface {
		t.Errorf("card at its top edge is %v, want the surface %v", got, colSurface)
	}
	if got := rgba(Width/2, cardInset); got != colLine {
		t.Errorf("card border is %v, want %v", got, colLine)
	}
	// Dark text in the title's region: the upper half, below the header.
	dark := 0
	for y := bodyTop; y < Height/2; y++ {
		for x := margin; x < Width-margin; x++ {
			if c := rgba(x, y); int(c.R)+int(c.G)+int(c.B) < 3*0x50 {
				dark++
			}
		}
	}
	if dark < 2000 {
		t.Errorf("%d dark pixels where the title goes; want a title", dark)
	}
	// And none at the right margin.
	for y := bodyTop; y < Height-margin; y++ {
		for x := Width - margin + 1; x < Width-cardInset-border; x++ {
			if c := rgba(x, y); c != colSurface {
				t.Fatalf("pixel (%d, %d) in the right margin is %v", x, y, c)
			}
		}
	}
}

// The palette the PNG is written with changes no pixel by more than a
// little, and the card's own colours not at all.
func TestPaletteFaithful(t *testing.T) {
	for _, c := range []Card{survey, longTeX, chinese} {
		src := image.NewRGBA(image.Rect(0, 0, Width, Height))
		testPainter(t).draw(src, c)
		var buf bytes.Buffer
		if err := encode(&buf, src); err != nil {
			t.Fatal(err)
		}
		img := decode(t, buf.Bytes())
		worst, exact := 0, 0
		for y := 0; y < Height; y++ {
			for x := 0; x < Width; x++ {
				a := src.RGBAAt(x, y)
				b := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				d := max(absDiff(a.R, b.R), absDiff(a.G, b.G), absDiff(a.B, b.B))
				worst = max(worst, d)
				if d == 0 {
					exact++
				}
			}
		}
		if worst > 8 {
			t.Errorf("%s: a pixel is off by %d in a channel", c.ID, worst)
		}
		if exact < Width*Height*9/10 {
			t.Errorf("%s: only %d of %d pixels exact", c.ID, exact, Width*Height)
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestDeterministic(t *testing.T) {
	for _, c := range []Card{survey, chinese} {
		if a, b := render(t, c), render(t, c); !bytes.Equal(a, b) {
			t.Errorf("%q: two renders differ", c.Title)
		}
	}
}

func TestConcurrent(t *testing.T) {
	want := map[string][]byte{}
	cards := []Card{survey, longTeX, chinese}
	for _, c := range cards {
		want[c.ID] = render(t, c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			c := cards[i%len(cards)]
			var buf bytes.Buffer
			if err := Render(&buf, c); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(buf.Bytes(), want[c.ID]) {
				errs <- fmt.Errorf("goroutine %d: card %s differs from the one rendered alone", i, c.ID)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkLines checks that lines fit max and hold text's words in order.
// Words may be lost only after a last line ending with "…".
func checkLines(t *testing.T, f font.Face, text string, lines []string, max fixed.Int26_6) {
	t.Helper()
	for i, l := range lines {
		if w := width(f, l); w > max {
			t.Errorf("line %d %q is %v wide, more than %v", i, l, w.Ceil(), max.Ceil())
		}
		if l == "" || strings.TrimSpace(l) != l {
			t.Errorf("line %d %q is empty or has spaces at an end", i, l)
		}
	}
	got := strings.Fields(strings.Join(lines, " "))
	want := strings.Fields(text)
	truncated := len(lines) > 0 && strings.HasSuffix(lines[len(lines)-1], ellipsis)
	if truncated {
		last := strings.TrimSuffix(got[len(got)-1], ellipsis)
		got = got[:len(got)-1]
		if last != "" {
			got = append(got, last)
		}
		// The last word kept may be cut (and lose a trailing separator).
		n := len(got) - 1
		if n >= len(want) || !strings.HasPrefix(want[n], got[n]) {
			t.Errorf("last word kept %q is not the start of word %d of the text", got[n], n)
		}
		got, want = got[:n], want[:n]
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("words differ:\n got %q\nwant %q", got, want)
	}
}

func TestWrap(t *testing.T) {
	p := testPainter(t)
	max := fixed.I(textWidth)
	long := strings.Repeat("Scaling Laws for Sparse Mixture-of-Experts Language Models ", 6)
	for _, size := range titleSizes {
		f := p.face(true, size)
		lines, cut := wrap(f, long, max, titleLines)
		if !cut || len(lines) != titleLines {
			t.Fatalf("size %v: %d lines, truncated %v; want %d, true", size, len(lines), cut, titleLines)
		}
		if !strings.HasSuffix(lines[len(lines)-1], ellipsis) {
			t.Errorf("size %v: last line %q does not end with %q", size, lines[len(lines)-1], ellipsis)
		}
		checkLines(t, f, long, lines, max)
	}

	f := p.face(true, 64)
	for _, text := range []string{
		"Short",
		"Agentic Reinforcement Learning for Large Language Models: A Survey",
		"Supercalifragilisticexpialidocious" + strings.Repeat("X", 80) + " word",
	} {
		lines, cut := wrap(f, text, max, 10)
		if cut {
			t.Errorf("%q: truncated in 10 lines", text)
		}
		for _, l := range lines {
			if width(f, l) > max {
				t.Errorf("%q: line %q too wide", text, l)
			}
		}
		if strings.Join(lines, "") != strings.ReplaceAll(text, " ", "") && !strings.Contains(text, " ") {
			t.Errorf("%q: runes lost: %q", text, lines)
		}
		if strings.Contains(text, " ") && !strings.Contains(text, "XXXX") {
			checkLines(t, f, text, lines, max)
		}
	}

	// Balancing keeps the line count and the words, and evens the lines.
	text := "Agentic Reinforcement Learning for Large Language Models: A Survey"
	lines, _ := wrap(f, text, max, titleLines)
	bal := balance(f, text, max, lines)
	if len(bal) != len(lines) {
		t.Fatalf("balance: %d lines, want %d", len(bal), len(lines))
	}
	checkLines(t, f, text, bal, max)
	short := func(ls []string) fixed.Int26_6 { return width(f, ls[len(ls)-1]) }
	if short(bal) < short(lines) {
		t.Errorf("balance made the last line shorter: %q from %q", bal, lines)
	}
}

// The hyphen is drawn narrower than the Go fonts' code-style one, and
// measured as drawn.
func TestHyphen(t *testing.T) {
	p := testPainter(t)
	f, err := opentype.NewFace(p.f.bold, &opentype.FaceOptions{Size: 64, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := f.GlyphAdvance('-')
	got, _ := p.face(true, 64).GlyphAdvance('-')
	if got >= plain*3/4 {
		t.Errorf("hyphen advance %v, want well under the font's %v", got.Round(), plain.Round())
	}
	dr, _, _, adv, _ := p.face(true, 64).Glyph(fixed.P(0, 0), '-')
	if adv != got || dr.Max.X > got.Ceil() {
		t.Errorf("hyphen drawn %v with advance %v; measured %v", dr, adv.Round(), got.Round())
	}
	if a, b := width(p.face(true, 64), "a-b"), width(f, "a-b"); a >= b {
		t.Errorf(`"a-b" is %v wide, not narrower than the font's %v`, a.Round(), b.Round())
	}
}

func TestTitleFit(t *testing.T) {
	p := testPainter(t)
	l := p.layout(Card{ID: "2501.00001", Title: "Attention Is All You Need", Authors: []string{"A. Vaswani"}})
	if l.titleSize != titleSizes[0] || len(l.title) != 1 {
		t.Errorf("short title: size %v, %d lines %q; want size %v on one line", l.titleSize, len(l.title), l.title, titleSizes[0])
	}

	l = p.layout(longTeX)
	if len(l.title) > titleLines || len(l.title) == 0 {
		t.Fatalf("long title: %d lines", len(l.title))
	}
	if l.titleSize != titleSizes[len(titleSizes)-1] {
		t.Errorf("long title: size %v, want the smallest, %v", l.titleSize, titleSizes[len(titleSizes)-1])
	}
	last := l.title[len(l.title)-1]
	if !strings.HasSuffix(last, ellipsis) {
		t.Errorf("long title: last line %q does not end with %q", last, ellipsis)
	}
	if !strings.HasPrefix(l.title[0], "On the α-Divergence") {
		t.Errorf("long title: first line %q; want the TeX turned into α", l.title[0])
	}
	// A title of one enormous "word" and thousands of authors still fit.
	huge := p.layout(Card{
		Title:   strings.Repeat("x", 100000) + " " + strings.Repeat("word ", 20000),
		Authors: manyAuthors(5000),
	})
	if len(huge.title) != titleLines || !strings.HasSuffix(huge.title[titleLines-1], ellipsis) {
		t.Errorf("huge title laid out as %d lines", len(huge.title))
	}
	for _, line := range huge.title {
		if w := width(p.face(true, huge.titleSize), line); w > fixed.I(textWidth) {
			t.Errorf("huge title: a line is %d px wide", w.Ceil())
		}
	}
	if a := strings.Join(huge.authors, " "); !strings.HasSuffix(a, " others") {
		t.Errorf("5000 authors: %q", a)
	}

	// The whole body fits above the footer, and the authors below the title.
	bottom := l.authorsY + (len(l.authors)-1)*authorLead
	if limit := footerBaseline - p.capHeight(false, footerSize) - bodyGap; bottom > limit {
		t.Errorf("body ends at %d, below %d", bottom, limit)
	}
	titleBottom := l.titleY + (len(l.title)-1)*titleLeading(l.titleSize) + p.face(true, l.titleSize).Metrics().Descent.Round()
	if authorsTop := l.authorsY - p.capHeight(false, authorSize); authorsTop < titleBottom+authorGap {
		t.Errorf("authors start at %d, too close to the title, which ends at %d", authorsTop, titleBottom)
	}
}

func TestAuthorLines(t *testing.T) {
	p := testPainter(t)
	f := p.face(false, authorSize)
	max := fixed.I(textWidth)
	tests := []struct {
		names []string
		total int
		want  string // the start of the text
		end   string // its end
	}{
		{[]string{"Ada Lovelace"}, 1, "Ada Lovelace", "Ada Lovelace"},
		{[]string{"Ada Lovelace", "Alan Turing", "Grace Hopper"}, 3, "Ada Lovelace, Alan Turing", "Alan Turing and Grace Hopper"},
		{survey.Authors, 12, "Guibin Zhang, Hejia Geng,", "and Yang Chen"},
		{manyAuthors(40), 40, "Author Number1 Surname, Author Number2 Surname,", " others"},
		{[]string{"Wei Zhang"}, 3, "Wei Zhang", "Wei Zhang and 2 others"},
		{nil, 2, "2 authors", "2 authors"},
		{nil, 0, "", ""},
		{[]string{strings.Repeat("Verylongname", 20), "B"}, 2, "Verylongname", "and 1 other"},
		{[]string{strings.Repeat("Verylongname", 20)}, 1, "Verylongname", "…"},
	}
	for _, tt := range tests {
		lines := authorLines(f, tt.names, tt.total, max, authorMax)
		text := strings.Join(lines, " ")
		if len(lines) > authorMax {
			t.Errorf("%d names: %d lines", len(tt.names), len(lines))
		}
		for _, l := range lines {
			if w := width(f, l); w > max {
				t.Errorf("%d names: line %q is %d px wide", len(tt.names), l, w.Ceil())
			}
		}
		if !strings.HasPrefix(text, tt.want) || !strings.HasSuffix(text, tt.end) {
			t.Errorf("%d names: %q; want it to start %q and end %q", len(tt.names), text, tt.want, tt.end)
		}
	}

	// 40 authors: the count said is the number not named.
	lines := authorLines(f, manyAuthors(40), 40, max, authorMax)
	text := strings.Join(lines, " ")
	named := strings.Count(text, "Surname")
	if want := fmt.Sprintf("and %d others", 40-named); !strings.HasSuffix(text, want) || named < 2 {
		t.Errorf("40 authors: %q names %d; want it to end %q", text, named, want)
	}
	if len(lines) != authorMax {
		t.Errorf("40 authors: %d lines, want %d", len(lines), authorMax)
	}
	// A line breaks only between names.
	for _, l := range lines {
		if strings.HasPrefix(l, "Number") || strings.HasPrefix(l, "Surname") {
			t.Errorf("line %q starts inside a name", l)
		}
	}
}

func TestClean(t *testing.T) {
	// Latin, Greek and Cyrillic, as the Go fonts have.
	latinOnly := func(r rune) bool { return r < 0x530 || r == '…' }
	for _, tt := range []struct{ in, want string }{
		{"  Plain\n\ttitle  with   spaces ", "Plain title with spaces"},
		{"大语言模型推理综述 LLM Reasoning: A Survey", "LLM Reasoning: A Survey"},
		{"基于大模型的推理: A Survey", "A Survey"},
		{"LLM（大模型）Survey", "LLM Survey"},
		{"LLM (大模型) Survey", "LLM Survey"},
		{"Rocket 🚀 Science", "Rocket Science"},
		{"Family 👨‍👩‍👧 Time ❤️ and 👍🏽 more", "Family Time and more"},
		{"Hello😀World", "Hello World"},
		{"大语言模型", ""},
		{"Ελληνικά και Кириллица, café", "Ελληνικά και Кириллица, café"},
		{"cafe\u0301", "café"},
		{"Tab\u00a0and\u200bzero width", "Tab and zero width"},
		{"Soft\u00adware \u200eand\u2060 ©\ufe0f marks", "Software and © marks"},
		{"Hindi हिन्दी text", "Hindi text"},
		{"control\x00\x07chars", "control chars"},
		{"Ends with a period.\n", "Ends with a period."},
		{"Calls f() and g(): kept, 🚀", "Calls f() and g(): kept"},
		{"LLM, 大模型, and more", "LLM, and more"},
		{"🚀: Rockets", "Rockets"},
		{"Survey: 综述", "Survey"},
		{"Prefix - 综述 - Suffix", "Prefix - Suffix"},
	} {
		if got := clean(tt.in, latinOnly); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	// With the real fonts: Latin, Greek and Cyrillic are kept, CJK and
	// emoji dropped, and nothing left that the font would draw as a box.
	p := testPainter(t)
	has := p.has(true)
	got := clean("大语言模型 Ωmega λ-Calculus Кириллица 🚀 ∞ ≤ “quotes” — end", has)
	if want := "Ωmega λ-Calculus Кириллица ∞ ≤ “quotes” — end"; got != want {
		t.Errorf("clean with the Go fonts = %q, want %q", got, want)
	}
	for _, r := range got {
		if !has(r) && r != ' ' {
			t.Errorf("%q kept, which the font lacks", r)
		}
	}
	// Everything the layout puts on the card is drawable.
	l := p.layout(chinese)
	for _, s := range append(append(l.title, l.authors...), l.footer, l.site, l.category) {
		for _, r := range s {
			if !p.has(false)(r) || !has(r) {
				t.Errorf("%q in %q has no glyph", r, s)
			}
		}
	}
	if !strings.HasPrefix(strings.Join(l.title, " "), "LLM Reasoning: A Survey of Methods") {
		t.Errorf("Chinese title laid out as %q", l.title)
	}
	if a := strings.Join(l.authors, " "); !strings.HasPrefix(a, "Wei Zhang, Na Li") || !strings.HasSuffix(a, "and 2 others") {
		t.Errorf("authors with Chinese names: %q", a)
	}
	// A title with nothing drawable falls back to the id.
	if l := p.layout(Card{ID: "2508.00001", Title: "大语言模型"}); len(l.title) != 1 || l.title[0] != "arXiv:2508.00001" {
		t.Errorf("undrawable title laid out as %q", l.title)
	}
}

func TestDeTeX(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`$\alpha$-Divergence`, "α-Divergence"},
		{`$O(n^2)$ Attention`, "O(n²) Attention"},
		{`$\mathcal{L}_{\infty}$ Bounds`, "L_∞ Bounds"},
		{`Sub $x_{12}$ and $x^{T}$`, "Sub x₁₂ and x^T"},
		{`$\ell_1$-norm`, "ℓ₁-norm"},
		{`$$\beta\text{-VAE}$$`, "β-VAE"},
		{`Costs \$100 and 5\% more`, "Costs $100 and 5% more"},
		{`Only $5 today`, "Only $5 today"},
		{`Q\&A with \emph{style}`, "Q&A with style"},
		{`A \unknown{command}`, `A \unknown{command}`},
		{`$\frac{1}{2}$-Approximation`, "1/2-Approximation"},
		{`$\tfrac{\pi}{4}$`, "π/4"},
		{`$\frac$`, "/"},
		{`$\operatorname{softmax}$`, "softmax"},
		{`$\`, `$\`},
		{`$x^$`, "x^"},
		{`$\mathbb{R}^{n}$`, "Rⁿ"},
		{`$\tilde{é}$`, "é"},
	} {
		if got := deTeX(tt.in); got != tt.want {
			t.Errorf("deTeX(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The symbols the TeX is turned into are ones the font can draw.
func TestSymbolsDrawable(t *testing.T) {
	has := testPainter(t).has(true)
	for name, s := range symbols {
		for _, r := range s {
			if !has(r) {
				t.Errorf(`\%s becomes %q, which the font lacks`, name, r)
			}
		}
	}
	for _, s := range []string{"⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "₀₁₂₃₄₅₆₇₈₉₊₋", ellipsis, "·"} {
		for _, r := range s {
			if !has(r) {
				t.Errorf("%q lacks a glyph", r)
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, survey); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "png-bytes")
}

// BenchmarkRenderParts times the parts of a render of the same card, and
// the encodings encode.go chose among: draw (into RGBA), palette (mapping
// to the palette), and each encoding of the drawn card (rgba-* without
// the palette, palette-* after it, at BestSpeed, default and best
// compression), with its size in png-bytes.
func BenchmarkRenderParts(b *testing.B) {
	f, err := loadFonts()
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	newPainter(f).draw(img, survey) // for the parts that follow, whichever run
	b.Run("draw", func(b *testing.B) {
		for b.Loop() {
			newPainter(f).draw(img, survey)
		}
	})
	b.Run("palette", func(b *testing.B) {
		for b.Loop() {
			toPaletted(img)
		}
	})
	for _, paletted := range []bool{false, true} {
		for name, level := range map[string]png.CompressionLevel{"speed": png.BestSpeed, "default": png.DefaultCompression, "best": png.BestCompression} {
			kind := map[bool]string{false: "rgba-", true: "palette-"}[paletted]
			b.Run(kind+name, func(b *testing.B) {
				var m image.Image = img
				if paletted {
					m = toPaletted(img)
				}
				e := png.Encoder{CompressionLevel: level}
				var buf bytes.Buffer
				for b.Loop() {
					buf.Reset()
					if err := e.Encode(&buf, m); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "png-bytes")
			})
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"大语言模型 LLM 综述", "LLM (大模型) Survey", "A - 综述 - B", "🚀: Rockets",
		"Family 👨‍👩‍👧 Time", "  spaces\n\tand tabs ", "cafe\u0301", "Soft\u00adware",
		`On the $\alpha$-Divergence`, "\xff\xfe invalid",
	} {
		f.Add(s)
	}
	latin := func(r rune) bool { return r < 0x530 }
	f.Fuzz(func(t *testing.T, s string) {
		got := clean(deTeX(s), latin)
		if !utf8.ValidString(got) {
			t.Fatalf("%q: invalid UTF-8 %q", s, got)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("%q: spaces left in %q", s, got)
		}
		for _, r := range got {
			if r != ' ' && (!latin(r) || unicode.IsSpace(r) || !unicode.IsPrint(r)) {
				t.Fatalf("%q: %q kept in %q", s, r, got)
			}
		}
		if again := clean(got, latin); again != got {
			t.Fatalf("%q: cleaning %q again gives %q", s, got, again)
		}
	})
}
