package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// A directory is a list of records in its blocks (package layout: inode,
// record length, name length, file type, the name, padded to 4 bytes).
// Records never cross a block; the last one of a block reaches its end.
// A deleted record is merged into the one before it, or gets inode 0 when
// it starts its block. A directory with a hashed index (htree) reads the
// same way: the index hides in records that look empty; changing the
// directory drops the index flag.
//
// Offsets (block * block size + position in the block) are getdents
// cookies: ReadDir resumes at any offset it handed out, even after the
// directory changed, by scanning the block to the next record boundary.

// readRecord decodes the record at at in block b (layout.ReadRecord, with
// the file system's filetype feature).
func readRecord(b []byte, at int) (layout.Record, bool) {
	return layout.ReadRecord(b, at, fs.filetype)
}

// writeRecord stores a record at at in block b.
func writeRecord(b []byte, at int, ino Ino, length int, name []byte, ftype uint8) {
	layout.WriteRecord(b, at, uint32(ino), length, name, ftype, fs.filetype)
}

// dirBlock pins the directory's block lb; slot -1 for a hole.
func dirBlock(dir Ino, n *inode, lb uint64) (int, int) {
	blk, _, e := mapBlock(dir, n, lb, false)
	if e != 0 || blk == 0 {
		return -1, e
	}
	return cache.Get(blk, cache.Read, cache.Meta)
}

// entryBlock pins the block holding the directory entry at byte offset off
// and returns the slot, its bytes and off within them; a hole there is EIO
// (entries are only ever found in blocks that exist).
func entryBlock(dir Ino, n *inode, off int64) (s int, b []byte, at int, e int) {
	s, e = dirBlock(dir, n, uint64(off/int64(fs.bs)))
	if e != 0 {
		return -1, nil, 0, e
	}
	if s < 0 {
		return -1, nil, 0, EIO
	}
	return s, cache.Bytes(s), int(off % int64(fs.bs)), 0
}

// dirBlocks is how many blocks the directory spans.
func dirBlocks(n *inode) uint64 { return uint64((n.size + int64(fs.bs) - 1) / int64(fs.bs)) }

// changed notes a change to directory n: its index is no longer valid,
// and ReadDir calls in progress must resync.
func changed(n *inode) {
	n.flags &^= layout.FlagIndex
	fs.dirGen++
}

// resync returns the first record boundary at or after at in block b.
func resync(b []byte, at int) (int, bool) {
	p := 0
	for p < at {
		r, ok := readRecord(b, p)
		if !ok {
			return 0, false
		}
		p += r.Length
	}
	return p, true
}

// ReadDir calls fn for each entry at or after offset off, with the offset
// of the entry after it, until fn returns false.
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	var n inode
	if e := live(dir, &n); e != 0 {
		return e
	}
	if n.typ() != TypeDir {
		return ENOTDIR
	}
	if off < 0 {
		return EINVAL
	}
	bs := int64(fs.bs)
	for off < n.size {
		lb := off / bs
		s, e := dirBlock(dir, &n, uint64(lb))
		if e != 0 {
			return e
		}
		if s < 0 {
			off = (lb + 1) * bs
			continue
		}
		b := cache.Bytes(s)
		at, ok := resync(b, int(off%bs))
		if !ok {
			cache.Put(s)
			return EIO
		}
		restart := false
		for at < fs.bs {
			r, ok := readRecord(b, at)
			if !ok {
				cache.Put(s)
				return EIO
			}
			next := lb*bs + int64(at+r.Length)
			if r.Ino != 0 {
				gen := fs.dirGen
				if !fn(Ino(r.Ino), layout.DirentType(r.FType), r.Name, next) {
					cache.Put(s)
					return 0
				}
				if fs.dirGen != gen { // fn changed a directory: this one may have moved
					restart, off = true, next
					break
				}
			}
			at += r.Length
		}
		cache.Put(s)
		if restart {
			if live(dir, &n) != 0 {
				return 0 // removed meanwhile
			}
			continue
		}
		off = (lb + 1) * bs
	}
	return 0
}

// find returns the offset of the entry called name and its inode; -1 and 0
// when there is none.
func find(dir Ino, n *inode, name []byte) (int64, Ino, int) {
	off, ino, _, e := scan(dir, n, name, 0)
	return off, ino, e
}

// scan is find that also looks, when need > 0, for the first record with
// room to spare for a new record of need bytes (room -1: there is none),
// so that adding a name takes one pass over the directory.
func scan(dir Ino, n *inode, name []byte, need int) (off int64, ino Ino, room int64, e int) {
	room = -1
	for lb := uint64(0); lb < dirBlocks(n); lb++ {
		s, e := dirBlock(dir, n, lb)
		if e != 0 {
			return -1, 0, -1, e
		}
		if s < 0 {
			continue
		}
		b := cache.Bytes(s)
		for at := 0; at < fs.bs; {
			r, ok := readRecord(b, at)
			if !ok {
				cache.Put(s)
				return -1, 0, -1, EIO
			}
			pos := int64(lb)*int64(fs.bs) + int64(at)
			if r.Ino != 0 && sameName(r.Name, name) {
				cache.Put(s)
				return pos, Ino(r.Ino), room, 0
			}
			if need > 0 && room < 0 && r.Length-r.Used() >= need {
				room = pos
			}
			at += r.Length
		}
		cache.Put(s)
	}
	return -1, 0, room, 0
}

// Lookup finds name in dir.
func Lookup(dir Ino, name []byte) (Ino, int) {
	var n inode
	if e := live(dir, &n); e != 0 {
		return 0, e
	}
	if n.typ() != TypeDir {
		return 0, ENOTDIR
	}
	if len(name) > MaxName {
		return 0, ENAMETOOLONG
	}
	if len(name) == 0 {
		return 0, ENOENT
	}
	_, ino, e := find(dir, &n, name)
	if e != 0 {
		return 0, e
	}
	if ino == 0 {
		return 0, ENOENT
	}
	return ino, 0
}

// addEntry stores a record for name → ino in directory n: in the spare
// room of the record at offset room (found by scan), or in a new block at
// the end when room is -1. n changes; the caller stores it.
func addEntry(dir Ino, n *inode, name []byte, ino Ino, ftype uint8, room int64) int {
	need := layout.RecLen(len(name))
	if room >= 0 {
		s, b, at, e := entryBlock(dir, n, room)
		if e != 0 {
			return e
		}
		r, ok := readRecord(b, at)
		used := r.Used()
		if !ok || r.Length-used < need {
			cache.Put(s)
			return EIO
		}
		if used == 0 {
			writeRecord(b, at, ino, r.Length, name, ftype)
		} else {
			layout.SetLength(b, at, used)
			writeRecord(b, at+used, ino, r.Length-used, name, ftype)
		}
		cache.Dirty(s)
		cache.Put(s)
		changed(n)
		return 0
	}
	nb := dirBlocks(n)
	blk, _, e := mapBlock(dir, n, nb, true)
	if e != 0 {
		return e
	}
	s, e := cache.Get(blk, cache.Zero, cache.Meta)
	if e != 0 {
		return e
	}
	writeRecord(cache.Bytes(s), 0, ino, fs.bs, name, ftype)
	cache.Dirty(s)
	cache.Put(s)
	n.size = int64(nb+1) * int64(fs.bs)
	changed(n)
	return 0
}

// removeEntry deletes the record at off: merged into the record before it
// in its block, or emptied when it starts the block.
func removeEntry(dir Ino, n *inode, off int64) int {
	s, b, at, e := entryBlock(dir, n, off)
	if e != 0 {
		return e
	}
	r, ok := readRecord(b, at)
	prev := -1
	for p := 0; ok && p < at; {
		q, qok := readRecord(b, p)
		if !qok {
			ok = false
			break
		}
		if p+q.Length == at {
			prev = p
			break
		}
		p += q.Length
	}
	if !ok {
		cache.Put(s)
		return EIO
	}
	if prev < 0 {
		layout.SetIno(b, at, 0)
	} else {
		layout.SetLength(b, prev, at-prev+r.Length)
	}
	cache.Dirty(s)
	cache.Put(s)
	changed(n)
	return 0
}

// setEntry points the record at off to another inode.
func setEntry(dir Ino, n *inode, off int64, ino Ino, ftype uint8) int {
	s, b, at, e := entryBlock(dir, n, off)
	if e != 0 {
		return e
	}
	layout.SetIno(b, at, uint32(ino))
	if fs.filetype {
		layout.SetType(b, at, ftype)
	}
	cache.Dirty(s)
	cache.Put(s)
	changed(n)
	return 0
}

// isEmpty reports whether a directory holds only "." and "..".
func isEmpty(dir Ino, n *inode) (bool, int) {
	for lb := uint64(0); lb < dirBlocks(n); lb++ {
		s, e := dirBlock(dir, n, lb)
		if e != 0 {
			return false, e
		}
		if s < 0 {
			continue
		}
		b := cache.Bytes(s)
		for at := 0; at < fs.bs; {
			r, ok := readRecord(b, at)
			if !ok {
				cache.Put(s)
				return false, EIO
			}
			if r.Ino != 0 && !isDot(r.Name) && !isDotDot(r.Name) {
				cache.Put(s)
				return false, 0
			}
			at += r.Length
		}
		cache.Put(s)
	}
	return true, 0
}
