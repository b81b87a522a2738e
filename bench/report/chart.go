package report

import (
	"fmt"
	"html"
	"math"
	"strings"

	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/internal/atomicfile"
)

// A Chart is one panel per measured quantity, one bar per subject in each
// (median, with a whisker from min to max), on a log scale where the
// values span more than a factor of 20. It is plain SVG written here, so it
// needs nothing installed.
type Chart struct {
	Title    string   // the first line
	Subtitle string   // the line under it: the machine and the runs
	Hint     string   // at the right of the legend: how to read the bars
	Footer   string   // the last line: how it was made
	Series   []Series // the subjects, in the order of every panel's bars
	Panels   []Panel
}

// Series is one subject of a chart.
type Series struct {
	Label string // in the legend
	Short string // beside its bars
	Color string
	Bold  bool // the subject the chart is about
}

// Panel is one quantity of a chart.
type Panel struct {
	Title  string
	Format string           // MetricText's; "bytes" is drawn in MiB, "yes/no" as words
	Better string           // "lower" or "higher"
	Values []measure.Metric // one per series
}

const (
	chartW      = 980
	chartMargin = 24
	panelGap    = 28
	panelW      = (chartW - 2*chartMargin - panelGap) / 2
	labelW      = 118
	valueW      = 92
	barH        = 18
	barGap      = 8
	panelTitleH = 34
)

// Write writes the chart's SVG to path.
func (c *Chart) Write(path string) error {
	return atomicfile.Write(path, []byte(c.SVG()), 0o644)
}

// SVG returns the chart as SVG.
func (c *Chart) SVG() string {
	n := len(c.Series)
	panelH := panelTitleH + n*(barH+barGap) + 8
	top := 112
	height := top + (len(c.Panels)+1)/2*(panelH+panelGap) + 30

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Verdana, Helvetica, Arial, sans-serif">`+"\n", chartW, height, chartW, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, height)
	fmt.Fprintf(&b, `<text x="%d" y="34" font-size="21" font-weight="bold" fill="#222">%s</text>`+"\n", chartMargin, esc(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="56" font-size="12.5" fill="#555">%s</text>`+"\n", chartMargin, esc(c.Subtitle))

	// Legend.
	x := chartMargin
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="72" width="14" height="14" rx="2" fill="%s"/>`, x, s.Color)
		fmt.Fprintf(&b, `<text x="%d" y="84" font-size="13" font-weight="%s" fill="#222">%s</text>`+"\n", x+20, s.weight(), esc(s.Label))
		x += 20 + textWidth(s.Label, 13) + 26
	}
	fmt.Fprintf(&b, `<text x="%d" y="84" font-size="12" fill="#777" text-anchor="end">%s</text>`+"\n", chartW-chartMargin, esc(c.Hint))

	for i, p := range c.Panels {
		px := chartMargin + (i%2)*(panelW+panelGap)
		py := top + (i/2)*(panelH+panelGap)
		c.panel(&b, p, px, py, panelH)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#888">%s</text>`+"\n", chartMargin, height-12, esc(c.Footer))
	b.WriteString("</svg>\n")
	return b.String()
}

func (s Series) weight() string {
	if s.Bold {
		return "bold"
	}
	return "normal"
}

// panel draws one quantity.
func (c *Chart) panel(b *strings.Builder, p Panel, px, py, ph int) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="#f7f7f5" stroke="#e2e2de"/>`+"\n", px, py, panelW, ph)
	values, format := p.Values, p.Format
	if format == "bytes" { // drawn in MiB, so that the ticks fall on 1, 10, 100 MiB
		values = nil
		for _, m := range p.Values {
			values = append(values, m.Scaled(1.0/(1<<20)))
		}
		format = "%.1f MiB"
	}
	var vals []float64
	for _, m := range values {
		if m.OK() {
			vals = append(vals, *m.Value)
			if m.Min != nil && m.Max != nil {
				vals = append(vals, *m.Min, *m.Max)
			}
		}
	}
	sc := newScale(vals, format)
	hint := p.Better + " is better"
	if sc.log {
		hint += " · log scale"
	}
	if p.Format == "yes/no" {
		hint = "no is better"
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" font-weight="bold" fill="#222">%s</text>`, px+12, py+22, esc(p.Title))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#777" text-anchor="end">%s</text>`+"\n", px+panelW-12, py+22, esc(hint))

	barX := px + labelW
	barW := panelW - labelW - valueW
	y0 := py + panelTitleH
	yEnd := y0 + len(c.Series)*(barH+barGap) - barGap
	if p.Format != "yes/no" {
		for _, t := range sc.ticks(format) {
			x := float64(barX) + sc.pos(t)*float64(barW)
			fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dcdcd6" stroke-width="1"/>`, x, y0-4, x, yEnd+2)
			fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="9.5" fill="#999" text-anchor="middle">%s</text>`+"\n", x, yEnd+12, esc(tickText(t, format)))
		}
	}
	for j, s := range c.Series {
		y := y0 + j*(barH+barGap)
		weight := s.weight()
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12.5" font-weight="%s" fill="#333">%s</text>`, px+12, y+13, weight, esc(s.Short))
		m := values[j]
		if !m.OK() {
			reason := strings.TrimPrefix(strings.TrimPrefix(m.NA, "n/a: "), "n/a:")
			text := truncate("n/a: "+reason, (panelW-labelW-14)/6)
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f7f7f5"/>`, barX, y, textWidth(text, 11)+4, barH)
			fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" font-style="italic" fill="#999">%s</text>`+"\n", barX+2, y+13, esc(text))
			continue
		}
		if p.Format == "yes/no" {
			text, fill := "no", "#2a9d4b"
			if *m.Value != 0 {
				text, fill = "yes", "#c0392b"
			}
			fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="bold" fill="%s">%s</text>`, barX+2, y+13, fill, text)
			fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#777">%s</text>`+"\n", barX+34, y+13, esc(truncate(m.Note, (panelW-labelW-50)/6)))
			continue
		}
		w := sc.pos(*m.Value) * float64(barW)
		if w < 2 {
			w = 2
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%d" rx="2" fill="%s"/>`, barX, y, w, barH, s.Color)
		end := float64(barX) + w
		if m.Min != nil && m.Max != nil && len(m.Samples) > 1 && *m.Max > *m.Min {
			x1 := float64(barX) + sc.pos(*m.Min)*float64(barW)
			x2 := float64(barX) + sc.pos(*m.Max)*float64(barW)
			cy := float64(y) + barH/2.0
			fmt.Fprintf(b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" stroke="#222" stroke-width="1.2" fill="none"/>`,
				x1, cy, x2, x1, cy-4, cy+4, x2, cy-4, cy+4)
			end = math.Max(end, x2)
		}
		label := MetricText(measure.Metric{Value: m.Value}, format)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="12" font-weight="%s" fill="#222">%s</text>`+"\n", end+6, y+13, weight, esc(label))
	}
}

// scale maps values to [0, 1] of a bar's length.
type scale struct {
	log    bool
	lo, hi float64
}

func newScale(vals []float64, format string) scale {
	if len(vals) == 0 {
		return scale{lo: 0, hi: 1}
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo > 0 && hi/lo >= 20 && format != "yes/no" {
		l := math.Pow(10, math.Floor(math.Log10(lo)))
		if lo/l < 2 {
			l /= 10 // keep the shortest bar visible
		}
		return scale{log: true, lo: l, hi: math.Pow(10, math.Ceil(math.Log10(hi)))}
	}
	if hi <= 0 {
		return scale{lo: 0, hi: 1}
	}
	if format == "%.0f" && hi <= 4 {
		return scale{lo: 0, hi: math.Ceil(hi*1.05) + 1}
	}
	return scale{lo: 0, hi: niceCeil(hi * 1.05)}
}

func (s scale) pos(v float64) float64 {
	var p float64
	if s.log {
		p = (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	} else {
		p = (v - s.lo) / (s.hi - s.lo)
	}
	return math.Max(0, math.Min(1, p))
}

func (s scale) ticks(format string) []float64 {
	var t []float64
	if s.log {
		for v := s.lo; v <= s.hi*1.0001; v *= 10 {
			t = append(t, v)
		}
		return t
	}
	step := niceStep((s.hi - s.lo) / 5)
	if format == "%.0f" { // counts: whole ticks
		step = math.Max(1, step)
	}
	for v := s.lo; v <= s.hi*1.0001; v += step {
		t = append(t, v)
	}
	return t
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5} {
		if f*p >= v*0.999 {
			return f * p
		}
	}
	return 10 * p
}

func tickText(v float64, format string) string {
	switch {
	case format == "bytes":
		switch {
		case v >= 1<<30:
			return trimZeros(v/(1<<30)) + " GiB"
		case v >= 1<<20:
			return trimZeros(v/(1<<20)) + " MiB"
		case v >= 1<<10:
			return trimZeros(v/(1<<10)) + " KiB"
		}
		return trimZeros(v) + " B"
	case format == "s":
		switch {
		case v >= 1:
			return trimZeros(v) + " s"
		case v >= 1e-3:
			return trimZeros(v*1e3) + " ms"
		}
		return trimZeros(v*1e6) + " µs"
	case strings.HasSuffix(format, " ms"):
		return trimZeros(v) + " ms"
	case strings.HasSuffix(format, " MiB"):
		return trimZeros(v) + " MiB"
	}
	return trimZeros(v)
}

func trimZeros(v float64) string {
	s := fmt.Sprintf("%.4g", v)
	if strings.ContainsAny(s, "e") {
		s = fmt.Sprintf("%.0f", v)
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// textWidth estimates the width of text in a sans-serif font of size px.
func textWidth(s string, px float64) int {
	return int(float64(len([]rune(s))) * px * 0.58)
}

func esc(s string) string { return html.EscapeString(s) }
