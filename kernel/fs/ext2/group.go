package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Block groups: each has a descriptor (in the table after the superblock;
// its fields: package layout) pointing at its block bitmap, inode bitmap
// and inode table, with its free counts. Allocation sets bitmap bits and
// keeps the descriptor's and the superblock's counts in step, which is
// what e2fsck checks.

// groupDesc is a decoded group descriptor.
type groupDesc struct {
	blockBitmap, inodeBitmap, inodeTable uint32
	freeBlocks, freeInodes, usedDirs     uint32
}

// groupRef pins the block holding group g's descriptor.
func groupRef(g uint32) (int, []byte, int) {
	pos := int(g) * layout.GroupDescSize
	s, e := cache.Get(fs.gdtBlock+uint32(pos/fs.bs), cache.Read, cache.Meta)
	if e != 0 {
		return -1, nil, e
	}
	at := pos % fs.bs
	return s, cache.Bytes(s)[at : at+layout.GroupDescSize], 0
}

func readGroup(g uint32, d *groupDesc) int {
	s, b, e := groupRef(g)
	if e != 0 {
		return e
	}
	*d = groupDesc{layout.GDBlockBitmap.Get(b), layout.GDInodeBitmap.Get(b), layout.GDInodeTable.Get(b),
		uint32(layout.GDFreeBlocks.Get(b)), uint32(layout.GDFreeInodes.Get(b)), uint32(layout.GDUsedDirs.Get(b))}
	cache.Put(s)
	return 0
}

// adjustGroup changes group g's free counts and directory count.
func adjustGroup(g uint32, blocks, inodes, dirs int) int {
	s, b, e := groupRef(g)
	if e != 0 {
		return e
	}
	layout.GDFreeBlocks.Put(b, uint16(int(layout.GDFreeBlocks.Get(b))+blocks))
	layout.GDFreeInodes.Put(b, uint16(int(layout.GDFreeInodes.Get(b))+inodes))
	layout.GDUsedDirs.Put(b, uint16(int(layout.GDUsedDirs.Get(b))+dirs))
	cache.Dirty(s)
	cache.Put(s)
	fs.freeBlocks = uint32(int64(fs.freeBlocks) + int64(blocks))
	fs.freeInodes = uint32(int64(fs.freeInodes) + int64(inodes))
	return 0
}

// groupBlocks is how many blocks group g has (the last may be short).
func groupBlocks(g uint32) int {
	first := fs.firstData + g*fs.bpg
	if n := fs.blocksCount - first; n < fs.bpg {
		return int(n)
	}
	return int(fs.bpg)
}

// findZero returns the first clear bit in [start, limit) of a bitmap, or -1.
func findZero(b []byte, start, limit int) int {
	for i := start; i < limit; {
		if i&7 == 0 && i+8 <= limit && b[i>>3] == 0xff {
			i += 8
			continue
		}
		if b[i>>3]&(1<<(i&7)) == 0 {
			return i
		}
		i++
	}
	return -1
}

// takeBit sets the first clear bit in [start, limit) of the bitmap in
// block bitmap and returns it, or -1.
func takeBit(bitmap uint32, start, limit int) (int, int) {
	s, e := cache.Get(bitmap, cache.Read, cache.Meta)
	if e != 0 {
		return -1, e
	}
	b := cache.Bytes(s)
	i := findZero(b, start, limit)
	if i >= 0 {
		b[i>>3] |= 1 << (i & 7)
		cache.Dirty(s)
	}
	cache.Put(s)
	return i, 0
}

// clearBit clears a bitmap bit; it reports whether it was set.
func clearBit(bitmap uint32, i int) (bool, int) {
	s, e := cache.Get(bitmap, cache.Read, cache.Meta)
	if e != 0 {
		return false, e
	}
	b := cache.Bytes(s)
	was := b[i>>3]&(1<<(i&7)) != 0
	b[i>>3] &^= 1 << (i & 7)
	cache.Dirty(s)
	cache.Put(s)
	return was, 0
}

// validBlock reports whether a block number read from the disk can be a
// file's block.
func validBlock(b uint32) bool { return b > fs.firstData && b < fs.blocksCount }

// allocBlock takes a free block, near goal when it can.
func allocBlock(goal uint32) (uint32, int) {
	if fs.freeBlocks == 0 {
		return 0, ENOSPC
	}
	if goal < fs.firstData || goal >= fs.blocksCount {
		goal = fs.firstData
	}
	g0 := (goal - fs.firstData) / fs.bpg
	// Groups from goal's on, then goal's group again from its start.
	for i := uint32(0); i <= fs.groups; i++ {
		g := (g0 + i) % fs.groups
		start := 0
		if i == 0 {
			start = int((goal - fs.firstData) % fs.bpg)
		}
		var d groupDesc
		if e := readGroup(g, &d); e != 0 {
			return 0, e
		}
		if d.freeBlocks == 0 {
			continue
		}
		bit, e := takeBit(d.blockBitmap, start, groupBlocks(g))
		if e != 0 {
			return 0, e
		}
		if bit < 0 {
			continue
		}
		if e := adjustGroup(g, -1, 0, 0); e != 0 {
			return 0, e
		}
		return fs.firstData + g*fs.bpg + uint32(bit), 0
	}
	return 0, ENOSPC
}

// freeBlock gives a block back and drops it from the cache.
func freeBlock(blk uint32) int {
	if !validBlock(blk) {
		return EIO
	}
	g := (blk - fs.firstData) / fs.bpg
	var d groupDesc
	if e := readGroup(g, &d); e != 0 {
		return e
	}
	was, e := clearBit(d.blockBitmap, int((blk-fs.firstData)%fs.bpg))
	if e != 0 {
		return e
	}
	cache.Forget(blk)
	if !was {
		return EIO // freed twice: the counts stay as they were
	}
	return adjustGroup(g, 1, 0, 0)
}

// allocInode takes a free inode: a file's in its directory's group when
// there is room, a directory's in a group with more free inodes than
// average and the most free blocks (spreading directories out).
func allocInode(parent Ino, dir bool) (Ino, int) {
	if fs.freeInodes == 0 {
		return 0, ENOSPC
	}
	pg := (uint32(parent) - 1) / fs.ipg
	if pg >= fs.groups {
		pg = 0
	}
	first := pg
	if dir {
		avg := fs.freeInodes / fs.groups
		best, bestFree := int64(-1), uint32(0)
		for i := uint32(0); i < fs.groups; i++ {
			g := (pg + i) % fs.groups
			var d groupDesc
			if e := readGroup(g, &d); e != 0 {
				return 0, e
			}
			if d.freeInodes > 0 && d.freeInodes >= avg && (best < 0 || d.freeBlocks > bestFree) {
				best, bestFree = int64(g), d.freeBlocks
			}
		}
		if best >= 0 {
			first = uint32(best)
		}
	}
	for i := uint32(0); i < fs.groups; i++ {
		g := (first + i) % fs.groups
		var d groupDesc
		if e := readGroup(g, &d); e != 0 {
			return 0, e
		}
		if d.freeInodes == 0 {
			continue
		}
		start := 0
		if g == 0 {
			start = int(fs.firstIno - 1) // the reserved inodes
		}
		limit := int(fs.ipg)
		if rest := fs.inodesCount - g*fs.ipg; rest < fs.ipg {
			limit = int(rest)
		}
		bit, e := takeBit(d.inodeBitmap, start, limit)
		if e != 0 {
			return 0, e
		}
		if bit < 0 {
			continue
		}
		dirs := 0
		if dir {
			dirs = 1
		}
		if e := adjustGroup(g, 0, -1, dirs); e != 0 {
			return 0, e
		}
		return Ino(g*fs.ipg + uint32(bit) + 1), 0
	}
	return 0, ENOSPC
}

// freeInode gives an inode number back.
func freeInode(ino Ino, dir bool) int {
	g := (uint32(ino) - 1) / fs.ipg
	var d groupDesc
	if e := readGroup(g, &d); e != 0 {
		return e
	}
	was, e := clearBit(d.inodeBitmap, int((uint32(ino)-1)%fs.ipg))
	if e != 0 {
		return e
	}
	if !was {
		return EIO
	}
	dirs := 0
	if dir {
		dirs = -1
	}
	return adjustGroup(g, 0, 1, dirs)
}
