package virtioblk

import "unigo.dev/unigo/kernel/memory"

// ReadAt and WriteAt give a disk byte-addressed semantics, as a block
// device file has: any offset and length, through the bounce pages, with
// partial sectors read, patched and written back.

// The page bytes and the device, as variables so that host tests can
// supply their own. Statically initialised: no code (and no write barrier)
// sets them in the kernel.
var (
	pageAt = memory.PageBytes
	move   = transfer // moves whole sectors between a disk and pages (request.go)
)

// chunk is how many bytes one request moves for disk i.
func chunk(i int) int { return disks[i].segs * memory.PageSize }

// ReadAt reads disk i's bytes from off into dst and returns how many (short
// at the end of the disk, 0 past it), or an errno.
func ReadAt(i int, dst []byte, off int64) (int, int) {
	if i < 0 || i >= count {
		return 0, ENXIO
	}
	if off < 0 {
		return 0, EINVAL
	}
	if size := Size(i); off >= size {
		return 0, 0
	} else if int64(len(dst)) > size-off {
		dst = dst[:size-off]
	}
	done := 0
	for done < len(dst) {
		pos := off + int64(done)
		head := int(pos % SectorSize)
		n := min(len(dst)-done, chunk(i)-head)
		span := roundSector(head + n)
		if e := move(i, reqIn, pos/SectorSize, bounce[:], 0, span); e != 0 {
			return done, e
		}
		copyFromBounce(dst[done:done+n], head)
		done += n
	}
	return done, 0
}

// ReadPagesAt reads disk i's bytes from off into the physical pages, n
// bytes, each page but the last in full, a request per chunk whatever the
// alignment of off: a file system whose files' data are not aligned to
// sectors (the image's root archive) fills its pages from the disk with
// it. It returns how many bytes were read (short at the end of the disk),
// or an errno.
func ReadPagesAt(i int, pages []uintptr, off int64, n int) (int, int) {
	if i < 0 || i >= count {
		return 0, ENXIO
	}
	if off < 0 || n < 0 || n > len(pages)*memory.PageSize {
		return 0, EINVAL
	}
	if size := Size(i); off >= size {
		return 0, 0
	} else if int64(n) > size-off {
		n = int(size - off)
	}
	done := 0
	for done < n {
		pos := off + int64(done)
		head := int(pos % SectorSize)
		k := min(n-done, chunk(i)-head)
		if e := move(i, reqIn, pos/SectorSize, bounce[:], 0, roundSector(head+k)); e != 0 {
			return done, e
		}
		for at := 0; at < k; {
			p := (done + at) / memory.PageSize
			in := (done + at) % memory.PageSize
			m := min(k-at, memory.PageSize-in)
			copyFromBounce(pageAt(pages[p])[in:in+m], head+at)
			at += m
		}
		done += k
	}
	return done, 0
}

// WriteAt writes src to disk i at off and returns how many bytes (short at
// the end of the disk; ENOSPC past it), or an errno.
func WriteAt(i int, src []byte, off int64) (int, int) {
	if i < 0 || i >= count {
		return 0, ENXIO
	}
	if off < 0 {
		return 0, EINVAL
	}
	if disks[i].readOnly {
		return 0, EROFS
	}
	if size := Size(i); len(src) == 0 {
		return 0, 0
	} else if off >= size {
		return 0, ENOSPC
	} else if int64(len(src)) > size-off {
		src = src[:size-off]
	}
	done := 0
	for done < len(src) {
		pos := off + int64(done)
		sector := pos / SectorSize
		head := int(pos % SectorSize)
		n := min(len(src)-done, chunk(i)-head)
		span := roundSector(head + n)
		// Partial sectors at either end keep their other bytes.
		if head != 0 {
			if e := move(i, reqIn, sector, bounce[:1], 0, SectorSize); e != 0 {
				return done, e
			}
		}
		if tail := (head + n) % SectorSize; tail != 0 && (head == 0 || span > SectorSize) {
			last := span - SectorSize
			p := last / memory.PageSize
			if e := move(i, reqIn, sector+int64(last/SectorSize), bounce[p:p+1], last%memory.PageSize, SectorSize); e != 0 {
				return done, e
			}
		}
		copyToBounce(src[done:done+n], head)
		if e := move(i, reqOut, sector, bounce[:], 0, span); e != 0 {
			return done, e
		}
		done += n
	}
	return done, 0
}

func roundSector(n int) int { return (n + SectorSize - 1) &^ (SectorSize - 1) }

// copyFromBounce copies the bounce pages' bytes from at on into dst.
func copyFromBounce(dst []byte, at int) {
	for len(dst) > 0 {
		page := pageAt(bounce[at/memory.PageSize])
		k := copy(dst, page[at%memory.PageSize:])
		dst = dst[k:]
		at += k
	}
}

// copyToBounce copies src into the bounce pages from at on.
func copyToBounce(src []byte, at int) {
	for len(src) > 0 {
		page := pageAt(bounce[at/memory.PageSize])
		k := copy(page[at%memory.PageSize:], src)
		src = src[k:]
		at += k
	}
}
