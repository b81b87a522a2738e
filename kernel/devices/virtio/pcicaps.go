package virtio

import "unigo.dev/unigo/kernel/memory"

// A modern virtio-pci function describes where its register blocks are
// with vendor-specific capabilities: each names a memory BAR, an offset in
// it and a length.
const (
	capVendor = 0x09
	// Capability fields, from the capability's start.
	capType       = 3
	capBAR        = 4
	capOffset     = 8
	capLength     = 12
	capNotifyMult = 16
	// Capability types.
	capCommon = 1
	capNotify = 2
	capISR    = 3
	capDevice = 4
)

// pciCapabilities maps the common, notification, ISR and device-specific
// configuration blocks of f. It returns false when one is missing (a
// legacy-only device) or its BAR is not an assigned memory BAR.
func (d *Device) pciCapabilities(f pciFunc) bool {
	if f.read32(pciCommand)&pciStatusCaps == 0 {
		return false
	}
	ptr := uintptr(f.read8(pciCapList)) &^ 3
	for i := 0; ptr != 0 && i < 48; i++ { // 48 bounds a looping list
		if f.read8(ptr) == capVendor {
			at := mapBAR(f, int(f.read8(ptr+capBAR)), f.read32(ptr+capOffset), f.read32(ptr+capLength))
			switch f.read8(ptr + capType) {
			case capCommon:
				if d.regs == 0 {
					d.regs = at
				}
			case capNotify:
				if d.notify == 0 {
					d.notify, d.notifyMul = at, f.read32(ptr+capNotifyMult)
				}
			case capISR:
				if d.isr == 0 {
					d.isr = at
				}
			case capDevice:
				if d.config == 0 {
					d.config = at
				}
			}
		}
		ptr = uintptr(f.read8(ptr+1)) &^ 3
	}
	return d.regs != 0 && d.notify != 0 && d.isr != 0 && d.config != 0
}

// mapBAR maps [off, off+n) of memory BAR bar of f and returns its virtual
// address, or 0 when the BAR is an I/O BAR or was not assigned.
func mapBAR(f pciFunc, bar int, off, n uint32) uintptr {
	if bar > 5 {
		return 0
	}
	lo := f.read32(pciBAR0 + 4*uintptr(bar))
	if lo&1 != 0 {
		return 0
	}
	base := uintptr(lo &^ 0xf)
	if lo&6 == 4 && bar < 5 { // 64-bit BAR: the high half is the next one
		base |= uintptr(f.read32(pciBAR0+4*uintptr(bar+1))) << 32
	}
	if base == 0 {
		return 0
	}
	if n == 0 {
		n = 1
	}
	return memory.MapDevice(base+uintptr(off), uintptr(n))
}
