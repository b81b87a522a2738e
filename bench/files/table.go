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

// target is a benchmark's target for unigo's throughput: at least min
// times the Linux microVM's; header names the table's column for it.
type target struct {
	min    float64
	header string
}

// tables are, by benchmark name, the program whose quantities are the
// table's rows and the target of unigo against Linux (none for files).
var tables = map[string]struct {
	program program
	target  *target
}{
	"files": {program: fsbench},
	// unigo within 1.5× of the Linux microVM: at least 1/1.5 of its throughput.
	"volume": {program: volbench, target: &target{min: 1 / 1.5, header: "within 1.5×"}},
	"bolt":   {program: boltbench, target: &target{min: 0.8, header: "at least 0.8×"}},
}

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, unigo's ratio to Linux (and whether it meets the
// benchmark's target, if it has one) and to native.
func (r *Report) WriteTable(w io.Writer) error {
	spec, ok := tables[r.Benchmark]
	if !ok {
		return fmt.Errorf("no table for benchmark %q", r.Benchmark)
	}
	p, goal := spec.program, spec.target
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench %s: %s; VMs on QEMU %s (%s, -cpu %s), -m %dM; %s\n",
		r.Benchmark, r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	if r.Config.DiskDir != "" {
		fmt.Fprintf(&b, "disks: a fresh %s ext2 image per run in %s (%s)\n", memsize.Format(r.Config.DiskBytes), r.Config.DiskDir, r.Config.DiskFS)
	}
	b.WriteString("\n")
	var fn report.Footnotes
	rows, by := report.Table(r.Subjects)
	linux, native, unigo := by[harness.Linux], by[harness.Native], by[harness.Unigo]
	if unigo != nil && linux != nil {
		rows[0] = append(rows[0], "unigo / Linux")
		if goal != nil {
			rows[0] = append(rows[0], goal.header)
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
			if goal != nil {
				row = append(row, goal.met(x, ok))
			}
		}
		if unigo != nil && native != nil {
			row = append(row, report.RatioCell(measure.Ratio(unigo.Metrics[q.Key], native.Metrics[q.Key])))
		}
		rows = append(rows, row)
	}
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}

// met says whether unigo's throughput ratio to Linux x meets the target.
func (t *target) met(x float64, ok bool) string {
	switch {
	case !ok:
		return "n/a"
	case x >= t.min:
		return "yes"
	}
	return "no"
}
