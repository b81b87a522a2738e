package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// The block map: i_block holds 12 direct block numbers, then a single, a
// double and a triple indirect block; an indirect block is a table of
// block numbers (fs.ppb of them). Zero is a hole, which reads as zeros.

// blockPath splits logical block lb into its path through the tree: depth
// indirections, idx[0] the slot in i_block and idx[1..depth] the slots in
// the indirect blocks on the way.
func blockPath(lb uint64) (int, [4]uint32, bool) {
	p := uint64(fs.ppb)
	if lb < 12 {
		return 0, [4]uint32{uint32(lb)}, true
	}
	lb -= 12
	if lb < p {
		return 1, [4]uint32{12, uint32(lb)}, true
	}
	lb -= p
	if lb < p*p {
		return 2, [4]uint32{13, uint32(lb / p), uint32(lb % p)}, true
	}
	lb -= p * p
	if lb < p*p*p {
		return 3, [4]uint32{14, uint32(lb / (p * p)), uint32(lb / p % p), uint32(lb % p)}, true
	}
	return 0, [4]uint32{}, false
}

// sectors is a block's share of i_blocks.
func sectors() uint64 { return uint64(fs.bs / 512) }

// mapBlock returns the disk block holding logical block lb of the file,
// 0 for a hole. With alloc it fills the hole (and the indirect blocks on
// the way, zeroed) and reports fresh: the data block is new, its contents
// undefined. n changes then, and the caller stores it.
func mapBlock(ino Ino, n *inode, lb uint64, alloc bool) (uint32, bool, int) {
	depth, idx, ok := blockPath(lb)
	if !ok {
		return 0, false, EFBIG
	}
	if alloc {
		// Refuse at once rather than leave half a path.
		if n.blocks+uint64(depth+1)*sectors() > 0xffffffff {
			return 0, false, EFBIG
		}
		if fs.freeBlocks <= uint32(depth) {
			need, e := missing(n, depth, idx)
			if e != 0 {
				return 0, false, e
			}
			if need > fs.freeBlocks {
				return 0, false, ENOSPC
			}
		}
	}
	goal := goalFor(ino, n, lb)
	fresh := false
	b := n.block[idx[0]]
	if b == 0 {
		if !alloc {
			return 0, false, 0
		}
		nb, e := newBlock(n, goal, depth > 0)
		if e != 0 {
			return 0, false, e
		}
		n.block[idx[0]] = nb
		b, goal, fresh = nb, nb+1, depth == 0
	} else if !validBlock(b) {
		return 0, false, EIO
	}
	for level := 1; level <= depth; level++ {
		s, e := cache.Get(b, cache.Read, cache.Meta)
		if e != 0 {
			return 0, false, e
		}
		at := layout.Entry(int(idx[level]))
		c := at.Get(cache.Bytes(s))
		if c == 0 {
			if !alloc {
				cache.Put(s)
				return 0, false, 0
			}
			nb, e := newBlock(n, goal, level < depth)
			if e != 0 {
				cache.Put(s)
				return 0, false, e
			}
			at.Put(cache.Bytes(s), nb)
			cache.Dirty(s)
			c, goal, fresh = nb, nb+1, level == depth
		} else if !validBlock(c) {
			cache.Put(s)
			return 0, false, EIO
		}
		cache.Put(s)
		b = c
	}
	if fresh {
		fs.hintIno, fs.hintLb, fs.hintBlk = ino, lb, b
	}
	return b, fresh, 0
}

// newBlock allocates a block for n; an indirect block is zeroed.
func newBlock(n *inode, goal uint32, indirect bool) (uint32, int) {
	nb, e := allocBlock(goal)
	if e != 0 {
		return 0, e
	}
	n.blocks += sectors()
	if indirect {
		s, e := cache.Get(nb, cache.Zero, cache.Meta)
		if e != 0 {
			return 0, e
		}
		cache.Dirty(s)
		cache.Put(s)
	}
	return nb, 0
}

// missing counts the blocks mapping lb would allocate.
func missing(n *inode, depth int, idx [4]uint32) (uint32, int) {
	b := n.block[idx[0]]
	for level := 1; level <= depth; level++ {
		if b == 0 {
			return uint32(depth - level + 2), 0
		}
		s, e := cache.Get(b, cache.Read, cache.Meta)
		if e != 0 {
			return 0, e
		}
		b = layout.Entry(int(idx[level])).Get(cache.Bytes(s))
		cache.Put(s)
	}
	if b == 0 {
		return 1, 0
	}
	return 0, 0
}

// goalFor is where the data block lb of a file should go: right after
// the block written before it when writing sequentially, else near the
// previous direct block, else at the start of the inode's group.
func goalFor(ino Ino, n *inode, lb uint64) uint32 {
	if fs.hintIno == ino && fs.hintLb+1 == lb {
		return fs.hintBlk + 1
	}
	if lb > 0 && lb <= 12 && n.block[lb-1] != 0 {
		return n.block[lb-1] + 1
	}
	return fs.firstData + (uint32(ino)-1)/fs.ipg*fs.bpg
}

// freeFrom frees the file's blocks from logical block from on, and the
// indirect blocks left with nothing to point at.
func freeFrom(ino Ino, n *inode, from uint64) int {
	for i := from; i < 12; i++ {
		if b := n.block[i]; b != 0 {
			n.block[i] = 0
			n.blocks -= sectors()
			if e := freeBlock(b); e != 0 {
				return e
			}
		}
	}
	start, span := uint64(12), uint64(fs.ppb)
	for level := 1; level <= 3; level++ {
		slot := &n.block[11+level]
		if b := *slot; b != 0 {
			switch {
			case !validBlock(b):
				return EIO
			case from <= start:
				*slot = 0
				if e := freeTree(n, b, level); e != 0 {
					return e
				}
			case from < start+span:
				empty, e := freePartial(n, b, level, from-start)
				if e != 0 {
					return e
				}
				if empty {
					*slot = 0
					n.blocks -= sectors()
					if e := freeBlock(b); e != 0 {
						return e
					}
				}
			}
		}
		start += span
		span *= uint64(fs.ppb)
	}
	if fs.hintIno == ino {
		fs.hintIno = 0
	}
	return 0
}

// freeTree frees block b, which is an indirect block of the given level
// (0: a data block), and everything under it.
func freeTree(n *inode, b uint32, level int) int {
	if level > 0 {
		s, e := cache.Get(b, cache.Read, cache.Meta)
		if e != 0 {
			return e
		}
		tab := cache.Bytes(s)
		for i := 0; i < int(fs.ppb); i++ {
			c := layout.Entry(i).Get(tab)
			if c == 0 {
				continue
			}
			if !validBlock(c) {
				cache.Put(s)
				return EIO
			}
			if e := freeTree(n, c, level-1); e != 0 {
				cache.Put(s)
				return e
			}
		}
		cache.Put(s)
	}
	n.blocks -= sectors()
	return freeBlock(b)
}

// freePartial frees what indirect block b (of the given level) maps from
// rel on (relative to its first block), reporting whether it is left empty.
func freePartial(n *inode, b uint32, level int, rel uint64) (bool, int) {
	s, e := cache.Get(b, cache.Read, cache.Meta)
	if e != 0 {
		return false, e
	}
	child := uint64(1) // blocks under one entry
	for i := 1; i < level; i++ {
		child *= uint64(fs.ppb)
	}
	first := int(rel / child)
	for i := first; i < int(fs.ppb); i++ {
		tab := cache.Bytes(s)
		c := layout.Entry(i).Get(tab)
		if c == 0 {
			continue
		}
		if !validBlock(c) {
			cache.Put(s)
			return false, EIO
		}
		if i == first && rel%child != 0 {
			empty, e := freePartial(n, c, level-1, rel%child)
			if e != 0 {
				cache.Put(s)
				return false, e
			}
			if !empty {
				continue
			}
			n.blocks -= sectors()
			e = freeBlock(c)
			if e != 0 {
				cache.Put(s)
				return false, e
			}
		} else if e := freeTree(n, c, level-1); e != 0 {
			cache.Put(s)
			return false, e
		}
		layout.Entry(i).Put(cache.Bytes(s), 0)
		cache.Dirty(s)
	}
	empty := true
	tab := cache.Bytes(s)
	for i := 0; i < int(fs.ppb) && empty; i++ {
		empty = layout.Entry(i).Get(tab) == 0
	}
	cache.Put(s)
	return empty, 0
}
