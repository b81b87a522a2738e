package virtio

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
)

// QEMU's microvm has mmioSlots virtio-mmio transports of mmioSlotSize bytes
// from mmioBase up (hw/i386/microvm.c; 24 with its second I/O APIC, the
// default, 8 without). It plugs devices into the highest free slot first,
// so probing from the top finds them in command-line order.
// The slot's interrupt is known only with 24 slots: GSI 24+slot on the second
// I/O APIC (with 8, the base depends on whether ACPI is on).
const (
	mmioBase     = 0xfeb00000
	mmioSlotSize = 0x200
	mmioSlots    = 24
	mmioMagic    = 0x74726976 // "virt"
	mmioIRQBase  = 24
)

// virtio-mmio registers (version 2). All are 32 bits wide.
const (
	mmioMagicValue        = 0x000
	mmioVersion           = 0x004
	mmioDeviceID          = 0x008
	mmioDeviceFeatures    = 0x010
	mmioDeviceFeaturesSel = 0x014
	mmioDriverFeatures    = 0x020
	mmioDriverFeaturesSel = 0x024
	mmioQueueSel          = 0x030
	mmioQueueNumMax       = 0x034
	mmioQueueNum          = 0x038
	mmioQueueReady        = 0x044
	mmioQueueNotify       = 0x050
	mmioInterruptStatus   = 0x060
	mmioInterruptACK      = 0x064
	mmioStatus            = 0x070
	mmioQueueDescLow      = 0x080
	mmioQueueDriverLow    = 0x090
	mmioQueueDeviceLow    = 0x0a0
	mmioConfigGeneration  = 0x0fc
	mmioConfig            = 0x100
)

// findMMIO probes the microvm slots for devices of type typ, from the top
// down to the first empty one: QEMU fills them without gaps, so a machine
// without devices costs two register reads.
func findMMIO(typ uint32, out []Device) int {
	window := memory.MapDevice(mmioBase, mmioSlots*mmioSlotSize)
	top := mmioSlots - 1
	for top >= 0 && cpu.Read32(window+uintptr(top)*mmioSlotSize+mmioMagicValue) != mmioMagic {
		top-- // fewer slots (a microvm without its second I/O APIC)
	}
	n := 0
	for s := top; s >= 0 && n < len(out); s-- {
		regs := window + uintptr(s)*mmioSlotSize
		id := cpu.Read32(regs + mmioDeviceID)
		if id == 0 {
			break
		}
		if id != typ {
			continue
		}
		if v := cpu.Read32(regs + mmioVersion); v != 2 {
			klog.Str("unigo: virtio: ignoring a legacy virtio-mmio device (version ")
			klog.Dec(int64(v))
			klog.Str("): start QEMU with -global virtio-mmio.force-legacy=false\n")
			continue
		}
		irq := -1
		if top == mmioSlots-1 {
			irq = mmioIRQBase + s
		}
		out[n] = Device{Type: typ, IRQ: irq, Addr: mmioBase + uintptr(s)*mmioSlotSize,
			via: viaMMIO, regs: regs, config: regs + mmioConfig}
		n++
	}
	return n
}

func (d *Device) mmioRead(reg uintptr) uint32     { return cpu.Read32(d.regs + reg) }
func (d *Device) mmioWrite(reg uintptr, v uint32) { cpu.Write32(d.regs+reg, v) }
