// Package ioapic routes device interrupt lines to interrupt vectors through
// the I/O APICs. Lines are numbered as global system interrupts (GSIs):
// the first I/O APIC (0xfec00000) has GSIs 0-23, where QEMU's microvm and
// pc put the ISA IRQs one to one (and pc its PCI INTx lines, through the
// PIIX3's routing to IRQs 5, 9, 10 or 11); microvm has a second one
// (0xfec10000, GSIs 24-47, hw/i386/microvm.c "ioapic2") that carries its
// virtio-mmio slots' interrupts.
package ioapic

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

// Where QEMU puts the two I/O APICs (include/hw/intc/ioapic.h), and the
// GSI of each one's first pin.
const (
	physBase    = 0xfec00000
	physBase2   = 0xfec10000
	secondBase  = 24
	pinsPerChip = 24
)

const (
	regSelect  = 0x00
	regWindow  = 0x10
	regVersion = 1
	redirBase  = 0x10
	masked     = 1 << 16
	levelTrig  = 1 << 15
)

// MaxGSI bounds the lines routed: two I/O APICs of 24 pins.
const MaxGSI = 2*pinsPerChip - 1

// VectorBase is the vector of GSI 0; GSI n raises VectorBase+n.
const VectorBase = 33

// chips are the I/O APICs' register windows (0: absent); plain values, set
// once at boot.
var chips [2]uintptr

func write(base uintptr, reg uint32, v uint32) {
	*(*uint32)(unsafe.Add(nil, base+regSelect)) = reg
	*(*uint32)(unsafe.Add(nil, base+regWindow)) = v
}

func read(base uintptr, reg uint32) uint32 {
	*(*uint32)(unsafe.Add(nil, base+regSelect)) = reg
	return *(*uint32)(unsafe.Add(nil, base+regWindow))
}

// Init maps the I/O APICs and masks every pin. The second exists only on
// a microvm with ACPI (QEMU's default); elsewhere its address reads as
// nothing (no version), and it is left alone.
func Init() {
	chips[0] = memory.MapDevice(physBase, 4096)
	maskAll(chips[0])
	second := memory.MapDevice(physBase2, 4096)
	if v := read(second, regVersion); v != 0 && v != 0xffff_ffff && v&0xff != 0 {
		chips[1] = second
		maskAll(second)
	}
}

func maskAll(base uintptr) {
	pins := int(read(base, regVersion)>>16&0xff) + 1
	for pin := 0; pin < pins && pin < pinsPerChip; pin++ {
		write(base, redirBase+2*uint32(pin), masked)
		write(base, redirBase+2*uint32(pin)+1, 0)
	}
}

// Enable routes ISA IRQ pin (edge-triggered, active high) to CPU 0 at
// VectorBase+pin.
func Enable(pin int) { route(pin, 0) }

// EnableLevel routes a level-triggered, active-high line to CPU 0 at
// VectorBase+gsi: the virtio-mmio slots of microvm (its ACPI tables say
// so) and PCI INTx on pc (QEMU's MADT overrides the PCI IRQs to level,
// active high; neither QEMU's nor KVM's I/O APIC models polarity). The
// line stays asserted until the device is acknowledged; the pin raises
// nothing more until the LAPIC's EOI, then again if it is still asserted.
// It reports false when no I/O APIC has that line.
func EnableLevel(gsi int) bool { return route(gsi, levelTrig) }

func route(gsi int, mode uint32) bool {
	if gsi < 0 || gsi > MaxGSI {
		return false
	}
	base, pin := chips[gsi/pinsPerChip], uint32(gsi%pinsPerChip)
	if base == 0 {
		return false
	}
	write(base, redirBase+2*pin+1, 0) // destination: APIC ID 0
	write(base, redirBase+2*pin, mode|uint32(VectorBase+gsi))
	return true
}
