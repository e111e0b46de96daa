package thumb

import (
	"image"
	"image/color"
	"image/png"
	"io"
)

// encode writes img as a PNG of 8-bit palette indexes.
//
// A card has only a few colours, plus the anti-aliased edges between them,
// so a palette loses nothing visible and makes a file well under half the
// size, which also compresses faster (a quarter of the bytes to deflate,
// and no filtering): at BestSpeed 3.4 ms with the palette mapping against
// 13.9 ms for RGBA, and 37 KB against 92 KB (BenchmarkRenderParts, figures
// in BENCHMARKS.md, "Thumbnails").
func encode(w io.Writer, img *image.RGBA) error {
	e := png.Encoder{CompressionLevel: png.BestSpeed}
	return e.Encode(w, toPaletted(img))
}

// blends are the pairs of colours that meet on a card, foreground first;
// anti-aliasing mixes each pair.
var blends = [][2]color.RGBA{
	{colText, colSurface},         // title
	{colMuted, colSurface},        // site, authors, footer
	{colAccentInk, colAccentSoft}, // category
	{colAccentSoft, colSurface},   // the category chip's edge
	{colAccent, colSurface},       // the logo and the footer's rule
	{colLine, colBackground},      // the card's outer edge
	{colSurface, colLine},         // the card's inner edge
}

// mixes is how many mixes of each pair are in the palette, besides the
// two colours themselves: 32 levels of coverage, more than the eye tells
// apart on a text edge.
const mixes = 30

// palette holds the card's colours first, then their mixes.
var palette = func() []color.RGBA {
	var p []color.RGBA
	seen := map[color.RGBA]bool{}
	add := func(c color.RGBA) {
		if !seen[c] {
			seen[c] = true
			p = append(p, c)
		}
	}
	for _, b := range blends {
		add(b[0])
		add(b[1])
	}
	for _, b := range blends {
		for i := 1; i <= mixes; i++ {
			t := float64(i) / (mixes + 1)
			mix := func(fg, bg uint8) uint8 { return uint8(float64(fg)*t + float64(bg)*(1-t) + 0.5) }
			add(color.RGBA{mix(b[0].R, b[1].R), mix(b[0].G, b[1].G), mix(b[0].B, b[1].B), 0xff})
		}
	}
	if len(p) > 256 {
		panic("thumb: palette too large")
	}
	return p
}()

// colorPalette is palette as the image package wants it.
var colorPalette = func() color.Palette {
	p := make(color.Palette, len(palette))
	for i, c := range palette {
		p[i] = c
	}
	return p
}()

// toPaletted maps each pixel of img, which is opaque, to the nearest
// colour of the palette. The card's colours themselves map exactly.
func toPaletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, colorPalette)
	// A card has a few thousand distinct colours, most of them in long
	// runs, so each is looked up once and a run costs one comparison.
	cache := make(map[uint32]uint8, 4096)
	last, lastIndex := uint32(1<<31), uint8(0) // no RGB colour is 1<<31
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		orow := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
		for x := range orow {
			px := row[4*x : 4*x+3 : 4*x+3]
			key := uint32(px[0])<<16 | uint32(px[1])<<8 | uint32(px[2])
			if key != last {
				i, ok := cache[key]
				if !ok {
					i = nearest(px[0], px[1], px[2])
					cache[key] = i
				}
				last, lastIndex = key, i
			}
			orow[x] = lastIndex
		}
	}
	return out
}

// nearest returns the index of the palette's colour closest to r, g, b,
// the first such on a tie.
func nearest(r, g, b uint8) uint8 {
	best, bestD := 0, 1<<30
	for i, c := range palette {
		dr, dg, db := int(c.R)-int(r), int(c.G)-int(g), int(c.B)-int(b)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return uint8(best)
}
