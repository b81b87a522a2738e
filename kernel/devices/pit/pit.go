// Package pit uses the 8254 programmable interval timer as a reference clock
// of known frequency, to calibrate the TSC and the LAPIC timer at boot.
package pit

import "unigo.dev/unigo/kernel/cpu"

// Hz is the PIT's input clock.
const Hz = 1193182

const (
	channel0 = 0x40
	command  = 0x43
)

func read() uint16 {
	cpu.Outb(command, 0x00) // latch channel 0
	lo := cpu.Inb(channel0)
	hi := cpu.Inb(channel0)
	return uint16(hi)<<8 | uint16(lo)
}

// Start sets channel 0 counting down from 0xffff, free-running (mode 2).
// Its interrupt line stays masked.
func Start() uint16 {
	cpu.Outb(command, 0x34)
	cpu.Outb(channel0, 0xff)
	cpu.Outb(channel0, 0xff)
	return read()
}

// WaitTicks busy-waits until ticks PIT periods have passed since Start
// returned start; ticks must be below 65535 (55 ms).
func WaitTicks(start uint16, ticks uint32) {
	for {
		now := read()
		if uint32(start-now) >= ticks {
			return
		}
	}
}

// Present reports whether a PIT answers (reads change over time).
func Present() bool {
	s := Start()
	for i := 0; i < 1000; i++ {
		if read() != s {
			return true
		}
	}
	return false
}

// Stop leaves channel 0 still: a PIT comes out of reset (and out of Start)
// counting in a periodic mode, and QEMU then wakes 36 times a second to
// move its output, interrupt line masked or not — a busy host's worth for
// a thousand idle VMs. One count in mode 0 (interrupt on terminal count)
// ends with the output high and nothing more to do.
func Stop() {
	cpu.Outb(command, 0x30) // channel 0, low then high byte, mode 0
	cpu.Outb(channel0, 1)
	cpu.Outb(channel0, 0)
}
