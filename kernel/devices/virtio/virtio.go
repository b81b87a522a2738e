// Package virtio is the virtio 1.x transport layer: it finds devices, runs
// the status and feature handshake, and gives each queue its rings, so that
// device drivers (virtioblk, virtionet) only build requests.
//
// Two transports, one per QEMU machine: virtio-mmio version 2 on microvm
// (mmio.go) and modern virtio-pci on pc (pci.go, pcicaps.go; the capability
// layout, not the legacy I/O-port interface, whose rings would need
// physically contiguous pages). Queues are split virtqueues in one page
// each (queue.go): one request at a time, polled (virtio-blk), or many in
// flight with completion by interrupt (ring.go, interrupt.go; virtio-net).
//
// Device state is plain values (no pointers), so drivers keep it in global
// arrays and use it on the system-call path without write barriers.
package virtio

import "unigo.dev/unigo/kernel/cpu"

// Device types (the virtio device ID).
const (
	TypeNet   = 1
	TypeBlock = 2
	Type9P    = 9 // a shared directory of the host (virtio-9p)
)

// FeatureVersion1 says the device is a virtio 1.x device; it is always
// negotiated (legacy devices are not driven).
const FeatureVersion1 = 1 << 32

// Device status bits.
const (
	statusAcknowledge = 1
	statusDriver      = 2
	statusDriverOK    = 4
	statusFeaturesOK  = 8
	statusFailed      = 128
)

type transport uint8

const (
	viaMMIO transport = iota + 1
	viaPCI
)

// Device is one virtio device found by Find.
type Device struct {
	Type uint32 // TypeNet, TypeBlock, ...
	// IRQ is the interrupt line the device raises (the I/O APIC input: the
	// PCI interrupt line on pc; on microvm the GSI of the virtio-mmio slot),
	// or -1 when unknown. See EnableInterrupt.
	IRQ int
	// Addr says where the device is, for messages: the physical address of
	// its virtio-mmio window, or its PCI address as bus<<8 | device<<3 | function.
	Addr uintptr

	via       transport
	regs      uintptr // MMIO: the register window; PCI: the common configuration
	config    uintptr // the device-specific configuration
	notify    uintptr // PCI: the notification region
	notifyMul uint32  // PCI: bytes between two queues' notification addresses
	isr       uintptr // PCI: the ISR status byte
}

// Find looks for devices of type typ and fills out with them, in the order
// QEMU was given them on its command line; it returns how many it found.
// A pc has a PCI bus (probed through ports 0xCF8/0xCFC); otherwise the
// machine is a microvm and its virtio-mmio slots are probed.
func Find(typ uint32, out []Device) int {
	if pciPresent() {
		return findPCI(typ, out)
	}
	return findMMIO(typ, out)
}

// Start resets the device and negotiates features: those of want that the
// device offers, plus FeatureVersion1, which it must offer. It returns the
// features agreed, or false (the device is then marked failed).
func (d *Device) Start(want uint64) (uint64, bool) {
	d.setStatus(0)
	for i := 0; d.status() != 0 && i < 1_000_000; i++ {
		cpu.Pause() // a reset is complete when the status reads 0
	}
	d.setStatus(statusAcknowledge)
	d.setStatus(statusAcknowledge | statusDriver)
	got := d.deviceFeatures() & (want | FeatureVersion1)
	if got&FeatureVersion1 == 0 {
		d.Fail()
		return 0, false
	}
	d.setDriverFeatures(got)
	d.setStatus(statusAcknowledge | statusDriver | statusFeaturesOK)
	if d.status()&statusFeaturesOK == 0 {
		d.Fail()
		return 0, false
	}
	return got, true
}

// Ready tells the device that the driver is set up (DRIVER_OK): from now on
// it processes its queues.
func (d *Device) Ready() {
	d.setStatus(statusAcknowledge | statusDriver | statusFeaturesOK | statusDriverOK)
}

// Fail tells the device that the driver gave up on it.
func (d *Device) Fail() { d.setStatus(d.status() | statusFailed) }

// Config8 reads a byte of the device-specific configuration.
func (d *Device) Config8(off uintptr) uint8 { return cpu.Read8(d.config + off) }

// Config16 reads a 16-bit field of the device-specific configuration.
func (d *Device) Config16(off uintptr) uint16 { return cpu.Read16(d.config + off) }

// ConfigGeneration changes whenever the device changes its configuration:
// a driver reading a field in several accesses (a MAC address) reads it
// again if the generation moved meanwhile.
func (d *Device) ConfigGeneration() uint32 { return d.generation() }

// Config32 reads a 32-bit field of the device-specific configuration.
func (d *Device) Config32(off uintptr) uint32 { return cpu.Read32(d.config + off) }

// Config64 reads a 64-bit field of the device-specific configuration as two
// 32-bit reads, again if the device changed its configuration in between.
func (d *Device) Config64(off uintptr) uint64 {
	for {
		gen := d.generation()
		lo := cpu.Read32(d.config + off)
		hi := cpu.Read32(d.config + off + 4)
		if d.generation() == gen {
			return uint64(hi)<<32 | uint64(lo)
		}
	}
}

// SetupQueue gives queue index of the device its rings in one new page,
// with as many entries as the device allows up to MaxQueueSize. It returns
// false when the device has no such queue or memory ran out.
func (d *Device) SetupQueue(index int, q *Queue) bool {
	max := d.selectQueue(index)
	if max == 0 {
		return false
	}
	size := uint16(MaxQueueSize)
	for size > max {
		size >>= 1 // a split queue's size is a power of 2
	}
	if !q.init(size, uint16(index)) {
		return false
	}
	d.enableQueue(q)
	return true
}
