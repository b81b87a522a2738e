package kernel

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/klog"
)

// Boot steps timed for the boot option debug.boottime.
const (
	stepEntry = iota
	stepMemory
	stepTraps
	stepClocks
	stepDevices
	stepStart
	nSteps
)

var stepNames = [nSteps]string{"entry", "memory", "traps", "clocks", "devices", "app stack"}

// bootMarks records the TSC when each step ends. Non-zero initialiser: it is
// written before BSS can be mapped.
var bootMarks = [nSteps]uint64{1}

func mark(step int) { bootMarks[step] = cpu.Rdtsc() }

// printBootTimes prints how long each boot step took, once the TSC is calibrated.
func printBootTimes() {
	hz := clock.TSCHz()
	for i := 1; i < nSteps; i++ {
		klog.Str("unigo: boot: ")
		klog.Str(stepNames[i])
		klog.Str(" ")
		klog.Dec(int64((bootMarks[i] - bootMarks[i-1]) * 1e6 / hz))
		klog.Str(" us\n")
	}
}
