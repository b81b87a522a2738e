package virtioblk

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/memory"
)

// Request types and the status the device writes back.
const (
	reqIn    = 0 // read
	reqOut   = 1 // write
	reqFlush = 4
	statusOK = 0
)

// bouncePages is how many pages of data one request moves at most (128
// KiB): app buffers are not physically contiguous, so data goes through
// these kernel pages, shared by all disks (one request at a time).
const bouncePages = 32

var (
	reqPage uintptr // physical: the request header at 0, the status byte at 16
	bounce  [bouncePages]uintptr
)

func allocPages() bool {
	if reqPage = memory.AllocPage(); reqPage == 0 {
		return false
	}
	for i := range bounce {
		if bounce[i] = memory.AllocPage(); bounce[i] == 0 {
			return false
		}
	}
	return true
}

// Read reads n bytes (a multiple of SectorSize) from disk i, from sector on,
// into pages: physical pages filled in order, each but the last in full.
// Up to MaxPages pages move in one request.
func Read(i int, sector int64, pages []uintptr, n int) int {
	return split(i, reqIn, sector, pages, n)
}

// Write writes n bytes (a multiple of SectorSize) from pages to disk i,
// from sector on.
func Write(i int, sector int64, pages []uintptr, n int) int {
	return split(i, reqOut, sector, pages, n)
}

// MaxPages is the most pages a file system should hand Read or Write at
// once: what one request moves when the device allows it (128 KiB).
const MaxPages = bouncePages

// split runs a transfer of a page list as requests of at most the
// device's segments each, so that callers need not know its seg_max:
// one request, unless the device takes fewer than MaxPages buffers.
func split(i, typ int, sector int64, pages []uintptr, n int) int {
	if i < 0 || i >= count {
		return ENXIO
	}
	segs := disks[i].segs
	for per := segs * memory.PageSize; n > per && len(pages) > segs; {
		if e := move(i, typ, sector, pages, 0, per); e != 0 {
			return e
		}
		n -= per
		sector += int64(per / SectorSize)
		pages = pages[segs:]
	}
	return move(i, typ, sector, pages, 0, n)
}

// Flush makes every completed write to disk i durable on the host (the
// host's file is written and synced, per its cache mode). A disk without
// the FLUSH feature does not cache writes: nothing to do.
func Flush(i int) int {
	if i < 0 || i >= count {
		return ENXIO
	}
	if !disks[i].flush {
		return 0
	}
	return disks[i].do(reqFlush, 0, nil, 0, 0)
}

// transfer checks a read or write and runs it; the data starts at byte off
// of pages[0].
func transfer(i, typ int, sector int64, pages []uintptr, off, n int) int {
	if i < 0 || i >= count {
		return ENXIO
	}
	d := &disks[i]
	switch {
	case n <= 0 || n%SectorSize != 0 || off < 0 || off >= memory.PageSize || sector < 0:
		return EINVAL
	case (off+n+memory.PageSize-1)/memory.PageSize > len(pages):
		return EINVAL
	case sector > d.sectors || int64(n/SectorSize) > d.sectors-sector:
		return ENOSPC
	case typ == reqOut && d.readOnly:
		return EROFS
	}
	return d.do(typ, sector, pages, off, n)
}

// do builds one request, submits it and waits for the device: a header the
// device reads, the data buffers, a status byte the device writes.
func (d *disk) do(typ int, sector int64, pages []uintptr, off, n int) int {
	if d.failed {
		return EIO
	}
	hdr := memory.PhysToVirt(reqPage)
	cpu.Write32(hdr, uint32(typ))
	cpu.Write32(hdr+4, 0)
	cpu.Write64(hdr+8, uint64(sector))
	cpu.Write8(hdr+16, 0xff) // not a status the device writes
	ok := d.q.Add(reqPage, 16, false)
	segs := 0
	for p := 0; n > 0 && ok; p++ {
		k := memory.PageSize - off
		if k > n {
			k = n
		}
		if segs++; segs > d.segs {
			ok = false
			break
		}
		ok = d.q.Add(pages[p]+uintptr(off), uint32(k), typ == reqIn)
		n -= k
		off = 0
	}
	if !ok || !d.q.Add(reqPage+16, 1, true) {
		d.q.Reset()
		return EINVAL
	}
	d.q.Submit()
	if _, done := d.q.Wait(timeout); !done {
		d.failed = true
		return EIO
	}
	if cpu.Read8(hdr+16) != statusOK {
		return EIO
	}
	return 0
}

// ReadPage reads n bytes (a multiple of SectorSize) from disk i, from
// sector on, into bytes [off, off+n) of one physical page: the device
// writes straight into it (a file system's block cache).
func ReadPage(i int, sector int64, page uintptr, off, n int) int {
	if off+n > memory.PageSize {
		return EINVAL
	}
	pages := [1]uintptr{page}
	return transfer(i, reqIn, sector, pages[:], off, n)
}

// WritePage writes bytes [off, off+n) of one physical page to disk i, from
// sector on.
func WritePage(i int, sector int64, page uintptr, off, n int) int {
	if off+n > memory.PageSize {
		return EINVAL
	}
	pages := [1]uintptr{page}
	return transfer(i, reqOut, sector, pages[:], off, n)
}
