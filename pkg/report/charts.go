package report

import (
	"html/template"
	"math"
)

// Chart geometry, in SVG user units (1 unit = 1 CSS pixel at full width).
const (
	chartW   = 960.0
	fontPx   = 12.0
	smallPx  = 10.0
	barRowH  = 24.0
	barRow2H = 34.0 // a row with a second, smaller line under the label
)

// series is one band of a stacked area chart: a fraction per x.
type series struct {
	label, color string
	vals         []float64
}

// areaChart stacks the series over the x labels; the top edge is their
// sum. With one x it draws one stacked column instead, since an area needs
// two points.
func areaChart(aria string, xs []string, ss []series) template.HTML {
	const h, left, right, top, bottom = 320.0, 60.0, 16.0, 14.0, 44.0
	pw, ph := chartW-left-right, h-top-bottom
	n := len(xs)
	total := make([]float64, n)
	for _, s := range ss {
		for i, v := range s.vals {
			total[i] += v
		}
	}
	ymax := 0.0
	for _, v := range total {
		ymax = math.Max(ymax, v)
	}
	ymax = niceMax(ymax)
	svg := newSVG(chartW, h, aria)
	yOf := func(v float64) float64 { return top + ph - v/ymax*ph }
	dec := 0
	if ymax*100/5 < 1 {
		dec = 2
	} else if ymax*100/5 < 10 {
		dec = 1
	}
	for k := 0; k <= 5; k++ {
		v := ymax * float64(k) / 5
		y := yOf(v)
		svg.line(left, y, left+pw, y, "grid")
		svg.text(left-6, y+4, "end", "axis", "", pctText(v, dec))
	}
	xOf := func(i int) float64 {
		if n == 1 {
			return left + pw/2
		}
		return left + float64(i)*pw/float64(n-1)
	}
	cum := make([]float64, n)
	for _, s := range ss {
		tip := s.label
		if n == 1 {
			w := pw * 0.2
			svg.rect(xOf(0)-w/2, yOf(cum[0]+s.vals[0]), w, (s.vals[0])/ymax*ph, s.color, tip+": "+pctText(s.vals[0], 2))
			cum[0] += s.vals[0]
			continue
		}
		pts := make([]float64, 0, 4*n)
		for i := 0; i < n; i++ {
			pts = append(pts, xOf(i), yOf(cum[i]+s.vals[i]))
		}
		for i := n - 1; i >= 0; i-- {
			pts = append(pts, xOf(i), yOf(cum[i]))
		}
		svg.polygon(pts, s.color, tip)
		for i := range cum {
			cum[i] += s.vals[i]
		}
	}
	svg.line(left, top+ph, left+pw, top+ph, "axisline")
	step := (n + 7) / 8
	for i := 0; i < n; i += step {
		x := xOf(i)
		svg.line(x, top+ph, x, top+ph+4, "axisline")
		svg.text(x, top+ph+18, "middle", "axis", "", xs[i])
	}
	return svg.done()
}

// seg is one part of a bar.
type seg struct {
	v          float64
	color, tip string
}

// bar is one row of a horizontal bar chart: a label (and an optional
// second line), segments stacked left to right, and a text after the bar.
type bar struct {
	label, sub, right string
	segs              []seg
	sep               bool // a rule above the row: a new group starts
}

// barChart draws horizontal stacked bars scaled to max (the largest bar
// rounded up by niceMax when max <= 0), with a light axis at the quarters
// labelled by axis.
func barChart(aria string, bars []bar, max float64, axis func(float64) string) template.HTML {
	const top, bottom, rightW, gap = 6.0, 22.0, 170.0, 8.0
	rowH := barRowH
	labelW := 60.0
	for _, b := range bars {
		if b.sub != "" {
			rowH = barRow2H
		}
		labelW = math.Max(labelW, math.Max(textWidth(b.label, fontPx), textWidth(b.sub, smallPx)))
	}
	labelW = math.Min(labelW, 330)
	if max <= 0 {
		for _, b := range bars {
			t := 0.0
			for _, s := range b.segs {
				t += s.v
			}
			max = math.Max(max, t)
		}
		max = niceMax(max)
	}
	h := top + float64(len(bars))*rowH + bottom
	svg := newSVG(chartW, h, aria)
	x0 := labelW + gap
	bw := chartW - x0 - rightW
	for k := 0; k <= 4; k++ {
		x := x0 + bw*float64(k)/4
		svg.line(x, top, x, h-bottom, "grid")
		svg.text(x, h-bottom+14, "middle", "axis", "", axis(max*float64(k)/4))
	}
	for i, b := range bars {
		y := top + float64(i)*rowH
		mid := y + rowH/2
		if b.sep && i > 0 {
			svg.line(0, y, chartW-rightW/2, y, "sep")
		}
		if b.sub != "" {
			svg.text(labelW, mid-3, "end", "", "", b.label)
			svg.text(labelW, mid+10, "end", "sub", "", b.sub)
		} else {
			svg.text(labelW, mid+4, "end", "", "", b.label)
		}
		x := x0
		for _, s := range b.segs {
			w := s.v / max * bw
			svg.rect(x, y+4, w, rowH-8, s.color, s.tip)
			x += w
		}
		svg.text(x+6, mid+4, "start", "val", "", b.right)
	}
	return svg.done()
}

// heatChart draws a grid: rows × cols, each cell coloured by vals (a
// fraction of the largest value) with nums written inside when non-zero.
func heatChart(aria string, rows, cols []string, vals [][]float64, nums [][]int64, tips [][]string) template.HTML {
	labelW := 60.0
	for _, r := range rows {
		labelW = math.Max(labelW, textWidth(r, fontPx))
	}
	labelW = math.Min(labelW, 260)
	colHead := 20.0
	for _, c := range cols {
		colHead = math.Max(colHead, textWidth(c, smallPx)*0.72+14)
	}
	cellH := 22.0
	cellW := math.Min(58, (chartW-labelW-70)/float64(max(len(cols), 1)))
	w := labelW + 8 + cellW*float64(len(cols)) + 70 // room for the last rotated label
	h := colHead + cellH*float64(len(rows)) + 6
	vmax := 0.0
	for _, r := range vals {
		for _, v := range r {
			vmax = math.Max(vmax, v)
		}
	}
	if vmax <= 0 {
		vmax = 1
	}
	svg := newSVG(w, h, aria)
	x0 := labelW + 8
	for j, c := range cols {
		x, y := x0+cellW*float64(j)+cellW/2, colHead-6
		svg.text(x, y, "start", "sub", ` transform="rotate(-45 `+fnum(x)+` `+fnum(y)+`)"`, c)
	}
	for i, r := range rows {
		y := colHead + cellH*float64(i)
		svg.text(labelW, y+cellH/2+4, "end", "", "", r)
		for j := range cols {
			t := vals[i][j] / vmax
			x := x0 + cellW*float64(j)
			svg.rect(x+0.5, y+0.5, cellW-1, cellH-1, heatColor(t), tips[i][j])
			if nums[i][j] != 0 {
				class := "cell"
				if t > 0.55 {
					class = "cell inv"
				}
				svg.text(x+cellW/2, y+cellH/2+4, "middle", class, "", groupDigits(itoa(nums[i][j])))
			}
		}
	}
	return svg.done()
}
