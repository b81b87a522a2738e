package dockerrun

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
	fmt.Fprintf(&b, "unigo bench dockerrun: %s; Docker %s; %s\n", r.App.Path, r.Config.Docker, report.RunsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel)
	if r.Config.Load != "" {
		fmt.Fprintf(&b, "load: %s through docker run -p\n\n", r.Config.Load)
	} else {
		fmt.Fprintf(&b, "app line: %q\n\n", r.App.Line)
	}
	var fn report.Footnotes
	rows := report.QuantityRows(&fn, r.Subjects, r.Config.quantities(), report.RatioColumn{Title: "unigo / runc", Of: Unigo, Base: Runc})
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
