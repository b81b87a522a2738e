package bench

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/internal/memsize"
)

// volumeTarget is the target: unigo within 1.5× of the Linux
// microVM, i.e. at least 1/1.5 of its throughput.
const volumeTarget = 1.5

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, unigo's ratio to Linux (and whether it is within the
// target) and to native.
func (r *VolumeReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench volume: %s; VMs on QEMU %s (%s, -cpu %s), -m %dM; %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, runsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	fmt.Fprintf(&b, "disks: a fresh %s ext2 image per run in %s (%s)\n\n", memsize.Format(r.Config.DiskBytes), r.Config.DiskDir, r.Config.DiskFS)
	var fn footnotes
	rows, by := subjectTable(r.Subjects)
	linux, native, unigo := by[Linux], by[Native], by[Unigo]
	if unigo != nil && linux != nil {
		rows[0] = append(rows[0], "unigo / Linux", fmt.Sprintf("within %.1f×", volumeTarget))
	}
	if unigo != nil && native != nil {
		rows[0] = append(rows[0], "unigo / native")
	}
	for _, vm := range VolumeMetrics {
		row := metricRow(&fn, vm.Name+" ("+vm.Unit+")", r.Subjects, vm.Key, "%.0f")
		if unigo != nil && linux != nil {
			q, ok := ratio(unigo.Metrics[vm.Key], linux.Metrics[vm.Key])
			row = append(row, ratioCell(q, ok), withinTarget(q, ok))
		}
		if unigo != nil && native != nil {
			row = append(row, ratioCell(ratio(unigo.Metrics[vm.Key], native.Metrics[vm.Key])))
		}
		rows = append(rows, row)
	}
	return finishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
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
