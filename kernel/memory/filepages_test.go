package memory

import "testing"

// insertForTest puts (ino, pgoff) → page in the table, as sharedPage does
// after reading the page.
func insertForTest(ino uint32, pgoff int64, page uintptr) {
	s := fileSlot(ino, pgoff)
	*s = filePage{ino: ino, pgoff: pgoff, page: page}
	filePages.n++
	fileOf(ino, true).pages++
}

// Deleting from the open-addressed table keeps every other entry
// reachable, across long probe runs and the wrap at the table's end.
func TestFilePagesDelete(t *testing.T) {
	defer func() {
		filePages.n, filePages.files, filePages.slots = 0, [maxFiles]fileEntry{}, [maxFilePages]filePage{}
	}()
	const n = 3000
	for i := int64(0); i < n; i++ {
		insertForTest(uint32(1+i%3), i, uintptr(i+1)<<12)
	}
	// Force a run across the end of the table.
	last := maxFilePages - 1
	for k := 0; k < 4; k++ {
		s := &filePages.slots[(last+k)&(maxFilePages-1)]
		if s.ino == 0 {
			*s = filePage{ino: 9, pgoff: int64(1000 + k), page: 1}
		}
	}
	for i := int64(0); i < n; i += 2 {
		s := fileSlot(uint32(1+i%3), i)
		if s.ino == 0 {
			t.Fatalf("page %d lost before its deletion", i)
		}
		idx := int((uintptr(unsafePointer(s)) - uintptr(unsafePointer(&filePages.slots[0]))) / sizeofSlot)
		if p := deleteSlot(idx); p != uintptr(i+1)<<12 {
			t.Fatalf("deleting page %d returned %#x", i, p)
		}
	}
	for i := int64(0); i < n; i++ {
		got := FileCopy(uint32(1+i%3), i)
		want := uintptr(0)
		if i%2 == 1 {
			want = uintptr(i+1) << 12
		}
		if got != want {
			t.Fatalf("after deletions page %d of file %d = %#x, want %#x", i, 1+i%3, got, want)
		}
	}
	if f := fileOf(1, false); f == nil || f.pages != n/3/2 {
		t.Fatalf("file 1's count: %+v", f)
	}
}
