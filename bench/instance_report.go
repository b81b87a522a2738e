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
	var detached, attached, container *InstanceSubject
	rows := [][]string{{""}}
	for _, s := range r.Subjects {
		rows[0] = append(rows[0], s.Label)
		switch s.Key {
		case Detached:
			detached = s
		case Attached:
			attached = s
		case Container:
			container = s
		}
	}
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
		row := []string{im.Name}
		for _, s := range r.Subjects {
			row = append(row, fn.cell(s.Metrics[im.Key], "s"))
		}
		for _, v := range ratios {
			c := ""
			if q, ok := ratio(detached.Metrics[im.Key], v.base.Metrics[im.Key]); ok {
				c = ratioText(q)
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	writeRows(&b, rows)
	fn.write(&b)
	b.WriteString("\n")
	for _, s := range r.Subjects {
		if s.How != "" {
			fmt.Fprintf(&b, "%s: %s\n", s.Label, s.How)
		}
		for _, c := range s.Commands {
			fmt.Fprintf(&b, "  $ %s\n", c)
		}
		writeNotes(&b, "  ", s.Notes)
	}
	writeNotes(&b, "note: ", r.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}
