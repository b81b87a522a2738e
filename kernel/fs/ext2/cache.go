package ext2

// The block cache: every disk block the file system touches goes through a
// fixed number of slots, packed into pages from the page allocator (four
// 1 KiB blocks or one 4 KiB block a page), taken on first use. Writes stay
// in the cache (dirty) until Sync, SyncAll or Unmount, or until a dirty
// block is chosen for eviction. Eviction is a clock (second chance) over
// the slots. A caller pins a slot while it uses its bytes (bget … bput), so
// that fetching another block cannot evict it; the pins are never held
// across calls into the package.
//
// Ordering: metadata (inodes, indirect blocks, directories, bitmaps) may
// point at file contents still dirty here, and the cache does not know
// which, so no metadata block is written before all dirty file contents
// have been written and flushed. After a crash a file may lack its latest
// writes, but it never shows blocks that were not written for it.

// cachePages bounds the cache: 1 MiB of blocks.
const cachePages = 256

const (
	maxSlots = cachePages * (PageSize / 1024) // with the smallest blocks
	hashBits = 11
	hashSize = 1 << hashBits
)

// Slot flags.
const (
	slotValid = 1 << iota
	slotDirty
	slotRef  // used since the clock hand last passed
	slotData // file contents, written before any metadata
)

// What a block holds, for the write ordering.
const (
	meta = false
	data = true
)

// How bget fills a block that is not cached.
const (
	getRead      = iota // read it from the disk
	getOverwrite        // the caller writes all of it: no read
	getZero             // a new block: zeros, no read
)

// slot describes one cached block.
type slot struct {
	blk   uint32
	next  int16 // hash chain: index+1 of the next slot, 0 ends it
	pins  uint16
	flags uint8
}

// The cache. No pointers: page addresses are numbers.
var cache struct {
	pages   [cachePages]uintptr
	slots   [maxSlots]slot
	hash    [hashSize]int16 // index+1 of the chain's first slot
	perPage int             // blocks a page
	nSlots  int             // slots backed by pages so far
	limit   int             // slots the cache may grow to
	hand    int             // the clock hand
}

// cacheInit empties the cache for a file system with fs.bs-byte blocks.
func cacheInit() {
	cache.slots = [maxSlots]slot{}
	cache.hash = [hashSize]int16{}
	cache.perPage = PageSize / fs.bs
	cache.nSlots = 0
	cache.limit = cachePages * cache.perPage
	cache.hand = 0
}

// cacheRelease gives the cache's pages back (after a sync).
func cacheRelease() {
	for i := range cache.pages {
		if cache.pages[i] != 0 {
			freePage(cache.pages[i])
			cache.pages[i] = 0
		}
	}
	cache.nSlots = 0
}

func hashOf(blk uint32) int { return int((blk * 0x9E3779B1) >> (32 - hashBits)) }

// blockBytes is the bytes of slot s.
func blockBytes(s int) []byte {
	off := (s % cache.perPage) * fs.bs
	return pageAt(cache.pages[s/cache.perPage])[off : off+fs.bs]
}

// lookupSlot returns the slot holding blk, or -1.
func lookupSlot(blk uint32) int {
	for i := cache.hash[hashOf(blk)]; i != 0; i = cache.slots[i-1].next {
		if cache.slots[i-1].blk == blk {
			return int(i - 1)
		}
	}
	return -1
}

func unhash(s int) {
	h := hashOf(cache.slots[s].blk)
	p := &cache.hash[h]
	for *p != 0 {
		if int(*p-1) == s {
			*p = cache.slots[s].next
			break
		}
		p = &cache.slots[*p-1].next
	}
	cache.slots[s].next = 0
}

// bget pins the slot holding blk, filling it as how says. isData says
// whether the block is a file's contents or metadata (directories,
// indirect blocks, bitmaps, inode tables, superblock, descriptors).
func bget(blk uint32, how int, isData bool) (int, int) {
	if blk >= fs.blocksCount {
		return -1, EIO
	}
	s := lookupSlot(blk)
	if s < 0 {
		var e int
		if s, e = victim(); e != 0 {
			return -1, e
		}
		sl := &cache.slots[s]
		sl.blk, sl.flags = blk, 0
		if how == getRead {
			if e := diskRead(fs.disk, blockSector(blk), cache.pages[s/cache.perPage], (s%cache.perPage)*fs.bs, fs.bs); e != 0 {
				return -1, EIO
			}
		}
		sl.flags = slotValid
		h := hashOf(blk)
		sl.next = cache.hash[h]
		cache.hash[h] = int16(s + 1)
	}
	sl := &cache.slots[s]
	if how == getZero {
		clear(blockBytes(s))
	}
	sl.pins++
	sl.flags |= slotRef
	if isData {
		sl.flags |= slotData
	} else {
		sl.flags &^= slotData
	}
	return s, 0
}

// bput unpins a slot.
func bput(s int) { cache.slots[s].pins-- }

// bdirty marks a slot's block as changed.
func bdirty(s int) { cache.slots[s].flags |= slotDirty }

// victim returns an unpinned slot to reuse, out of the cache's hash, its
// dirty contents written: a new one while the cache may grow, else the
// clock's choice.
func victim() (int, int) {
	if cache.nSlots < cache.limit {
		s := cache.nSlots
		p := s / cache.perPage
		if cache.pages[p] == 0 {
			cache.pages[p] = allocPage()
		}
		if cache.pages[p] != 0 {
			cache.nSlots++
			return s, 0
		}
		cache.limit = s // out of memory: make do with what we have
	}
	if cache.nSlots == 0 {
		return -1, ENOMEM
	}
	for i := 0; i < 2*cache.nSlots+1; i++ {
		s := cache.hand
		cache.hand = (cache.hand + 1) % cache.nSlots
		sl := &cache.slots[s]
		if sl.pins != 0 {
			continue
		}
		if sl.flags&slotRef != 0 {
			sl.flags &^= slotRef
			continue
		}
		if sl.flags&slotDirty != 0 {
			if sl.flags&slotData == 0 {
				if e := flushData(); e != 0 {
					return -1, e
				}
			}
			if e := writeSlot(s); e != 0 {
				return -1, e
			}
		}
		if sl.flags&slotValid != 0 {
			unhash(s)
		}
		sl.flags = 0
		return s, 0
	}
	return -1, EIO // every block pinned: a leak
}

// blockSector is where a block starts on the disk.
func blockSector(blk uint32) int64 { return int64(blk) * int64(fs.bs/sectorSize) }

// writeSlot writes a dirty block to the disk.
func writeSlot(s int) int {
	sl := &cache.slots[s]
	if e := diskWrite(fs.disk, blockSector(sl.blk), cache.pages[s/cache.perPage], (s%cache.perPage)*fs.bs, fs.bs); e != 0 {
		return EIO
	}
	sl.flags &^= slotDirty
	return 0
}

// bforget drops a freed block from the cache: its contents no longer matter.
func bforget(blk uint32) {
	s := lookupSlot(blk)
	if s < 0 || cache.slots[s].pins != 0 {
		return
	}
	unhash(s)
	cache.slots[s].flags = 0
}

// writeBack writes the dirty blocks of one kind (data or metadata) and
// says how many.
func writeBack(isData bool) (int, int) {
	n := 0
	for s := 0; s < cache.nSlots; s++ {
		sl := &cache.slots[s]
		if sl.flags&(slotValid|slotDirty) != slotValid|slotDirty {
			continue
		}
		if (sl.flags&slotData != 0) != isData {
			continue
		}
		if e := writeSlot(s); e != 0 {
			return n, e
		}
		n++
	}
	return n, 0
}

// flushData makes every dirty file block durable: the step before any
// metadata is written.
func flushData() int {
	n, e := writeBack(data)
	if e != 0 {
		return e
	}
	if n > 0 && diskFlush(fs.disk) != 0 {
		return EIO
	}
	return 0
}

// pinnedSlots counts slots still pinned (tests check for leaks).
func pinnedSlots() int {
	n := 0
	for s := 0; s < cache.nSlots; s++ {
		if cache.slots[s].pins != 0 {
			n++
		}
	}
	return n
}
