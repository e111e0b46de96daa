// Package thumb draws a paper's thumbnail: a PNG "title card" with the
// paper's title, authors, arXiv id and date, in the site's colours. It is
// the image behind the JSON API's thumbnail URL and a paper page's
// og:image. Papers come as metadata only (there is nothing to render a PDF
// page with), so the card is drawn from that.
//
// The fonts are the Go fonts (golang.org/x/image/font/gofont, under the
// same BSD licence as Go), which are compiled in, so a card looks the same
// on every host and there are no font files to ship. They cover Latin,
// Greek and Cyrillic; what they cannot draw, such as Chinese text or
// emoji, is left off the card (see clean).
package thumb

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Card is what a thumbnail shows. Every field may be "" (or nil); what is
// missing is left off.
type Card struct {
	ID       string   // arXiv id, e.g. "2509.02547"
	Title    string   // as stored: may hold inline TeX and line breaks
	Authors  []string // names in order
	Date     string   // e.g. "3 Sep 2025", already formatted
	Category string   // primary arXiv category, e.g. "cs.CL"
	Site     string   // site name, e.g. "Daily Papers"
}

// Width and Height are the size of a card in pixels: the size Open Graph
// recommends, which link previews show without cropping.
const Width, Height = 1200, 630

// Version names the drawing: change it with anything that changes how a
// card looks (layout, fonts, colours, encoding), so that caches keyed by a
// card's content, and the ETags made from them, take the new look.
const Version = "1"

// Render draws c and writes it to w as a PNG of Width by Height pixels.
//
// The title is set as large as lets it fit in four lines, and cut short
// with "…" when even the smallest size does not; inline TeX in it becomes
// Unicode ("$\alpha$" is drawn as α). Authors take up to two lines, and
// those that do not fit are counted ("and 12 others").
//
// The same card always gives the same bytes. Render is safe to call from
// many goroutines at once. A card takes several milliseconds of CPU, so
// callers that serve cards should cache the bytes.
func Render(w io.Writer, c Card) error {
	f, err := loadFonts()
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	newPainter(f).draw(img, c)
	return encode(w, img)
}

// The site's light theme (internal/web/static/style.css).
var (
	colBackground = color.RGBA{0xf7, 0xf7, 0xf8, 0xff}
	colSurface    = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colLine       = color.RGBA{0xe4, 0xe6, 0xea, 0xff}
	colText       = color.RGBA{0x1f, 0x23, 0x28, 0xff}
	colMuted      = color.RGBA{0x5b, 0x64, 0x72, 0xff}
	colAccent     = color.RGBA{0xff, 0x9d, 0x00, 0xff}
	colAccentInk  = color.RGBA{0xb3, 0x5c, 0x00, 0xff}
	colAccentSoft = color.RGBA{0xff, 0xf4, 0xe0, 0xff}
)

// Geometry, in pixels.
const (
	cardInset  = 24 // background showing around the card
	cardRadius = 24
	border     = 2
	margin     = 72 // from the image's edge to the text
	textWidth  = Width - 2*margin

	logoSize   = 44
	headerTop  = 60 // top of the logo
	siteSize   = 28
	chipSize   = 22 // the category's text
	chipHeight = 40
	chipPad    = 18

	bodyTop    = 150 // the earliest the title's capitals may start
	bodyGap    = 40  // least space between the authors and the footer
	titleLead  = 1.18
	titleLines = 4

	authorSize = 28
	authorLead = 38
	authorMax  = 2
	authorGap  = 24 // between the title's descenders and the authors' capitals

	footerSize     = 24
	ruleWidth      = 28
	footerSep      = "  ∙  "
	footerBaseline = Height - cardInset - 46
)

// titleSizes are tried in turn until the title fits.
var titleSizes = []float64{64, 60, 56, 52, 48, 44}

type fonts struct {
	regular, bold *opentype.Font
}

var (
	fontsOnce sync.Once
	fontsErr  error
	theFonts  fonts
)

// loadFonts parses the Go fonts once. A parsed font is safe to share; the
// faces made from it are not, so each render makes its own.
func loadFonts() (*fonts, error) {
	fontsOnce.Do(func() {
		theFonts.regular, fontsErr = opentype.Parse(goregular.TTF)
		if fontsErr == nil {
			theFonts.bold, fontsErr = opentype.Parse(gobold.TTF)
		}
		if fontsErr != nil {
			fontsErr = fmt.Errorf("thumb: parsing the Go fonts: %w", fontsErr)
		}
	})
	return &theFonts, fontsErr
}

// painter holds one render's faces, which are not safe to share.
type painter struct {
	f     *fonts
	faces map[faceKey]font.Face
	buf   sfnt.Buffer
}

type faceKey struct {
	bold bool
	size float64
}

func newPainter(f *fonts) *painter {
	return &painter{f: f, faces: make(map[faceKey]font.Face)}
}

// face returns the regular or bold face at size pixels.
func (p *painter) face(bold bool, size float64) font.Face {
	k := faceKey{bold, size}
	if f, ok := p.faces[k]; ok {
		return f
	}
	src := p.f.regular
	if bold {
		src = p.f.bold
	}
	// NewFace fails only for a nil font or options; neither happens here.
	f, _ := opentype.NewFace(src, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	// Whole pixels, so that the hyphen's cut end is as crisp as its start.
	f = hyphenFace{f, fixed.I(int(size*hyphenCut + 0.5))}
	p.faces[k] = f
	return f
}

// hyphenCut is how much of an em hyphenFace takes off the hyphen.
const hyphenCut = 0.18

// hyphenFace draws "-" shorter than the font does. The Go fonts were made
// for code, where "-" is a minus sign as wide as an en dash; in a title
// ("Large-Scale", "Pérez-García") that reads as a dash. The glyph is cut
// by cut at its right end, and its advance by as much.
type hyphenFace struct {
	font.Face
	cut fixed.Int26_6
}

func (f hyphenFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	dr, mask, maskp, advance, ok := f.Face.Glyph(dot, r)
	if r == '-' {
		dr.Max.X -= f.cut.Round()
		advance -= f.cut
	}
	return dr, mask, maskp, advance, ok
}

func (f hyphenFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	bounds, advance, ok := f.Face.GlyphBounds(r)
	if r == '-' {
		bounds.Max.X -= f.cut
		advance -= f.cut
	}
	return bounds, advance, ok
}

func (f hyphenFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	advance, ok := f.Face.GlyphAdvance(r)
	if r == '-' {
		advance -= f.cut
	}
	return advance, ok
}

// has returns whether the regular (bold false) or bold font has a glyph
// for a rune. The Go fonts cover the same runes in both weights, but each
// is asked about its own.
func (p *painter) has(bold bool) func(rune) bool {
	src := p.f.regular
	if bold {
		src = p.f.bold
	}
	return func(r rune) bool {
		i, err := src.GlyphIndex(&p.buf, r)
		return err == nil && i != 0
	}
}

// layout is what goes where, worked out before anything is drawn.
type layout struct {
	site, category string
	titleSize      float64
	title          []string
	titleY         int // the title's first baseline
	authors        []string
	authorsY       int // the authors' first baseline
	footer         string
}

// layout fits c's text to the card.
func (p *painter) layout(c Card) layout {
	bold, regular := p.has(true), p.has(false)
	l := layout{
		site:     clean(c.Site, bold),
		category: clean(c.Category, bold),
	}
	id := clean(c.ID, regular)
	title := clean(deTeX(c.Title), bold)
	if title == "" && id != "" {
		title = "arXiv:" + id // nothing of it can be drawn
	}

	var names []string
	for _, a := range c.Authors {
		if n := clean(a, regular); n != "" {
			names = append(names, n)
		}
	}
	max := fixed.I(textWidth)
	l.authors = authorLines(p.face(false, authorSize), names, len(c.Authors), max, authorMax)

	var foot []string
	if id != "" {
		foot = append(foot, "arXiv:"+id)
	}
	if d := clean(c.Date, regular); d != "" {
		foot = append(foot, d)
	}
	l.footer = strings.Join(foot, footerSep)

	// The title and authors share the space between the header and the
	// footer; the title gets the largest size at which it fits there whole.
	room := footerBaseline - p.capHeight(false, footerSize) - bodyGap - bodyTop
	for _, size := range titleSizes {
		f := p.face(true, size)
		lines, cut := wrap(f, title, max, titleLines)
		if !cut && p.bodyHeight(size, len(lines), len(l.authors)) <= room {
			l.titleSize, l.title = size, balance(f, title, max, lines)
			break
		}
	}
	if l.title == nil && title != "" {
		size := titleSizes[len(titleSizes)-1]
		n := titleLines
		for n > 1 && p.bodyHeight(size, n, len(l.authors)) > room {
			n--
		}
		l.titleSize = size
		l.title, _ = wrap(p.face(true, size), title, max, n)
	}
	if l.title == nil {
		l.titleSize = titleSizes[0]
	}
	// The body is centred in its room, between the header and the footer.
	spare := room - p.bodyHeight(l.titleSize, len(l.title), len(l.authors))
	top := bodyTop + spare/2
	l.titleY = top + p.capHeight(true, l.titleSize)
	l.authorsY = l.titleY + (len(l.title)-1)*titleLeading(l.titleSize) + p.authorsGap(l.titleSize)
	if len(l.title) == 0 {
		l.authorsY = top + p.capHeight(false, authorSize)
	}
	return l
}

// bodyHeight is the height of a title of n lines at size followed by m
// lines of authors, from the top of the title's capitals to the last
// baseline.
func (p *painter) bodyHeight(size float64, n, m int) int {
	h := 0
	if n > 0 {
		h = p.capHeight(true, size) + (n-1)*titleLeading(size)
	}
	if m > 0 {
		h += p.authorsGap(size) + (m-1)*authorLead
	}
	return h
}

// authorsGap is the distance from the title's last baseline to the
// authors' first: room for the title's descenders, a gap, and the
// authors' capitals.
func (p *painter) authorsGap(titleSize float64) int {
	descent := p.face(true, titleSize).Metrics().Descent.Round()
	return descent + authorGap + p.capHeight(false, authorSize)
}

func titleLeading(size float64) int {
	return int(size*titleLead + 0.5)
}

func (p *painter) capHeight(bold bool, size float64) int {
	return p.face(bold, size).Metrics().CapHeight.Round()
}

// draw paints the whole card onto img.
func (p *painter) draw(img *image.RGBA, c Card) {
	l := p.layout(c)
	fill(img, img.Bounds(), colBackground)
	card := image.Rect(cardInset, cardInset, Width-cardInset, Height-cardInset)
	roundRect(img, card, cardRadius, colLine)
	roundRect(img, card.Inset(border), cardRadius-border, colSurface)

	// Header: the site's mark and name on the left, the category on the right.
	drawLogo(img, margin, headerTop, logoSize)
	mid := headerTop + logoSize/2
	if l.site != "" {
		baseline := mid + p.capHeight(true, siteSize)/2
		p.text(img, l.site, margin+logoSize+16, baseline, true, siteSize, colMuted)
	}
	if l.category != "" {
		f := p.face(true, chipSize)
		w := width(f, l.category).Ceil()
		right := Width - margin
		chip := image.Rect(right-w-2*chipPad, mid-chipHeight/2, right, mid+chipHeight/2)
		roundRect(img, chip, chipHeight/2, colAccentSoft)
		baseline := mid + p.capHeight(true, chipSize)/2
		p.text(img, l.category, chip.Min.X+chipPad, baseline, true, chipSize, colAccentInk)
	}

	// Body: title, then authors.
	for i, line := range l.title {
		y := l.titleY + i*titleLeading(l.titleSize)
		p.text(img, line, margin, y, true, l.titleSize, colText)
	}
	for i, line := range l.authors {
		p.text(img, line, margin, l.authorsY+i*authorLead, false, authorSize, colMuted)
	}

	// Footer: a short accent rule, then the id and date.
	if l.footer != "" {
		y := footerBaseline - p.capHeight(false, footerSize)/2
		roundRect(img, image.Rect(margin, y-2, margin+ruleWidth, y+2), 2, colAccent)
		p.text(img, l.footer, margin+ruleWidth+14, footerBaseline, false, footerSize, colMuted)
	}
}

// text draws s with its baseline at y, starting at x.
func (p *painter) text(img *image.RGBA, s string, x, y int, bold bool, size float64, c color.RGBA) {
	d := font.Drawer{
		Dst:  img,
		Src:  image.NewUniform(c),
		Face: p.face(bold, size),
		Dot:  fixed.P(x, y),
	}
	d.DrawString(s)
}
