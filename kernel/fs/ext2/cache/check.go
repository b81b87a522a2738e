package cache

// The cache's books, for tests: they change its size and check, after
// every operation, that nothing was left pinned and the counts agree.

// Counts are the cache's sizes, in slots (blocks).
type Counts struct {
	Slots     int // in use so far
	Limit     int // what it may grow to
	Dirty     int // dirty blocks
	DirtyData int // of which file contents
	DirtyMax  int // dirty file contents Throttle allows
}

// Count returns the cache's sizes.
func Count() Counts {
	return Counts{cache.nSlots, cache.limit, cache.dirty, cache.dirtyData, dirtyMax()}
}

// SetLimit makes n slots the most the cache may grow to, however much
// memory there is (tests make the cache small, or let it grow).
func SetLimit(n int) { cache.limit = n }

// Pinned counts slots still pinned: a leak once an operation returned.
func Pinned() int {
	n := 0
	for s := 0; s < cache.nSlots; s++ {
		if cache.slots[s].pins != 0 {
			n++
		}
	}
	return n
}

// Check audits the books: the dirty counts and lists as the slots' flags
// say, no dirty block in a page lent to the allocator, no page the
// allocator took while not lent, and none left unlent with nothing in it
// pinned or dirty. It returns what is wrong and the slot (or page) where,
// or "" when all is well.
func Check() (problem string, at int) {
	dirty, dirtyData := 0, 0
	for s := 0; s < cache.nSlots; s++ {
		f := cache.slots[s].flags
		if f&slotDirty != 0 {
			dirty++
			if f&slotData != 0 {
				dirtyData++
			}
			if f&slotValid == 0 || cache.page[s/cache.perPage] == 0 || cache.lent[s/cache.perPage] {
				return "dirty slot invalid, without a page, or in a lent page", s
			}
		}
	}
	listed := [2]int{}
	for kind := range cache.dirtyList {
		for i := cache.dirtyList[kind]; i != 0; i = cache.slots[i-1].dnext {
			if kindOf(int(i-1)) != kind || cache.slots[i-1].flags&slotDirty == 0 {
				return "slot on the wrong dirty list, or not dirty", int(i - 1)
			}
			listed[kind]++
		}
	}
	if dirty != cache.dirty || dirtyData != cache.dirtyData || listed[0]+listed[1] != dirty || listed[1] != dirtyData {
		return "dirty slots and their counts and lists disagree", -1
	}
	for p := 0; p*cache.perPage < cache.nSlots; p++ {
		if cache.page[p] == 0 || cache.lent[p] || p < keepPages {
			continue
		}
		if Pages.CachePage(p) != cache.page[p] {
			return "page taken by the allocator while not lent", p
		}
		busy := false
		for s := p * cache.perPage; s < (p+1)*cache.perPage && s < cache.nSlots; s++ {
			busy = busy || cache.slots[s].flags&slotDirty != 0
		}
		if !busy {
			return "page holds nothing pinned or dirty, yet is not lent to the allocator", p
		}
	}
	return "", 0
}
