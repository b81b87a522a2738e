package compare

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// compareRow is one measured quantity of the compare benchmark, as the
// table and the chart show it.
type compareRow struct {
	name   string // for people
	short  string // chart panel title
	format string // metricText format
	better string // "lower" or "higher"
	http   bool   // only measured with --http
	get    func(*Subject) measure.Metric
}

var compareRows = []compareRow{
	{"to first line", "time to the app's first line", "s", "lower", false, func(r *Subject) measure.Metric { return r.FirstLine }},
	{"to first HTTP 200", "time to the first HTTP response", "s", "lower", true, func(r *Subject) measure.Metric { return r.FirstHTTP }},
	{"requests/s", "HTTP requests per second", "%.0f", "higher", true, func(r *Subject) measure.Metric { return r.RequestsPS }},
	{"p50 latency", "HTTP median latency", "%.2f ms", "lower", true, func(r *Subject) measure.Metric { return r.P50 }},
	{"p99 latency", "HTTP p99 latency", "%.2f ms", "lower", true, func(r *Subject) measure.Metric { return r.P99 }},
	{"artifact size", "artifact size", "bytes", "lower", false, func(r *Subject) measure.Metric { return r.Artifact }},
	{"least memory", "least memory it runs in", "%.1f MiB", "lower", false, func(r *Subject) measure.Metric { return r.LeastMemory }},
	{"idle host RSS", "host RSS of an idle instance", "%.1f MiB", "lower", false, func(r *Subject) measure.Metric { return r.IdleRSS }},
	{"system calls", "system calls the app can reach", "%.0f", "lower", false, func(r *Subject) measure.Metric { return r.Syscalls }},
	{"executables", "programs in the artifact", "%.0f", "lower", false, func(r *Subject) measure.Metric { return r.Executables }},
	{"shell", "a shell to execute", "yes/no", "lower", false, func(r *Subject) measure.Metric { return r.Shell }},
}

// rows returns the rows the report has measurements for.
func (r *Report) rows() []compareRow {
	var out []compareRow
	for _, row := range compareRows {
		if !row.http || r.Config.HTTPPort > 0 {
			out = append(out, row)
		}
	}
	return out
}

// WriteTable prints the report as a table for people: one column per
// subject, medians with min–max, reasons for n/a cells as
// footnotes, then how each was run and what each number means.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	http := ""
	if r.Config.HTTPPort > 0 {
		http = fmt.Sprintf(", HTTP on port %d", r.Config.HTTPPort)
		if r.Config.Network != "" && r.Config.Network != "user" {
			http += " over " + r.Config.Network
		}
	}
	fmt.Fprintf(&b, "unigo bench compare: %s, %s%s; VMs on QEMU %s (%s, -cpu %s), -m %dM\n",
		r.App.Path, report.RunsText(r.Config.Runs), http, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB)
	r.WriteHostAndApp(&b)

	var fn report.Footnotes
	rows := [][]string{{""}}
	for _, s := range r.Subjects {
		rows[0] = append(rows[0], s.Label)
	}
	for _, row := range r.rows() {
		line := []string{row.name}
		for _, s := range r.Subjects {
			line = append(line, fn.Cell(row.get(s), row.format))
		}
		rows = append(rows, line)
	}
	report.WriteRows(&b, rows)
	fn.Write(&b)

	b.WriteString("\n")
	for _, s := range r.Subjects {
		report.WriteHow(&b, s.Label, s.How, s.Parts)
		for _, row := range r.rows() {
			if m := row.get(s); m.OK() && m.Note != "" {
				fmt.Fprintf(&b, "  %s: %s\n", row.name, m.Note)
			}
		}
		report.WriteNotes(&b, "  ", s.Notes)
	}
	report.WriteNotes(&b, "note: ", r.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}
