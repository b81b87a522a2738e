// Package memsize reads and writes guest memory sizes the way people write
// them: 64M, 512K, 1G.
package memsize

import (
	"fmt"
	"strconv"
	"strings"
)

// Min is the least guest memory unigo gives a VM: the image is loaded
// at 1 MiB, and the kernel and the Go runtime need a few MiB beyond it.
const Min = 8 << 20

// Parse reads a memory size such as 64M, 512K or 1G (also 64MiB,
// 64MB; all binary units) into bytes. Its errors begin with s, so that a
// caller can say where s came from ("--memory " + err).
func Parse(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	switch {
	case strings.HasSuffix(t, "K"):
		shift = 10
	case strings.HasSuffix(t, "M"):
		shift = 20
	case strings.HasSuffix(t, "G"):
		shift = 30
	default:
		return 0, fmt.Errorf("%s has no unit: write it like 64M, 512K or 1G", s)
	}
	n, err := strconv.ParseInt(t[:len(t)-1], 10, 64)
	if err != nil || n <= 0 || n > 1<<(62-shift) {
		return 0, fmt.Errorf("%s is not a size: write it like 64M, 512K or 1G", s)
	}
	bytes := n << shift
	if bytes < Min {
		return 0, fmt.Errorf("%s is too small: give at least %dM", s, Min>>20)
	}
	return bytes, nil
}

// Format writes a memory size the way Parse reads it, in the
// largest unit that divides it.
func Format(n int64) string {
	switch {
	case n > 0 && n%(1<<30) == 0:
		return fmt.Sprintf("%dG", n>>30)
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n > 0 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
