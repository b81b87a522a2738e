package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// File contents: reads and writes block by block through the cache and the
// block map. A fast symbolic link's target lives in i_block itself.

// fastMax is the longest target kept in i_block (it stays NUL-terminated).
const fastMax = 4*layout.NBlock - 1

// inlineByte is byte i of i_block as stored on disk.
func inlineByte(n *inode, i int) byte { return byte(n.block[i/4] >> (8 * (i % 4))) }

// ReadAt copies the file's bytes at off into dst; holes read as zeros.
func ReadAt(ino Ino, dst []byte, off int64) (int, int) {
	var n inode
	if e := live(ino, &n); e != 0 {
		return 0, e
	}
	if n.typ() == TypeDir {
		return 0, EISDIR
	}
	if off < 0 {
		return 0, EINVAL
	}
	if off >= n.size {
		return 0, 0
	}
	if rest := n.size - off; int64(len(dst)) > rest {
		dst = dst[:rest]
	}
	if n.fastSymlink() {
		for i := range dst {
			dst[i] = 0
			if p := int(off) + i; p < 4*layout.NBlock { // a bad size reads zeros past i_block
				dst[i] = inlineByte(&n, p)
			}
		}
		return len(dst), 0
	}
	if !n.hasBlockTree() {
		return 0, EINVAL
	}
	// Blocks not cached are fetched in runs: to the end of this read, or
	// further for a sequential reader, within the file.
	bs := int64(fs.bs)
	until := uint64((off + int64(len(dst)) + bs - 1) / bs)
	eof := uint64((n.size + bs - 1) / bs)
	win := uint64(readWindow(ino, off))
	done := 0
	for done < len(dst) {
		pos := off + int64(done)
		in := int(pos % bs)
		chunk := dst[done:]
		if len(chunk) > fs.bs-in {
			chunk = chunk[:fs.bs-in]
		}
		lb := uint64(pos / bs)
		blk, _, e := mapBlock(ino, &n, lb, false)
		if e != 0 {
			readDone(ino, pos)
			return done, e
		}
		if blk == 0 {
			clear(chunk)
		} else {
			if !cache.Cached(blk) {
				prefetch(ino, &n, lb, blk, min(max(until, lb+win), eof))
			}
			s, e := cache.Get(blk, cache.Read, cache.Data)
			if e != 0 {
				readDone(ino, pos)
				return done, e
			}
			copy(chunk, cache.Bytes(s)[in:])
			cache.Put(s)
		}
		done += len(chunk)
	}
	readDone(ino, off+int64(done))
	return done, 0
}

// WriteAt copies src into the file at off, growing it as needed. Running
// out of space part-way writes what fits.
func WriteAt(ino Ino, src []byte, off int64, now int64) (int, int) {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return 0, e
	}
	if n.typ() == TypeDir {
		return 0, EISDIR
	}
	if off < 0 {
		return 0, EINVAL
	}
	if off+int64(len(src)) > fs.maxSize || off+int64(len(src)) < off {
		return 0, EFBIG
	}
	if len(src) == 0 {
		return 0, 0
	}
	if n.typ() == TypeSymlink {
		if n.size != 0 || off != 0 {
			return 0, EINVAL // a link's target is written once
		}
		if len(src) <= fastMax {
			return writeFastSymlink(ino, &n, src, now)
		}
		if len(src) >= fs.bs {
			return 0, ENAMETOOLONG // a slow link's target fits in one block
		}
	} else if !n.hasBlockTree() {
		return 0, EINVAL
	}
	if off > n.size {
		if e := zeroTail(ino, &n, n.size); e != 0 {
			return 0, e
		}
	}
	done := 0
	var err int
	for done < len(src) {
		pos := off + int64(done)
		in := int(pos % int64(fs.bs))
		chunk := src[done:]
		if len(chunk) > fs.bs-in {
			chunk = chunk[:fs.bs-in]
		}
		blk, fresh, e := mapBlock(ino, &n, uint64(pos/int64(fs.bs)), true)
		if e != 0 {
			err = e
			break
		}
		how := cache.Read
		if fresh {
			how = cache.Zero
		} else if len(chunk) == fs.bs {
			how = cache.Overwrite
		}
		s, e := cache.Get(blk, how, cache.Data)
		if e != 0 {
			err = e
			break
		}
		copy(cache.Bytes(s)[in:], chunk)
		if fresh {
			cache.DirtyOrdered(s) // on the disk before the block map points at it
		} else {
			cache.Dirty(s)
		}
		cache.Put(s)
		done += len(chunk)
		if end := off + int64(done); end > n.size {
			n.size = end
		}
		if e := cache.Throttle(); e != 0 {
			err = e
			break
		}
	}
	if done > 0 {
		n.mtime, n.ctime = now, now
		needLargeFile(n.size)
	}
	if e := storeInode(ino, &n); e != 0 && err == 0 {
		err = e
	}
	if done == 0 {
		return 0, err
	}
	return done, 0
}

// writeFastSymlink stores a short link target in i_block.
func writeFastSymlink(ino Ino, n *inode, src []byte, now int64) (int, int) {
	n.block = [layout.NBlock]uint32{}
	for i, c := range src {
		n.block[i/4] |= uint32(c) << (8 * (i % 4))
	}
	n.size = int64(len(src))
	n.mtime, n.ctime = now, now
	if e := storeInode(ino, n); e != 0 {
		return 0, e
	}
	return len(src), 0
}

// needLargeFile sets the large_file feature once a file passes 2 GiB, as
// older readers must not misread its size.
func needLargeFile(size int64) {
	if size > 1<<31-1 {
		fs.roCompat |= layout.ROCompatLargeFile
	}
}

// zeroTail clears the last block past size, so that bytes beyond the end
// read as zeros when the file grows again.
func zeroTail(ino Ino, n *inode, size int64) int {
	in := int(size % int64(fs.bs))
	if in == 0 {
		return 0
	}
	blk, _, e := mapBlock(ino, n, uint64(size/int64(fs.bs)), false)
	if e != 0 || blk == 0 {
		return e
	}
	s, e := cache.Get(blk, cache.Read, cache.Data)
	if e != 0 {
		return e
	}
	clear(cache.Bytes(s)[in:])
	cache.DirtyOrdered(s) // zeros on the disk before a larger size exposes them
	cache.Put(s)
	return 0
}

// Truncate sets a regular file's size: blocks past the end are freed, a
// larger size reads as zeros (a hole).
func Truncate(ino Ino, size int64, now int64) int {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return e
	}
	switch {
	case n.typ() == TypeDir:
		return EISDIR
	case n.typ() != TypeRegular:
		return EINVAL
	case size < 0:
		return EINVAL
	case size > fs.maxSize:
		return EFBIG
	}
	if size < n.size {
		bs := int64(fs.bs)
		if e := freeFrom(ino, &n, uint64((size+bs-1)/bs)); e != 0 {
			storeInode(ino, &n)
			return e
		}
		if e := zeroTail(ino, &n, size); e != 0 {
			storeInode(ino, &n)
			return e
		}
	} else if size > n.size {
		if e := zeroTail(ino, &n, n.size); e != 0 {
			return e
		}
	}
	n.size = size
	n.mtime, n.ctime = now, now
	needLargeFile(size)
	return storeInode(ino, &n)
}
