package bench

import (
	"context"
	"fmt"
	"time"
)

// minMemory finds the least memory (whole MiB, -m) with which spec boots
// and prints its line, by binary search between 1 MiB and hi (which must
// work), each probe limited to probe. The result is confirmed by confirm
// more boots; if one of them fails the search goes on above it. The whole
// search stops after budget and then reports the least size known to work.
func minMemory(ctx context.Context, m machine, spec bootSpec, hi int, probe time.Duration, confirm int, budget time.Duration) Metric {
	deadline := time.Now().Add(budget)
	probes := 0
	boots := func(mib int) bool {
		probes++
		v, err := m.start(ctx, spec, mib)
		if err != nil {
			return false
		}
		defer v.kill()
		_, err = v.waitLine(probe)
		return err == nil
	}
	if !boots(hi) {
		return naMetric("MiB", "n/a: does not boot with %d MiB within %v", hi, probe)
	}
	lo, good := 1, hi // invariant: good boots; everything below lo failed
	for {
		for lo < good {
			if ctx.Err() != nil {
				return naMetric("MiB", "n/a: interrupted")
			}
			if time.Now().After(deadline) {
				mm := valueMetric("MiB", float64(good))
				mm.Note = fmt.Sprintf("an upper bound: the search stopped after %v (%d probes); %d–%d MiB untested", budget, probes, lo, good-1)
				return mm
			}
			mid := lo + (good-lo)/2
			if boots(mid) {
				good = mid
			} else {
				lo = mid + 1
			}
		}
		ok := true
		for range confirm {
			if !boots(good) {
				ok = false
				break
			}
		}
		if ok || good >= hi {
			break
		}
		// good booted once but not every time: search above it.
		lo, good = good+1, hi
	}
	mm := valueMetric("MiB", float64(good))
	mm.Note = fmt.Sprintf("least -m that printed the line in %d consecutive boots (%d probes, each limited to %v); %d MiB did not", confirm+1, probes, probe.Round(time.Millisecond), good-1)
	if good == 1 {
		mm.Note = fmt.Sprintf("boots with the least -m tried, 1 MiB (%d probes)", probes)
	}
	return mm
}
