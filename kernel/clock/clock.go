// Package clock keeps the time: CLOCK_MONOTONIC from the TSC (calibrated at
// boot) and CLOCK_REALTIME as the RTC's wall time at boot plus monotonic time.
package clock

import (
	"math/bits"

	"unigo.dev/unigo/kernel/cpu"
)

// The non-zero initialiser keeps the state in loaded data: it is read on
// every time-related trap and must never fault.
var state = struct {
	tscHz    uint64
	nsPerTSC uint64 // nanoseconds per TSC tick, 32.32 fixed point
	tsc0     uint64 // TSC at boot
	wall0    int64  // Unix nanoseconds at tsc0
}{tscHz: 1}

// SetTSCHz sets the TSC frequency and makes now the zero of monotonic time.
func SetTSCHz(hz uint64) {
	state.tscHz = hz
	state.nsPerTSC = (uint64(1e9) << 32) / hz
	state.tsc0 = cpu.Rdtsc()
}

// TSCHz returns the calibrated TSC frequency.
func TSCHz() uint64 { return state.tscHz }

// SetWall sets the Unix time (in nanoseconds) of monotonic time zero.
func SetWall(unixNano int64) { state.wall0 = unixNano }

// Nanotime returns nanoseconds since boot.
func Nanotime() int64 {
	d := cpu.Rdtsc() - state.tsc0
	hi, lo := bits.Mul64(d, state.nsPerTSC)
	return int64(hi<<32 | lo>>32)
}

// Realtime returns the Unix time in nanoseconds.
func Realtime() int64 { return state.wall0 + Nanotime() }
