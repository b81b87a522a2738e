package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Name operations: they change directories, link counts and the bitmaps,
// with memfs's semantics (which are POSIX's).

var (
	dotName    = [1]byte{'.'}
	dotDotName = [2]byte{'.', '.'}
)

func checkName(name []byte) int {
	switch {
	case len(name) == 0:
		return ENOENT
	case len(name) > MaxName:
		return ENAMETOOLONG
	case isDot(name) || isDotDot(name):
		return EEXIST
	}
	return 0
}

// parentDir loads dir for adding name to it: a live directory (not one
// already removed) without that name. It returns where the name's record
// can go, for addEntry.
func parentDir(dir Ino, d *inode, name []byte, now int64) (int64, int) {
	if e := writable(dir, d, now); e != 0 {
		return -1, e
	}
	if d.typ() != TypeDir {
		return -1, ENOTDIR
	}
	if d.links == 0 {
		return -1, ENOENT
	}
	if e := checkName(name); e != 0 {
		return -1, e
	}
	_, old, room, e := scan(dir, d, name, layout.RecLen(len(name)))
	if e != 0 {
		return -1, e
	}
	if old != 0 {
		return -1, EEXIST
	}
	return room, 0
}

// Create makes a file of the given mode (type and permissions) called
// name in dir: a regular file, symbolic link (whose target WriteAt then
// stores), FIFO, socket or device (see SetRdev). A directory goes to Mkdir.
func Create(dir Ino, name []byte, mode uint32, now int64) (Ino, int) {
	if mode&TypeMask == TypeDir {
		return Mkdir(dir, name, mode, now)
	}
	if mode&TypeMask == 0 {
		mode |= TypeRegular
	}
	if layout.FileType(mode) == 0 {
		return 0, EINVAL
	}
	var d inode
	room, e := parentDir(dir, &d, name, now)
	if e != 0 {
		return 0, e
	}
	ino, e := allocInode(dir, false)
	if e != 0 {
		return 0, e
	}
	n := inode{mode: mode & (TypeMask | 0o7777), links: 1}
	if e := initInode(ino, &n, now); e != 0 {
		return 0, e
	}
	if e := addEntry(dir, &d, name, ino, layout.FileType(mode), room); e != 0 {
		storeInode(dir, &d)
		unlinkNew(ino, now)
		return 0, e
	}
	d.mtime, d.ctime = now, now
	return ino, storeInode(dir, &d)
}

// unlinkNew frees a file made for a name that could not be added.
func unlinkNew(ino Ino, now int64) {
	var n inode
	if loadInode(ino, &n) == 0 {
		n.links = 0
		storeInode(ino, &n)
		release(ino, now)
	}
}

// Mkdir makes a directory called name in dir, with its "." and "..".
func Mkdir(dir Ino, name []byte, perm uint32, now int64) (Ino, int) {
	var d inode
	room, e := parentDir(dir, &d, name, now)
	if e != 0 {
		return 0, e
	}
	if d.links >= linkMax {
		return 0, EMLINK
	}
	ino, e := allocInode(dir, true)
	if e != 0 {
		return 0, e
	}
	n := inode{mode: TypeDir | perm&0o7777, links: 2}
	if e := initInode(ino, &n, now); e != 0 {
		return 0, e
	}
	blk, _, e := mapBlock(ino, &n, 0, true)
	if e == 0 {
		var s int
		if s, e = cache.Get(blk, cache.Zero, cache.Meta); e == 0 {
			b := cache.Bytes(s)
			writeRecord(b, 0, ino, layout.RecLen(1), dotName[:], 2)
			writeRecord(b, layout.RecLen(1), dir, fs.bs-layout.RecLen(1), dotDotName[:], 2)
			cache.Dirty(s)
			cache.Put(s)
			n.size = int64(fs.bs)
		}
	}
	if e == 0 {
		e = storeInode(ino, &n)
	}
	if e == 0 {
		e = addEntry(dir, &d, name, ino, 2, room)
	}
	if e != 0 {
		storeInode(ino, &n)
		storeInode(dir, &d)
		unlinkNew(ino, now)
		return 0, e
	}
	d.links++
	d.mtime, d.ctime = now, now
	return ino, storeInode(dir, &d)
}

// Link adds another name for a file (not a directory).
func Link(dir Ino, name []byte, ino Ino, now int64) int {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return e
	}
	if n.typ() == TypeDir {
		return EPERM
	}
	if n.links >= linkMax {
		return EMLINK
	}
	if n.links == 0 {
		return ENOENT // open but unlinked: linkat(AT_EMPTY_PATH) is refused too
	}
	var d inode
	room, e := parentDir(dir, &d, name, now)
	if e != 0 {
		return e
	}
	if e := addEntry(dir, &d, name, ino, layout.FileType(n.mode), room); e != 0 {
		storeInode(dir, &d)
		return e
	}
	d.mtime, d.ctime = now, now
	if e := storeInode(dir, &d); e != 0 {
		return e
	}
	n.links++
	n.ctime = now
	return storeInode(ino, &n)
}

// Unlink removes a non-directory name; Rmdir removes an empty directory.
func Unlink(dir Ino, name []byte, now int64) int { return remove(dir, name, false, now) }

func Rmdir(dir Ino, name []byte, now int64) int {
	if isDot(name) {
		return EINVAL
	}
	if isDotDot(name) {
		return ENOTEMPTY
	}
	return remove(dir, name, true, now)
}

func remove(dir Ino, name []byte, wantDir bool, now int64) int {
	var d inode
	if e := writable(dir, &d, now); e != 0 {
		return e
	}
	if d.typ() != TypeDir {
		return ENOTDIR
	}
	off, ino, e := find(dir, &d, name)
	if e != 0 {
		return e
	}
	if ino == 0 {
		return ENOENT
	}
	var n inode
	if e := loadInode(ino, &n); e != 0 {
		return e
	}
	isDir := n.typ() == TypeDir
	switch {
	case wantDir && !isDir:
		return ENOTDIR
	case !wantDir && isDir:
		return EISDIR
	case isDir:
		empty, e := isEmpty(ino, &n)
		if e != 0 {
			return e
		}
		if !empty {
			return ENOTEMPTY
		}
	}
	if e := removeEntry(dir, &d, off); e != 0 {
		return e
	}
	d.mtime, d.ctime = now, now
	if isDir {
		d.links--
	}
	if e := storeInode(dir, &d); e != 0 {
		return e
	}
	return dropLink(ino, &n, now)
}

// dropLink takes one name (all, for a directory) away from a file and
// frees it if that was the last and it is not open.
func dropLink(ino Ino, n *inode, now int64) int {
	if n.typ() == TypeDir || n.links == 0 {
		n.links = 0
	} else {
		n.links--
	}
	n.ctime = now
	if e := storeInode(ino, n); e != 0 {
		return e
	}
	return release(ino, now)
}

// IsAncestor reports whether a is dir or one of its ancestors.
func IsAncestor(a, dir Ino) bool {
	for i := uint32(0); i <= fs.inodesCount; i++ {
		if dir == a {
			return true
		}
		p := Parent(dir)
		if p == 0 || p == dir {
			return false
		}
		dir = p
	}
	return false
}

// Parent returns the directory a directory lives in (its ".." entry).
func Parent(dir Ino) Ino {
	ino, e := Lookup(dir, dotDotName[:])
	if e != 0 {
		return 0
	}
	return ino
}

// NameOf finds the name under which dir lists ino, into buf.
func NameOf(dir, ino Ino, buf []byte) (int, bool) {
	n := 0
	found := false
	ReadDir(dir, 0, func(i Ino, _ uint8, name []byte, _ int64) bool {
		if i == ino && !isDot(name) && !isDotDot(name) {
			n = copy(buf, name)
			found = true
			return false
		}
		return true
	})
	return n, found
}

// Rename moves oldName in oldDir to newName in newDir, replacing what is
// there as rename(2) does. noReplace is RENAME_NOREPLACE.
func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool, now int64) int {
	var odBuf, ndBuf inode
	od, nd := &odBuf, &ndBuf
	if e := writable(oldDir, od, now); e != 0 {
		return e
	}
	if oldDir == newDir {
		nd = od // one directory: one copy of its inode
	} else if e := writable(newDir, nd, now); e != 0 {
		return e
	}
	if od.typ() != TypeDir || nd.typ() != TypeDir {
		return ENOTDIR
	}
	if isDot(oldName) || isDotDot(oldName) || isDot(newName) || isDotDot(newName) {
		return EBUSY
	}
	if e := checkName(newName); e != 0 {
		return e
	}
	if nd.links == 0 {
		return ENOENT
	}
	_, ino, e := find(oldDir, od, oldName)
	if e != 0 {
		return e
	}
	if ino == 0 {
		return ENOENT
	}
	var n inode
	if e := loadInode(ino, &n); e != 0 {
		return e
	}
	isDir := n.typ() == TypeDir
	if isDir && IsAncestor(ino, newDir) {
		return EINVAL // into itself
	}
	newOff, target, room, e := scan(newDir, nd, newName, layout.RecLen(len(newName)))
	if e != 0 {
		return e
	}
	if target == ino {
		return 0 // the same file: nothing to do
	}
	var t inode
	tDir := false
	if target != 0 {
		if noReplace {
			return EEXIST
		}
		if e := loadInode(target, &t); e != 0 {
			return e
		}
		tDir = t.typ() == TypeDir
		switch {
		case isDir && !tDir:
			return ENOTDIR
		case !isDir && tDir:
			return EISDIR
		case tDir:
			empty, e := isEmpty(target, &t)
			if e != 0 {
				return e
			}
			if !empty {
				return ENOTEMPTY
			}
		}
	}
	if isDir && oldDir != newDir && !tDir && nd.links >= linkMax {
		return EMLINK
	}
	if target != 0 {
		e = setEntry(newDir, nd, newOff, ino, layout.FileType(n.mode))
	} else {
		e = addEntry(newDir, nd, newName, ino, layout.FileType(n.mode), room)
	}
	if e != 0 {
		storeInode(newDir, nd)
		return e
	}
	// The old record may have moved if adding split it: find it again.
	oldOff, _, e := find(oldDir, od, oldName)
	if e == 0 && oldOff >= 0 {
		e = removeEntry(oldDir, od, oldOff)
	}
	if e != 0 {
		return e
	}
	if isDir && oldDir != newDir {
		dd, _, e := find(ino, &n, dotDotName[:])
		if e == 0 && dd >= 0 {
			e = setEntry(ino, &n, dd, newDir, 2)
		}
		if e != 0 {
			return e
		}
		od.links--
		nd.links++
	}
	if tDir {
		nd.links-- // the replaced directory's ".."
	}
	n.ctime = now
	od.mtime, od.ctime, nd.mtime, nd.ctime = now, now, now, now
	if e := storeInode(ino, &n); e != 0 {
		return e
	}
	if e := storeInode(oldDir, od); e != 0 {
		return e
	}
	if nd != od {
		if e := storeInode(newDir, nd); e != 0 {
			return e
		}
	}
	if target != 0 {
		return dropLink(target, &t, now)
	}
	return 0
}
