package lapic

import "math/bits"

// The timer counts a 32-bit register down at its input clock divided by
// 1, 2, 4, ... 128. Divided by 1 (the finest), it reaches only 2^32 ticks
// ahead: 4.29 s under QEMU's 1 GHz timer. A deadline further off (the Go
// runtime's sysmon sleeps up to a minute in an idle app) would then wake
// the CPU every 4.29 s only to set the timer again: a thousand idle VMs'
// worth of host CPU for nothing. So a far deadline is counted with a
// coarser divide, up to 128 (549 s at 1 GHz, in 128 ns steps).

// maxShift is the coarsest divide, as a power of two.
const maxShift = 7

// divideConfig is the divide configuration register's value for a divide
// by 1<<shift (Intel SDM vol. 3, 11.5.4: bits 3, 1 and 0).
var divideConfig = [maxShift + 1]uint32{0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa}

// timerCount is the initial count and the divide (as a power of two) that
// make a timer of ticksPerSec (undivided) fire ns nanoseconds from now:
// the finest divide that reaches, the count rounded up (a timer that fired
// before its deadline would leave the scheduler waiting for a deadline no
// timer is set for), at least 1, at most the register's maximum at the
// coarsest divide.
func timerCount(ns int64, ticksPerSec uint64) (count uint32, shift uint) {
	ticks := uint64(1) << 63 // beyond any divide
	if hi, lo := bits.Mul64(uint64(ns), ticksPerSec); hi < 1e9 {
		q, r := bits.Div64(hi, lo, 1e9)
		if r != 0 {
			q++
		}
		ticks = q
	}
	for shift < maxShift && ticks > 0xffffffff<<shift {
		shift++
	}
	c := (ticks + 1<<shift - 1) >> shift
	switch {
	case c == 0:
		c = 1
	case c > 0xffffffff:
		c = 0xffffffff
	}
	return uint32(c), shift
}
