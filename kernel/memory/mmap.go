package memory

import "unigo.dev/unigo/kernel/cpu"

// Flags of mmap that the kernel understands.
const (
	MapShared         = 0x01
	MapPrivate        = 0x02
	MapFixed          = 0x10
	MapAnonymous      = 0x20
	MapFixedNoReplace = 0x100000
)

// Errors, as Linux errno values.
const (
	errNoMem = 12
	errExist = 17
	errInval = 22
)

// inKernelRange reports whether [a, a+n) would touch what the app may not
// remap: page zero, the image, the direct map, or above the user half.
func inKernelRange(a, n uintptr) bool {
	end := a + n
	if end < a || end > userTop || a < PageSize {
		return true
	}
	if a < mm.imageTop && end > mm.imageBase {
		return true
	}
	return notUser(a, end)
}

// notUser reports whether [a, end) reaches the direct map.
func notUser(a, end uintptr) bool {
	return a < DirectMapBase+mm.ramTop && end > DirectMapBase
}

// Mmap implements mmap: of anonymous memory when ino is 0, else of file ino
// from offset off (the caller has checked the descriptor). Nothing is read
// or allocated here: pages come on first touch (MAP_POPULATE is a hint
// this kernel does not take, so a 10 GiB reservation costs nothing). It
// returns the address or a negative errno.
func Mmap(addr, length uintptr, prot, flags uint32, ino uint32, off int64) int64 {
	if length == 0 || addr&(PageSize-1) != 0 || off&(PageSize-1) != 0 || off < 0 {
		return -errInval
	}
	n := pageUp(length)
	if n < length {
		return -errNoMem
	}
	prot &= ProtRead | ProtWrite | ProtExec
	switch {
	case flags&MapFixedNoReplace != 0:
		if inKernelRange(addr, n) {
			return -errNoMem
		}
		if regions.overlaps(addr, addr+n) {
			return -errExist
		}
	case flags&MapFixed != 0:
		if inKernelRange(addr, n) {
			return -errNoMem
		}
		unmapRange(addr, addr+n)
		if !regions.remove(addr, addr+n) {
			return -errNoMem
		}
	default:
		if addr == 0 || inKernelRange(addr, n) || regions.overlaps(addr, addr+n) {
			addr = regions.freeRange(mmapBase, n)
			if addr == 0 {
				return -errNoMem
			}
		}
	}
	shared := ino != 0 && flags&(MapShared|MapPrivate) != MapPrivate // MAP_SHARED or MAP_SHARED_VALIDATE
	if !regions.insert(region{start: addr, end: addr + n, prot: uint16(prot), ino: ino, off: off, shared: shared}) {
		return -errNoMem
	}
	return int64(addr)
}

// Munmap removes mappings and frees their memory.
func Munmap(addr, length uintptr) int64 {
	if addr&(PageSize-1) != 0 || length == 0 {
		return -errInval
	}
	n := pageUp(length)
	if inKernelRange(addr, n) {
		return -errInval
	}
	unmapRange(addr, addr+n)
	if !regions.remove(addr, addr+n) {
		return -errNoMem
	}
	return 0
}

// Mprotect changes the protection of mapped pages.
func Mprotect(addr, length uintptr, prot uint32) int64 {
	if addr&(PageSize-1) != 0 {
		return -errInval
	}
	n := pageUp(length)
	if inKernelRange(addr, n) {
		return -errNoMem
	}
	prot &= ProtRead | ProtWrite | ProtExec
	// Every page must be mapped, as Linux requires.
	for a := addr; a < addr+n; {
		r := regions.find(a)
		if r == nil {
			return -errNoMem
		}
		a = r.end
	}
	if !regions.protect(addr, addr+n, prot) {
		return -errNoMem
	}
	protectRange(addr, addr+n, prot)
	return 0
}

// Populate backs the pages of [addr, addr+length) now, as mlock does: all
// must be mapped (ENOMEM otherwise); a file mapping's pages past the end of
// its file are left as they are. No page is ever paged out afterwards.
func Populate(addr, length uintptr) int64 {
	start, end := pageDown(addr), pageUp(addr+length)
	if end < start || inKernelRange(start, end-start) {
		return -errNoMem
	}
	for v := start; v < end; v += PageSize {
		r := regions.find(v)
		if r == nil {
			return -errNoMem
		}
		if r.prot == 0 {
			continue
		}
		if e := walk(v, false); e != nil && *e&ptePresent != 0 {
			continue
		}
		if HandleFault(v, false, false) == FaultNoMemory {
			return -errNoMem
		}
	}
	return 0
}

// Advice values of madvise that change memory.
const (
	MadvDontNeed = 4
	MadvFree     = 8
)

// Madvise frees the pages of [addr, addr+length) for DONTNEED and FREE:
// anonymous ones read back as zeros, a file mapping's from the file again
// (a shared mapping's pages stay in the file's table, with what was written
// to them); other advice is accepted and ignored.
func Madvise(addr, length uintptr, advice int) int64 {
	if addr&(PageSize-1) != 0 {
		return -errInval
	}
	if advice == MadvDontNeed || advice == MadvFree {
		n := pageUp(length)
		if inKernelRange(addr, n) {
			return -errInval
		}
		unmapRange(addr, addr+n)
	}
	return 0
}

// Flags of mremap.
const (
	MremapMayMove = 1
	MremapFixed   = 2
)

// Mremap resizes the mapping at [old, old+oldSize), which must lie in one
// region, keeping its protection and backing: shrinking unmaps the tail,
// growing extends it in place when the addresses after it are free, else
// (MREMAP_MAYMOVE) moves its pages to a free range, or to newAddr with
// MREMAP_FIXED. It returns the mapping's address or a negative errno.
func Mremap(old, oldSize, newSize uintptr, flags uint32, newAddr uintptr) int64 {
	if old&(PageSize-1) != 0 || newSize == 0 || flags&^(MremapMayMove|MremapFixed) != 0 ||
		flags&MremapFixed != 0 && (flags&MremapMayMove == 0 || newAddr&(PageSize-1) != 0) {
		return -errInval
	}
	oldN, newN := pageUp(oldSize), pageUp(newSize)
	if oldN == 0 || newN < newSize || inKernelRange(old, oldN) {
		return -errInval
	}
	r := regions.find(old)
	if r == nil || old+oldN > r.end {
		return -14 // EFAULT: not one mapping
	}
	moved := *r
	moved.start, moved.end = old, old+oldN
	if moved.ino != 0 {
		moved.off = r.fileOffset(old)
	}
	if flags&MremapFixed == 0 {
		if newN <= oldN {
			return unmapTail(old+newN, old+oldN, old)
		}
		grow := moved
		grow.start, grow.end, grow.off = old+oldN, old+newN, moved.off+int64(oldN)
		if !inKernelRange(grow.start, newN-oldN) && !regions.overlaps(grow.start, grow.end) {
			if !regions.insert(grow) {
				return -errNoMem
			}
			return int64(old)
		}
		if flags&MremapMayMove == 0 {
			return -errNoMem
		}
		if newAddr = regions.freeRange(mmapBase, newN); newAddr == 0 {
			return -errNoMem
		}
	} else {
		if inKernelRange(newAddr, newN) || newAddr < old+oldN && old < newAddr+newN {
			return -errInval
		}
		unmapRange(newAddr, newAddr+newN)
		if !regions.remove(newAddr, newAddr+newN) {
			return -errNoMem
		}
	}
	dst := moved
	dst.start, dst.end = newAddr, newAddr+newN
	if !regions.insert(dst) {
		return -errNoMem
	}
	keep := min(oldN, newN)
	forEachPresent(old, old+keep, func(v uintptr, e *uint64) {
		if d := walk(newAddr+(v-old), true); d != nil {
			*d = *e
		} else if *e&pteFilePage == 0 {
			mm.frames.release(uintptr(*e & pteAddrMask)) // out of memory for the table: the page reads anew
		}
		*e = 0
		cpu.Invlpg(v)
	})
	unmapRange(old, old+oldN)
	regions.remove(old, old+oldN)
	return int64(newAddr)
}

// unmapTail unmaps [start, end) and returns ret: mremap shrinking.
func unmapTail(start, end, ret uintptr) int64 {
	if start < end {
		unmapRange(start, end)
		if !regions.remove(start, end) {
			return -errNoMem
		}
	}
	return int64(ret)
}
