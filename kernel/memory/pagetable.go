package memory

import "unigo.dev/unigo/kernel/cpu"

// index returns the table index of virtual address v at a level (3 = PML4).
func index(v uintptr, level uint) int { return int(v>>(12+9*level)) & 511 }

// walk returns the page-table entry that maps v at the 4 KiB level, creating
// intermediate tables when create is set. It returns nil when a table is
// missing (and not created), when memory ran out, or when v is inside a
// 2 MiB mapping.
func walk(v uintptr, create bool) *uint64 {
	table := mm.root
	for level := uint(3); level > 0; level-- {
		e := &physPage(table)[index(v, level)]
		if *e&ptePresent == 0 {
			if !create {
				return nil
			}
			p := mm.frames.alloc()
			if p == 0 {
				return nil
			}
			*e = uint64(p) | ptePresent | pteWritable
		} else if *e&pteHuge != 0 {
			return nil
		}
		table = uintptr(*e & pteAddrMask)
	}
	return &physPage(table)[index(v, 0)]
}

// leafFlags turns mmap protection into page-table bits.
func leafFlags(prot uint32) uint64 {
	f := uint64(ptePresent | pteAccessed | pteDirty)
	if prot&ProtWrite != 0 {
		f |= pteWritable
	}
	if prot&ProtExec == 0 {
		f |= pteNoExec
	}
	return f
}

// mapPage maps one 4 KiB page. It returns false when out of memory.
func mapPage(v, phys uintptr, flags uint64) bool {
	e := walk(v, true)
	if e == nil {
		return false
	}
	*e = uint64(phys) | flags
	return true
}

// forEachPresent calls fn for every present 4 KiB entry in [start, end),
// skipping absent tables quickly.
func forEachPresent(start, end uintptr, fn func(v uintptr, e *uint64)) {
	for v := start; v < end; {
		table := mm.root
		level := uint(3)
		skipped := false
		for ; level > 0; level-- {
			e := physPage(table)[index(v, level)]
			if e&ptePresent == 0 || e&pteHuge != 0 {
				span := uintptr(1) << (12 + 9*level)
				v = (v + span) &^ (span - 1)
				skipped = true
				break
			}
			table = uintptr(e & pteAddrMask)
		}
		if skipped {
			continue
		}
		e := &physPage(table)[index(v, 0)]
		if *e&ptePresent != 0 {
			fn(v, e)
		}
		v += PageSize
	}
}

// unmapRange drops the pages of [start, end) and frees their RAM; the
// file table's pages stay with it.
func unmapRange(start, end uintptr) {
	forEachPresent(start, end, func(v uintptr, e *uint64) {
		if *e&pteFilePage == 0 {
			mm.frames.release(uintptr(*e & pteAddrMask))
		}
		*e = 0
		cpu.Invlpg(v)
	})
}

// protectRange changes the protection of the present pages of [start, end).
// A file page stays read-only until written (filepages.go).
func protectRange(start, end uintptr, prot uint32) {
	if prot == 0 {
		unmapRange(start, end)
		return
	}
	flags := leafFlags(prot)
	forEachPresent(start, end, func(v uintptr, e *uint64) {
		if *e&pteFilePage != 0 {
			*e = *e&(pteAddrMask|pteDirty) | flags&^(pteWritable|pteDirty) | pteFilePage
		} else {
			*e = *e&pteAddrMask | flags
		}
		cpu.Invlpg(v)
	})
}

// Translate returns the physical address behind v, if mapped.
func Translate(v uintptr) (uintptr, bool) {
	e := walk(v, false)
	if e == nil || *e&ptePresent == 0 {
		return 0, false
	}
	return uintptr(*e&pteAddrMask) | v&(PageSize-1), true
}
