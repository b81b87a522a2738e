package files

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/memsize"
)

// volumeTarget is the volume benchmark's target: unigo within 1.5× of the
// Linux microVM, i.e. at least 1/1.5 of its throughput.
const volumeTarget = 1.5

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, unigo's ratio to Linux (and, for volume, whether it is
// within the target) and to native.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench %s: %s; VMs on QEMU %s (%s, -cpu %s), -m %dM; %s\n",
		r.Benchmark, r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	p, volume := fsbench, r.Benchmark == "volume"
	if volume {
		p = volbench
		fmt.Fprintf(&b, "disks: a fresh %s ext2 image per run in %s (%s)\n", memsize.Format(r.Config.DiskBytes), r.Config.DiskDir, r.Config.DiskFS)
	}
	b.WriteString("\n")
	var fn report.Footnotes
	rows, by := report.Table(r.Subjects)
	linux, native, unigo := by[harness.Linux], by[harness.Native], by[harness.Unigo]
	if unigo != nil && linux != nil {
		rows[0] = append(rows[0], "unigo / Linux")
		if volume {
			rows[0] = append(rows[0], fmt.Sprintf("within %.1f×", volumeTarget))
		}
	}
	if unigo != nil && native != nil {
		rows[0] = append(rows[0], "unigo / native")
	}
	for _, q := range p.quantities {
		row := report.MetricRow(&fn, q.Name+" ("+q.Unit+")", r.Subjects, q.Key, "%.0f")
		if unigo != nil && linux != nil {
			x, ok := measure.Ratio(unigo.Metrics[q.Key], linux.Metrics[q.Key])
			row = append(row, report.RatioCell(x, ok))
			if volume {
				row = append(row, withinTarget(x, ok))
			}
		}
		if unigo != nil && native != nil {
			row = append(row, report.RatioCell(measure.Ratio(unigo.Metrics[q.Key], native.Metrics[q.Key])))
		}
		rows = append(rows, row)
	}
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}

// withinTarget says whether unigo's throughput ratio to Linux q is within
// the target (at least 1/volumeTarget).
func withinTarget(q float64, ok bool) string {
	switch {
	case !ok:
		return "n/a"
	case q >= 1/volumeTarget:
		return "yes"
	}
	return "no"
}
