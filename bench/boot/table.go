package boot

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// WriteTable prints the report as a table for people: one column per
// subject, medians with min–max, and ratios against the floor and Linux,
// and of unigo --exec against the linked unigo image (the reference of an
// --exec program).
// Reasons for n/a cells are footnotes below the table.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench boot: %s on QEMU %s (%s, -cpu %s), -m %dM, %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, report.RunsText(r.Config.Runs))
	r.WriteHostAndApp(&b)

	var fn report.Footnotes
	cell := fn.Cell
	var floor, linux, linked *Subject
	for _, s := range r.Subjects {
		switch s.Key {
		case harness.Floor:
			floor = s
		case harness.Linux:
			linux = s
		case harness.Unigo:
			linked = s
		}
	}

	rows := [][]string{{""}}
	for _, s := range r.Subjects {
		rows[0] = append(rows[0], s.Label)
	}
	type metricRow struct {
		name   string
		get    func(*Subject) measure.Metric
		format string
		minus  bool // add a "minus floor" row
	}
	metrics := []metricRow{
		{"to first line", func(s *Subject) measure.Metric { return s.FirstLine }, "%.3f s", true},
		{"to QEMU exit", func(s *Subject) measure.Metric { return s.Exit }, "%.3f s", true},
		{"image size", func(s *Subject) measure.Metric { return s.ImageBytes }, "bytes", false},
		{"least memory", func(s *Subject) measure.Metric { return s.MinMemoryMiB }, "%.0f MiB", false},
		{fmt.Sprintf("idle CPU over %gs", r.Config.IdleDuration), func(s *Subject) measure.Metric { return s.IdleCPU }, "%.3f s", false},
	}
	for _, mr := range metrics {
		row := []string{mr.name}
		vsFloor := []string{"  vs floor"}
		vsLinux := []string{"  vs Linux"}
		minus := []string{"  minus floor"}
		vsLinked := []string{"  vs unigo linked"}
		anyFloor, anyLinux, anyLinked := false, false, false
		for _, s := range r.Subjects {
			m := mr.get(s)
			row = append(row, cell(m, mr.format))
			vf, vl, mf := "", "", ""
			if floor != nil && s != floor {
				if q, ok := measure.Ratio(m, mr.get(floor)); ok {
					vf, anyFloor = report.RatioText(q), true
					if mr.minus {
						mf = fmt.Sprintf("%+.3f s", *m.Value-*mr.get(floor).Value)
					}
				}
			}
			if linux != nil && s != linux && s != floor {
				if q, ok := measure.Ratio(m, mr.get(linux)); ok {
					vl, anyLinux = report.RatioText(q), true
				}
			}
			vk := ""
			if linked != nil && s.Key == harness.UnigoExec {
				if q, ok := measure.Ratio(m, mr.get(linked)); ok {
					vk, anyLinked = report.RatioText(q), true
				}
			}
			vsFloor, vsLinux, minus, vsLinked = append(vsFloor, vf), append(vsLinux, vl), append(minus, mf), append(vsLinked, vk)
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
		if anyLinked {
			rows = append(rows, vsLinked)
		}
	}
	report.WriteRows(&b, rows)

	fn.Write(&b)
	b.WriteString("\n")
	for _, s := range r.Subjects {
		report.WriteHow(&b, s.Label, s.Boots, s.Parts)
		if s.App != "" {
			if s.Boots == "" {
				fmt.Fprintf(&b, "%s:\n", s.Label)
			}
			fmt.Fprintf(&b, "  app %s, watched for %q\n", s.App, s.Line)
		}
		if len(s.Ended) > 0 {
			var ends []string
			for how, n := range s.Ended {
				ends = append(ends, fmt.Sprintf("%s ×%d", how, n))
			}
			slices.Sort(ends)
			fmt.Fprintf(&b, "  timed boots ended: %s\n", strings.Join(ends, ", "))
		}
		for _, m := range []measure.Metric{s.Exit, s.MinMemoryMiB, s.IdleCPU} {
			if m.Note != "" {
				fmt.Fprintf(&b, "  %s\n", m.Note)
			}
		}
		report.WriteNotes(&b, "  ", s.Notes)
	}
	report.WriteNotes(&b, "note: ", r.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}
