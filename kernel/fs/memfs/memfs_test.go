package memfs

import (
	"bytes"
	"fmt"
	"testing"
)

// fakePages backs memfs with Go memory on the host and counts pages in use.
type fakePages struct {
	pages map[uintptr]*[PageSize]byte
	next  uintptr
	limit int
}

func useFakePages(t *testing.T, limit int) *fakePages {
	f := &fakePages{pages: map[uintptr]*[PageSize]byte{}, next: 0x1000, limit: limit}
	oldAlloc, oldFree, oldAt := allocPage, freePage, pageAt
	allocPage = func() uintptr {
		if len(f.pages) >= f.limit {
			return 0
		}
		p := f.next
		f.next += PageSize
		f.pages[p] = new([PageSize]byte)
		return p
	}
	freePage = func(p uintptr) {
		if f.pages[p] == nil {
			t.Fatalf("freeing page %#x twice or never allocated", p)
		}
		delete(f.pages, p)
	}
	pageAt = func(p uintptr) *[PageSize]byte {
		if f.pages[p] == nil {
			t.Fatalf("page %#x not allocated", p)
		}
		return f.pages[p]
	}
	inodes = [MaxInodes]inode{}
	nextFree = 1
	inUse = 0
	t.Cleanup(func() { allocPage, freePage, pageAt = oldAlloc, oldFree, oldAt })
	return f
}

func must(t *testing.T, e int) {
	t.Helper()
	if e != 0 {
		t.Fatalf("errno %d", e)
	}
}

func TestReadWriteHolesTruncate(t *testing.T) {
	f := useFakePages(t, 1<<20)
	root, e := NewRoot(0o755, 1)
	must(t, e)
	ino, e := Create(root, []byte("f"), TypeRegular|0o644, 2)
	must(t, e)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes, 4 pages
	n, e := WriteAt(ino, data, 0, 3)
	must(t, e)
	if n != len(data) {
		t.Fatalf("wrote %d", n)
	}
	buf := make([]byte, 20000)
	n, _ = ReadAt(ino, buf, 0)
	if n != len(data) || !bytes.Equal(buf[:n], data) {
		t.Fatalf("read back %d bytes, mismatch", n)
	}
	// A write far away leaves a hole that reads as zeros, through the
	// double-indirect range.
	far := int64(nDirect+perPage+5) * PageSize
	WriteAt(ino, []byte("end"), far, 4)
	a, _ := Stat(ino)
	if a.Size != far+3 {
		t.Fatalf("size %d", a.Size)
	}
	hole := make([]byte, 100)
	ReadAt(ino, hole, 20000)
	if !bytes.Equal(hole, make([]byte, 100)) {
		t.Fatal("a hole did not read as zeros")
	}
	must(t, Truncate(ino, 10, 5))
	must(t, Truncate(ino, 5000, 6))
	n, _ = ReadAt(ino, buf, 0)
	if n != 5000 || !bytes.Equal(buf[:10], data[:10]) || !bytes.Equal(buf[10:5000], make([]byte, 4990)) {
		t.Fatal("truncate down then up must keep the head and read zeros after it")
	}
	must(t, Unlink(root, []byte("f"), 7))
	if got := len(f.pages); got != 1 { // the root directory's page
		t.Fatalf("%d pages still in use after unlink", got)
	}
}

func TestDirectories(t *testing.T) {
	f := useFakePages(t, 1<<20)
	root, _ := NewRoot(0o755, 1)
	sub, e := Mkdir(root, []byte("sub"), 0o755, 1)
	must(t, e)
	// Enough entries to need several directory pages.
	for i := 0; i < 300; i++ {
		_, e := Create(sub, []byte(fmt.Sprintf("file-with-a-long-name-%03d", i)), TypeRegular|0o644, 1)
		must(t, e)
	}
	if _, e := Create(sub, []byte("file-with-a-long-name-007"), TypeRegular, 1); e != EEXIST {
		t.Fatalf("duplicate name: errno %d", e)
	}
	count := func() int {
		c := 0
		ReadDir(sub, 0, func(Ino, uint8, []byte, int64) bool { c++; return true })
		return c
	}
	if c := count(); c != 302 {
		t.Fatalf("%d entries, want 300 + . + ..", c)
	}
	// Resume reading in the middle, from an offset ReadDir handed out.
	var mid int64
	seen := 0
	ReadDir(sub, 0, func(_ Ino, _ uint8, _ []byte, next int64) bool { seen++; mid = next; return seen < 150 })
	rest := 0
	ReadDir(sub, mid, func(Ino, uint8, []byte, int64) bool { rest++; return true })
	if seen+rest != 302 {
		t.Fatalf("resumed listing saw %d+%d", seen, rest)
	}
	if e := Rmdir(root, []byte("sub"), 2); e != ENOTEMPTY {
		t.Fatalf("rmdir of a full directory: errno %d", e)
	}
	for i := 0; i < 300; i++ {
		must(t, Unlink(sub, []byte(fmt.Sprintf("file-with-a-long-name-%03d", i)), 2))
	}
	if c := count(); c != 2 {
		t.Fatalf("%d entries left", c)
	}
	// Freed records are reused.
	for i := 0; i < 300; i++ {
		_, e := Create(sub, []byte(fmt.Sprintf("again-%03d", i)), TypeRegular|0o644, 1)
		must(t, e)
	}
	a, _ := Stat(sub)
	if a.Size > 6*PageSize {
		t.Fatalf("directory grew to %d bytes instead of reusing space", a.Size)
	}
	for i := 0; i < 300; i++ {
		must(t, Unlink(sub, []byte(fmt.Sprintf("again-%03d", i)), 2))
	}
	must(t, Rmdir(root, []byte("sub"), 3))
	if ra, _ := Stat(root); ra.Nlink != 2 {
		t.Fatalf("root nlink %d", ra.Nlink)
	}
	if len(f.pages) != 1 {
		t.Fatalf("%d pages leaked", len(f.pages)-1)
	}
}

func TestRenameAndLinks(t *testing.T) {
	useFakePages(t, 1<<20)
	root, _ := NewRoot(0o755, 1)
	a, _ := Mkdir(root, []byte("a"), 0o755, 1)
	b, _ := Mkdir(root, []byte("b"), 0o755, 1)
	f, _ := Create(a, []byte("f"), TypeRegular|0o644, 1)
	must(t, Link(b, []byte("g"), f, 2))
	if st, _ := Stat(f); st.Nlink != 2 {
		t.Fatalf("nlink %d", st.Nlink)
	}
	must(t, Rename(a, []byte("f"), b, []byte("h"), false, 3))
	if _, e := Lookup(a, []byte("f")); e != ENOENT {
		t.Fatal("old name still there")
	}
	if ino, _ := Lookup(b, []byte("h")); ino != f {
		t.Fatal("new name missing")
	}
	// Renaming onto another link of the same file does nothing (rename(2)).
	must(t, Rename(b, []byte("h"), b, []byte("g"), false, 4))
	if st, _ := Stat(f); st.Nlink != 2 {
		t.Fatalf("nlink after rename over a link to itself: %d", st.Nlink)
	}
	// Replacing another file drops the replaced file's link.
	other, _ := Create(b, []byte("o"), TypeRegular|0o644, 4)
	must(t, Rename(b, []byte("h"), b, []byte("o"), false, 4))
	if st, e := Stat(other); e != ENOENT {
		t.Fatalf("replaced file still exists: %+v", st)
	}
	if e := Rename(root, []byte("a"), a, []byte("x"), false, 5); e != EINVAL {
		t.Fatalf("moving a directory into itself: errno %d", e)
	}
	must(t, Rename(root, []byte("a"), b, []byte("a2"), false, 5))
	if p, _ := Lookup(a, []byte("..")); p != b {
		t.Fatal(".. not updated")
	}
	if e := Rename(root, []byte("b"), root, []byte("b2"), false, 6); e != 0 {
		t.Fatalf("rename dir: %d", e)
	}
	x, _ := Create(root, []byte("x"), TypeRegular, 7)
	_ = x
	if e := Rename(root, []byte("x"), root, []byte("b2"), false, 8); e != EISDIR {
		t.Fatalf("file over directory: errno %d", e)
	}
	if e := Rename(root, []byte("x"), root, []byte("b2"), true, 8); e != EEXIST {
		t.Fatalf("RENAME_NOREPLACE: errno %d", e)
	}
}

func TestUnlinkedOpenFileLives(t *testing.T) {
	f := useFakePages(t, 1<<20)
	root, _ := NewRoot(0o755, 1)
	ino, _ := Create(root, []byte("tmp"), TypeRegular|0o600, 1)
	WriteAt(ino, []byte("still here"), 0, 1)
	Open(ino)
	must(t, Unlink(root, []byte("tmp"), 2))
	buf := make([]byte, 20)
	n, e := ReadAt(ino, buf, 0)
	if e != 0 || string(buf[:n]) != "still here" {
		t.Fatalf("read after unlink: %q errno %d", buf[:n], e)
	}
	Close(ino)
	if len(f.pages) != 1 {
		t.Fatal("closing the last descriptor must free the file")
	}
}

func TestOutOfSpace(t *testing.T) {
	useFakePages(t, 4)
	root, _ := NewRoot(0o755, 1)
	ino, _ := Create(root, []byte("big"), TypeRegular|0o644, 1)
	n, e := WriteAt(ino, make([]byte, 10*PageSize), 0, 1)
	if e != 0 || n != 3*PageSize {
		t.Fatalf("partial write: %d bytes, errno %d", n, e)
	}
	if _, e := WriteAt(ino, []byte("x"), 20*PageSize, 1); e != ENOSPC {
		t.Fatalf("full: errno %d", e)
	}
}

// fallocate: mode 0 grows the file and takes its pages; KEEP_SIZE takes
// only the pages inside the file; the statfs inode count follows.
func TestAllocate(t *testing.T) {
	f := useFakePages(t, 8)
	root, e := NewRoot(0o755, 1)
	must(t, e)
	ino, e := Create(root, []byte("f"), TypeRegular|0o644, 2)
	must(t, e)
	if used, m := Inodes(); used != 2 || m != MaxInodes-1 {
		t.Fatalf("Inodes() = %d, %d", used, m)
	}
	must(t, Allocate(ino, 100, 3*PageSize, false, 2))
	a, _ := Stat(ino)
	if a.Size != 100+3*PageSize || node(ino).pages != 4 {
		t.Fatalf("size %d, pages %d", a.Size, node(ino).pages)
	}
	must(t, Allocate(ino, 0, 100*PageSize, true, 3))
	if a, _ := Stat(ino); a.Size != 100+3*PageSize || node(ino).pages != 4 {
		t.Fatalf("KEEP_SIZE: size %d, pages %d", a.Size, node(ino).pages)
	}
	if e := Allocate(ino, 0, 0, false, 3); e != EINVAL {
		t.Fatal("length 0:", e)
	}
	before := len(f.pages)
	if e := Allocate(ino, 0, 64*PageSize, false, 4); e != ENOSPC {
		t.Fatal("past the memory:", e)
	}
	if a, _ := Stat(ino); a.Size != 100+3*PageSize || len(f.pages) != before {
		t.Fatalf("a failed allocation changed the file: size %d, pages %d (were %d)", a.Size, len(f.pages), before)
	}
	must(t, Unlink(root, []byte("f"), 5))
	if used, _ := Inodes(); used != 1 || len(f.pages) != 1 {
		t.Fatalf("after unlink: %d inodes, %d pages", used, len(f.pages))
	}
}
