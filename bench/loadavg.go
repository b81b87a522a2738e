package bench

import (
	"os"
	"strings"
)

// loadAvg returns the host's 1-minute load average as /proc/loadavg says
// it, or "?": the benchmarks record it at their start and end, because
// other work on a shared machine shows in their spread.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
