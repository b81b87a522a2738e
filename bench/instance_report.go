package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, and the detached unigo instance's ratio to the container
// and to the attached run.
func (r *InstanceReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench instance: %s; VMs on QEMU %s (%s), --memory %dM; %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.MemMiB, runsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	fmt.Fprintf(&b, "app line: %q; unigo: %s\n\n", r.App.Line, r.Config.Unigo)
	var fn footnotes
	rows, by := subjectTable(r.Subjects)
	detached, attached, container := by[Detached], by[Attached], by[Container]
	type vs struct {
		base  *InstanceSubject
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
	for _, im := range InstanceMetrics {
		row := metricRow(&fn, im.Name, r.Subjects, im.Key, "s")
		for _, v := range ratios {
			c := ""
			if q, ok := ratio(detached.Metrics[im.Key], v.base.Metrics[im.Key]); ok {
				c = ratioText(q)
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	return finishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
