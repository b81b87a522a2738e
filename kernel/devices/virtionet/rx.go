package virtionet

import "unigo.dev/unigo/kernel/memory"

// Every receive buffer is with the device except while Recv copies a frame
// out of it; it goes back at once, so the ring stays full and the card
// never drops a frame for want of a buffer while the stack keeps up.

// rxPhys is the physical address of receive buffer i.
func rxPhys(i int) uintptr { return nic.rxPages[i/perPage] + uintptr(i%perPage)*bufSize }

// Recv copies the next received frame, without its virtio header, into
// dst (truncated to len(dst)) and returns how many bytes it copied. When
// no frame is queued it asks the card to interrupt on the next one and
// returns false: the caller then waits on RecvKey, which Interrupt wakes.
func Recv(dst []byte) (int, bool) {
	if !Present() {
		return 0, false
	}
	for {
		if n, ok := take(dst); ok {
			nic.stats.Received++
			return n, true
		}
		nic.rx.SetInterrupts(true)
		if !nic.rx.Returned() {
			nic.stats.RecvWaits++
			return 0, false
		}
		// A frame came in between: take it instead of waiting.
		nic.rx.SetInterrupts(false)
	}
}

// take copies out the first frame the device returned and gives its buffer
// back. Entries that name no buffer of ours, or hold no frame, are skipped.
func take(dst []byte) (int, bool) {
	for {
		desc, n, ok := nic.rx.Next()
		if !ok {
			return 0, false
		}
		i := int(desc)
		if i >= nic.rxN {
			continue // not ours: nothing to give back
		}
		frame := min(int(n), bufSize) - hdrLen
		copied := 0
		if frame > 0 {
			p := rxPhys(i)
			page := memory.PageBytes(p &^ (memory.PageSize - 1))
			off := int(p&(memory.PageSize-1)) + hdrLen
			copied = copy(dst, page[off:off+frame])
		}
		nic.rx.Put(desc, rxPhys(i), bufSize, true)
		nic.rx.Kick()
		if frame > 0 {
			return copied, true
		}
	}
}
