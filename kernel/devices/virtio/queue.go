package virtio

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/memory"
)

// MaxQueueSize bounds a queue so that its three parts (descriptor table,
// driver ring, device ring) fit in one page: 128 entries take 3342 bytes.
const MaxQueueSize = 128

// Descriptor flags and the driver ring's flag.
const (
	descNext         = 1
	descWrite        = 2 // the device writes the buffer
	availNoInterrupt = 1
)

// Queue is one split virtqueue. Its page holds the descriptor table at 0,
// the driver (available) ring after it and the device (used) ring after
// that, 4-aligned; the device is given the page's physical addresses.
//
// Two ways to use a queue (not both on one queue): one request in flight
// at a time, a chain built from descriptor 0 (Add), made available
// (Submit), then polled for (Wait), as virtio-blk does; or many
// single-buffer requests in flight, each on a descriptor the driver names,
// returned in any order and announced by interrupt (ring.go), as
// virtio-net does.
type Queue struct {
	phys     uintptr // the page's physical address
	virt     uintptr // the page through the direct map
	size     uint16  // a power of 2: ring positions are indexes masked by size-1
	index    uint16
	notifyAt uintptr // where to write the queue's index to notify the device
	notify16 bool    // PCI takes a 16-bit write there, MMIO a 32-bit one
	chain    uint16  // descriptors in the chain being built
	avail    uint16  // the driver ring's index: chains made available so far
	used     uint16  // the device ring's index as last consumed
	busy     bool    // a chain is with the device
}

func (q *Queue) availOff() uintptr { return 16 * uintptr(q.size) }
func (q *Queue) usedOff() uintptr {
	return (q.availOff() + 6 + 2*uintptr(q.size) + 3) &^ 3
}

// init takes a zeroed page for a queue of size entries.
func (q *Queue) init(size, index uint16) bool {
	p := memory.AllocPage()
	if p == 0 {
		return false
	}
	*q = Queue{phys: p, virt: memory.PhysToVirt(p), size: size, index: index}
	// No interrupts until a driver asks for them (SetInterrupts).
	cpu.Write16(q.virt+q.availOff(), availNoInterrupt)
	return true
}

// Size is the number of descriptors: the longest chain the queue takes.
func (q *Queue) Size() int { return int(q.size) }

// Add appends a buffer of n bytes at physical address phys to the chain
// being built; deviceWrites marks a buffer the device fills. It returns
// false when the chain would be longer than the queue, or a chain is
// already with the device.
func (q *Queue) Add(phys uintptr, n uint32, deviceWrites bool) bool {
	if q.busy || q.chain >= q.size {
		return false
	}
	i := q.chain
	d := q.virt + 16*uintptr(i)
	var flags uint16
	if deviceWrites {
		flags = descWrite
	}
	cpu.Write64(d, uint64(phys))
	cpu.Write32(d+8, n)
	cpu.Write16(d+12, flags)
	cpu.Write16(d+14, 0)
	if i > 0 {
		prev := d - 16
		cpu.Write16(prev+12, cpu.Read16(prev+12)|descNext)
		cpu.Write16(prev+14, i)
	}
	q.chain++
	return true
}

// Submit gives the chain built with Add to the device and notifies it. The
// descriptors are written before the ring entry, and the entry before the
// index, in program order, which x86 keeps for the device to see.
func (q *Queue) Submit() {
	ring := q.virt + q.availOff()
	cpu.Write16(ring+4+2*uintptr(q.avail&(q.size-1)), 0) // the chain's head: descriptor 0
	q.avail++
	cpu.Write16(ring+2, q.avail)
	q.busy = true
	q.notifyDevice()
}

// notifyDevice tells the device that the driver ring has new entries.
func (q *Queue) notifyDevice() {
	if q.notify16 {
		cpu.Write16(q.notifyAt, q.index)
	} else {
		cpu.Write32(q.notifyAt, uint32(q.index))
	}
}

// Done reports whether the device has returned the chain, and how many
// bytes it wrote into it.
func (q *Queue) Done() (uint32, bool) {
	ring := q.virt + q.usedOff()
	if !q.busy || cpu.Read16(ring+2) == q.used {
		return 0, false
	}
	n := cpu.Read32(ring + 4 + 8*uintptr(q.used&(q.size-1)) + 4)
	q.used++
	q.busy, q.chain = false, 0
	return n, true
}

// Wait polls (with PAUSE) until the device returns the chain, for at most
// timeout nanoseconds. On false the chain is still the device's: the
// queue must not be used again.
func (q *Queue) Wait(timeout int64) (uint32, bool) {
	deadline := clock.Nanotime() + timeout
	for spins := 0; ; spins++ {
		if n, ok := q.Done(); ok {
			return n, true
		}
		if spins&1023 == 1023 && clock.Nanotime() > deadline {
			return 0, false
		}
		cpu.Pause()
	}
}

// Reset drops a chain that was being built and not submitted.
func (q *Queue) Reset() {
	if !q.busy {
		q.chain = 0
	}
}
