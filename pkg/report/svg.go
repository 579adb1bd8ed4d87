package report

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The charts of the HTML report are SVG written here, in Go, rather than
// drawn by a JavaScript library: the report must open offline, print the
// same as it shows, and be byte-identical for the same input, and five
// chart types do not justify vendoring a library into the binary.

// causeColors are the cause colours in catalogue order (Tableau 10/20
// hues, chosen so neighbours in the catalogue differ); unknown is grey.
// Every chart uses the same colour for the same cause.
var causeColors = []string{
	"#4e79a7", "#e15759", "#f28e2b", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
	"#ff9da7", "#9c755f", "#499894", "#a0cbe8", "#d37295", "#8cd17d", "#b6992d",
}

const unknownColor = "#bab0ac"

// svgDoc accumulates one chart. Every text it writes is escaped, since the
// result goes into the page as template.HTML, past html/template.
type svgDoc struct {
	b    strings.Builder
	w, h float64
}

// newSVG starts a chart of w×h user units that scales to the page width.
// The class "chart" marks it for the browser test and the print styles.
func newSVG(w, h float64, label string) *svgDoc {
	s := &svgDoc{w: w, h: h}
	s.b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	s.b.WriteString(fnum(w) + " " + fnum(h))
	s.b.WriteString(`" width="` + fnum(w) + `" role="img" aria-label="` + esc(label) + `">`)
	return s
}

func (s *svgDoc) done() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String())
}

// rect draws a rectangle; tip, when set, shows on hover.
func (s *svgDoc) rect(x, y, w, h float64, fill, tip string) {
	if w <= 0 || h <= 0 {
		return
	}
	s.b.WriteString(`<rect x="` + fnum(x) + `" y="` + fnum(y) + `" width="` + fnum(w) + `" height="` + fnum(h) + `" fill="` + fill + `"`)
	if tip == "" {
		s.b.WriteString("/>")
		return
	}
	s.b.WriteString("><title>" + esc(tip) + "</title></rect>")
}

// text writes a text element; anchor is start, middle or end, class one
// of the chart CSS classes ("" for none), extra raw attributes (already
// safe: numbers and fixed words only).
func (s *svgDoc) text(x, y float64, anchor, class, extra, t string) {
	s.b.WriteString(`<text x="` + fnum(x) + `" y="` + fnum(y) + `"`)
	if anchor != "" && anchor != "start" {
		s.b.WriteString(` text-anchor="` + anchor + `"`)
	}
	if class != "" {
		s.b.WriteString(` class="` + class + `"`)
	}
	s.b.WriteString(extra + ">" + esc(t) + "</text>")
}

func (s *svgDoc) line(x1, y1, x2, y2 float64, class string) {
	s.b.WriteString(`<line x1="` + fnum(x1) + `" y1="` + fnum(y1) + `" x2="` + fnum(x2) + `" y2="` + fnum(y2) + `" class="` + class + `"/>`)
}

// polygon fills the closed path through pts (x0 y0 x1 y1 ...).
func (s *svgDoc) polygon(pts []float64, fill, tip string) {
	s.b.WriteString(`<polygon points="`)
	for i := 0; i+1 < len(pts); i += 2 {
		if i > 0 {
			s.b.WriteByte(' ')
		}
		s.b.WriteString(fnum(pts[i]) + "," + fnum(pts[i+1]))
	}
	s.b.WriteString(`" fill="` + fill + `"`)
	if tip == "" {
		s.b.WriteString("/>")
		return
	}
	s.b.WriteString("><title>" + esc(tip) + "</title></polygon>")
}

// fnum formats a coordinate with at most one decimal: enough on screen
// and in print, and the same text on every platform.
func fnum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

func esc(s string) string { return html.EscapeString(printable(s)) }

// textWidth estimates the width of s in user units at font size px: a
// narrow character takes up to about 0.62 em in the usual sans-serif
// fonts, a wide (CJK) one 1 em; overestimating only wastes a little room.
func textWidth(s string, px float64) float64 {
	return float64(DisplayWidth(s)) * px * 0.6
}

// clip shortens s to at most cols display columns, ending it with "…".
func clip(s string, cols int) string {
	if DisplayWidth(s) <= cols {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := DisplayWidth(string(r))
		if w+rw > cols-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// niceMax rounds v up to a round multiple of a power of ten (1, 1.2,
// 1.5, 2, 2.5, 3, 4, 5, 6, 8), for axis ends whose quarters and fifths
// read well; 0 gives 1 so an empty chart still has an axis.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// pctText formats a fraction as a percentage with the given decimals.
func pctText(v float64, dec int) string {
	return strconv.FormatFloat(v*100, 'f', dec, 64) + "%"
}

// heatColor blends from near-white to dark blue by t in [0,1].
func heatColor(t float64) string {
	t = math.Max(0, math.Min(1, t))
	lo := [3]float64{0xf4, 0xf8, 0xfb}
	hi := [3]float64{0x08, 0x30, 0x6b}
	var b strings.Builder
	b.WriteByte('#')
	for i := range lo {
		c := int(math.Round(lo[i] + (hi[i]-lo[i])*t))
		b.WriteString(strconv.FormatInt(int64(c)|0x100, 16)[1:])
	}
	return b.String()
}
