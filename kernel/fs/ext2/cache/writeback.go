package cache

// Write-back in runs: dirty blocks that are contiguous on the disk go out
// in one request (up to MaxRun pages) instead of one request a block. The
// dirty blocks of each kind are on a list (cache.go); a run is found
// through the hash, back from a listed block to the first of its run and
// then forward, so write-back costs what is dirty, not the cache's size,
// with no sorting and no extra table.

// run is the request being built (no pointers; a global, so that the page
// list handed to the disk function does not escape to the heap).
var run struct {
	slots [MaxRun]int32
	pages [MaxRun]uintptr
}

// runMax is how many blocks one request may carry: a page list needs
// whole pages, so only 4 KiB blocks make runs.
func runMax() int {
	if cache.bs == PageSize {
		return MaxRun
	}
	return 1
}

// dirtyOf reports whether slot s holds a dirty block of the given kind.
func dirtyOf(s int, isData bool) bool {
	f := cache.slots[s].flags
	return f&(slotValid|slotDirty) == slotValid|slotDirty && (f&slotData != 0) == isData
}

// WriteBack writes the dirty blocks of one kind (data or metadata), a run
// of contiguous blocks a request, and says how many.
func WriteBack(isData bool) (int, int) {
	n := 0
	kind := 0
	if isData {
		kind = 1
	}
	for cache.dirtyList[kind] != 0 {
		s := int(cache.dirtyList[kind] - 1)
		for { // back to the first block of its run
			p := lookupSlot(cache.slots[s].blk - 1)
			if p < 0 || !dirtyOf(p, isData) {
				break
			}
			s = p
		}
		for next := s; next >= 0; { // forward, maxRun blocks a request
			k := 0
			blk := cache.slots[next].blk
			for k < runMax() && next >= 0 && dirtyOf(next, isData) && cache.slots[next].blk == blk+uint32(k) {
				run.slots[k] = int32(next)
				k++
				next = lookupSlot(blk + uint32(k))
			}
			if e := writeRun(k); e != 0 {
				return n, e
			}
			n += k
			if next >= 0 && !dirtyOf(next, isData) {
				next = -1
			}
		}
	}
	return n, 0
}

// writeRun writes the k blocks of run.slots (contiguous on the disk) in
// one request.
func writeRun(k int) int {
	s := int(run.slots[0])
	blk := cache.slots[s].blk
	var e int
	if k == 1 {
		e = Disk.Write(cache.disk, blockSector(blk), cache.page[s/cache.perPage], (s%cache.perPage)*cache.bs, cache.bs)
	} else {
		for i := 0; i < k; i++ {
			run.pages[i] = cache.page[run.slots[i]] // 4 KiB blocks: slot i is page i
		}
		e = Disk.WritePages(cache.disk, blockSector(blk), run.pages[:k], k*cache.bs)
	}
	if e != 0 {
		return EIO
	}
	for i := 0; i < k; i++ {
		cleaned(int(run.slots[i]))
	}
	return 0
}

// WriteSlot writes one dirty block to the disk.
func WriteSlot(s int) int {
	run.slots[0] = int32(s)
	return writeRun(1)
}

// Flush makes everything written so far durable.
func Flush() int {
	if Disk.Flush(cache.disk) != 0 {
		return EIO
	}
	cache.unflushed = false
	return 0
}

// OrderData is the step before any metadata is written: the dirty file
// contents written, and a flush if any of what was written must be on the
// disk before the metadata that points at it (ordered blocks). Overwrites
// of blocks the disk already maps need no flush: whichever version a
// crash leaves is the file's.
func OrderData() int {
	if _, e := WriteBack(Data); e != 0 {
		return e
	}
	if cache.unflushed {
		return Flush()
	}
	return 0
}

// writeMeta writes every dirty metadata block, in order after the data.
func writeMeta() int {
	if e := OrderData(); e != 0 {
		return e
	}
	_, e := WriteBack(Meta)
	return e
}
