package manifest

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var updateIcons = flag.Bool("update-icons", false, "redraw assets/color.png and assets/outline.png")

// The mark is drawn in a unit "design space": a speech bubble filling
// [0,1]x[0,1] (body plus tail) with a "D" inside it.

func inBubble(x, y float64) bool {
	return inRoundRect(x, y, 0, 0, 1, 0.78, 0.2) ||
		inTriangle(x, y, 0.16, 0.70, 0.42, 0.70, 0.10, 0.98)
}

func inD(x, y float64) bool {
	const (
		x0, yt, yb, ym = 0.31, 0.17, 0.61, 0.39
		r, xc, t       = 0.22, 0.45, 0.1
	)
	bowl := func(x, y, x0, yt, yb, r float64) bool {
		if x < x0 {
			return false
		}
		if x <= xc {
			return y >= yt && y <= yb
		}
		return math.Hypot(x-xc, y-ym) <= r
	}
	return bowl(x, y, x0, yt, yb, r) && !bowl(x, y, x0+t, yt+t, yb-t, r-t)
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func inTriangle(x, y, ax, ay, bx, by, cx, cy float64) bool {
	side := func(px, py, qx, qy float64) float64 { return (x-qx)*(py-qy) - (px-qx)*(y-qy) }
	d1, d2, d3 := side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// render supersamples paint (which returns a colour for a design-space
// point) over a size x size canvas, the design square scaled to scale
// pixels and centred.
func render(size int, scale float64, paint func(x, y float64) color.NRGBA) *image.NRGBA {
	const n = 4 // samples per axis
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	off := (float64(size) - scale) / 2
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/n - off) / scale
					y := (float64(py) + (float64(sy)+0.5)/n - off) / scale
					c := paint(x, y)
					ca := float64(c.A) / 255
					r += float64(c.R) * ca
					g += float64(c.G) * ca
					b += float64(c.B) * ca
					a += ca
				}
			}
			var out color.NRGBA
			if a > 0 {
				out = color.NRGBA{
					R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
					A: uint8(math.Round(a / (n * n) * 255)),
				}
			}
			img.SetNRGBA(px, py, out)
		}
	}
	return img
}

func accent(t testing.TB) color.NRGBA {
	t.Helper()
	v, err := strconv.ParseUint(DefaultAccentColor[1:], 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

var white = color.NRGBA{R: 255, G: 255, B: 255, A: 255}

func drawColorIcon(t testing.TB) *image.NRGBA {
	bg := accent(t)
	return render(192, 120, func(x, y float64) color.NRGBA {
		if inBubble(x, y) && !inD(x, y) {
			return white
		}
		return bg
	})
}

// drawOutlineIcon paints only white: the bubble, with the D cut out as
// transparency. Transparent pixels are white with alpha 0 too, so no
// validator can see another colour.
func drawOutlineIcon(testing.TB) *image.NRGBA {
	img := render(32, 30, func(x, y float64) color.NRGBA {
		if inBubble(x, y) && !inD(x, y) {
			return white
		}
		return color.NRGBA{}
	})
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 255, 255, 255
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodePNG(t *testing.T, name string, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func TestIcons(t *testing.T) {
	drawn := map[string]*image.NRGBA{FileColor: drawColorIcon(t), FileOutline: drawOutlineIcon(t)}
	if *updateIcons {
		for name, img := range drawn {
			if err := os.WriteFile(filepath.Join("assets", name), encodePNG(t, img), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("icons redrawn; run the tests again so the embedded copies are checked")
	}

	tests := []struct {
		name string
		size int
	}{
		{FileColor, 192},
		{FileOutline, 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			onDisk, err := os.ReadFile(filepath.Join("assets", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			embedded, err := assets.ReadFile("assets/" + tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !*updateIcons && !bytes.Equal(onDisk, embedded) {
				t.Fatalf("embedded %s differs from assets/%s", tc.name, tc.name)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(onDisk))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tc.size || cfg.Height != tc.size {
				t.Fatalf("%s is %dx%d, want %dx%d", tc.name, cfg.Width, cfg.Height, tc.size, tc.size)
			}
			img := decodePNG(t, tc.name, onDisk)
			// Compare with the drawing code, allowing a little float
			// rounding difference between CPUs.
			want := drawn[tc.name]
			for y := 0; y < tc.size; y++ {
				for x := 0; x < tc.size; x++ {
					got := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
					w := want.NRGBAAt(x, y)
					if got.A == 0 && w.A == 0 {
						continue
					}
					if diff(got.R, w.R) > 2 || diff(got.G, w.G) > 2 || diff(got.B, w.B) > 2 || diff(got.A, w.A) > 2 {
						t.Fatalf("%s pixel (%d,%d) = %v, drawing code gives %v; run go generate ./manifest", tc.name, x, y, got, w)
					}
				}
			}
		})
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestIconColours checks what Teams' validation checks: the outline icon
// is white on transparent only; the colour icon is opaque and not blank.
func TestIconColours(t *testing.T) {
	outline := decodePNG(t, FileOutline, mustAsset(t, "assets/outline.png"))
	var whiteOpaque, transparent int
	b := outline.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(outline.At(x, y)).(color.NRGBA)
			switch {
			case c.A == 0:
				transparent++
			case c.R == 255 && c.G == 255 && c.B == 255:
				if c.A == 255 {
					whiteOpaque++
				}
			default:
				t.Fatalf("outline.png pixel (%d,%d) = %v: only white or transparent allowed", x, y, c)
			}
		}
	}
	if whiteOpaque < 100 || transparent < 100 {
		t.Fatalf("outline.png looks blank: %d opaque white, %d transparent pixels", whiteOpaque, transparent)
	}

	colour := decodePNG(t, FileColor, mustAsset(t, "assets/color.png"))
	var whiteCount int
	b = colour.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(colour.At(x, y)).(color.NRGBA)
			if c.A != 255 {
				t.Fatalf("color.png pixel (%d,%d) is not opaque: %v", x, y, c)
			}
			if c == white {
				whiteCount++
			}
		}
	}
	if whiteCount < 192*192/10 {
		t.Fatalf("color.png has only %d white pixels; the mark is missing", whiteCount)
	}
}

func mustAsset(t *testing.T, name string) []byte {
	t.Helper()
	data, err := assets.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
