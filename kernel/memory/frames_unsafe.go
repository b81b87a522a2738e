package memory

import "unsafe"

// ramRange is one usable stretch of physical memory.
type ramRange struct{ start, end uintptr }

// frameAllocator hands out 4 KiB physical pages: first from a list of freed
// pages (linked through the pages themselves), then by bumping through the
// RAM ranges. It is used from the page-fault path, so it never allocates.
type frameAllocator struct {
	free   uintptr // physical address of the first freed page, 0 if none
	next   uintptr // next never-used page in ranges[cur]
	cur    int
	n      int
	ranges [32]ramRange
	used   uintptr // pages handed out and not freed
	total  uintptr // pages the allocator manages
}

// mm is all the memory state that must exist before pages can be mapped on
// demand; the non-zero initialiser keeps it in the image's loaded data.
var mm = struct {
	physOffset     uintptr // virtual = physical + physOffset
	root           uintptr // physical address of the PML4
	ramTop         uintptr // end of the highest RAM range
	imageBase      uintptr // virtual address of the image's ELF header
	imageTop       uintptr // end of the image's BSS: the image cannot be remapped
	faults         int     // page faults handled (counted here: the fault path must not touch BSS)
	rootfs         uintptr // physical address of the root file system archive
	rootfsSize     uintptr
	rootfsReleased uintptr // bytes of the archive's start given back (ReleaseRootfsPrefix)
	rootDiskOff    int64   // where the archive is in the image file, when it stays on the disk
	rootDiskSize   int64
	frames         frameAllocator
	cacheN         int // entries of cachePages written so far (cachepages.go)
	cacheHand      int // where takeCachePage looks next
}{physOffset: 0, root: 1}

// PhysToVirt returns the address at which the kernel reaches a physical address.
func PhysToVirt(p uintptr) uintptr { return p + mm.physOffset }

func physPage(p uintptr) *[512]uint64 {
	return (*[512]uint64)(unsafe.Add(nil, PhysToVirt(p)))
}

// addRAM gives the allocator the page-aligned part of [start, end).
func (f *frameAllocator) addRAM(start, end uintptr) {
	start, end = pageUp(start), pageDown(end)
	if end <= start || f.n == len(f.ranges) {
		return
	}
	f.ranges[f.n] = ramRange{start, end}
	f.n++
	f.total += (end - start) / PageSize
	if f.n == 1 {
		f.next = start
	}
}

// alloc returns a zeroed physical page, or 0 when memory is exhausted
// and the block cache has no clean page to give back.
func (f *frameAllocator) alloc() uintptr {
	p := f.free
	if p != 0 {
		f.free = uintptr(physPage(p)[0])
	} else {
		for f.cur < f.n && f.next >= f.ranges[f.cur].end {
			f.cur++
			if f.cur < f.n {
				f.next = f.ranges[f.cur].start
			}
		}
		if f.cur >= f.n {
			// Out of RAM: a clean cache page changes owner (still used).
			if p = takeCachePage(); p != 0 {
				clear(physPage(p)[:])
			}
			return p
		}
		p = f.next
		f.next += PageSize
	}
	clear(physPage(p)[:])
	f.used++
	return p
}

// release puts a page back on the free list.
func (f *frameAllocator) release(p uintptr) {
	physPage(p)[0] = uint64(f.free)
	f.free = p
	f.used--
}

// donate adds a page the allocator did not manage before.
func (f *frameAllocator) donate(p uintptr) {
	physPage(p)[0] = uint64(f.free)
	f.free = p
	f.total++
}

// Usage reports pages in use and pages managed, for sysinfo and OOM reports.
func Usage() (used, total uintptr) { return mm.frames.used, mm.frames.total }

// AllocPage returns a zeroed physical page for kernel data (file contents),
// or 0 when memory is exhausted.
func AllocPage() uintptr { return mm.frames.alloc() }

// FreePage returns a page from AllocPage.
func FreePage(p uintptr) { mm.frames.release(p) }

// PageBytes returns a physical page's bytes, through the direct map.
func PageBytes(p uintptr) *[PageSize]byte {
	return (*[PageSize]byte)(unsafe.Add(nil, PhysToVirt(p)))
}
