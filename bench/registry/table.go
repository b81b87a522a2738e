package registry

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/report"
)

// WriteTable prints the report: one column per subject, medians with
// min–max, and unigo's ratio to Docker.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench registry: %s; %s\n", r.App.Path, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; unigo: %s\n\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Config.Unigo)
	var fn report.Footnotes
	rows := report.QuantityRows(&fn, r.Subjects, quantities, report.RatioColumn{Title: "unigo / Docker", Of: Unigo, Base: Docker})
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
