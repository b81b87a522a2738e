package virtioblk

import (
	"bytes"
	"testing"

	"unigo.dev/unigo/kernel/memory"
)

// Read and Write take a list of pages; a device that takes fewer buffers
// than the list gets several requests, each within its limit (the fake
// fails a request with more), and the bytes land in order.
func TestPageListsSplit(t *testing.T) {
	const size = 64 * memory.PageSize
	f := useFakeDisk(t, size, 3, false)
	var pages [10]uintptr
	for i := range pages {
		pages[i] = uintptr(100+i) * memory.PageSize
		f.pages[pages[i]] = new([memory.PageSize]byte)
	}
	n := 9*memory.PageSize + 1024 // the last page in part
	if e := Read(0, 16, pages[:], n); e != 0 {
		t.Fatalf("Read: errno %d", e)
	}
	if f.reqs != 4 {
		t.Fatalf("%d requests for 10 pages with 3 a request, want 4", f.reqs)
	}
	for i := 0; i < 10; i++ {
		want := f.data[16*SectorSize+i*memory.PageSize:][:min(memory.PageSize, n-i*memory.PageSize)]
		if !bytes.Equal(f.pages[pages[i]][:len(want)], want) {
			t.Fatalf("page %d differs", i)
		}
	}
	for i := range pages {
		f.pages[pages[i]][7] = byte(i + 1)
	}
	f.reqs = 0
	if e := Write(0, 8, pages[:6], 6*memory.PageSize); e != 0 || f.reqs != 2 {
		t.Fatalf("Write: errno %d, %d requests (want 2)", e, f.reqs)
	}
	for i := 0; i < 6; i++ {
		if got := f.data[8*SectorSize+i*memory.PageSize+7]; got != byte(i+1) {
			t.Fatalf("page %d written as %d", i, got)
		}
	}
	if e := Read(1, 0, pages[:1], SectorSize); e != ENXIO {
		t.Fatalf("Read of no disk: errno %d", e)
	}
}
