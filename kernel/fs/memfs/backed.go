package memfs

import "unigo.dev/unigo/kernel/devices/virtioblk"

// Files whose data stay on a disk until used. The image's root archive,
// when the image keeps it in its file (a read-only disk), gives its large
// files to memfs as backed: the file's first backed bytes are the disk's
// bytes from backOff on, read into the file's pages when a page is first
// used — read, mapped or written — a run of pages at a time. A page once
// read is the file's, as any memfs page: writes change it, truncation
// frees it. So a 5 MiB program whose start touches a few hundred KiB
// takes a few hundred KiB of RAM, and nothing is read twice.

// readDisk moves n bytes of a disk from a byte offset into pages
// (virtioblk.ReadPagesAt). A variable so that host tests can supply their
// own; statically initialised, so no code (and no write barrier) sets it
// in the kernel.
var readDisk = virtioblk.ReadPagesAt

// backDisk is the disk backed files are read from: the image's.
var backDisk int

// readAhead is how many pages one disk request reads for a backed file:
// the page used and those after it not yet read (64 KiB). A program's
// start touches its text in runs; one request per page would cost more
// than the pages read ahead.
const readAhead = 16

// SetBackingDisk names the disk that backed files are read from.
func SetBackingDisk(i int) { backDisk = i }

// SetBacked makes the empty regular file ino's first size bytes the
// backing disk's bytes from off on, read when used.
func SetBacked(ino Ino, off, size int64) int {
	n := node(ino)
	switch {
	case n == nil:
		return ENOENT
	case n.Mode&TypeMask != TypeRegular || n.Size != 0:
		return EINVAL
	case off < 0 || size < 0 || size > MaxFileSize:
		return EINVAL
	}
	n.backOff, n.backed, n.Size = off, size, size
	return 0
}

// page returns the file's page idx: a page of the backed part not read yet
// is read now (the file's contents, whether or not create is set); a hole
// is made when create is set and reads as 0 otherwise. The errno is ENOSPC
// when memory runs out, EIO when the disk fails.
func page(n *inode, idx int64, create bool) (uintptr, int) {
	backed := idx*PageSize < n.backed
	s := slot(n, idx, create || backed)
	switch {
	case s == nil && (create || backed):
		return 0, ENOSPC
	case s == nil:
		return 0, 0
	case *s != 0:
		return *s, 0
	case backed:
		if e := readBacked(n, idx); e != 0 {
			return 0, e
		}
		return *s, 0
	case !create:
		return 0, 0
	case !ensure(n, s, true):
		return 0, ENOSPC
	}
	return *s, 0
}

// fillPages are the pages readBacked fills: a global, as the disk is
// reached through a function value (its arguments escape), and traps run
// one at a time.
var fillPages [readAhead]uintptr

// readBacked reads the backed page idx, and the pages after it up to
// readAhead that are backed and not read yet, in one disk request. Trap
// path (a page fault on a mapped program): no allocation but pages.
func readBacked(n *inode, idx int64) int {
	pages := &fillPages
	k := 0
	for ; k < readAhead && (idx+int64(k))*PageSize < n.backed; k++ {
		if s := slot(n, idx+int64(k), true); s == nil || *s != 0 {
			break
		}
		if pages[k] = allocPage(); pages[k] == 0 {
			break
		}
	}
	if k == 0 {
		return ENOSPC
	}
	want := min(int64(k)*PageSize, n.backed-idx*PageSize)
	if got, e := readDisk(backDisk, pages[:k], n.backOff+idx*PageSize, int(want)); e != 0 || int64(got) != want {
		for i := 0; i < k; i++ {
			freePage(pages[i])
		}
		return EIO
	}
	for i := 0; i < k; i++ {
		*slot(n, idx+int64(i), false) = pages[i] // made above
	}
	n.pages += int64(k)
	return 0
}
