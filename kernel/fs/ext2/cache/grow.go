package cache

// How big the cache may get. Linux keeps a file just written or read in
// its page cache as long as memory is free; the cache does the same within
// a share of the VM's memory, so that re-reading a file of a few tens of
// MiB costs no disk requests (a clock over a cache smaller than the file
// would miss every block of a sequential re-read). It grows only while
// memory is not short, and the allocator takes clean pages back when the
// app needs them (lend.go), so the share is a ceiling, not a reservation.

const (
	cacheShare   = 2  // the cache may grow to 1/cacheShare of the VM's pages
	cacheReserve = 8  // but not into the last 1/cacheReserve of them
	minCache     = 16 // pages, however small the VM (tests make it smaller)
)

// cachePages is how many pages the cache may grow to, for this VM.
func cachePages() int {
	_, total := Pages.Usage()
	n := max(int(total/cacheShare), minCache)
	return min(n, maxSlots/cache.perPage)
}

// roomToGrow reports whether the cache may take another page: free
// memory is above the reserve left to the app and the kernel.
func roomToGrow() bool {
	used, total := Pages.Usage()
	return used < total && total-used > total/cacheReserve
}

// dirtyMax is how many dirty data blocks the cache holds before writing
// them back, so that most of it stays clean (cheap to evict, and
// reclaimable by the allocator) and an fsync has bounded work left.
func dirtyMax() int { return max(cache.limit/4, 1) }

// Throttle writes the dirty file contents back once there are more than
// dirtyMax of them: a writer calls it after each block it dirties.
func Throttle() int {
	if cache.dirtyData <= dirtyMax() {
		return 0
	}
	_, e := WriteBack(Data)
	return e
}
