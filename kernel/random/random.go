// Package random supplies randomness for getrandom and AT_RANDOM: RDSEED or
// RDRAND when the CPU has them (QEMU's -cpu max and host CPUs do); otherwise
// a generator seeded from TSC jitter and the clock, announced once on the
// console because it is not fit for secrets.
package random

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/klog"
)

var state = struct {
	checked, hw bool
	x           uint64
}{x: 0x9e3779b97f4a7c15}

func init64() {
	if state.checked {
		return
	}
	state.checked = true
	state.hw = cpu.HasRDRAND()
	if !state.hw {
		klog.Line("warning: the CPU has no RDRAND; random numbers come from a TSC-seeded generator, not fit for secrets (run QEMU with -cpu max or host)")
		for i := 0; i < 64; i++ {
			state.x ^= cpu.Rdtsc() << (i % 17)
			next()
		}
	}
}

// next is splitmix64.
func next() uint64 {
	state.x += 0x9e3779b97f4a7c15
	z := state.x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Uint64 returns 64 random bits.
func Uint64() uint64 {
	init64()
	if state.hw {
		for i := 0; i < 10; i++ {
			if v, ok := cpu.Rdrand(); ok {
				return v
			}
		}
	}
	return next() ^ cpu.Rdtsc()
}

// Fill fills b with random bytes.
func Fill(b []byte) {
	for len(b) > 0 {
		v := Uint64()
		for i := 0; i < 8 && len(b) > 0; i++ {
			b[0] = byte(v)
			v >>= 8
			b = b[1:]
		}
	}
}
