package density

import (
	"fmt"
	"math"
	"slices"

	"unigo.dev/unigo/bench/report"
)

// The memory guard: the benchmark starts a few instances first (the
// probe), measures what each takes, and refuses a count whose other
// instances would not fit in the host's MemAvailable less a reserve; while
// it starts the others, it stops starting more if MemAvailable falls under
// a floor.

const (
	probeCount = 2       // instances started and measured before the others
	reserve    = 2 << 30 // MemAvailable left alone by the count asked
	floor      = 1 << 30 // no more starts once MemAvailable is under it
)

// perInstance is the memory one more instance is expected to take: the
// larger of the biggest private memory of a probe instance (its
// processes' anonymous pages: the file pages of QEMU and unigo are shared
// by all, so a probe's PSS, which counts half of them each, overstated an
// idle httpd VM by 15 MiB) and the fall of MemAvailable per probe
// instance (which sees everything, the page cache and other work on the
// host too). RSS would count the shared pages once per instance.
func perInstance(private []int64, availBefore, availAfter int64) int64 {
	var most int64
	if len(private) > 0 {
		most = slices.Max(private)
	}
	if len(private) > 0 && availBefore > availAfter {
		most = max(most, (availBefore-availAfter)/int64(len(private)))
	}
	return most
}

// fitCount is how many instances fit in all: the started ones and as many
// more of per bytes each as MemAvailable avail holds beyond the reserve.
func fitCount(per, avail, reserve int64, started int) int {
	if per <= 0 {
		return math.MaxInt
	}
	return started + int(max(avail-reserve, 0)/per)
}

// checkFit refuses count instances unless fitCount allows them.
func checkFit(count, started int, per, avail, reserve int64) error {
	fit := fitCount(per, avail, reserve, started)
	if count <= fit {
		return nil
	}
	return fmt.Errorf("refused: %d instances would not fit: the first %d take about %s each (the larger of their private memory and the fall of MemAvailable), so the other %d need about %s, but MemAvailable is %s and %s of it stays in reserve; about %d fit: ask for --count %d or fewer",
		count, started, report.HumanBytes(float64(per)), count-started, gib(per*int64(count-started)),
		gib(avail), gib(reserve), fit, fit)
}

// gib prints a size in GiB.
func gib(n int64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }

// percentile is the p-th percentile (0 < p <= 100) of the values by the
// nearest-rank method: the smallest value that at least p% of them are
// not above. With fewer than 100 values the 99th is the largest.
func percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	s := slices.Clone(values)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}
