package instance

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, and the detached unigo instance's ratio to the container
// and to the attached run.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench instance: %s; VMs on QEMU %s (%s), --memory %dM; %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.MemMiB, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	fmt.Fprintf(&b, "app line: %q; unigo: %s\n\n", r.App.Line, r.Config.Unigo)
	var fn report.Footnotes
	rows, by := report.Table(r.Subjects)
	detached, attached, container := by[Detached], by[Attached], by[harness.Container]
	type vs struct {
		base  *Subject
		title string
	}
	var ratios []vs
	if detached != nil && container != nil {
		ratios = append(ratios, vs{container, "-d / container"})
	}
	if detached != nil && attached != nil {
		ratios = append(ratios, vs{attached, "-d / attached"})
	}
	for _, v := range ratios {
		rows[0] = append(rows[0], v.title)
	}
	for _, im := range quantities {
		row := report.MetricRow(&fn, im.Name, r.Subjects, im.Key, "s")
		for _, v := range ratios {
			c := ""
			if q, ok := measure.Ratio(detached.Metrics[im.Key], v.base.Metrics[im.Key]); ok {
				c = report.RatioText(q)
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
