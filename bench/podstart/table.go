package podstart

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/report"
)

// WriteTable prints the report: one column per subject, medians with
// min–max, and unigo's ratio to runc.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench podstart: %s; %s; %s\n", r.App.Path, r.Config.Containerd, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	fmt.Fprintf(&b, "app line: %q\n\n", r.App.Line)
	var fn report.Footnotes
	rows := report.QuantityRows(&fn, r.Subjects, quantities, report.RatioColumn{Title: "unigo / runc", Of: Unigo, Base: Runc})
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
