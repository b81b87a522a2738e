package virtio

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// A queue on a Go page, with the test playing the device: it reads chains
// from the driver ring and returns them on the device ring.
func TestQueueChains(t *testing.T) {
	page := new([4096]byte)
	var notified uint32
	base := reflect.ValueOf(page).Pointer()
	q := Queue{phys: 0x5000, virt: base, size: 8, index: 3, notifyAt: reflect.ValueOf(&notified).Pointer()}
	if q.usedOff() != 8*16+6+2*8+2 || q.usedOff()%4 != 0 {
		t.Fatalf("device ring at %d", q.usedOff())
	}
	le := binary.LittleEndian
	for round := 0; round < 70000; round++ { // past the 16-bit ring indexes' wrap
		if !q.Add(0x1000, 16, false) || !q.Add(0x2000, 4096, true) || !q.Add(0x3000, 1, true) {
			t.Fatal("Add refused a short chain")
		}
		q.Submit()
		if q.Add(0x4000, 1, false) {
			t.Fatal("Add accepted a buffer while the chain is with the device")
		}
		// The device's view.
		avail := page[q.availOff():]
		if idx := le.Uint16(avail[2:]); idx != uint16(round+1) || notified != 3 {
			t.Fatalf("round %d: driver ring index %d, notified %d", round, idx, notified)
		}
		if head := le.Uint16(avail[4+2*(round%8):]); head != 0 {
			t.Fatalf("chain head %d", head)
		}
		for i, want := range []struct {
			addr        uint64
			n           uint32
			flags, next uint16
		}{{0x1000, 16, descNext, 1}, {0x2000, 4096, descNext | descWrite, 2}, {0x3000, 1, descWrite, 0}} {
			d := page[16*i:]
			if le.Uint64(d) != want.addr || le.Uint32(d[8:]) != want.n || le.Uint16(d[12:]) != want.flags || le.Uint16(d[14:]) != want.next {
				t.Fatalf("descriptor %d: % x", i, d[:16])
			}
		}
		if _, done := q.Done(); done {
			t.Fatal("done before the device answered")
		}
		used := page[q.usedOff():]
		le.PutUint32(used[4+8*(round%8):], 0)
		le.PutUint32(used[8+8*(round%8):], 4097)
		le.PutUint16(used[2:], uint16(round+1))
		if n, done := q.Done(); !done || n != 4097 {
			t.Fatalf("Done = %d, %v", n, done)
		}
	}
}
