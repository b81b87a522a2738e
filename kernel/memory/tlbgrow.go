package memory

import "unigo.dev/unigo/kernel/cpu"

// QEMU's software emulation (TCG) keeps a software TLB that starts with
// 256 entries and is resized only when the guest flushes it: doubled when
// more than 70% of its entries were in use. Linux flushes all the time; a
// unikernel, with one address space and no CR3 writes, never does, so the
// emulator kept 256 entries whatever the working set, and a busy app's
// memory accesses often missed and paid a page walk inside QEMU (httpd
// served about 25% fewer requests/s). So under TCG, while the CPU is busy, the kernel
// flushes the TLB once per 100 ms window, at most tlbGrowFlushes times in
// one busy stretch: enough doublings for the working set to fit, and then
// none, so the emulator's jump cache (emptied by every flush) stays warm.
// Under KVM nothing of this runs.

const (
	tlbWindow      = 100_000_000 // ns
	tlbGrowFlushes = 10
	tlbBusyPercent = 50 // a window this busy flushes
	tlbIdlePercent = 10 // a window this idle ends the busy stretch
)

// tlbGrowth is the policy's state.
type tlbGrowth struct {
	on      bool
	start   int64 // the window's start
	halted  int64 // the CPU's halted time at the window's start
	flushes int   // in this busy stretch
}

var tlbGrow tlbGrowth

// EnableTLBGrowth turns the flushes on when the CPU is emulated by TCG.
func EnableTLBGrowth(now, halted int64) {
	tlbGrow = tlbGrowth{on: cpu.UnderTCG(), start: now, halted: halted}
}

// TLBGrowing reports whether the policy runs (TCG): callers read the clock
// for TLBTick only then.
func TLBGrowing() bool { return tlbGrow.on }

// TLBTick runs on every trap with the time and the CPU's total halted
// time. Trap path: no allocation.
func TLBTick(now, halted int64) {
	if tlbGrow.tick(now, halted) {
		cpu.WriteCR3(cpu.ReadCR3())
	}
}

// tick ends the window when it is over and reports whether to flush.
func (g *tlbGrowth) tick(now, halted int64) bool {
	if !g.on || now-g.start < tlbWindow {
		return false
	}
	span := now - g.start
	busy := (span - (halted - g.halted)) * 100 / span
	g.start, g.halted = now, halted
	switch {
	case busy < tlbIdlePercent:
		g.flushes = 0
	case busy >= tlbBusyPercent && g.flushes < tlbGrowFlushes:
		g.flushes++
		return true
	}
	return false
}
