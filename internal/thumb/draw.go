package thumb

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/vector"
)

// kappa places the control points of a cubic Bézier curve that draws a
// quarter circle.
const kappa = 0.5522847

// fill paints r with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// roundRect paints r with c, with its corners rounded to radius. Only the
// corners are rasterised, anti-aliased; the rest is filled, which is much
// faster for a shape as large as the card.
func roundRect(img *image.RGBA, r image.Rectangle, radius int, c color.RGBA) {
	radius = min(radius, r.Dx()/2, r.Dy()/2)
	if radius <= 0 {
		fill(img, r, c)
		return
	}
	fill(img, image.Rect(r.Min.X+radius, r.Min.Y, r.Max.X-radius, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y+radius, r.Min.X+radius, r.Max.Y-radius), c)
	fill(img, image.Rect(r.Max.X-radius, r.Min.Y+radius, r.Max.X, r.Max.Y-radius), c)

	z := vector.NewRasterizer(radius, radius)
	src := image.NewUniform(c)
	R := float32(radius)
	k := R * kappa
	for _, corner := range []struct {
		at     image.Point
		fx, fy bool // mirror the top-left corner's shape
	}{
		{r.Min, false, false},
		{image.Pt(r.Max.X-radius, r.Min.Y), true, false},
		{image.Pt(r.Min.X, r.Max.Y-radius), false, true},
		{image.Pt(r.Max.X-radius, r.Max.Y-radius), true, true},
	} {
		pt := func(x, y float32) (float32, float32) {
			if corner.fx {
				x = R - x
			}
			if corner.fy {
				y = R - y
			}
			return x, y
		}
		z.Reset(radius, radius)
		z.MoveTo(pt(R, R))
		z.LineTo(pt(0, R))
		x1, y1 := pt(0, R-k)
		x2, y2 := pt(R-k, 0)
		x3, y3 := pt(R, 0)
		z.CubeTo(x1, y1, x2, y2, x3, y3)
		z.ClosePath()
		z.Draw(img, image.Rectangle{corner.at, corner.at.Add(image.Pt(radius, radius))}, src, image.Point{})
	}
}

// drawLogo draws the site's mark (internal/web/static/favicon.svg: a white
// "P" on an accent square with rounded corners) size pixels square with
// its top-left corner at x, y.
func drawLogo(img *image.RGBA, x, y, size int) {
	s := float32(size) / 32 // the SVG's viewBox is 32 units square
	roundRect(img, image.Rect(x, y, x+size, y+size), int(8*s+0.5), colAccent)

	z := vector.NewRasterizer(size, size)
	// M9 8h9a7 7 0 0 1 0 14h-4v3H9z: a bowl of radius 7 on a stem.
	bowl(z, s, 9, 8, 18, 7, [][2]float32{{14, 22}, {14, 25}, {9, 25}})
	z.Draw(img, image.Rect(x, y, x+size, y+size), image.NewUniform(colSurface), image.Point{})
	// M14 12h4a3 3 0 0 1 0 6h-4z: the counter, of radius 3.
	z.Reset(size, size)
	bowl(z, s, 14, 12, 18, 3, [][2]float32{{14, 18}})
	z.Draw(img, image.Rect(x, y, x+size, y+size), image.NewUniform(colAccent), image.Point{})
}

// bowl adds a closed path, scaled by s: from (x0, y0) right to (cx, y0),
// round a half circle of radius rad to (cx, y0+2*rad), then through the
// points given and back.
func bowl(z *vector.Rasterizer, s, x0, y0, cx, rad float32, then [][2]float32) {
	k := rad * kappa
	cy := y0 + rad
	z.MoveTo(x0*s, y0*s)
	z.LineTo(cx*s, y0*s)
	z.CubeTo((cx+k)*s, y0*s, (cx+rad)*s, (cy-k)*s, (cx+rad)*s, cy*s)
	z.CubeTo((cx+rad)*s, (cy+k)*s, (cx+k)*s, (cy+rad)*s, cx*s, (cy+rad)*s)
	for _, p := range then {
		z.LineTo(p[0]*s, p[1]*s)
	}
	z.ClosePath()
}
