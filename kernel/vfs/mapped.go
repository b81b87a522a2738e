package vfs

import (
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
)

// Mapped files. A file mapped with mmap stays open while any mapping of it
// lasts (the app may close the descriptor and even unlink the file, as on
// Linux). The shared mappings of a memfs file (tmpfs, the image root) map
// memfs's own pages (sharePage), so read, write and the mappings are one
// memory. Those of a volume's file map copies in memory's file table; read
// and write go through them (ReadAt, WriteAt in fs.go), so a mapping sees a
// later write and a read sees what was written through a mapping, and what
// was written through a mapping reaches the file system on msync, fsync,
// the last unmap of the file and an orderly end (Unmount), as Linux writes
// back its page cache.

// mapped lists the files some mapping holds open. In data (non-zero
// initialiser unneeded: BSS is fine, it is read only on the call path).
var mapped struct {
	n   int
	ino [256]Ino
}

// sharePage lends a memfs file's page pgoff to the shared mappings (0 past
// the end of the file); a volume's or a share's file is not lent (ok
// false): ext2's cache blocks come and go, a share's pages are the host's. Trap path.
func sharePage(ino uint32, pgoff int64) (uintptr, bool) {
	if Ino(ino)&fsMask != fsMem {
		return 0, false
	}
	p, e := memfs.PageOf(Ino(ino), pgoff)
	if e != 0 {
		return 0, false // the copy's way then fails alike, or succeeds
	}
	return p, true
}

// fillPage reads file ino's page at off for a mapping: false past the end
// of the file. Trap path (a page fault): no allocation.
func fillPage(ino uint32, off int64, page *[memory.PageSize]byte) bool {
	a, e := Stat(Ino(ino))
	if e != 0 || off >= a.Size {
		return false
	}
	_, e = ReadAt(Ino(ino), page[:], off)
	return e == 0
}

// HoldMapped keeps ino open for a new mapping; false when too many files
// are mapped.
func HoldMapped(ino Ino) bool {
	for i := 0; i < mapped.n; i++ {
		if mapped.ino[i] == ino {
			return true
		}
	}
	if mapped.n == len(mapped.ino) {
		return false
	}
	mapped.ino[mapped.n] = ino
	mapped.n++
	Open(ino)
	return true
}

// ReleaseUnmapped settles the files no mapping maps any more, after an
// munmap or a mapping replaced: their shared pages are written back and
// freed, and the file is closed.
func ReleaseUnmapped() {
	for i := 0; i < mapped.n; {
		ino := mapped.ino[i]
		if memory.MapsFile(uint32(ino)) {
			i++
			continue
		}
		WriteBackMapped(ino)
		memory.DropFilePages(uint32(ino), 0)
		mapped.n--
		mapped.ino[i] = mapped.ino[mapped.n]
		Close(ino)
	}
}

// WriteBackMapped writes the pages of ino written through its shared
// mappings to the file system (msync, fsync); it returns an errno.
func WriteBackMapped(ino Ino) int {
	size := int64(-1) // read once, when the first dirty page comes
	return memory.CleanFilePages(uint32(ino), func(pgoff int64, page *[memory.PageSize]byte) int {
		if size < 0 {
			a, e := Stat(ino)
			if e != 0 {
				return e
			}
			size = a.Size
		}
		off := pgoff * memory.PageSize
		if off >= size {
			return 0 // past a truncation: nothing of the file is left there
		}
		_, e := writeFS(ino, page[:min(memory.PageSize, size-off)], off)
		return e
	})
}

// writeBackAll writes back every mapped file, before an unmount.
func writeBackAll() {
	for i := 0; i < mapped.n; i++ {
		WriteBackMapped(mapped.ino[i])
	}
}

// readMapped overlays dst, just read from the file system at off, with
// the file's mapped pages, which may hold writes not yet written back.
func readMapped(ino Ino, dst []byte, off int64) {
	eachMappedPage(ino, len(dst), off, func(page *[memory.PageSize]byte, in, at int) {
		copy(dst[at:], page[in:])
	})
}

// writeMapped copies src, just written to the file system at off, into the
// file's mapped pages, so its mappings see the write.
func writeMapped(ino Ino, src []byte, off int64) {
	eachMappedPage(ino, len(src), off, func(page *[memory.PageSize]byte, in, at int) {
		copy(page[in:], src[at:min(len(src), at+memory.PageSize-in)])
	})
}

// eachMappedPage calls fn for each mapped page of ino overlapping the n
// bytes at off: the page, the offset in it, and the offset in the bytes.
func eachMappedPage(ino Ino, n int, off int64, fn func(page *[memory.PageSize]byte, in, at int)) {
	if !memory.HasFilePages() || n == 0 {
		return
	}
	for pg := off / memory.PageSize; pg*memory.PageSize < off+int64(n); pg++ {
		p := memory.FileCopy(uint32(ino), pg)
		if p == 0 {
			continue
		}
		start := pg * memory.PageSize
		in, at := 0, int(start-off)
		if start < off {
			in, at = int(off-start), 0
		}
		fn(memory.PageBytes(p), in, at)
	}
}

// truncateMapped drops the mapped pages past a file's new size and zeroes
// the tail of its last page.
func truncateMapped(ino Ino, size int64) {
	if !memory.HasFilePages() {
		return
	}
	memory.DropFilePages(uint32(ino), (size+memory.PageSize-1)/memory.PageSize)
	if in := size % memory.PageSize; in != 0 {
		if p := memory.FileCopy(uint32(ino), size/memory.PageSize); p != 0 {
			clear(memory.PageBytes(p)[in:])
		}
	}
}
