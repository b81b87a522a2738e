package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// The superblock: 1024 bytes at byte 1024 of the disk (its fields:
// package layout), read at Mount into the geometry below. Its block stays in the cache; the free counts are
// kept here and written into it on every sync.

// fsState is the mounted file system's geometry and state (no pointers).
type fsState struct {
	mounted, readOnly bool
	wasClean          bool // the state found at mount
	disk              int  // for the disk functions

	bs          int // block size
	ppb         uint32
	blocksCount uint32
	firstData   uint32
	bpg, ipg    uint32 // blocks and inodes per group
	groups      uint32
	inodesCount uint32
	firstIno    uint32
	inodeSize   int
	extraIsize  uint16 // i_extra_isize of new inodes
	rev         uint32
	filetype    bool
	roCompat    uint32 // kept to set large_file when needed
	maxSize     int64

	sbBlock  uint32 // block holding the superblock, and where in it
	sbOff    int
	gdtBlock uint32 // first block of the group descriptor table

	freeBlocks, freeInodes uint32

	rBlocks uint32    // reserved for the super-user (statfs: not available)
	fsid    [2]uint32 // the UUID folded to 64 bits, as Linux's statfs reports it

	now    int64  // latest time stamp seen: for the superblock's write time
	dirGen uint64 // bumped on each directory change (ReadDir resyncs)

	hintIno Ino // the last data block allocated, to place the next after it
	hintLb  uint64
	hintBlk uint32
}

var fs fsState

// Mount reads the superblock and the group descriptors of disk (a number
// for the disk functions) and returns the root directory. It refuses
// (EINVAL) what it cannot read safely; readOnly, or an unknown
// read-only-compatible feature, makes the mount read-only. Mounted
// read-write, the superblock is marked not clean on disk at once, so that
// a crash leaves an image e2fsck -p repairs.
func Mount(disk int, readOnly bool, now int64) (Ino, int) {
	if fs.mounted {
		return 0, EBUSY
	}
	// The superblock's own block size is unknown until it is read.
	page := cache.Pages.Alloc()
	if page == 0 {
		return 0, ENOMEM
	}
	e := cache.Disk.Read(disk, 1024/cache.SectorSize, page, 0, 1024)
	if e == 0 {
		e = parseSuper(cache.Pages.Bytes(page)[:1024])
	}
	cache.Pages.Free(page)
	if e != 0 {
		return 0, e
	}
	fs.disk = disk
	fs.readOnly = fs.readOnly || readOnly
	fs.now = now
	opens = [maxOpen]openFile{}
	cache.Init(disk, fs.bs, fs.blocksCount)
	readAheadReset()
	fs.mounted = true
	if e := loadGroups(); e != 0 {
		abandon()
		return 0, e
	}
	var root inode
	if e := loadInode(RootIno, &root); e != 0 || root.mode&TypeMask != TypeDir {
		abandon()
		return 0, EINVAL
	}
	if !fs.readOnly {
		if e := markSuper(false); e != 0 {
			abandon()
			return 0, e
		}
	}
	return RootIno, 0
}

// parseSuper checks the superblock and fills fs from it.
func parseSuper(sb []byte) int {
	fs = fsState{}
	if layout.SbMagic.Get(sb) != layout.SuperMagic {
		return EINVAL
	}
	logBS := layout.SbLogBlockSize.Get(sb)
	if logBS > 2 { // blocks up to 4 KiB: one page holds one or more
		return EINVAL
	}
	fs.bs = 1024 << logBS
	fs.ppb = uint32(fs.bs / 4)
	fs.blocksCount = layout.SbBlocksCount.Get(sb)
	fs.firstData = layout.SbFirstData.Get(sb)
	fs.bpg = layout.SbBlocksPerGroup.Get(sb)
	fs.ipg = layout.SbInodesPerGroup.Get(sb)
	fs.inodesCount = layout.SbInodesCount.Get(sb)
	fs.rev = layout.SbRevLevel.Get(sb)
	fs.rBlocks = layout.SbRBlocksCount.Get(sb)
	for i := 0; i < 16; i += 8 {
		fs.fsid[0] ^= layout.Field32(layout.SbUUID + i).Get(sb)
		fs.fsid[1] ^= layout.Field32(layout.SbUUID + i + 4).Get(sb)
	}
	fs.inodeSize, fs.firstIno = 128, 11
	var incompat, roCompat uint32
	if fs.rev >= 1 {
		fs.inodeSize = int(layout.SbInodeSize.Get(sb))
		fs.firstIno = layout.SbFirstIno.Get(sb)
		incompat = layout.SbFeatIncompat.Get(sb)
		roCompat = layout.SbFeatROCompat.Get(sb)
	}
	fs.wasClean = layout.SbState.Get(sb)&layout.StateValid != 0
	if incompat&^layout.IncompatKnown != 0 {
		return EINVAL // journal to replay, extents, 64bit, meta_bg, …
	}
	if roCompat&^layout.ROCompatKnown != 0 {
		fs.readOnly = true
	}
	fs.filetype = incompat&layout.IncompatFiletype != 0
	fs.roCompat = roCompat
	switch {
	case fs.bpg == 0 || fs.bpg > uint32(fs.bs)*8,
		fs.ipg == 0 || fs.ipg > uint32(fs.bs)*8,
		fs.inodeSize < 128 || fs.inodeSize > fs.bs || fs.inodeSize&(fs.inodeSize-1) != 0,
		fs.firstData != 0 && !(fs.bs == 1024 && fs.firstData == 1),
		fs.blocksCount <= fs.firstData,
		fs.firstIno < 11 || fs.firstIno > fs.inodesCount:
		return EINVAL
	}
	fs.groups = (fs.blocksCount - fs.firstData + fs.bpg - 1) / fs.bpg
	if uint64(fs.groups)*uint64(fs.ipg) < uint64(fs.inodesCount) {
		return EINVAL
	}
	fs.sbBlock = uint32(1024 / fs.bs)
	fs.sbOff = 1024 % fs.bs
	fs.gdtBlock = fs.firstData + 1
	if fs.inodeSize >= 160 {
		fs.extraIsize = 32 // covers the nanosecond times and the creation time
		if w := layout.SbWantExtraIsize.Get(sb); w >= 24 && w&3 == 0 && int(w) <= fs.inodeSize-128 {
			fs.extraIsize = w
		}
	}
	fs.maxSize = maxFileSize()
	return 0
}

// maxFileSize is the largest size the block tree can map, within what
// i_blocks (512-byte units, 32 bits) can count.
func maxFileSize() int64 {
	if fs.rev == 0 {
		return 1<<31 - 1
	}
	p := uint64(fs.ppb)
	blocks := 12 + p + p*p + p*p*p
	size := blocks * uint64(fs.bs)
	if limit := uint64(1)<<41 - uint64(fs.bs); size > limit {
		size = limit
	}
	return int64(size)
}

// loadGroups checks every group descriptor and sums the free counts
// (more trustworthy than the superblock's after a crash).
func loadGroups() int {
	if (fs.groups*layout.GroupDescSize+uint32(fs.bs)-1)/uint32(fs.bs)+fs.gdtBlock > fs.blocksCount {
		return EINVAL
	}
	for g := uint32(0); g < fs.groups; g++ {
		var d groupDesc
		if e := readGroup(g, &d); e != 0 {
			return e
		}
		tableBlocks := (fs.ipg*uint32(fs.inodeSize) + uint32(fs.bs) - 1) / uint32(fs.bs)
		switch {
		case d.blockBitmap < fs.firstData || d.blockBitmap >= fs.blocksCount,
			d.inodeBitmap < fs.firstData || d.inodeBitmap >= fs.blocksCount,
			d.inodeTable < fs.firstData || d.inodeTable+tableBlocks > fs.blocksCount:
			return EINVAL
		}
		fs.freeBlocks += d.freeBlocks
		fs.freeInodes += d.freeInodes
	}
	return 0
}

// abandon forgets a mount that failed half-way, writing nothing.
func abandon() {
	cache.Release()
	fs.mounted = false
}

// superRef pins the superblock's block and says where the superblock is in it.
func superRef() (int, []byte, int) {
	s, e := cache.Get(fs.sbBlock, cache.Read, cache.Meta)
	if e != 0 {
		return -1, nil, e
	}
	return s, cache.Bytes(s)[fs.sbOff : fs.sbOff+1024], 0
}

// writeSuper puts the free counts and the write time into the cached
// superblock (written with the other metadata).
func writeSuper() int {
	s, sb, e := superRef()
	if e != 0 {
		return e
	}
	layout.SbFreeBlocks.Put(sb, fs.freeBlocks)
	layout.SbFreeInodes.Put(sb, fs.freeInodes)
	layout.SbWtime.Put(sb, uint32(unixSeconds(fs.now)))
	if fs.rev >= 1 {
		layout.SbFeatROCompat.Put(sb, fs.roCompat)
	}
	cache.Dirty(s)
	cache.Put(s)
	return 0
}

// markSuper records on disk, at once, whether the file system is clean.
// Marking it dirty (at mount) also counts the mount.
func markSuper(clean bool) int {
	s, sb, e := superRef()
	if e != 0 {
		return e
	}
	st := layout.SbState.Get(sb)
	if clean {
		st |= layout.StateValid
	} else {
		st &^= layout.StateValid
		layout.SbMntCount.Put(sb, layout.SbMntCount.Get(sb)+1)
		layout.SbMtime.Put(sb, uint32(unixSeconds(fs.now)))
	}
	layout.SbState.Put(sb, st)
	cache.Dirty(s)
	cache.Put(s)
	if e := writeSuper(); e != 0 {
		return e
	}
	if e := cache.WriteSlot(s); e != 0 {
		return e
	}
	return cache.Flush()
}

// Unmount writes everything back, marks the file system clean and lets
// the cache's pages go. Files still open and unlinked are freed now.
func Unmount(now int64) int {
	if !fs.mounted {
		return EINVAL
	}
	if fs.readOnly {
		abandon()
		return 0
	}
	fs.now = now
	releaseOrphans()
	e := SyncAll()
	if e == 0 {
		e = markSuper(true)
	}
	abandon()
	return e
}

// ReadOnly reports whether the mounted file system refuses changes.
func ReadOnly() bool { return fs.readOnly }

// WasClean reports whether the file system was cleanly unmounted before
// this mount (if not, it should be checked with e2fsck).
func WasClean() bool { return fs.wasClean }

// FSInfo is what statfs(2) reports.
type FSInfo struct {
	BlockSize           int64
	Blocks, Free, Avail uint64
	Files, FreeFiles    uint64
	Fsid                [2]uint32
}

// Statfs reports the file system's size and free space as Linux's ext2
// does: the blocks less the metadata's (the superblock and descriptor
// copies, each group's bitmaps and inode table), the free ones, those
// free to anyone (less the reserved), and the inodes.
func Statfs() FSInfo {
	gdb := (fs.groups*layout.GroupDescSize + uint32(fs.bs) - 1) / uint32(fs.bs)
	itb := (fs.ipg*uint32(fs.inodeSize) + uint32(fs.bs) - 1) / uint32(fs.bs)
	overhead := uint64(fs.firstData) + uint64(fs.groups)*uint64(itb+2)
	for g := uint32(0); g < fs.groups; g++ {
		if hasSuper(g) {
			overhead += 1 + uint64(gdb)
		}
	}
	i := FSInfo{BlockSize: int64(fs.bs), Free: uint64(fs.freeBlocks), Files: uint64(fs.inodesCount),
		FreeFiles: uint64(fs.freeInodes), Fsid: fs.fsid}
	if total := uint64(fs.blocksCount); total > overhead {
		i.Blocks = total - overhead
	}
	if i.Free > uint64(fs.rBlocks) {
		i.Avail = i.Free - uint64(fs.rBlocks)
	}
	return i
}

// hasSuper reports whether group g holds a copy of the superblock: every
// group, or with sparse_super groups 0, 1 and the powers of 3, 5 and 7.
func hasSuper(g uint32) bool {
	if fs.roCompat&layout.ROCompatSparseSuper == 0 || g <= 1 {
		return true
	}
	for _, p := range [...]uint32{3, 5, 7} {
		n := p
		for n < g {
			n *= p
		}
		if n == g {
			return true
		}
	}
	return false
}
