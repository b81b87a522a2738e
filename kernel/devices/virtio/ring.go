package virtio

import "unigo.dev/unigo/kernel/cpu"

// Many requests in flight on one queue: each is a single buffer on a
// descriptor the driver chooses (Put), the device returns them in whatever
// order it finishes (Next), and the driver decides when it wants to be
// interrupted for that (SetInterrupts). A network card's queues work so:
// receive buffers wait with the device until frames arrive, sent frames
// are reclaimed when the device is done with them.

// usedNoNotify is the device ring's flag by which the device says it need
// not be notified of new buffers (it is processing the queue already).
const usedNoNotify = 1

// Put makes descriptor desc, one buffer of n bytes at physical address
// phys, available to the device; deviceWrites marks a buffer the device
// fills. Kick tells the device. The driver must not Put a descriptor the
// device still has.
func (q *Queue) Put(desc uint16, phys uintptr, n uint32, deviceWrites bool) {
	if desc >= q.size {
		return
	}
	d := q.virt + 16*uintptr(desc)
	var flags uint16
	if deviceWrites {
		flags = descWrite
	}
	cpu.Write64(d, uint64(phys))
	cpu.Write32(d+8, n)
	cpu.Write16(d+12, flags)
	cpu.Write16(d+14, 0)
	ring := q.virt + q.availOff()
	cpu.Write16(ring+4+2*uintptr(q.avail&(q.size-1)), desc)
	q.avail++
	cpu.Write16(ring+2, q.avail) // after the descriptor and the entry: x86 keeps stores in order
}

// Kick notifies the device of the buffers Put since the last Kick, unless
// it said it does not need to be.
func (q *Queue) Kick() {
	cpu.Fence() // the ring index is visible before the device's flag is read
	if cpu.Read16(q.virt+q.usedOff())&usedNoNotify != 0 {
		return
	}
	q.notifyDevice()
}

// Next takes the next buffer the device returned: its descriptor and how
// many bytes the device wrote into it. ok is false when there is none.
func (q *Queue) Next() (desc uint16, n uint32, ok bool) {
	ring := q.virt + q.usedOff()
	if cpu.Read16(ring+2) == q.used {
		return 0, 0, false
	}
	e := ring + 4 + 8*uintptr(q.used&(q.size-1)) // read after the index: x86 keeps loads in order
	desc, n = uint16(cpu.Read32(e)), cpu.Read32(e+4)
	q.used++
	return desc, n, true
}

// Returned reports whether the device has returned buffers that Next has
// not taken yet.
func (q *Queue) Returned() bool {
	return cpu.Read16(q.virt+q.usedOff()+2) != q.used
}

// SetInterrupts asks the device to interrupt when it returns buffers, or
// not to (a hint the device may ignore). A driver that turns them on
// before it waits must look at Returned afterwards: a buffer returned just
// before came without an interrupt.
func (q *Queue) SetInterrupts(on bool) {
	var flags uint16 = availNoInterrupt
	if on {
		flags = 0
	}
	cpu.Write16(q.virt+q.availOff(), flags)
	cpu.Fence() // the flag is visible before the caller reads the device ring
}
