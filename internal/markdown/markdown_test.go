package markdown

import (
	"errors"
	"html/template"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parse parses rendered output the way a browser would inside the <body> of
// a page.
func parse(t testing.TB, out template.HTML) []*html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(string(out)), body)
	if err != nil {
		t.Fatalf("parsing output %q: %v", out, err)
	}
	return nodes
}

// walk calls fn for every node in the trees rooted at nodes, parents first.
func walk(nodes []*html.Node, fn func(*html.Node)) {
	for _, n := range nodes {
		fn(n)
		var kids []*html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			kids = append(kids, c)
		}
		walk(kids, fn)
	}
}

// elements returns the elements named tag in nodes, in document order.
func elements(nodes []*html.Node, tag string) []*html.Node {
	var found []*html.Node
	walk(nodes, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			found = append(found, n)
		}
	})
	return found
}

// textContent returns the concatenated text of nodes, as a reader sees it.
func textContent(nodes []*html.Node) string {
	var b strings.Builder
	walk(nodes, func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	})
	return b.String()
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// forbidden are elements that must never appear in a rendered comment.
var forbidden = map[string]bool{
	"script": true, "iframe": true, "style": true, "img": true, "svg": true,
	"object": true, "embed": true, "math": true, "form": true, "input": true,
	"link": true, "meta": true, "base": true, "frame": true, "video": true,
	"audio": true, "source": true, "picture": true, "textarea": true,
	"button": true, "template": true,
}

var allowedSchemes = map[string]bool{"http": true, "https": true, "mailto": true}

// checkSafe fails t unless out is inert: no forbidden element, no event
// handler or style attribute, no attribute that loads a resource, and every
// link absolute with an allowed scheme and marked nofollow.
func checkSafe(t testing.TB, src string, out template.HTML) {
	t.Helper()
	walk(parse(t, out), func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
		case html.CommentNode:
			t.Errorf("Render(%q) = %q: contains a comment", src, out)
			return
		default:
			return
		}
		if forbidden[n.Data] {
			t.Errorf("Render(%q) = %q: contains <%s>", src, out, n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"):
				t.Errorf("Render(%q) = %q: <%s> has event handler %s", src, out, n.Data, a.Key)
			case key == "style", key == "class", key == "id", key == "src",
				key == "srcset", key == "action", key == "formaction", key == "data",
				key == "xlink:href", key == "target":
				t.Errorf("Render(%q) = %q: <%s> has attribute %s", src, out, n.Data, a.Key)
			case key == "href":
				u, err := url.Parse(a.Val)
				if err != nil || !allowedSchemes[strings.ToLower(u.Scheme)] {
					t.Errorf("Render(%q) = %q: href %q does not use http, https or mailto", src, out, a.Val)
				}
			}
		}
		if n.Data == "a" {
			if _, ok := attr(n, "href"); ok {
				rel, _ := attr(n, "rel")
				if !strings.Contains(rel, "nofollow") || !strings.Contains(rel, "noreferrer") {
					t.Errorf("Render(%q) = %q: link rel=%q lacks nofollow noreferrer", src, out, rel)
				}
			}
		}
	})
}

// hostile is input that tries to get script, styles, frames or images into
// the page. want, if set, is text that must still be visible.
var hostile = []struct {
	name, src, want string
}{
	{"script element", `<script>alert(1)</script>`, ""},
	{"script inline", `hello <script>alert(1)</script> world`, "hello"},
	{"javascript link", `[x](javascript:alert(1))`, "x"},
	{"javascript link upper case", `[x](JAVASCRIPT:alert(1))`, "x"},
	{"javascript link leading spaces", `[x](  javascript:alert(1))`, "x"},
	{"javascript link in angle brackets", `[x](<javascript:alert(1)>)`, "x"},
	{"javascript link with tab", "[x](java\tscript:alert(1))", "x"},
	{"javascript link entity encoded", `[x](&#106;avascript:alert(1))`, "x"},
	{"javascript link colon entity", `[x](javascript&colon;alert(1))`, "x"},
	{"javascript link percent encoded", `[x](javascript%3Aalert(1))`, "x"},
	{"javascript reference link", "[x][1]\n\n[1]: javascript:alert(1)", "x"},
	{"javascript autolink", `<javascript:alert(1)>`, ""},
	{"vbscript link", `[x](vbscript:msgbox(1))`, "x"},
	{"file link", `[x](file:///etc/passwd)`, "x"},
	{"data link", `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`, "x"},
	{"relative link", `[x](/admin/delete)`, "x"},
	{"protocol-relative link", `[x](//evil.example/)`, "x"},
	{"title breaking out", `[x](https://example.org "\" onmouseover=\"alert(1)")`, "x"},
	{"img onerror", `<img src=x onerror=alert(1)>`, ""},
	{"markdown image", `![a](https://evil.example/x.png)`, "a"},
	{"markdown image javascript", `![a](javascript:alert(1))`, "a"},
	{"markdown image data", `![a](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`, "a"},
	{"raw anchor javascript", `<a href="javascript:alert(1)">x</a>`, "x"},
	{"raw anchor http", `<a href="https://example.org" onclick="alert(1)">x</a>`, "x"},
	{"iframe", `<iframe src="https://evil.example"></iframe>`, ""},
	{"style element", `<style>body{display:none}</style>`, ""},
	{"style attribute", `<p style="position:fixed;top:0">x</p>`, ""},
	{"style attribute inline", `a <span style="position:fixed;top:0">x</span>`, "x"},
	{"svg onload", `<svg onload=alert(1)>`, ""},
	{"svg inline", `a <svg><script>alert(1)</script></svg> b`, "a"},
	{"object", `<object data="https://evil.example/x.swf"></object>`, ""},
	{"math", `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, ""},
	{"form", `<form action="https://evil.example"><input name=p></form>`, ""},
	{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example">`, ""},
	{"html block", "<div onclick=\"alert(1)\">\n\n*hi*\n\n</div>", "hi"},
	{"html block with script", "<div>\n<script>\nalert(1)\n</script>\n</div>", ""},
	{"html comment", "<!-- <script>alert(1)</script> -->", ""},
	{"cdata", "<![CDATA[<script>alert(1)</script>]]>", ""},
	{"processing instruction", "<?php echo 1; ?>", ""},
	{"unclosed tag", `<img src=x onerror=alert(1)//`, ""},
	{"tag in link text", `[<img src=x onerror=alert(1)>](https://example.org)`, ""},
	{"nul byte", "a\x00<script>alert(1)</script>", "a"},
	{"invalid utf8", "a\xff<script>alert(1)</script>", "a"},
}

func TestRenderHostile(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			out := Render(tc.src)
			checkSafe(t, tc.src, out)
			if strings.Contains(strings.ToLower(string(out)), "<script") {
				t.Errorf("Render(%q) = %q: still contains a script tag", tc.src, out)
			}
			if got := textContent(parse(t, out)); !strings.Contains(got, tc.want) {
				t.Errorf("Render(%q) text = %q, want it to contain %q", tc.src, got, tc.want)
			}
			if !utf8.ValidString(string(out)) {
				t.Errorf("Render(%q) = %q: not valid UTF-8", tc.src, out)
			}
		})
	}
}

// link is what a rendered <a> looks like to a reader.
type link struct{ href, text string }

func links(nodes []*html.Node) []link {
	var ls []link
	for _, a := range elements(nodes, "a") {
		href, _ := attr(a, "href")
		ls = append(ls, link{href, textContent([]*html.Node{a})})
	}
	return ls
}

func TestRenderLinks(t *testing.T) {
	tests := []struct {
		name, src string
		want      []link
	}{
		{"inline", `[the paper](https://arxiv.org/abs/1706.03762)`,
			[]link{{"https://arxiv.org/abs/1706.03762", "the paper"}}},
		{"http", `[x](http://example.org/a?b=1&c=2)`,
			[]link{{"http://example.org/a?b=1&c=2", "x"}}},
		{"mailto", `[write](mailto:ada@example.org)`,
			[]link{{"mailto:ada@example.org", "write"}}},
		{"angle autolink", `<https://example.org/x>`,
			[]link{{"https://example.org/x", "https://example.org/x"}}},
		{"bare url", `see https://example.org/x_(y), thanks`,
			[]link{{"https://example.org/x_(y)", "https://example.org/x_(y)"}}},
		{"bare www", `see www.example.org.`,
			[]link{{"http://www.example.org", "www.example.org"}}},
		{"bare email", `mail ada@example.org`,
			[]link{{"mailto:ada@example.org", "ada@example.org"}}},
		{"bare ftp stays text", `ftp://example.org/file`, nil},
		{"image becomes link", `![a diagram](https://example.org/d.png)`,
			[]link{{"https://example.org/d.png", "a diagram"}}},
		{"image without alt shows url", `![](https://example.org/d.png?a=1&b=2)`,
			[]link{{"https://example.org/d.png?a=1&b=2", "https://example.org/d.png?a=1&b=2"}}},
		{"image inside link keeps alt", `[![badge](https://example.org/b.svg)](https://example.org/)`,
			[]link{{"https://example.org/", "badge"}}},
		{"image inside image", `![![inner](https://example.org/i.png)](https://example.org/o.png)`,
			[]link{{"https://example.org/o.png", "inner"}}},
		{"reference", "[x][r]\n\n[r]: https://example.org/r",
			[]link{{"https://example.org/r", "x"}}},
		{"refused keeps text", `[keep me](javascript:alert(1))`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Render(tc.src)
			checkSafe(t, tc.src, out)
			got := links(parse(t, out))
			if len(got) != len(tc.want) {
				t.Fatalf("Render(%q) = %q: links %q, want %q", tc.src, out, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Render(%q) = %q: link %d = %q, want %q", tc.src, out, i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestRenderLinkRel(t *testing.T) {
	out := Render("https://example.org and [y](https://example.com)")
	as := elements(parse(t, out), "a")
	if len(as) != 2 {
		t.Fatalf("Render = %q: want 2 links", out)
	}
	for _, a := range as {
		if rel, _ := attr(a, "rel"); rel != "nofollow noreferrer" {
			t.Errorf("Render = %q: rel = %q, want %q", out, rel, "nofollow noreferrer")
		}
	}
}

func TestRenderKeepsText(t *testing.T) {
	tests := []struct {
		name, src string
		tag       string // element that must hold want, or "" for anywhere
		want      string
	}{
		{"code span", "use `<b>x</b> & $y$` here", "code", "<b>x</b> & $y$"},
		{"fenced code", "```html\n<script>alert(1)</script>\n```", "code", "<script>alert(1)</script>"},
		{"indented code", "    <iframe src=x></iframe>", "code", "<iframe src=x></iframe>"},
		{"maths", "if $a<b$ and $c > d$ then", "p", "if $a<b$ and $c > d$ then"},
		{"maths block", "$$\n\\sum_{i<n} x_i > 0\n$$", "p", "$$\n\\sum_{i<n} x_i > 0\n$$"},
		{"ampersand", "R&D &amp; more", "p", "R&D & more"},
		{"cyrillic", "Привет, мир", "p", "Привет, мир"},
		{"cjk", "注意力就是你所需要的一切", "p", "注意力就是你所需要的一切"},
		{"arabic", "الانتباه هو كل ما تحتاجه", "p", "الانتباه هو كل ما تحتاجه"},
		{"greek and emoji", "αβγ ∀x∈ℝ 🙂", "p", "αβγ ∀x∈ℝ 🙂"},
		{"strikethrough", "~~wrong~~ right", "del", "wrong"},
		{"emphasis", "*very* **much**", "strong", "much"},
		{"heading", "## Results", "h2", "Results"},
		{"blockquote", "> quoted", "blockquote", "quoted"},
		{"list", "- one\n- two", "li", "two"},
		{"table cell", "| a | b |\n|---|--:|\n| 1 | 2 |", "td", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Render(tc.src)
			checkSafe(t, tc.src, out)
			nodes := parse(t, out)
			els := elements(nodes, tc.tag)
			if len(els) == 0 {
				t.Fatalf("Render(%q) = %q: no <%s>", tc.src, out, tc.tag)
			}
			var found []string
			for _, el := range els {
				text := strings.Trim(textContent([]*html.Node{el}), "\n")
				if text == tc.want {
					return
				}
				found = append(found, text)
			}
			t.Errorf("Render(%q) = %q: <%s> texts %q, want one to be %q", tc.src, out, tc.tag, found, tc.want)
		})
	}
}

func TestRenderStructure(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"paragraph", "hello", "<p>hello</p>\n"},
		{"ordered list start", "3. x\n4. y", "<ol start=\"3\">\n<li>x</li>\n<li>y</li>\n</ol>\n"},
		{"table alignment", "| a | b |\n|:--|--:|\n| 1 | 2 |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n" +
				"<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n"},
		{"code block language class dropped", "```go\nx := 1\n```", "<pre><code>x := 1\n</code></pre>\n"},
		{"raw html omitted", "a <b>bold</b> c", "<p>a bold c</p>\n"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Render(tc.src)); got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

// TestRenderBoundsOutput feeds Render comments that Check accepts but that
// Markdown would blow up into megabytes of HTML.
func TestRenderBoundsOutput(t *testing.T) {
	wideTable := "|" + strings.Repeat("a|", 1900) + "\n|" + strings.Repeat("-|", 1900) + "\n" +
		strings.Repeat("|x\n", 790) // 1.5 million cells once padded
	manyRefs := "[a]: https://example.org/" + strings.Repeat("x", 5000) + "\n\n" + strings.Repeat("[a]", 1600)
	tests := []struct {
		name, src string
		wantTable bool
		wantLinks int
	}{
		{"padded table", wideTable, false, 0},
		{"reference reuse", manyRefs, false, 0},
		{"full table of half MaxBytes still renders", fullTable(20, MaxBytes/2), true, 0},
		{"narrow full table of half MaxBytes still renders", fullTable(1, MaxBytes/2), true, 0},
		{"many ordinary links still render",
			strings.Repeat("[paper](https://arxiv.org/abs/1706.03762) ", 200), false, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Check(tc.src); err != nil {
				t.Fatalf("Check refuses the test input: %v", err)
			}
			// The table size limit acts while parsing, before any
			// HTML is written.
			cells := 0
			doc := md.Parser().Parse(text.NewReader([]byte(tc.src)))
			_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
				if entering && n.Kind() == extast.KindTableCell {
					cells++
				}
				return ast.WalkContinue, nil
			})
			if cells > maxTableCells {
				t.Errorf("parsed %d table cells, want at most %d", cells, maxTableCells)
			}

			out := Render(tc.src)
			if limit := MaxHTMLBytes; len(out) > limit {
				t.Fatalf("Render(%d bytes) = %d bytes, want at most %d", len(tc.src), len(out), limit)
			}
			checkSafe(t, "(large input)", out)
			nodes := parse(t, out)
			if got := len(elements(nodes, "table")) > 0; got != tc.wantTable {
				t.Errorf("table rendered = %v, want %v", got, tc.wantTable)
			}
			if got := len(elements(nodes, "a")); got != tc.wantLinks {
				t.Errorf("rendered %d links, want %d", got, tc.wantLinks)
			}
		})
	}
}

// fullTable returns a table with cols columns and every cell filled in, with
// as many rows as fit in size bytes.
func fullTable(cols, size int) string {
	row := "|" + strings.Repeat("x|", cols) + "\n"
	var b strings.Builder
	b.WriteString(row)
	b.WriteString("|" + strings.Repeat("-|", cols) + "\n")
	for b.Len()+len(row) <= size {
		b.WriteString(row)
	}
	return b.String()
}

func TestPlainTextFallback(t *testing.T) {
	got := plainText("a < b & \"c\"\nnext")
	want := template.HTML("<p>a &lt; b &amp; &#34;c&#34;<br>\nnext</p>\n")
	if got != want {
		t.Errorf("plainText = %q, want %q", got, want)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want error
	}{
		{"plain", "Nice paper.", nil},
		{"markdown", "# Title\n\n* a\n* b\r\n\tcode", nil},
		{"non-latin", "Очень интересно 🙂", nil},
		{"exactly max", strings.Repeat("a", MaxBytes), nil},
		{"max in multibyte", strings.Repeat("é", MaxBytes/2), nil},
		{"hostile but well formed", "<script>alert(1)</script>", nil},
		{"empty", "", ErrEmpty},
		{"spaces", "   ", ErrEmpty},
		{"newlines and tabs", "\n\t\r\n ", ErrEmpty},
		{"unicode spaces", "\u00a0\u2003\u3000", ErrEmpty},
		{"one over max", strings.Repeat("a", MaxBytes+1), ErrTooLong},
		{"multibyte over max", strings.Repeat("é", MaxBytes/2+1), ErrTooLong},
		{"invalid utf8", "abc\xffdef", ErrInvalidUTF8},
		{"truncated utf8", "caf\xc3", ErrInvalidUTF8},
		{"surrogate half", "a\xed\xa0\x80b", ErrInvalidUTF8},
		{"nul", "a\x00b", ErrControlChar},
		{"bell", "a\ab", ErrControlChar},
		{"escape", "a\x1b[31mred", ErrControlChar},
		{"vertical tab", "a\vb", ErrControlChar},
		{"form feed", "a\fb", ErrControlChar},
		{"delete", "a\x7fb", ErrControlChar},
		{"c1 control", "a\u0085b", ErrControlChar},
		{"only a nul", "\x00", ErrControlChar},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.src)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Check(%.40q) = %v, want %v", tc.src, err, tc.want)
			}
		})
	}
}

func TestCheckMessagesAreSentences(t *testing.T) {
	for _, err := range []error{ErrEmpty, ErrTooLong, ErrInvalidUTF8, ErrControlChar, ErrTooDeep, ErrTooLarge, ErrTooComplex} {
		msg := err.Error()
		if msg == "" || !strings.HasSuffix(msg, ".") || strings.ToUpper(msg[:1]) != msg[:1] {
			t.Errorf("error text %q is not a sentence", msg)
		}
		if strings.Contains(msg, "markdown:") {
			t.Errorf("error text %q leaks the package name", msg)
		}
	}
	if !strings.Contains(ErrTooLong.Error(), "10000") {
		t.Errorf("ErrTooLong = %q, want it to state the limit", ErrTooLong)
	}
}

func TestRenderConcurrent(t *testing.T) {
	want := Render(sampleComment)
	done := make(chan template.HTML)
	for range 8 {
		go func() {
			var last template.HTML
			for range 20 {
				last = Render(sampleComment)
			}
			done <- last
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent Render differs:\n got %q\nwant %q", got, want)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.src)
	}
	f.Add(sampleComment)
	f.Add("![a](https://x.org/a.png) [![b](https://x.org/b.png)](https://x.org)")
	f.Add("| a | b |\n|:-:|---|\n| <img> | [x](javascript:1) |")
	f.Fuzz(func(t *testing.T, src string) {
		out := Render(src)
		checkSafe(t, src, out)
		if d := depthOf(t, string(out)); d > MaxDepth {
			t.Errorf("Render(%q) nests %d deep, want at most %d", src, d, MaxDepth)
		}
		if !utf8.ValidString(string(out)) {
			t.Errorf("Render(%q) = %q: not valid UTF-8", src, out)
		}
	})
}

// sampleComment is a realistic comment of about 1.5 KB.
const sampleComment = `Thanks for posting this. A few thoughts after reading the paper twice:

1. The **ablation in Table 3** is the most convincing part. Removing the
   positional encoding costs ~2 BLEU, which matches what
   [Shaw et al.](https://arxiv.org/abs/1803.02155) report for relative
   positions.
2. I am less sure about the claim that attention is *all* you need: the
   feed-forward sublayers hold most of the parameters, see section 3.3.
3. The learning-rate schedule $lr = d^{-0.5} \cdot \min(s^{-0.5}, s \cdot w^{-1.5})$
   deserves more credit than it gets; without warm-up training diverges for me.

For anyone reproducing it, this is roughly what I used:

` + "```python" + `
def lr(step, d_model=512, warmup=4000):
    step = max(step, 1)
    return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)
` + "```" + `

| model | params | BLEU (en-de) |
|:------|-------:|-------------:|
| base  | 65M    | 27.3         |
| big   | 213M   | 28.4         |

> Note that the numbers for ~~big~~ big were trained for 300k steps, not 100k.

Code is at https://github.com/tensorflow/tensor2tensor and the annotated
version at www.example.org/annotated-transformer is great for teaching.
If anyone wants the training logs, email me at reader@example.org.
Small nit: ` + "`d_k = d_v = d_model / h`" + ` only holds when h divides d_model, which
is worth saying explicitly. Overall a very clear paper; I would assign it in
a graduate course without hesitation. — Ada
`

func BenchmarkRender(b *testing.B) {
	b.SetBytes(int64(len(sampleComment)))
	b.ReportAllocs()
	for b.Loop() {
		Render(sampleComment)
	}
}
