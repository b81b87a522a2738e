package cache

// The cache's pages and the page allocator. Each page is recorded with the
// allocator (Pages.SetCachePage), marked reclaimable ("lent") while none of its
// blocks is pinned or dirty: when RAM runs out, the allocator takes such a
// page back for the app rather than fail, and its entry reads 0 from then
// on. The cache checks before it trusts a lent page again (taken), and
// forgets the blocks that were in it (dropPage): they were clean, so the
// disk still has them. Pinned or dirty pages are never lent, so a page in
// use cannot go away under a caller.

// taken reports whether the allocator has taken page p back.
func taken(p int) bool { return cache.lent[p] && Pages.CachePage(p) != cache.page[p] }

// dropPage forgets page p, taken by the allocator: its blocks (clean and
// unpinned, or it would not have been lent) are no longer cached.
func dropPage(p int) {
	for s := p * cache.perPage; s < (p+1)*cache.perPage && s < cache.nSlots; s++ {
		if cache.slots[s].flags&slotValid != 0 {
			unhash(s)
		}
		cache.slots[s].flags = 0
	}
	cache.page[p], cache.lent[p] = 0, false
}

// hold stops lending page p (known to be there): one of its blocks is
// about to be used.
func hold(p int) {
	if cache.lent[p] {
		cache.lent[p] = false
		Pages.SetCachePage(p, cache.page[p], false)
	}
}

// keepPages is how many of the cache's first pages are never lent, so
// that the file system can still be synced and unmounted (the superblock
// written, the state marked clean) when the app has taken all the rest,
// as when it dies out of memory.
const keepPages = 4

// relend lends page p again once nothing in it is pinned or dirty.
func relend(p int) {
	if cache.lent[p] || cache.page[p] == 0 || p < keepPages {
		return
	}
	for s := p * cache.perPage; s < (p+1)*cache.perPage && s < cache.nSlots; s++ {
		if sl := &cache.slots[s]; sl.pins != 0 || sl.flags&slotDirty != 0 {
			return
		}
	}
	cache.lent[p] = true
	Pages.SetCachePage(p, cache.page[p], true)
}

// fillPage makes sure page p is there, taking a new page if the allocator
// took the old one or there never was one, when mayAlloc (the caller's
// reading of roomToGrow, or a last resort). It reports whether p has a page.
func fillPage(p int, mayAlloc bool) bool {
	if cache.page[p] != 0 {
		if !taken(p) {
			return true
		}
		dropPage(p)
	}
	if !mayAlloc {
		return false
	}
	page := Pages.Alloc()
	if page == 0 {
		return false
	}
	cache.page[p], cache.lent[p] = page, false
	Pages.SetCachePage(p, page, false)
	return true
}

// Release gives the cache's pages back (after a sync, or without one
// when a mount is abandoned).
func Release() {
	for p := 0; p*cache.perPage < cache.nSlots; p++ {
		if page := cache.page[p]; page != 0 && !taken(p) {
			Pages.SetCachePage(p, 0, false)
			Pages.Free(page)
		}
		cache.page[p], cache.lent[p] = 0, false
	}
	cache.nSlots = 0
}
