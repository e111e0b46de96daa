// Package markdown turns user comments written in Markdown into HTML that is
// safe to put into a page.
//
// Rendering happens in two stages, each of which on its own keeps scripts
// out, so that a bug in one is caught by the other:
//
//  1. goldmark parses CommonMark plus the GitHub extensions strikethrough
//     (~~x~~), tables and autolinks ("linkify": bare http(s) URLs, www.
//     names and e-mail addresses become links). Raw HTML in the source is
//     never passed through: goldmark's default is kept, which drops it from
//     the output. (So "a <T> b" shows as "a  b"; writers who mean the
//     characters put them in a code span, `<T>`, which shows them as typed.
//     A "<" that cannot start a tag, as in $a<b$, is kept as text.)
//  2. bluemonday sanitises goldmark's output against an allowlist of exactly
//     the elements and attributes that Markdown produces.
//
// Policy decisions, all covered by the tests:
//
//   - Links may only use the http, https and mailto schemes. Relative links
//     are refused too, so every href in the output is absolute. A link whose
//     destination is refused keeps its text and loses its <a>.
//   - Every link carries rel="nofollow noreferrer": nofollow so that links in
//     comments earn no search ranking (which makes them useless to spammers),
//     and noreferrer, which also implies noopener, so that the target page
//     learns nothing about the page it came from and gets no handle on it.
//   - Comments cannot embed images, so readers never load third-party
//     content (tracking pixels, huge or offensive pictures) just by opening a
//     page. Markdown images ![alt](url) are rendered as ordinary links to the
//     image instead, with the alt text (or, without one, the URL) as the link
//     text; an image inside a link keeps only its alt text. The sanitiser
//     admits no <img> at all.
//   - No style or class attributes, no ids (so comments cannot clobber the
//     page's own element ids), and no <style>, <script>, <iframe>, <svg>,
//     <object> or form elements. Table cell alignment is kept through the
//     align attribute rather than inline style.
//   - Tables are limited to maxTableCells cells. GFM pads every row to the
//     header's width, so without a limit an 11 KB comment with a
//     2000-column header and 1000 one-cell rows renders to 20 MB of HTML in
//     about two seconds. A paragraph that could become a larger table is
//     left as plain text.
//   - More generally, rendered HTML is bounded: Prepare refuses a comment
//     whose HTML would pass MaxHTMLBytes, and Render shows one as escaped
//     plain text (text longer than MaxBytes may render to maxOutputRatio
//     times its size).
//
// Comments are rendered once, when they are written (Prepare), and their
// HTML is stored with them, so that a page view never parses Markdown.
// Prepare therefore also bounds what a comment may cost anyone who reads it,
// refusing with a message for its writer:
//
//   - Nesting: elements may nest at most MaxDepth deep in the rendered HTML
//     (10,000 ">" made 10,000 nested blockquotes, which hang browsers).
//     Before goldmark sees the text, a linear scan refuses lines that open
//     more than MaxDepth quotes or list items at once and brackets nested
//     more than MaxDepth deep, as goldmark's parser takes time quadratic in
//     those (0.3 s for 10,000 ">", 0.1 s for 5,000 "[" then 5,000 "]").
//   - Size: the rendered HTML may be at most MaxHTMLBytes.
//   - Emptiness: a comment must show some text: one made only of white
//     space, zero-width and other invisible characters, or of markup that
//     renders to nothing, is refused.
//   - Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069)
//     are removed from the text: they can make a comment read differently
//     from what it says and reorder the page text after it. Right-to-left
//     scripts need none of them to show correctly; the marks U+200E and
//     U+200F, which cannot reorder anything on their own, are kept.
//
// bluemonday.UGCPolicy was the starting point, but its policy cannot be
// narrowed after construction (bluemonday policies only ever grow) and it
// admits <img>; the policy here is therefore built from the same helpers,
// keeping only what Markdown emits and dropping images.
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
)

// MaxBytes is the largest comment body, in bytes of UTF-8, that Check
// accepts.
const MaxBytes = 10000

// Errors returned by Check. Their text is written for the person who typed
// the comment and can be shown to them as it is.
var (
	ErrEmpty       = errors.New("The comment is empty: it shows no text (white space, invisible characters and markup alone do not count). Please write something before posting.")
	ErrTooLong     = fmt.Errorf("The comment is too long. Comments are limited to %d bytes (about %d characters of English text, fewer in other scripts); please shorten it.", MaxBytes, MaxBytes)
	ErrInvalidUTF8 = errors.New("The comment contains bytes that are not valid text. Please paste it again as plain text.")
	ErrControlChar = errors.New("The comment contains an invisible control character. Please remove it and try again.")
)

// Limits that Prepare enforces on what a comment renders to (see the
// package comment).
const (
	// MaxDepth is how deeply elements may nest in a rendered comment, and
	// how many quotes, list items or brackets one line may open.
	MaxDepth = 32
	// MaxHTMLBytes bounds a comment's rendered HTML: four times MaxBytes,
	// which ordinary comments (one to three times their size) never reach.
	MaxHTMLBytes = 4 * MaxBytes
)

// Errors returned by Prepare beyond Check's, written like Check's for the
// person who typed the comment.
var (
	ErrTooDeep    = fmt.Errorf("The comment nests too deeply: quotes, lists, emphasis and brackets may go at most %d levels inside one another. Please flatten it.", MaxDepth)
	ErrTooLarge   = fmt.Errorf("The comment would be too large once formatted (more than %d bytes of HTML). Please shorten it or use less formatting.", MaxHTMLBytes)
	ErrTooComplex = fmt.Errorf("The comment has too much markup in one paragraph (more than %d runs of *, _ or ~, or more than %d links). Please split it with blank lines.", maxDelimiters, maxDestinations)
)

// Prepare checks src as a comment body and renders it, for storing. It
// returns the body to store (src without bidirectional controls) and its
// HTML, or one of Check's errors, ErrEmpty for a comment that shows no
// text, ErrTooDeep, ErrTooComplex or ErrTooLarge. Its work is linear in the
// size of src but for goldmark's parse, which scanNesting keeps within a
// few tens of milliseconds (BenchmarkPrepareWorst).
func Prepare(src string) (string, template.HTML, error) {
	if err := Check(src); err != nil {
		return "", "", err
	}
	body := stripBidi(src)
	if !hasVisible(body) {
		return "", "", ErrEmpty
	}
	if err := scanNesting(body); err != nil {
		return "", "", err
	}
	out, err := render(body, MaxHTMLBytes)
	if err != nil {
		return "", "", err
	}
	depth, visible := inspect(out)
	switch {
	case depth > MaxDepth:
		return "", "", ErrTooDeep
	case !visible:
		return "", "", ErrEmpty
	}
	return body, out, nil
}

// Check reports whether src is acceptable as a comment body, returning one of
// ErrEmpty, ErrTooLong, ErrInvalidUTF8 or ErrControlChar if not. A body is
// refused if it is longer than MaxBytes, is not valid UTF-8, contains a
// control character other than newline, carriage return and tab (this
// includes NUL, DEL and the C1 controls U+0080–U+009F), or is empty once
// leading and trailing white space is removed.
//
// Check says nothing about what Render will make of the text: every string
// renders safely. It exists so that what gets stored is text a person could
// have typed.
func Check(src string) error {
	if len(src) > MaxBytes {
		return ErrTooLong
	}
	if !utf8.ValidString(src) {
		return ErrInvalidUTF8
	}
	for _, r := range src {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return ErrControlChar
		}
	}
	if strings.TrimSpace(src) == "" {
		return ErrEmpty
	}
	return nil
}

// Render converts the Markdown comment src into sanitised HTML, safe to
// insert into a page as it is. It accepts any string, including ones Check
// or Prepare would refuse: invalid UTF-8 is replaced by U+FFFD first, and a
// comment beyond Prepare's limits is shown as plain text, so that Render
// costs no more than Prepare and its output nests no deeper than MaxDepth
// (plain text of MaxBytes escapes to at most five times that). It serves
// comments stored before their HTML was. Render is safe for concurrent use.
func Render(src string) template.HTML {
	src = stripBidi(strings.ToValidUTF8(src, "\uFFFD"))
	if scanNesting(src) != nil {
		return plainText(src)
	}
	limit := MaxHTMLBytes
	if len(src) > MaxBytes {
		limit = maxOutputRatio * len(src)
	}
	out, err := render(src, limit)
	if err != nil {
		return plainText(src)
	}
	if depth, _ := inspect(out); depth > MaxDepth {
		return plainText(src)
	}
	return out
}

// render runs goldmark and the sanitiser on src, refusing with ErrTooLarge
// output larger than limit bytes.
func render(src string, limit int) (template.HTML, error) {
	// goldmark writes links without rel, which the sanitiser adds, so
	// its own output is allowed some more room than the final HTML.
	out := &cappedBuffer{max: limit + limit/2}
	out.buf.Grow(len(src) + len(src)/4)
	if err := md.Convert([]byte(src), out); err != nil {
		// The only writer error is the cap; never hand back
		// half-rendered markup.
		return "", ErrTooLarge
	}
	html := policy.SanitizeBytes(out.buf.Bytes())
	if len(html) > limit {
		return "", ErrTooLarge
	}
	return template.HTML(html), nil
}

// maxOutputRatio bounds how much HTML goldmark may produce per byte of
// Markdown. Some constructs multiply: a 5000-byte link reference definition
// used 1600 times turns a 10 KB comment into 4 MB of HTML. Ordinary comments
// come out at about 1–3 times their size; one that would exceed the bound
// is shown as plain text instead (see plainText).
const maxOutputRatio = 32

var errOutputTooLarge = errors.New("markdown: rendered HTML too large")

// cappedBuffer is an io.Writer that accepts at most max bytes.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		return 0, errOutputTooLarge
	}
	return c.buf.Write(p)
}

// plainText shows src as text, escaped and with its line breaks kept, in a
// single paragraph. It is what Render falls back to when Markdown rendering
// fails.
func plainText(src string) template.HTML {
	text := strings.ReplaceAll(html.EscapeString(src), "\n", "<br>\n")
	return template.HTML("<p>" + text + "</p>\n")
}

// md and policy are built once: a goldmark.Markdown is safe for concurrent
// use, and so is a bluemonday.Policy once it is no longer being modified.
var (
	md     = newMarkdown()
	policy = newPolicy()
)

func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.Strikethrough,
			extension.NewLinkify(
				// Bare ftp: URLs stay text; www. names and
				// e-mail addresses are still linked.
				extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}),
			),
			boundedTable{},
		),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(imagesToLinks{}, 100)),
		),
		// No html.WithUnsafe: raw HTML in the source is left out of the
		// output (goldmark writes an "omitted" comment in its place, which
		// the sanitiser then removes).
	)
}

// newPolicy returns the sanitiser policy described in the package comment.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// URLs: absolute http, https and mailto only.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)

	// Links. Without an acceptable href an <a> has no attributes and is
	// dropped, keeping its text.
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("a")

	// Blocks and inlines that CommonMark and the strikethrough extension
	// emit. "del" is ~~strikethrough~~.
	p.AllowElements(
		"p", "br", "hr", "blockquote", "pre",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"code", "em", "strong", "del",
	)

	// Lists; goldmark writes start="N" for a list that does not begin at 1.
	p.AllowElements("ul", "ol", "li")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")

	// GFM tables, aligned with the align attribute (see newMarkdown).
	p.AllowElements("table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("align").Matching(tableAlign).OnElements("th", "td")

	return p
}

var tableAlign = regexp.MustCompile(`^(left|center|right)$`)

// imagesToLinks is a goldmark AST transformer that replaces every image with
// a link to the image, so that comments never embed images (see the package
// comment). An image that is already inside a link is replaced by its alt
// text, as links cannot nest.
type imagesToLinks struct{}

func (imagesToLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			images = append(images, img)
		}
		return ast.WalkContinue, nil
	})
	// Walk visits parents before children, so an image nested in another
	// image's alt text is handled after the outer one has become a link and
	// is then correctly seen as being inside a link.
	for _, img := range images {
		parent := img.Parent()
		if parent == nil {
			continue
		}
		if insideLink(img) {
			for c := img.FirstChild(); c != nil; {
				next := c.NextSibling()
				parent.InsertBefore(parent, img, c)
				c = next
			}
			parent.RemoveChild(parent, img)
			continue
		}
		link := ast.NewLink()
		link.Destination = img.Destination
		link.Title = img.Title
		if img.HasChildren() {
			for c := img.FirstChild(); c != nil; {
				next := c.NextSibling()
				link.AppendChild(link, c)
				c = next
			}
		} else {
			label := ast.NewString(img.Destination)
			label.SetRaw(true) // written escaped, without entity decoding
			link.AppendChild(link, label)
		}
		parent.ReplaceChild(parent, img, link)
	}
}

func insideLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if k := p.Kind(); k == ast.KindLink || k == ast.KindAutoLink {
			return true
		}
	}
	return false
}

// maxTableCells bounds the size of a table: rows (header included) times
// columns, as estimated by tableGuard. Every cell written out takes at least
// two bytes ("a|"), so any table whose rows are complete and which fits in
// MaxBytes stays within it, even counting the delimiter row and the
// estimate's extra column; only tables made mostly of padding are refused.
const maxTableCells = MaxBytes

// boundedTable is goldmark's GFM table extension (extension.Table), with
// alignment written as align attributes and with the size limit described
// in the package comment.
type boundedTable struct{}

func (boundedTable) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithParagraphTransformers(
			util.Prioritized(tableGuard{extension.NewTableParagraphTransformer()}, 200),
		),
		parser.WithASTTransformers(
			util.Prioritized(extension.NewTableASTTransformer(), 0),
		),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(extension.NewTableHTMLRenderer(
			extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute),
		), 500),
	))
}

// tableGuard passes a paragraph on to the table transformer only if any
// table made from it would have at most maxTableCells cells. It bounds the
// count from above by lines × (most pipes on one line + 1), since every row,
// padded or not, has as many cells as the delimiter line has columns.
type tableGuard struct {
	tables parser.ParagraphTransformer
}

func (g tableGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	source := reader.Source()
	maxPipes := 0
	for i := range lines.Len() {
		seg := lines.At(i)
		maxPipes = max(maxPipes, bytes.Count(seg.Value(source), []byte("|")))
	}
	if lines.Len()*(maxPipes+1) > maxTableCells {
		return
	}
	g.tables.Transform(node, reader, pc)
}

// isBidiControl reports whether r is an explicit embedding, override or
// isolate: U+202A
// to U+202E and U+2066 to U+2069.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// stripBidi removes bidirectional embeddings, overrides and isolates from
// s (see the package comment).
func stripBidi(s string) string {
	if strings.IndexFunc(s, isBidiControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// invisible reports whether r shows nothing by itself: white space, format
// characters (Cf: zero-width spaces and joiners, bidi controls, soft
// hyphens), variation selectors and the other default-ignorable code points
// (fillers such as U+3164), and the blank braille pattern U+2800.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || r == '\u2800'
}

// hasVisible reports whether s holds a character that is not invisible.
func hasVisible(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !invisible(r) }) >= 0
}

// scanNesting refuses, in one pass over src, what goldmark parses in time
// quadratic in its amount: containers (block quotes and list items) opened
// on one line and square brackets open at once within a paragraph, both
// limited to MaxDepth (ErrTooDeep), and emphasis delimiters and link
// destinations within a paragraph (ErrTooComplex; goldmark matches each
// closing delimiter against every one before it, and looks for the end of
// each destination to the end of the paragraph). It counts generously (a
// bracket in a code block counts too, and a paragraph ends only at a blank
// line), so that whatever it lets through goldmark parses quickly; the
// exact limit on nesting is applied to the rendered HTML.
func scanNesting(src string) error {
	brackets, delims, dests := 0, 0, 0
	for line := range strings.Lines(src) {
		if containerMarkers(line) > MaxDepth {
			return ErrTooDeep
		}
		if strings.TrimSpace(line) == "" {
			brackets, delims, dests = 0, 0, 0 // a blank line ends the paragraph
			continue
		}
		for i := 0; i < len(line); i++ {
			switch c := line[i]; c {
			case '\\':
				i++ // an escaped character opens and closes nothing
			case '[':
				if brackets++; brackets > MaxDepth {
					return ErrTooDeep
				}
			case ']':
				brackets = max(brackets-1, 0)
				if i+1 < len(line) && line[i+1] == '(' {
					dests++
				}
			case '*', '_', '~':
				if i == 0 || line[i-1] != c {
					delims++ // a run of one character is one delimiter
				}
			}
		}
		if delims > maxDelimiters || dests > maxDestinations {
			return ErrTooComplex
		}
	}
	return nil
}

// maxDelimiters and maxDestinations bound the emphasis delimiters (runs of
// "*", "_" or "~") and link destinations ("](") of one paragraph. A
// paragraph of 10,000 bytes can hold 3,300 delimiters, which took goldmark
// 80 ms, and 2,000 destinations, 35 ms; at these limits it takes a few
// (BenchmarkPrepareWorst). A paragraph of prose or code comes nowhere near.
const (
	maxDelimiters   = 1000
	maxDestinations = 500
)

// containerMarkers counts the container markers at the start of line: each
// ">" and each list marker ("-", "+" or "*", or up to nine digits and "." or
// ")", followed by a space, a tab or the line's end), with any white space
// between them. When there are more than MaxDepth, a line whose list
// markers are a thematic break ("- - - -" and the like), not nested lists,
// counts only its quotes.
func containerMarkers(line string) int {
	n, quotes, first, i := 0, 0, -1, 0
	for i < len(line) {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '>':
			n++
			quotes++
			i++
			continue
		case c == '-' || c == '+' || c == '*':
			if markerEnd(line, i+1) {
				if first < 0 {
					first = i
				}
				n++
				i++
				continue
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j < len(line) && (line[j] == '.' || line[j] == ')') && markerEnd(line, j+1) {
				if first < 0 {
					first = j
				}
				n++
				i = j + 1
				continue
			}
		}
		break
	}
	if n > MaxDepth && first >= 0 && thematicBreak(line[first:]) {
		return quotes
	}
	return n
}

// markerEnd reports whether a list marker ending before line[i] is
// followed by a space, a tab or the end of the line.
func markerEnd(line string, i int) bool {
	return i >= len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r'
}

// thematicBreak reports whether s is a thematic break: three or more of one
// of "-", "*" and "_", and nothing else but white space.
func thematicBreak(s string) bool {
	var mark byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
		case '-', '*', '_':
			if mark != 0 && c != mark {
				return false
			}
			mark = c
			n++
		default:
			return false
		}
	}
	return n >= 3
}

// voidElements are the elements the sanitised output may hold that have no
// end tag.
var voidElements = map[string]bool{"br": true, "hr": true}

// inspect reads rendered, sanitised HTML and reports how deeply its
// elements nest and whether it shows any visible text.
func inspect(out template.HTML) (depth int, visible bool) {
	z := xhtml.NewTokenizer(strings.NewReader(string(out)))
	d := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return depth, visible
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				d++
				depth = max(depth, d)
			}
		case xhtml.EndTagToken:
			d--
		case xhtml.TextToken:
			if !visible {
				visible = hasVisible(html.UnescapeString(string(z.Raw())))
			}
		}
	}
}
