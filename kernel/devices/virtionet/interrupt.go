package virtionet

import (
	"unigo.dev/unigo/kernel/devices/lapic"
	"unigo.dev/unigo/kernel/threads"
)

// Vector is the card's interrupt vector; 0 when there is no card.
func Vector() uint64 { return nic.vector }

// Interrupt handles the card's interrupt: it acknowledges it (the
// level-triggered line drops), reclaims sent buffers, and wakes the
// threads waiting to receive or to send, which then run their call again.
// Interrupts stay off on a queue until a thread waits on it again: frames
// that nobody is waiting for cost no further interrupts. Short, and
// allocation-free: it runs on the trap path. It reports whether frames
// came in (the receive descriptor became readable).
func Interrupt() (received bool) {
	nic.dev.AckInterrupt()
	nic.stats.Interrupts++
	if nic.rx.Returned() {
		nic.rx.SetInterrupts(false)
		threads.WakeRestartAll(RecvKey())
		received = true
	}
	if reclaim() > 0 {
		nic.tx.SetInterrupts(false)
		threads.WakeRestartAll(SendKey())
	}
	lapic.EOI()
	return received
}

// Pending reports whether a received frame is queued.
func Pending() bool { return Present() && nic.rx.Returned() }
