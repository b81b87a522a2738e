package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteTable prints the report as a table for people: one column per
// subject, medians with min–max, and ratios against the floor and Linux.
// Reasons for n/a cells are footnotes below the table.
func (r *BootReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench boot: %s on QEMU %s (%s, -cpu %s), -m %dM, %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, runsText(r.Config.Runs))
	r.writeHostAndApp(&b)

	var fn footnotes
	cell := fn.cell
	var floor, linux *SubjectResult
	for _, s := range r.Subjects {
		switch s.Key {
		case Floor:
			floor = s
		case Linux:
			linux = s
		}
	}

	rows := [][]string{{""}}
	for _, s := range r.Subjects {
		rows[0] = append(rows[0], s.Label)
	}
	type metricRow struct {
		name   string
		get    func(*SubjectResult) Metric
		format string
		minus  bool // add a "minus floor" row
	}
	metrics := []metricRow{
		{"to first line", func(s *SubjectResult) Metric { return s.FirstLine }, "%.3f s", true},
		{"to QEMU exit", func(s *SubjectResult) Metric { return s.Exit }, "%.3f s", true},
		{"image size", func(s *SubjectResult) Metric { return s.ImageBytes }, "bytes", false},
		{"least memory", func(s *SubjectResult) Metric { return s.MinMemoryMiB }, "%.0f MiB", false},
		{fmt.Sprintf("idle CPU over %gs", r.Config.IdleDuration), func(s *SubjectResult) Metric { return s.IdleCPU }, "%.3f s", false},
	}
	for _, mr := range metrics {
		row := []string{mr.name}
		vsFloor := []string{"  vs floor"}
		vsLinux := []string{"  vs Linux"}
		minus := []string{"  minus floor"}
		anyFloor, anyLinux := false, false
		for _, s := range r.Subjects {
			m := mr.get(s)
			row = append(row, cell(m, mr.format))
			vf, vl, mf := "", "", ""
			if floor != nil && s != floor {
				if q, ok := ratio(m, mr.get(floor)); ok {
					vf, anyFloor = ratioText(q), true
					if mr.minus {
						mf = fmt.Sprintf("%+.3f s", *m.Value-*mr.get(floor).Value)
					}
				}
			}
			if linux != nil && s != linux && s != floor {
				if q, ok := ratio(m, mr.get(linux)); ok {
					vl, anyLinux = ratioText(q), true
				}
			}
			vsFloor, vsLinux, minus = append(vsFloor, vf), append(vsLinux, vl), append(minus, mf)
		}
		rows = append(rows, row)
		if anyFloor {
			rows = append(rows, vsFloor)
			if mr.minus {
				rows = append(rows, minus)
			}
		}
		if anyLinux {
			rows = append(rows, vsLinux)
		}
	}
	writeRows(&b, rows)

	fn.write(&b)
	b.WriteString("\n")
	for _, s := range r.Subjects {
		writeHow(&b, s.Label, s.Boots, s.Parts)
		if len(s.Ended) > 0 {
			var ends []string
			for how, n := range s.Ended {
				ends = append(ends, fmt.Sprintf("%s ×%d", how, n))
			}
			slices.Sort(ends)
			fmt.Fprintf(&b, "  timed boots ended: %s\n", strings.Join(ends, ", "))
		}
		for _, m := range []Metric{s.Exit, s.MinMemoryMiB, s.IdleCPU} {
			if m.Note != "" {
				fmt.Fprintf(&b, "  %s\n", m.Note)
			}
		}
		writeNotes(&b, "  ", s.Notes)
	}
	writeNotes(&b, "note: ", r.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeNotes(b *strings.Builder, prefix string, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(b, "%s%s\n", prefix, n)
	}
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs interleaved", n)
}

// writeHostAndApp prints the lines under a table's title: the machine and
// the app.
func (r *reportBase) writeHostAndApp(b *strings.Builder) {
	fmt.Fprintf(b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	fmt.Fprintf(b, "app line: %q; plain go build: %s\n\n", r.App.Line, metricText(r.App.GoBuildSize, "bytes"))
}

// writeHow prints how a subject ran and the files it is made of.
func writeHow(b *strings.Builder, label, how string, parts []part) {
	if how != "" {
		fmt.Fprintf(b, "%s: %s\n", label, how)
	}
	for _, p := range parts {
		fmt.Fprintf(b, "  %s: %s\n", p.Name, humanBytes(float64(p.Bytes)))
	}
}

// footnotes collects the reasons of n/a cells: each distinct reason once,
// numbered, printed below the table.
type footnotes struct{ notes []string }

// cell formats m for a table: its value, or "n/a [N]" with N the
// footnote holding its reason.
func (f *footnotes) cell(m Metric, format string) string {
	if m.OK() {
		return metricText(m, format)
	}
	for i, n := range f.notes {
		if n == m.NA {
			return fmt.Sprintf("n/a [%d]", i+1)
		}
	}
	f.notes = append(f.notes, m.NA)
	return fmt.Sprintf("n/a [%d]", len(f.notes))
}

func (f *footnotes) write(b *strings.Builder) {
	if len(f.notes) > 0 {
		b.WriteString("\n")
		for i, n := range f.notes {
			fmt.Fprintf(b, "[%d] %s\n", i+1, strings.TrimPrefix(n, "n/a: "))
		}
	}
}

// metricText formats a metric's value (with its range, when it has
// samples). The format "bytes" prints sizes in B, KiB or MiB, "s" seconds
// in µs, ms or s, "yes/no" a boolean.
func metricText(m Metric, format string) string {
	if !m.OK() {
		return m.NA
	}
	f := func(v float64) string {
		switch format {
		case "bytes":
			return humanBytes(v)
		case "s":
			return durationText(v)
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

// durationText prints seconds with about three significant digits, in
// µs, ms or s.
func durationText(v float64) string {
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

// ratioText prints a ratio with about three significant digits.
func ratioText(q float64) string {
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

func humanBytes(v float64) string {
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

// writeRows prints rows as left-aligned columns.
func writeRows(b *strings.Builder, rows [][]string) {
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
