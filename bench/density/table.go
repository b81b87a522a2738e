package density

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// quantities are what the benchmark reports of each subject, in table
// order; per instance ones are medians with min–max over the instances.
var quantities = []measure.Quantity{
	{Key: "answered", Name: "instances answering GET / 200", Unit: "%.0f"},
	{Key: "start_rate", Name: "start throughput (instances/s)", Unit: "%.2f /s"},
	{Key: "start", Name: "start command returns", Unit: "s"},
	{Key: "ready", Name: "start to first HTTP 200", Unit: "s"},
	{Key: "pss", Name: "PSS per instance", Unit: "bytes"},
	{Key: "pss_vm", Name: "… QEMU (VMs) or the app's process (container)", Unit: "bytes"},
	{Key: "pss_sup", Name: "… the monitor (unigo) or containerd-shim, docker-proxy, fuse-overlayfs (none for Linux)", Unit: "bytes"},
	{Key: "rss", Name: "RSS per instance", Unit: "bytes"},
	{Key: "pss_total", Name: "PSS, all instances", Unit: "%.2f GiB"},
	{Key: "rss_total", Name: "RSS, all instances", Unit: "%.2f GiB"},
	{Key: "avail_before", Name: "host MemAvailable before the first start", Unit: "%.2f GiB"},
	{Key: "avail_running", Name: "host MemAvailable with all running", Unit: "%.2f GiB"},
	{Key: "avail_drop", Name: "MemAvailable's fall per instance", Unit: "%.1f MiB"},
	{Key: "swap", Name: "swap used with all running", Unit: "bytes"},
	{Key: "idle_cpu", Name: "idle CPU per instance (CPU-s/min)", Unit: "%.4f"},
	{Key: "idle_cpu_all", Name: "idle CPU, all instances (% of one core)", Unit: "%.2f%%"},
	{Key: "poke", Name: "poke latency", Unit: "s"},
	{Key: "poke_p99", Name: "poke latency p99", Unit: "s"},
	{Key: "poke_max", Name: "poke latency max", Unit: "s"},
	{Key: "poke_slow", Name: "pokes over 1 s", Unit: "%.0f"},
	{Key: "list", Name: "list command with all running (unigo ps / docker ps)", Unit: "s"},
	{Key: "remove", Name: "remove all (wall)", Unit: "s"},
}

// WriteTable prints the report as a table: one column per subject, and
// unigo's ratio to the container.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench density: %s, %d instances of each subject, at most %d starts in flight; VMs on QEMU %s (%s), --memory %s%s\n",
		r.App.Path, r.Config.Count, r.Config.Parallel, r.Config.Machine, r.Config.Accel, r.Config.Memory, r.linuxMemory())
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	cache := "QEMU's default"
	if r.Config.TCGCache != "" {
		cache = r.Config.TCGCache
	}
	fmt.Fprintf(&b, "settle %gs, idle-CPU window %gs, %d pokes; VMs' TCG code cache: %s; unigo: %s\n\n", r.Config.Settle, r.Config.Window, r.Config.Pokes, cache, r.Config.Unigo)
	var fn report.Footnotes
	rows := report.QuantityRows(&fn, r.Subjects, quantities,
		report.RatioColumn{Title: "unigo / container", Of: harness.Unigo, Base: harness.Container},
		report.RatioColumn{Title: "unigo / Linux", Of: harness.Unigo, Base: harness.Linux})
	for i, q := range quantities {
		row := rows[i+1]
		for c := len(r.Subjects) + 1; c < len(row); c++ { // the ratio columns
			if noRatio[q.Key] || strings.HasPrefix(row[c], "-") {
				row[c] = ""
			}
		}
	}
	return report.FinishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}

// linuxMemory is the Linux microVMs' memory, when they ran.
func (r *Report) linuxMemory() string {
	for _, s := range r.Subjects {
		if s.Key == harness.Linux {
			return ", Linux " + r.Config.LinuxMem
		}
	}
	return ""
}

// noRatio are the quantities whose ratio means nothing: the host's, not
// the instances'.
var noRatio = map[string]bool{"avail_before": true, "avail_running": true, "swap": true}

var colors = map[string]string{
	harness.Container: "#3b7dd8",
	harness.Unigo:     "#2a9d4b",
	harness.Linux:     "#e8833a",
}

// panels are the quantities the chart draws.
var panels = []struct{ key, title, format, better string }{
	{"pss", "PSS per idle instance", "bytes", "lower"},
	{"rss", "RSS per idle instance", "bytes", "lower"},
	{"idle_cpu", "Idle CPU per instance, CPU-s/min", "%.4f", "lower"},
	{"avail_drop", "MemAvailable's fall per instance", "%.1f MiB", "lower"},
	{"start_rate", "Start throughput, instances/s", "%.2f", "higher"},
	{"ready", "Start to first HTTP 200", "s", "lower"},
	{"poke", "Poke latency (one GET, random instance)", "s", "lower"},
	{"list", "List command, all running", "s", "lower"},
}

// chart is the report's chart.
func (r *Report) chart() *report.Chart {
	c := &report.Chart{
		Title: fmt.Sprintf("%d idle instances of %s", r.Config.Count, r.App.Path),
		Subtitle: fmt.Sprintf("%d CPUs · VMs: QEMU %s (%s), --memory %s · after %gs idle; medians over the instances, whiskers min–max",
			r.Host.CPUs, r.Config.Machine, r.Config.Accel, r.Config.Memory+r.linuxMemory(), r.Config.Settle),
		Hint:   "shorter bar = better, except throughput",
		Footer: fmt.Sprintf("made by: unigo bench density --count %d --app %s (%s); numbers and notes: results.json", r.Config.Count, r.App.Path, r.Date.Format("2006-01-02")),
	}
	for _, s := range r.Subjects {
		c.Series = append(c.Series, report.Series{Label: s.Label, Short: s.Label, Color: colors[s.Key], Bold: s.Key == harness.Unigo})
	}
	for _, p := range panels {
		pn := report.Panel{Title: p.title, Format: p.format, Better: p.better}
		for _, s := range r.Subjects {
			pn.Values = append(pn.Values, s.Metrics[p.key])
		}
		c.Panels = append(c.Panels, pn)
	}
	return c
}
