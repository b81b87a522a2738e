package virtio

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/devices/ioapic"
)

// A device's interrupt is one level-triggered line: it stays asserted
// while the device's interrupt status is non-zero, until the driver
// acknowledges it. On microvm the line is the virtio-mmio slot's GSI on
// the second I/O APIC; on pc, the PCI INTx line the firmware routed
// (legacy interrupts: MSI-X is left off, so the device uses INTx).

// Interrupt status bits (the ISR, or virtio-mmio's InterruptStatus).
const (
	InterruptQueue  = 1 // the device returned buffers on some queue
	InterruptConfig = 2 // the device changed its configuration (link status)
)

// pciCommandNoINTx is the PCI command register's Interrupt Disable bit.
const pciCommandNoINTx = 1 << 10

// EnableInterrupt routes the device's line to the CPU and returns the
// vector it raises; ok is false when the line is unknown.
func (d *Device) EnableInterrupt() (vector uint64, ok bool) {
	if d.IRQ < 0 || !ioapic.EnableLevel(d.IRQ) {
		return 0, false
	}
	if d.via == viaPCI {
		f := pciFunc(d.Addr << 8)
		cmd := f.read32(pciCommand) & 0xffff
		f.write32(pciCommand, cmd&^pciCommandNoINTx)
	}
	return uint64(ioapic.VectorBase + d.IRQ), true
}

// AckInterrupt reads and acknowledges the device's interrupt status (the
// line drops) and returns it. Called from the interrupt handler, before
// the LAPIC's EOI, so that a level-triggered line is not raised again.
func (d *Device) AckInterrupt() uint32 {
	if d.via == viaPCI {
		return uint32(cpu.Read8(d.isr)) // reading the ISR clears it
	}
	s := d.mmioRead(mmioInterruptStatus)
	d.mmioWrite(mmioInterruptACK, s)
	return s
}
