package virtioblk

import (
	"bytes"
	"math/rand"
	"testing"

	"unigo.dev/unigo/kernel/memory"
)

// fakeDisk backs disk 0 with Go memory on the host: the bounce pages are
// Go arrays, and the device copies sectors like a real one would, checking
// each request as the driver must build it.
type fakeDisk struct {
	t     *testing.T
	data  []byte
	pages map[uintptr]*[memory.PageSize]byte
	reqs  int
}

func useFakeDisk(t *testing.T, size, segs int, readOnly bool) *fakeDisk {
	f := &fakeDisk{t: t, data: make([]byte, size), pages: map[uintptr]*[memory.PageSize]byte{}}
	rand.New(rand.NewSource(1)).Read(f.data)
	oldPageAt, oldMove, oldBounce := pageAt, move, bounce
	for i := range bounce {
		bounce[i] = uintptr(i+1) * memory.PageSize
		f.pages[bounce[i]] = new([memory.PageSize]byte)
	}
	pageAt = func(p uintptr) *[memory.PageSize]byte {
		if f.pages[p] == nil {
			t.Fatalf("page %#x is not a bounce page", p)
		}
		return f.pages[p]
	}
	move = f.move
	disks[0] = disk{sectors: int64(size / SectorSize), segs: segs, readOnly: readOnly}
	count = 1
	t.Cleanup(func() {
		pageAt, move, bounce = oldPageAt, oldMove, oldBounce
		disks[0], count = disk{}, 0
	})
	return f
}

func (f *fakeDisk) move(i, typ int, sector int64, pages []uintptr, off, n int) int {
	f.reqs++
	spanned := (off + n + memory.PageSize - 1) / memory.PageSize
	if i != 0 || n <= 0 || n%SectorSize != 0 || off%SectorSize != 0 || spanned > len(pages) || spanned > disks[0].segs {
		f.t.Fatalf("bad request: disk %d sector %d off %d n %d over %d pages", i, sector, off, n, len(pages))
	}
	pos := int(sector) * SectorSize
	if pos+n > len(f.data) {
		f.t.Fatalf("request past the end: sector %d n %d", sector, n)
	}
	for n > 0 {
		page := f.pages[pages[0]]
		k := min(n, memory.PageSize-off)
		if typ == reqIn {
			copy(page[off:off+k], f.data[pos:])
		} else {
			copy(f.data[pos:pos+k], page[off:])
		}
		pos, n, pages, off = pos+k, n-k, pages[1:], 0
	}
	return 0
}

func TestReadWriteAtAnyOffset(t *testing.T) {
	const size = 40*1024 + 512
	f := useFakeDisk(t, size, 3, false) // 12 KiB a request: most transfers take several
	model := bytes.Clone(f.data)
	r := rand.New(rand.NewSource(2))
	for round := 0; round < 2000; round++ {
		off := r.Intn(size + 100)
		n := r.Intn(20000)
		if r.Intn(2) == 0 {
			buf := make([]byte, n)
			got, e := ReadAt(0, buf, int64(off))
			want := max(0, min(n, size-off))
			if e != 0 || got != want || !bytes.Equal(buf[:got], model[min(off, size):min(off, size)+want]) {
				t.Fatalf("ReadAt(%d, %d) = %d, errno %d; want %d bytes as in the model", off, n, got, e, want)
			}
			continue
		}
		buf := make([]byte, n)
		r.Read(buf)
		put, e := WriteAt(0, buf, int64(off))
		switch {
		case n == 0:
			if put != 0 || e != 0 {
				t.Fatalf("empty WriteAt(%d) = %d, errno %d", off, put, e)
			}
		case off >= size:
			if put != 0 || e != ENOSPC {
				t.Fatalf("WriteAt(%d, %d) past the end = %d, errno %d; want ENOSPC", off, n, put, e)
			}
		default:
			want := min(n, size-off)
			if put != want || e != 0 {
				t.Fatalf("WriteAt(%d, %d) = %d, errno %d; want %d", off, n, put, e, want)
			}
			copy(model[off:], buf[:want])
		}
		if !bytes.Equal(f.data, model) {
			t.Fatalf("after WriteAt(%d, %d) the disk differs from the model", off, n)
		}
	}
}

func TestReadOnlyDisk(t *testing.T) {
	useFakeDisk(t, 4096, 2, true)
	if n, e := WriteAt(0, []byte("x"), 0); n != 0 || e != EROFS {
		t.Fatalf("WriteAt on a read-only disk = %d, errno %d", n, e)
	}
	if _, e := ReadAt(1, make([]byte, 1), 0); e != ENXIO {
		t.Fatalf("ReadAt on no disk: errno %d", e)
	}
	if _, e := ReadAt(0, make([]byte, 1), -1); e != EINVAL {
		t.Fatalf("ReadAt at -1: errno %d", e)
	}
}

// ReadPagesAt fills pages from any byte offset, a page at a time in the
// destination however the source straddles sectors and requests.
func TestReadPagesAtAnyOffset(t *testing.T) {
	const size = 40*1024 + 512
	f := useFakeDisk(t, size, 3, true)
	dst := make([]uintptr, 6)
	for i := range dst {
		dst[i] = uintptr(100+i) * memory.PageSize
		f.pages[dst[i]] = new([memory.PageSize]byte)
	}
	r := rand.New(rand.NewSource(3))
	for round := 0; round < 500; round++ {
		off := r.Intn(size + 100)
		n := r.Intn(len(dst)*memory.PageSize + 1)
		for _, p := range dst {
			clear(f.pages[p][:])
		}
		got, e := ReadPagesAt(0, dst, int64(off), n)
		want := max(0, min(n, size-off))
		if e != 0 || got != want {
			t.Fatalf("ReadPagesAt(%d, %d) = %d, errno %d; want %d", off, n, got, e, want)
		}
		var read []byte
		for _, p := range dst {
			read = append(read, f.pages[p][:]...)
		}
		if want > 0 && !bytes.Equal(read[:want], f.data[off:off+want]) {
			t.Fatalf("ReadPagesAt(%d, %d): the pages differ from the disk", off, n)
		}
	}
	if _, e := ReadPagesAt(0, dst[:1], 0, memory.PageSize+1); e != EINVAL {
		t.Fatalf("ReadPagesAt past its pages: errno %d, want EINVAL", e)
	}
}
