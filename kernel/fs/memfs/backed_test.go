package memfs

import (
	"bytes"
	"math/rand"
	"testing"
)

// useFakeDisk makes readDisk read from disk, counting requests.
func useFakeDisk(t *testing.T, f *fakePages, disk []byte) *int {
	reqs := 0
	old := readDisk
	readDisk = func(i int, pages []uintptr, off int64, n int) (int, int) {
		reqs++
		if i != backDisk || n > len(pages)*PageSize {
			t.Fatalf("readDisk(%d, %d pages, %d, %d)", i, len(pages), off, n)
		}
		if off >= int64(len(disk)) {
			return 0, 0
		}
		n = min(n, len(disk)-int(off))
		for k := 0; k < n; k += PageSize {
			copy(f.pages[pages[k/PageSize]][:], disk[int(off)+k:int(off)+n])
		}
		return n, 0
	}
	t.Cleanup(func() { readDisk = old })
	return &reqs
}

// A backed file reads, maps and writes as if its bytes had been copied in,
// but takes pages only for what is used, a run of pages per disk request;
// truncation cuts the backing, so growing again reads zeros.
func TestBackedFile(t *testing.T) {
	f := useFakePages(t, 1<<20)
	disk := make([]byte, 2<<20)
	rand.New(rand.NewSource(1)).Read(disk)
	reqs := useFakeDisk(t, f, disk)
	root, e := NewRoot(0o755, 1)
	must(t, e)
	ino, e := Create(root, []byte("prog"), TypeRegular|0o755, 2)
	must(t, e)
	const off, size = 1000, 300*PageSize + 123 // not aligned: a root archive's data are not
	must(t, SetBacked(ino, off, size))
	model := bytes.Clone(disk[off : off+size])
	if e := SetBacked(ino, 0, 1); e != EINVAL {
		t.Fatalf("SetBacked on a file with data: errno %d, want EINVAL", e)
	}
	if a, _ := Stat(ino); a.Size != size || a.Blocks != 301*8 {
		t.Fatalf("stat: size %d blocks %d", a.Size, a.Blocks)
	}

	buf := make([]byte, 100)
	if n, e := ReadAt(ino, buf, 200*PageSize+7); n != 100 || e != 0 || !bytes.Equal(buf, model[200*PageSize+7:][:100]) {
		t.Fatalf("ReadAt in the middle: %d, errno %d, or wrong bytes", n, e)
	}
	if *reqs != 1 || len(f.pages) > readAhead+2 {
		t.Fatalf("one read took %d requests and %d pages, want 1 and at most %d", *reqs, len(f.pages), readAhead+2)
	}
	p, e := PageOf(ino, 201) // read ahead with the first: no request
	if e != 0 || *reqs != 1 || !bytes.Equal(f.pages[p][:], model[201*PageSize:][:PageSize]) {
		t.Fatalf("PageOf(201): errno %d after %d requests, or wrong bytes", e, *reqs)
	}
	last := make([]byte, 200)
	if n, e := ReadAt(ino, last, size-123); n != 123 || e != 0 || !bytes.Equal(last[:n], model[size-123:]) {
		t.Fatalf("ReadAt at the end: %d, errno %d, or wrong bytes", n, e)
	}

	patch := []byte("written over the disk's bytes")
	_, e = WriteAt(ino, patch, 5*PageSize-3, 3)
	must(t, e)
	copy(model[5*PageSize-3:], patch)
	must(t, Truncate(ino, 10*PageSize+5, 4))
	model = model[:10*PageSize+5]
	must(t, Truncate(ino, 12*PageSize, 5))
	model = append(model, make([]byte, 12*PageSize-len(model))...)
	all := make([]byte, 13*PageSize)
	n, e := ReadAt(ino, all, 0)
	if e != 0 || n != len(model) || !bytes.Equal(all[:n], model) {
		t.Fatalf("after write and truncations: %d bytes, errno %d; differ from the model", n, e)
	}

	readDisk = func(int, []uintptr, int64, int) (int, int) { return 0, EIO }
	other, _ := Create(root, []byte("other"), TypeRegular|0o644, 6)
	must(t, SetBacked(other, 0, 3*PageSize))
	held := len(f.pages)
	if n, e := ReadAt(other, buf, 0); n != 0 || e != EIO || len(f.pages) != held {
		t.Fatalf("a failing disk: ReadAt %d, errno %d, pages %d→%d; want EIO and no pages kept", n, e, held, len(f.pages))
	}
	must(t, Unlink(root, []byte("prog"), 7))
	if len(f.pages) >= held {
		t.Fatalf("unlink kept the backed file's pages: %d → %d", held, len(f.pages))
	}
}
