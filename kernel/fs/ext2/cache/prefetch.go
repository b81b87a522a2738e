package cache

// Reading runs: the file system's read-ahead (ext2's readahead.go) decides
// which blocks a reader will want; Prefetch fetches them, as far as they
// are contiguous on the disk, in one request instead of a request a block.

// fetch is the read request being built (a global: the page list handed
// to the disk function must not escape to the heap; apart from run, which
// making room for it may use to write back).
var fetch struct {
	slots [MaxRun]int32
	pages [MaxRun]uintptr
}

// PrefetchMax is how many blocks one Prefetch may bring in: a run's worth,
// and no more than a quarter of the cache.
func PrefetchMax() int { return min(runMax(), cache.limit/4) }

// Cached reports whether blk is in the cache (with its bytes).
func Cached(blk uint32) bool { return findSlot(blk) >= 0 }

// Prefetch brings the k blocks from blk on (none of them cached, k at
// most PrefetchMax) into the cache as file contents, in one request. It is
// best effort: what it does not fetch, Get reads a block at a time.
func Prefetch(blk uint32, k int) {
	if k < 2 || blk+uint32(k) > cache.blocks {
		return
	}
	got := 0
	for got < k {
		s, e := victim()
		if e != 0 {
			break
		}
		fetch.slots[got], fetch.pages[got] = int32(s), cache.page[s]
		got++
	}
	ok := got >= 2 && Disk.ReadPages(cache.disk, blockSector(blk), fetch.pages[:got], got*cache.bs) == 0
	for i := 0; i < got; i++ {
		s := int(fetch.slots[i])
		if ok {
			install(s, blk+uint32(i))
			cache.slots[s].flags |= slotData
		}
		Put(s)
	}
}
