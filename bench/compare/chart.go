package compare

import (
	"fmt"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/report"
)

// The chart of the compare benchmark: one panel per row of the table, one
// bar per subject.

var colors = map[string]string{
	harness.Native:    "#8c8c8c",
	harness.Container: "#3b7dd8",
	harness.Linux:     "#e8833a",
	harness.Unigo:     "#2a9d4b",
	harness.UnigoExec: "#8fd19e",
}

// chart is the report's chart.
func (r *Report) chart() *report.Chart {
	runs := fmt.Sprintf("medians of %d interleaved runs, whiskers min–max", r.Config.Runs)
	c := &report.Chart{
		Title:    fmt.Sprintf("One Go app, %s ways: %s", countWord(len(r.Subjects)), r.App.Path),
		Subtitle: fmt.Sprintf("%s · %d CPUs · VMs: QEMU %s, %s · %s", shortCPU(r.Host.CPU), r.Host.CPUs, r.Config.Machine, accelText(r.Config.Accel), runs),
		Hint:     "shorter bar = better, except requests/s",
		Footer: fmt.Sprintf("made by: unigo bench compare %s%s --runs %d (%s); numbers and notes: results.json",
			r.App.Path, httpFlag(r), r.Config.Runs, r.Date.Format("2006-01-02")),
	}
	for _, s := range r.Subjects {
		c.Series = append(c.Series, report.Series{Label: s.Label, Short: shortLabel(s.Key, s.Label), Color: colors[s.Key], Bold: s.Key == harness.Unigo})
	}
	for _, row := range r.rows() {
		p := report.Panel{Title: row.short, Format: row.format, Better: row.better}
		for _, s := range r.Subjects {
			p.Values = append(p.Values, row.get(s))
		}
		c.Panels = append(c.Panels, p)
	}
	return c
}

func httpFlag(r *Report) string {
	if r.Config.HTTPPort > 0 {
		return fmt.Sprintf(" --http %d", r.Config.HTTPPort)
	}
	return ""
}

func accelText(a string) string {
	if a == "tcg" {
		return "TCG software emulation (no KVM)"
	}
	return strings.ToUpper(a)
}

func shortCPU(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// countWord is n in words, as far as the benchmark has subjects.
func countWord(n int) string {
	if words := []string{"no", "one", "two", "three", "four", "five"}; n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

// shortLabel is a subject's label in a panel (the legend has the full one).
func shortLabel(key, label string) string {
	switch key {
	case harness.Native:
		return "native"
	case harness.Container:
		return "container"
	case harness.Linux:
		return "Linux VM"
	}
	return label
}
