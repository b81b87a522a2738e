package registry

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// WriteTable prints the report: one column per subject, medians with
// min–max, and unigo's ratio to Docker.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench registry: %s; %s\n", r.App.Path, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; unigo: %s\n\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Config.Unigo)
	var fn report.Footnotes
	rows, by := report.Table(r.Subjects)
	u, d := by[Unigo], by[Docker]
	if u != nil && d != nil {
		rows[0] = append(rows[0], "unigo / Docker")
	}
	for _, q := range quantities {
		row := report.MetricRow(&fn, q.Name, r.Subjects, q.Key, q.Unit)
		if u != nil && d != nil {
			row = append(row, report.RatioCell(measure.Ratio(u.Metrics[q.Key], d.Metrics[q.Key])))
		}
		rows = append(rows, row)
	}
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
