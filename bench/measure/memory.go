package measure

import (
	"context"
	"fmt"
	"time"
)

// MemorySearch finds the least memory (whole MiB) an app runs in under
// some limit: QEMU's -m for a VM, a container's memory limit.
type MemorySearch struct {
	Limit   string        // how the limit is set, for notes: "-m", "docker run --memory"
	Test    string        // what a try must do, for notes; default "printed the line"
	Lo, Hi  int           // MiB: the least limit tried, and one that must work
	LoWhy   string        // why nothing below Lo is tried
	Probe   time.Duration // limit of one try
	Confirm int           // extra tries confirming the result
	Budget  time.Duration // limit of the whole search
}

// Run searches by bisection between s.Lo and s.Hi; runs(mib) reports
// whether the app printed its line with that limit. The result is
// confirmed by s.Confirm more tries; if one of them fails the search goes
// on above it. The search stops after s.Budget and then reports the least
// size known to work, as an upper bound.
func (s MemorySearch) Run(ctx context.Context, runs func(mib int) bool) Metric {
	deadline := time.Now().Add(s.Budget)
	probes := 0
	try := func(mib int) bool { probes++; return runs(mib) }
	if !try(s.Hi) {
		return NA("MiB", "n/a: does not run with %s %d MiB within %v", s.Limit, s.Hi, s.Probe)
	}
	lo, good := s.Lo, s.Hi // invariant: good works; everything below lo failed
	for {
		for lo < good {
			if ctx.Err() != nil {
				return NA("MiB", "n/a: interrupted")
			}
			if time.Now().After(deadline) {
				mm := Value("MiB", float64(good))
				mm.Note = fmt.Sprintf("an upper bound: the search stopped after %v (%d tries); %s %d–%d MiB untested", s.Budget, probes, s.Limit, lo, good-1)
				return mm
			}
			mid := lo + (good-lo)/2
			if try(mid) {
				good = mid
			} else {
				lo = mid + 1
			}
		}
		ok := true
		for range s.Confirm {
			if !try(good) {
				ok = false
				break
			}
		}
		if ok || good >= s.Hi {
			break
		}
		// good worked once but not every time: search above it.
		lo, good = good+1, s.Hi
	}
	mm := Value("MiB", float64(good))
	test := s.Test
	if test == "" {
		test = "printed the line"
	}
	mm.Note = fmt.Sprintf("least %s that %s in %d consecutive tries (%d tries, each limited to %v); %d MiB did not", s.Limit, test, s.Confirm+1, probes, s.Probe.Round(time.Millisecond), good-1)
	if good == s.Lo {
		why := s.LoWhy
		if why == "" {
			why = "less is not tried"
		}
		mm.Note = fmt.Sprintf("runs with %s %d MiB, the least tried: %s (%d tries)", s.Limit, s.Lo, why, probes)
	}
	return mm
}
