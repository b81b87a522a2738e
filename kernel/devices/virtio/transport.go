package virtio

import "unigo.dev/unigo/kernel/cpu"

// The modern virtio-pci common configuration (widths as in the spec: the
// access must have the field's width; 64-bit addresses are written as two
// 32-bit halves, low first).
const (
	pciDeviceFeatureSel = 0x00
	pciDeviceFeature    = 0x04
	pciDriverFeatureSel = 0x08
	pciDriverFeature    = 0x0c
	pciDeviceStatus     = 0x14 // 8 bits
	pciConfigGeneration = 0x15 // 8 bits
	pciQueueSelect      = 0x16 // 16 bits
	pciQueueSize        = 0x18 // 16 bits
	pciQueueEnable      = 0x1c // 16 bits
	pciQueueNotifyOff   = 0x1e // 16 bits
	pciQueueDesc        = 0x20
	pciQueueDriver      = 0x28
	pciQueueDevice      = 0x30
)

// The operations below are the same on both transports; only the
// registers differ.

func (d *Device) status() uint8 {
	if d.via == viaPCI {
		return cpu.Read8(d.regs + pciDeviceStatus)
	}
	return uint8(d.mmioRead(mmioStatus))
}

func (d *Device) setStatus(s uint8) {
	if d.via == viaPCI {
		cpu.Write8(d.regs+pciDeviceStatus, s)
		return
	}
	d.mmioWrite(mmioStatus, uint32(s))
}

func (d *Device) deviceFeatures() uint64 {
	var lo, hi uint32
	if d.via == viaPCI {
		cpu.Write32(d.regs+pciDeviceFeatureSel, 0)
		lo = cpu.Read32(d.regs + pciDeviceFeature)
		cpu.Write32(d.regs+pciDeviceFeatureSel, 1)
		hi = cpu.Read32(d.regs + pciDeviceFeature)
	} else {
		d.mmioWrite(mmioDeviceFeaturesSel, 0)
		lo = d.mmioRead(mmioDeviceFeatures)
		d.mmioWrite(mmioDeviceFeaturesSel, 1)
		hi = d.mmioRead(mmioDeviceFeatures)
	}
	return uint64(hi)<<32 | uint64(lo)
}

func (d *Device) setDriverFeatures(f uint64) {
	if d.via == viaPCI {
		cpu.Write32(d.regs+pciDriverFeatureSel, 0)
		cpu.Write32(d.regs+pciDriverFeature, uint32(f))
		cpu.Write32(d.regs+pciDriverFeatureSel, 1)
		cpu.Write32(d.regs+pciDriverFeature, uint32(f>>32))
		return
	}
	d.mmioWrite(mmioDriverFeaturesSel, 0)
	d.mmioWrite(mmioDriverFeatures, uint32(f))
	d.mmioWrite(mmioDriverFeaturesSel, 1)
	d.mmioWrite(mmioDriverFeatures, uint32(f>>32))
}

// generation changes whenever the device changes its configuration.
func (d *Device) generation() uint32 {
	if d.via == viaPCI {
		return uint32(cpu.Read8(d.regs + pciConfigGeneration))
	}
	return d.mmioRead(mmioConfigGeneration)
}

// selectQueue selects queue index for the queue registers and returns its
// maximum size, 0 if there is no such queue or it is in use already.
func (d *Device) selectQueue(index int) uint16 {
	if d.via == viaPCI {
		cpu.Write16(d.regs+pciQueueSelect, uint16(index))
		if cpu.Read16(d.regs+pciQueueEnable) != 0 {
			return 0
		}
		return cpu.Read16(d.regs + pciQueueSize)
	}
	d.mmioWrite(mmioQueueSel, uint32(index))
	if d.mmioRead(mmioQueueReady) != 0 {
		return 0
	}
	return uint16(d.mmioRead(mmioQueueNumMax))
}

// enableQueue gives the selected queue q's size and rings, and enables it.
func (d *Device) enableQueue(q *Queue) {
	desc, driver, device := uint64(q.phys), uint64(q.phys+q.availOff()), uint64(q.phys+q.usedOff())
	if d.via == viaPCI {
		r := d.regs
		cpu.Write16(r+pciQueueSize, q.size)
		for _, a := range [3]struct {
			reg  uintptr
			addr uint64
		}{{pciQueueDesc, desc}, {pciQueueDriver, driver}, {pciQueueDevice, device}} {
			cpu.Write32(r+a.reg, uint32(a.addr))
			cpu.Write32(r+a.reg+4, uint32(a.addr>>32))
		}
		q.notifyAt = d.notify + uintptr(cpu.Read16(r+pciQueueNotifyOff))*uintptr(d.notifyMul)
		q.notify16 = true
		cpu.Write16(r+pciQueueEnable, 1)
		return
	}
	d.mmioWrite(mmioQueueNum, uint32(q.size))
	for _, a := range [3]struct {
		reg  uintptr
		addr uint64
	}{{mmioQueueDescLow, desc}, {mmioQueueDriverLow, driver}, {mmioQueueDeviceLow, device}} {
		d.mmioWrite(a.reg, uint32(a.addr))
		d.mmioWrite(a.reg+4, uint32(a.addr>>32))
	}
	q.notifyAt = d.regs + mmioQueueNotify
	d.mmioWrite(mmioQueueReady, 1)
}
