package instance

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/harness"
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
	rows := report.QuantityRows(&fn, r.Subjects, quantities, report.RatioColumn{Title: "-d / container", Of: Detached, Base: harness.Container}, report.RatioColumn{Title: "-d / attached", Of: Detached, Base: Attached})
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
