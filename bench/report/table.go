package report

import (
	"fmt"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
)

// WriteNotes prints each note on a line of its own after prefix.
func WriteNotes(b *strings.Builder, prefix string, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(b, "%s%s\n", prefix, n)
	}
}

// RunsText says how many runs there were.
func RunsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs interleaved", n)
}

// WriteHostAndApp prints the lines under a table's title: the machine and
// the app.
func (r *Base) WriteHostAndApp(b *strings.Builder) {
	fmt.Fprintf(b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	if r.App.ProgramSize != nil {
		fmt.Fprintf(b, "app line: %q; the program as given: %s\n\n", r.App.Line, MetricText(*r.App.ProgramSize, "bytes"))
		return
	}
	fmt.Fprintf(b, "app line: %q; plain go build: %s\n\n", r.App.Line, MetricText(r.App.GoBuildSize, "bytes"))
}

// WriteHow prints how a subject ran and the files it is made of.
func WriteHow(b *strings.Builder, label, how string, parts []harness.Part) {
	if how != "" {
		fmt.Fprintf(b, "%s: %s\n", label, how)
	}
	for _, p := range parts {
		fmt.Fprintf(b, "  %s: %s\n", p.Name, HumanBytes(float64(p.Bytes)))
	}
}

// Footnotes collects the reasons of n/a cells: each distinct reason once,
// numbered, printed below the table.
type Footnotes struct{ notes []string }

// Cell formats m for a table: its value, or "n/a [N]" with N the
// footnote holding its reason.
func (f *Footnotes) Cell(m measure.Metric, format string) string {
	if m.OK() {
		return MetricText(m, format)
	}
	for i, n := range f.notes {
		if n == m.NA {
			return fmt.Sprintf("n/a [%d]", i+1)
		}
	}
	f.notes = append(f.notes, m.NA)
	return fmt.Sprintf("n/a [%d]", len(f.notes))
}

// Write prints the footnotes.
func (f *Footnotes) Write(b *strings.Builder) {
	if len(f.notes) > 0 {
		b.WriteString("\n")
		for i, n := range f.notes {
			fmt.Fprintf(b, "[%d] %s\n", i+1, strings.TrimPrefix(n, "n/a: "))
		}
	}
}

// MetricText formats a metric's value (with its range, when it has
// samples). The format "bytes" prints sizes in B, KiB or MiB, "s" seconds
// in µs, ms or s, "yes/no" a boolean.
func MetricText(m measure.Metric, format string) string {
	if !m.OK() {
		return m.NA
	}
	f := func(v float64) string {
		switch format {
		case "bytes":
			return HumanBytes(v)
		case "s":
			return DurationText(v)
		case "yes/no":
			if v != 0 {
				return "yes"
			}
			return "no"
		}
		return fmt.Sprintf(format, v)
	}
	s := f(*m.Value)
	if m.Min != nil && m.Max != nil && len(m.Samples) > 1 {
		lo, hi := f(*m.Min), f(*m.Max)
		unit := ""
		if i := strings.IndexByte(hi, ' '); i > 0 { // "1.2 s": print the unit once
			unit, lo, hi = hi[i:], strings.TrimSuffix(lo, hi[i:]), hi[:i]
		}
		s += fmt.Sprintf(" (%s–%s%s)", lo, hi, unit)
	}
	return s
}

// DurationText prints seconds with about three significant digits, in
// µs, ms or s.
func DurationText(v float64) string {
	switch {
	case v >= 10:
		return fmt.Sprintf("%.1f s", v)
	case v >= 1:
		return fmt.Sprintf("%.2f s", v)
	case v >= 0.1:
		return fmt.Sprintf("%.0f ms", v*1e3)
	case v >= 0.01:
		return fmt.Sprintf("%.1f ms", v*1e3)
	case v >= 0.001:
		return fmt.Sprintf("%.2f ms", v*1e3)
	}
	return fmt.Sprintf("%.0f µs", v*1e6)
}

// RatioText prints a ratio with about three significant digits.
func RatioText(q float64) string {
	switch {
	case q >= 100:
		return fmt.Sprintf("%.0f×", q)
	case q >= 10:
		return fmt.Sprintf("%.1f×", q)
	case q >= 0.1:
		return fmt.Sprintf("%.2f×", q)
	}
	return fmt.Sprintf("%.2g×", q)
}

// HumanBytes prints a size in B, KiB or MiB.
func HumanBytes(v float64) string {
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

// WriteRows prints rows as left-aligned columns.
func WriteRows(b *strings.Builder, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+3))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
