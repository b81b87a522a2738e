package virtionet

import "unigo.dev/unigo/kernel/memory"

// A frame to send is copied behind a zeroed virtio header into a free
// transmit buffer, which goes to the device; buffers come back on the
// device ring once sent and are reclaimed lazily (by the next Send) or by
// the interrupt. A sender finding none free asks for the interrupt and waits.

// txPhys is the physical address of transmit buffer i.
func txPhys(i int) uintptr { return nic.txPages[i/perPage] + uintptr(i%perPage)*bufSize }

// Send queues frame (14 to MaxFrame bytes: the caller checks) for
// transmission. It returns false when every transmit buffer is with the
// device: the card will interrupt when one comes back, and the caller
// waits on SendKey.
func Send(frame []byte) bool {
	if !Present() || len(frame) > bufSize-hdrLen {
		return false
	}
	reclaim()
	if nic.nFree == 0 {
		nic.tx.SetInterrupts(true)
		if reclaim() == 0 {
			nic.stats.SendWaits++
			return false
		}
		nic.tx.SetInterrupts(false)
	}
	nic.nFree--
	i := int(nic.txFree[nic.nFree])
	nic.txBusy[i] = true
	p := txPhys(i)
	page := memory.PageBytes(p &^ (memory.PageSize - 1))
	off := int(p & (memory.PageSize - 1))
	clear(page[off : off+hdrLen])
	copy(page[off+hdrLen:], frame)
	nic.tx.Put(uint16(i), p, uint32(hdrLen+len(frame)), false)
	nic.tx.Kick()
	nic.stats.Sent++
	return true
}

// reclaim frees the transmit buffers the device is done with and returns
// how many.
func reclaim() int {
	k := 0
	for {
		desc, _, ok := nic.tx.Next()
		if !ok {
			return k
		}
		i := int(desc)
		if i >= nic.txN || !nic.txBusy[i] {
			continue // not a buffer the device had
		}
		nic.txBusy[i] = false
		nic.txFree[nic.nFree] = desc
		nic.nFree++
		k++
	}
}
