// Package cache is ext2's block cache: every disk block the file system
// touches goes through it, in slots packed into pages from the page
// allocator (four 1 KiB blocks or one 4 KiB block a page), taken on first
// use. It grows with use up to a share of the VM's memory (grow.go), so
// that a file just written or read is read again from RAM, as Linux's page
// cache does; the allocator takes clean pages back when the app needs the
// memory (lend.go). A caller pins a slot while it uses its bytes (Get …
// Put), so that fetching another block cannot evict it and the allocator
// cannot take its page; the file system never holds a pin across calls
// into it.
//
// Writes stay in the cache (dirty) until the file system syncs, until too
// much is dirty (Throttle), or until a dirty block has to make room; they
// reach the disk in runs of contiguous blocks, one request a run
// (writeback.go), and the file system's read-ahead fetches runs ahead of
// their use (Prefetch). Eviction is a clock (second chance) over the clean
// slots (evict.go).
//
// Ordering: metadata (inodes, indirect blocks, directories, bitmaps) may
// point at file contents still dirty here, and the cache does not know
// which, so a block whose contents must be on the disk before anything
// points at it (a newly allocated data block, a tail zeroed before the
// file grows: "ordered", DirtyOrdered) is written and flushed before any
// metadata is written. After a crash a file may lack its latest writes,
// but it never shows blocks that were not written for it.
//
// Everything runs on the system-call path: no Go heap, no pointers in the
// tables (pages are numbers). One file system uses the cache at a time.
package cache

import (
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
)

// PageOps is the page allocator as the cache uses it.
type PageOps struct {
	Alloc func() uintptr                  // a zeroed page, or 0 when memory is exhausted
	Free  func(p uintptr)                 // gives a page back
	Bytes func(p uintptr) *[PageSize]byte // the page's bytes, through the direct map
	Usage func() (used, total uintptr)    // pages in use and managed: how far the cache may grow
	// The cache's pages as the allocator sees them: it takes those
	// marked reclaimable back when RAM runs out (lend.go).
	SetCachePage func(i int, p uintptr, reclaimable bool)
	CachePage    func(i int) uintptr
}

// DiskOps is the block device. Read and Write move n bytes between disk
// number disk, from 512-byte sector sector on, and the page's bytes
// [off, off+n); n is a multiple of 512 and the run stays inside the page,
// so the device can DMA straight into the cache. ReadPages and WritePages
// move n bytes between the disk and a list of pages (each but the last in
// full), up to MaxRun pages in one request. Flush returns once everything
// written before it is durable. All return an errno (0 on success).
type DiskOps struct {
	Read, Write           func(disk int, sector int64, page uintptr, off, n int) int
	ReadPages, WritePages func(disk int, sector int64, pages []uintptr, n int) int
	Flush                 func(disk int) int
}

// Pages and Disk are what the cache runs on: the kernel's page allocator
// and virtioblk. Variables so that host tests can supply their own;
// statically initialised, so no code (and no write barrier) sets them in
// the kernel.
var (
	Pages = PageOps{Alloc: memory.AllocPage, Free: memory.FreePage, Bytes: memory.PageBytes, Usage: memory.Usage,
		SetCachePage: memory.SetCachePage, CachePage: memory.CachePage}
	Disk = DiskOps{Read: virtioblk.ReadPage, Write: virtioblk.WritePage,
		ReadPages: virtioblk.Read, WritePages: virtioblk.Write, Flush: virtioblk.Flush}
)

// PageSize is the unit of the page allocator; blocks live in pages.
const PageSize = memory.PageSize

// MaxRun is the most blocks one request moves (128 KiB of 4 KiB blocks).
const MaxRun = virtioblk.MaxPages

// SectorSize is the disk's unit of address.
const SectorSize = 512

// Errors, as Linux errno values (memfs's, as the file system's).
const (
	EIO    = memfs.EIO
	ENOMEM = memfs.ENOMEM
)

// maxSlots bounds the slots, whatever the block size: 128 MiB of 4 KiB
// blocks, 32 MiB of 1 KiB ones. The tables are in BSS, which is
// demand-paged: a mount touches only the part its limit can use.
const maxSlots = memory.MaxCachePages

// Slot flags.
const (
	slotValid   = 1 << iota
	slotDirty   // changed since read or written
	slotRef     // used since the clock hand last passed
	slotData    // file contents, written before any metadata
	slotOrdered // dirty data that must be durable before metadata is written
)

// What a block holds, for the write ordering (Get's isData).
const (
	Meta = false
	Data = true
)

// How Get fills a block that is not cached.
const (
	Read      = iota // read it from the disk
	Overwrite        // the caller writes all of it: no read
	Zero             // a new block: zeros, no read
)

// slot describes one cached block.
type slot struct {
	blk          uint32
	next         int32 // hash chain: index+1 of the next slot, 0 ends it
	dnext, dprev int32 // dirty list of its kind, while dirty: index+1, 0 ends it
	pins         uint16
	flags        uint8
}

// The cache. No pointers: page addresses are numbers.
var cache struct {
	slots [maxSlots]slot
	hash  [maxSlots]int32   // index+1 of the chain's first slot; 1<<hashBits used
	page  [maxSlots]uintptr // by page index: the page, 0 when none (lend.go)
	lent  [maxSlots]bool    // by page index: the allocator may take it

	disk   int    // for the disk functions
	bs     int    // block size
	blocks uint32 // blocks on the disk: Get refuses the others

	hashBits  uint
	perPage   int      // blocks a page
	nSlots    int      // slots in use so far (each had a page)
	limit     int      // slots the cache may grow to
	hand      int      // the clock hand
	dirty     int      // dirty slots
	dirtyData int      // of which file contents
	dirtyList [2]int32 // index+1 of the first dirty slot of each kind (kindOf)
	unflushed bool     // ordered data written since the last flush
}

// Init empties the cache for a file system on disk (a number for the
// disk functions) with blocks blocks of blockSize bytes (1, 2 or 4 KiB),
// sized for this VM's memory.
func Init(disk, blockSize int, blocks uint32) {
	cache.disk, cache.bs, cache.blocks = disk, blockSize, blocks
	cache.perPage = PageSize / cache.bs
	cache.limit = cachePages() * cache.perPage
	cache.hashBits = 6
	for 1<<cache.hashBits < cache.limit {
		cache.hashBits++
	}
	clear(cache.slots[:cache.limit])
	clear(cache.hash[:1<<cache.hashBits])
	clear(cache.page[:cache.limit/cache.perPage])
	clear(cache.lent[:cache.limit/cache.perPage])
	cache.nSlots, cache.hand = 0, 0
	cache.dirty, cache.dirtyData, cache.unflushed = 0, 0, false
	cache.dirtyList = [2]int32{}
}

func hashOf(blk uint32) int { return int((blk * 0x9E3779B1) >> (32 - cache.hashBits)) }

// Bytes is the bytes of slot s (pinned, so its page is there).
func Bytes(s int) []byte {
	off := (s % cache.perPage) * cache.bs
	return Pages.Bytes(cache.page[s/cache.perPage])[off : off+cache.bs]
}

// lookupSlot returns the slot holding blk, or -1; its page may have been
// taken by the allocator since (findSlot checks).
func lookupSlot(blk uint32) int {
	for i := cache.hash[hashOf(blk)]; i != 0; i = cache.slots[i-1].next {
		if cache.slots[i-1].blk == blk {
			return int(i - 1)
		}
	}
	return -1
}

// findSlot returns the slot holding blk with its bytes still there, or -1.
func findSlot(blk uint32) int {
	s := lookupSlot(blk)
	if s >= 0 && taken(s/cache.perPage) {
		dropPage(s / cache.perPage)
		return -1
	}
	return s
}

// install makes slot s (pinned, out of the hash) hold blk.
func install(s int, blk uint32) {
	sl := &cache.slots[s]
	sl.blk, sl.flags = blk, slotValid
	h := hashOf(blk)
	sl.next = cache.hash[h]
	cache.hash[h] = int32(s + 1)
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

// Get pins the slot holding blk, filling it as how says. isData says
// whether the block is a file's contents or metadata (directories,
// indirect blocks, bitmaps, inode tables, superblock, descriptors).
func Get(blk uint32, how int, isData bool) (int, int) {
	if blk >= cache.blocks {
		return -1, EIO
	}
	s := findSlot(blk)
	if s < 0 {
		var e int
		if s, e = victim(); e != 0 {
			return -1, e
		}
		if how == Read {
			if e := Disk.Read(cache.disk, blockSector(blk), cache.page[s/cache.perPage], (s%cache.perPage)*cache.bs, cache.bs); e != 0 {
				Put(s)
				return -1, EIO
			}
		}
		install(s, blk)
	} else {
		pin(s)
	}
	if how == Zero {
		clear(Bytes(s))
	}
	cache.slots[s].flags |= slotRef
	setKind(s, isData)
	return s, 0
}

// setKind records whether slot s holds file contents, keeping the dirty
// counts right when that changes.
func setKind(s int, isData bool) {
	sl := &cache.slots[s]
	if (sl.flags&slotData != 0) == isData {
		return
	}
	if sl.flags&slotDirty != 0 {
		unlist(s)
		if isData {
			cache.dirtyData++
		} else {
			cache.dirtyData--
		}
	}
	sl.flags ^= slotData
	sl.flags &^= slotOrdered
	if sl.flags&slotDirty != 0 {
		enlist(s)
	}
}

// pin holds slot s, whose page is known to be there.
func pin(s int) {
	if cache.slots[s].pins == 0 {
		hold(s / cache.perPage)
	}
	cache.slots[s].pins++
}

// Put unpins a slot.
func Put(s int) {
	if cache.slots[s].pins--; cache.slots[s].pins == 0 {
		relend(s / cache.perPage)
	}
}

// Dirty marks a slot's block (pinned) as changed.
func Dirty(s int) {
	sl := &cache.slots[s]
	if sl.flags&slotDirty != 0 {
		return
	}
	sl.flags |= slotDirty
	cache.dirty++
	if sl.flags&slotData != 0 {
		cache.dirtyData++
	}
	enlist(s)
}

// DirtyOrdered marks a data block (pinned) as changed in a way that must
// be durable before any metadata is written: a new block, or zeros that
// a larger size will expose.
func DirtyOrdered(s int) {
	Dirty(s)
	cache.slots[s].flags |= slotOrdered
}

// kindOf is the dirty list a slot belongs on.
func kindOf(s int) int { return int(cache.slots[s].flags&slotData) / slotData }

// enlist puts a dirty slot at the head of its kind's dirty list, so that
// write-back visits only dirty blocks, however big the cache.
func enlist(s int) {
	h := &cache.dirtyList[kindOf(s)]
	sl := &cache.slots[s]
	sl.dprev, sl.dnext = 0, *h
	if *h != 0 {
		cache.slots[*h-1].dprev = int32(s + 1)
	}
	*h = int32(s + 1)
}

// unlist takes a slot off its dirty list.
func unlist(s int) {
	sl := &cache.slots[s]
	if sl.dprev != 0 {
		cache.slots[sl.dprev-1].dnext = sl.dnext
	} else {
		cache.dirtyList[kindOf(s)] = sl.dnext
	}
	if sl.dnext != 0 {
		cache.slots[sl.dnext-1].dprev = sl.dprev
	}
	sl.dnext, sl.dprev = 0, 0
}

// cleaned records that slot s's block is on the disk as cached.
func cleaned(s int) {
	sl := &cache.slots[s]
	if sl.flags&slotDirty == 0 {
		return
	}
	if sl.flags&slotOrdered != 0 {
		cache.unflushed = true
	}
	unlist(s)
	cache.dirty--
	if sl.flags&slotData != 0 {
		cache.dirtyData--
	}
	sl.flags &^= slotDirty | slotOrdered
	if sl.pins == 0 {
		relend(s / cache.perPage)
	}
}

// Forget drops a freed block from the cache: its contents no longer matter.
func Forget(blk uint32) {
	s := lookupSlot(blk)
	if s < 0 || cache.slots[s].pins != 0 {
		return
	}
	if sl := &cache.slots[s]; sl.flags&slotDirty != 0 {
		sl.flags &^= slotOrdered // dropped, not written: nothing to flush
		cleaned(s)
	}
	unhash(s)
	cache.slots[s].flags = 0
}

// blockSector is where a block starts on the disk.
func blockSector(blk uint32) int64 { return int64(blk) * int64(cache.bs/SectorSize) }
