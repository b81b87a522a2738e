// Package lapic drives the local APIC: its one-shot timer is the only
// interrupt source the scheduler needs.
package lapic

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

// TimerVector is the interrupt vector of the LAPIC timer.
const TimerVector = 32

// SpuriousVector is the APIC's spurious-interrupt vector.
const SpuriousVector = 255

const (
	regTPR      = 0x80
	regEOI      = 0xb0
	regSVR      = 0xf0
	regLVTTimer = 0x320
	regInitial  = 0x380
	regCurrent  = 0x390
	regDivide   = 0x3e0
	lvtMasked   = 1 << 16
	physBase    = 0xfee00000
)

var base uintptr
var ticksPerSec uint64

// divShift is the divide the timer counts at, as a power of two (count.go).
var divShift uint

// oneShot says the timer's LVT entry is unmasked in one-shot mode already,
// so arming it is one register write.
var oneShot bool

func write(reg uintptr, v uint32) { *(*uint32)(unsafe.Add(nil, base+reg)) = v }
func read(reg uintptr) uint32     { return *(*uint32)(unsafe.Add(nil, base+reg)) }

// Init maps and enables the local APIC with its timer stopped.
func Init() {
	base = memory.MapDevice(physBase, 4096)
	write(regSVR, 0x100|SpuriousVector)
	write(regTPR, 0)
	write(regDivide, divideConfig[0]) // divide by 1
	divShift = 0
	write(regLVTTimer, lvtMasked|TimerVector)
	write(regInitial, 0)
	oneShot = false
}

// StartCount lets the timer count down from the maximum (masked), for calibration.
func StartCount() {
	write(regDivide, divideConfig[0])
	divShift = 0
	write(regLVTTimer, lvtMasked|TimerVector)
	write(regInitial, 0xffffffff)
	oneShot = false
}

// Elapsed returns how far the count has gone since StartCount.
func Elapsed() uint32 { return 0xffffffff - read(regCurrent) }

// SetRate records the timer's tick rate, measured at boot.
func SetRate(hz uint64) { ticksPerSec = hz }

// Arm raises TimerVector once, ns nanoseconds from now; ns <= 0 stops the timer.
func Arm(ns int64) {
	if ns <= 0 {
		write(regInitial, 0)
		return
	}
	count, shift := timerCount(ns, ticksPerSec)
	if shift != divShift {
		write(regDivide, divideConfig[shift])
		divShift = shift
	}
	if !oneShot {
		write(regLVTTimer, TimerVector) // one-shot, unmasked
		oneShot = true
	}
	write(regInitial, count)
}

// EOI acknowledges the interrupt being handled.
func EOI() { write(regEOI, 0) }

// WaitForInterrupt enables interrupts, halts until one arrives and has been
// handled, and disables them again.
func WaitForInterrupt()
