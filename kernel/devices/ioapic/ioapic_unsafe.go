// Package ioapic routes legacy device interrupt lines (ISA IRQs, identity
// mapped to I/O APIC pins on QEMU's microvm and pc) to interrupt vectors.
package ioapic

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

const (
	physBase  = 0xfec00000
	regSelect = 0x00
	regWindow = 0x10
	redirBase = 0x10
	masked    = 1 << 16
)

// VectorBase is the vector of pin 0; pin n raises VectorBase+n.
const VectorBase = 33

var base uintptr

func write(reg uint32, v uint32) {
	*(*uint32)(unsafe.Add(nil, base+regSelect)) = reg
	*(*uint32)(unsafe.Add(nil, base+regWindow)) = v
}

func read(reg uint32) uint32 {
	*(*uint32)(unsafe.Add(nil, base+regSelect)) = reg
	return *(*uint32)(unsafe.Add(nil, base+regWindow))
}

// Init maps the I/O APIC and masks every pin.
func Init() {
	base = memory.MapDevice(physBase, 4096)
	pins := int(read(1)>>16&0xff) + 1
	for pin := 0; pin < pins; pin++ {
		write(redirBase+2*uint32(pin), masked)
		write(redirBase+2*uint32(pin)+1, 0)
	}
}

// Enable routes ISA IRQ pin (edge-triggered, active high) to CPU 0 at
// VectorBase+pin.
func Enable(pin int) {
	write(redirBase+2*uint32(pin)+1, 0) // destination: APIC ID 0
	write(redirBase+2*uint32(pin), uint32(VectorBase+pin))
}
