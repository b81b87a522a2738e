package virtio

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// Many buffers in flight, with the test playing the device: it takes
// buffers from the driver ring and returns them out of order.
func TestRingOutOfOrder(t *testing.T) {
	page := new([4096]byte)
	var notified uint32
	base := reflect.ValueOf(page).Pointer()
	q := Queue{phys: 0x5000, virt: base, size: 8, index: 1, notifyAt: reflect.ValueOf(&notified).Pointer()}
	le := binary.LittleEndian
	avail, used := page[q.availOff():], page[q.usedOff():]
	var devAvail, devUsed uint16             // the device's positions
	for round := 0; round < 20000; round++ { // past the 16-bit indexes' wrap
		for d := uint16(0); d < 4; d++ {
			q.Put(d, 0x1000*uintptr(d+1), 2048, d%2 == 0)
		}
		notified = 0
		q.Kick()
		if notified != 1 {
			t.Fatalf("round %d: not notified", round)
		}
		var got []uint16
		for ; devAvail != le.Uint16(avail[2:]); devAvail++ {
			d := le.Uint16(avail[4+2*int(devAvail%8):])
			desc := page[16*int(d):]
			if le.Uint64(desc) != 0x1000*uint64(d+1) || le.Uint32(desc[8:]) != 2048 || le.Uint16(desc[12:]) != uint16(1-d%2)*descWrite {
				t.Fatalf("round %d: descriptor %d: % x", round, d, desc[:16])
			}
			got = append(got, d)
		}
		if len(got) != 4 {
			t.Fatalf("round %d: the device found %v", round, got)
		}
		if q.Returned() {
			t.Fatal("returned before the device answered")
		}
		for _, d := range []uint16{got[2], got[0], got[3], got[1]} {
			le.PutUint32(used[4+8*int(devUsed%8):], uint32(d))
			le.PutUint32(used[8+8*int(devUsed%8):], uint32(100+d))
			devUsed++
		}
		le.PutUint16(used[2:], devUsed)
		for _, want := range []uint16{got[2], got[0], got[3], got[1]} {
			if !q.Returned() {
				t.Fatal("Returned is false with buffers on the device ring")
			}
			d, n, ok := q.Next()
			if !ok || d != want || n != uint32(100+want) {
				t.Fatalf("Next = %d, %d, %v; want %d", d, n, ok, want)
			}
		}
		if _, _, ok := q.Next(); ok || q.Returned() {
			t.Fatal("a fifth buffer returned")
		}
	}
	// The device says it needs no notification: Kick leaves it alone.
	le.PutUint16(used[0:], usedNoNotify)
	notified = 0
	q.Kick()
	if notified != 0 {
		t.Fatal("notified despite the device's flag")
	}
	q.SetInterrupts(true)
	if le.Uint16(avail[0:]) != 0 {
		t.Fatal("interrupts on: the driver ring's flag is set")
	}
	q.SetInterrupts(false)
	if le.Uint16(avail[0:]) != availNoInterrupt {
		t.Fatal("interrupts off: the driver ring's flag is clear")
	}
}
