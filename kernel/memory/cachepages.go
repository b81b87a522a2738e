package memory

// Reclaimable pages. The disk file system's block cache (kernel/fs/ext2)
// may fill a large share of RAM with copies of disk blocks, most of them
// clean: they can be read again, the app's memory cannot. So the cache
// records its pages here, each marked reclaimable while it holds no
// pinned or dirty block, and when RAM runs out the allocator takes a
// reclaimable page back instead of failing (alloc → takeCachePage). A
// taken page's entry becomes 0, which the cache notices the next time it
// looks at that page. No callback (a function value stored at run time
// would be a pointer store into a global): the table is the protocol.
//
// The kernel runs traps one at a time with interrupts masked, so the
// cache's check-then-set on an entry cannot interleave with a take.

// MaxCachePages bounds the block cache: 128 MiB.
const MaxCachePages = 32768

const cacheReclaimable = 1 // in an entry: the allocator may take the page

// cachePages is in BSS and demand-paged: an entry is written (its page
// faulted in) by SetCachePage before mm.cacheN covers it, so the
// allocator, which runs on the fault path and must not fault, only reads
// entries that are backed.
var cachePages [MaxCachePages]uintptr

// SetCachePage records page p (0: none) as the block cache's page i;
// reclaimable says whether the allocator may take it.
func SetCachePage(i int, p uintptr, reclaimable bool) {
	v := p
	if reclaimable && p != 0 {
		v |= cacheReclaimable
	}
	cachePages[i] = v
	if i >= mm.cacheN {
		mm.cacheN = i + 1
	}
}

// CachePage returns the block cache's page i, or 0: none recorded, or
// taken back by the allocator.
func CachePage(i int) uintptr { return cachePages[i] &^ cacheReclaimable }

// takeCachePage takes a reclaimable page from the block cache (the
// caller zeroes it), or returns 0. A hand goes round the table so that
// successive takes spread over the cache.
func takeCachePage() uintptr {
	n := mm.cacheN
	for k := 0; k < n; k++ {
		i := mm.cacheHand
		if mm.cacheHand++; mm.cacheHand >= n {
			mm.cacheHand = 0
		}
		if v := cachePages[i]; v&cacheReclaimable != 0 {
			cachePages[i] = 0
			return v &^ cacheReclaimable
		}
	}
	return 0
}
