package measure

import (
	"os"
	"strings"
)

// LoadAvg returns the host's 1-minute load average as /proc/loadavg says
// it, or "?": the benchmarks record it at their start and end, because
// other work on a shared machine shows in their spread.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// LastLines joins the last n lines of a program's output, for an error
// message.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
