package virtio

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/klog"
)

// PCI configuration space through the legacy mechanism #1: the address of a
// 32-bit register goes to port 0xCF8, its value comes and goes at 0xCFC.
const (
	pciAddress = 0xcf8
	pciData    = 0xcfc
	pciVendor  = 0x1af4 // virtio devices (Red Hat, Inc.)
)

// Configuration-space registers of a PCI function.
const (
	pciID         = 0x00 // vendor, device
	pciCommand    = 0x04 // command; status above
	pciHeaderType = 0x0c // byte 2 of this register
	pciBAR0       = 0x10
	pciSubsystem  = 0x2c // subsystem vendor, subsystem ID
	pciCapList    = 0x34
	pciIntLine    = 0x3c

	pciStatusCaps    = 1 << 20 // in the command/status register: a capability list
	pciCommandMemory = 1 << 1
	pciCommandMaster = 1 << 2 // the device may read and write RAM (the rings)
)

// pciFunc is a bus/device/function as in a configuration address.
type pciFunc uint32

func pciAt(bus, dev, fn int) pciFunc { return pciFunc(bus<<16 | dev<<11 | fn<<8) }

func (f pciFunc) read32(off uintptr) uint32 {
	cpu.Outl(pciAddress, 0x8000_0000|uint32(f)|uint32(off&^3))
	return cpu.Inl(pciData)
}

func (f pciFunc) read8(off uintptr) uint8 { return uint8(f.read32(off) >> (8 * (off & 3))) }

func (f pciFunc) write32(off uintptr, v uint32) {
	cpu.Outl(pciAddress, 0x8000_0000|uint32(f)|uint32(off&^3))
	cpu.Outl(pciData, v)
}

// pciPresent reports whether a PCI host bridge answers (a pc; a microvm has
// no PCI bus, and its empty ports read as all ones).
func pciPresent() bool {
	id := pciAt(0, 0, 0).read32(pciID)
	return id != 0xffff_ffff && id&0xffff != 0
}

// virtioType returns the virtio device type of a function with PCI device
// ID id: modern devices are 0x1040+type; transitional ones are
// 0x1000..0x103f and carry the type as their subsystem ID.
func virtioType(f pciFunc, id uint32) uint32 {
	switch dev := id >> 16; {
	case dev >= 0x1040 && dev <= 0x107f:
		return dev - 0x1040
	case dev >= 0x1000 && dev <= 0x103f:
		return f.read32(pciSubsystem) >> 16
	}
	return 0
}

// findPCI scans bus 0 (the only one on QEMU's pc without bridges) for
// virtio devices of type typ, in slot order, which is command-line order.
func findPCI(typ uint32, out []Device) int {
	n := 0
	for dev := 0; dev < 32 && n < len(out); dev++ {
		fns := 1
		for fn := 0; fn < fns && n < len(out); fn++ {
			f := pciAt(0, dev, fn)
			id := f.read32(pciID)
			if id == 0xffff_ffff || id&0xffff == 0 {
				continue
			}
			if fn == 0 && f.read8(pciHeaderType+2)&0x80 != 0 {
				fns = 8 // a multi-function device
			}
			if id&0xffff != pciVendor || virtioType(f, id) != typ {
				continue
			}
			irq := int(f.read8(pciIntLine))
			if irq == 0xff {
				irq = -1 // not connected
			}
			d := &out[n]
			*d = Device{Type: typ, IRQ: irq, Addr: uintptr(f >> 8), via: viaPCI}
			if !d.pciCapabilities(f) {
				klog.Line("virtio: ignoring a virtio-pci device without the modern interface (QEMU: do not set disable-modern=on)")
				continue
			}
			cmd := f.read32(pciCommand) & 0xffff
			f.write32(pciCommand, cmd|pciCommandMemory|pciCommandMaster) // status bits: write 0, change nothing
			n++
		}
	}
	return n
}
