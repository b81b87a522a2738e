package cache

// Finding a slot for a block not cached: a new one while the cache may
// grow, else the clock's choice among the clean, unpinned slots. Dirty
// slots are never evicted one by one: when nothing clean is left, the
// dirty blocks are written back together (data first, which needs no
// flush; metadata only after the ordered data is durable), so that
// eviction costs a run of requests and at most one flush, not a flush
// for every metadata block pushed out.

// victim returns a slot for a new block: pinned, out of the hash, its
// page there.
func victim() (int, int) {
	if cache.nSlots < cache.limit {
		s := cache.nSlots
		if fillPage(s/cache.perPage, roomToGrow()) {
			cache.nSlots++
			cache.slots[s] = slot{}
			pin(s)
			return s, 0
		}
		cache.limit = s // memory is short: make do with the slots there are
	}
	for {
		if s := sweep(); s >= 0 {
			pin(s)
			return s, 0
		}
		switch {
		case cache.dirtyData > 0:
			if _, e := WriteBack(Data); e != 0 {
				return -1, e
			}
		case cache.dirty > 0:
			if e := writeMeta(); e != 0 {
				return -1, e
			}
		default:
			return forceFill()
		}
	}
}

// sweep moves the clock hand over the slots and returns the first clean,
// unpinned one not used since the hand last passed (out of the hash), or
// -1 after two turns.
func sweep() int {
	room := roomToGrow() // for pages the allocator took: replaced only if memory is not short
	for i := 0; i < 2*cache.nSlots; i++ {
		s := cache.hand
		if cache.hand++; cache.hand >= cache.nSlots {
			cache.hand = 0
		}
		sl := &cache.slots[s]
		if sl.pins != 0 || sl.flags&slotDirty != 0 {
			continue
		}
		if sl.flags&slotRef != 0 {
			sl.flags &^= slotRef
			continue
		}
		if !fillPage(s/cache.perPage, room) {
			continue // taken by the allocator, and memory is short
		}
		if sl.flags&slotValid != 0 {
			unhash(s)
		}
		sl.flags = 0
		return s
	}
	return -1
}

// forceFill is the last resort when every slot is pinned or lost its page
// to the allocator: a page for an unpinned slot, however short memory is.
func forceFill() (int, int) {
	if cache.nSlots == 0 {
		return -1, ENOMEM
	}
	for s := 0; s < cache.nSlots; s++ {
		p := s / cache.perPage
		if cache.slots[s].pins != 0 || cache.page[p] != 0 && !taken(p) {
			continue
		}
		if !fillPage(p, true) {
			return -1, ENOMEM
		}
		cache.slots[s].flags = 0
		pin(s)
		return s, 0
	}
	return -1, EIO // every block pinned: a leak
}
