package memfs

func checkName(name []byte) int {
	switch {
	case len(name) == 0:
		return ENOENT
	case len(name) > MaxName:
		return ENAMETOOLONG
	case string(name) == "." || string(name) == "..":
		return EEXIST
	}
	return 0
}

// dirNode returns dir's inode if it is a directory.
func dirNode(dir Ino) (*inode, int) {
	n := node(dir)
	if n == nil {
		return nil, ENOENT
	}
	if n.Mode&TypeMask != TypeDir {
		return nil, ENOTDIR
	}
	return n, 0
}

// NewRoot makes an empty root directory (its own parent).
func NewRoot(perm uint32, now int64) (Ino, int) {
	ino := newInode(TypeDir|perm&0o7777, now)
	if ino == 0 {
		return 0, ENOSPC
	}
	n := node(ino)
	n.Parent = ino
	n.Nlink = 2
	if e := addEntry(n, []byte("."), ino, 4); e != 0 {
		return 0, e
	}
	if e := addEntry(n, []byte(".."), ino, 4); e != 0 {
		return 0, e
	}
	return ino, 0
}

// Create makes a file of the given mode (type and permissions) called
// name in dir. For a directory use Mkdir.
func Create(dir Ino, name []byte, mode uint32, now int64) (Ino, int) {
	d, e := dirNode(dir)
	if e != 0 {
		return 0, e
	}
	if e := checkName(name); e != 0 {
		return 0, e
	}
	if _, old := find(d, name); old != 0 {
		return 0, EEXIST
	}
	ino := newInode(mode, now)
	if ino == 0 {
		return 0, ENOSPC
	}
	n := node(ino)
	n.Nlink = 1
	n.Parent = dir // a directory's "..", another file's first directory (statfs finds its mount from it)
	if e := addEntry(d, name, ino, DirentType(mode)); e != 0 {
		n.Nlink = 0
		release(ino)
		return 0, e
	}
	d.Mtime, d.Ctime = now, now
	return ino, 0
}

// Mkdir makes a directory called name in dir.
func Mkdir(dir Ino, name []byte, perm uint32, now int64) (Ino, int) {
	ino, e := Create(dir, name, TypeDir|perm&0o7777, now)
	if e != 0 {
		return 0, e
	}
	n := node(ino)
	n.Parent = dir
	n.Nlink = 2
	if e := addEntry(n, []byte("."), ino, 4); e == 0 {
		e = addEntry(n, []byte(".."), dir, 4)
	}
	node(dir).Nlink++
	return ino, 0
}

// Link adds another name for a file (not a directory).
func Link(dir Ino, name []byte, ino Ino, now int64) int {
	d, e := dirNode(dir)
	if e != 0 {
		return e
	}
	n := node(ino)
	if n == nil {
		return ENOENT
	}
	if n.Mode&TypeMask == TypeDir {
		return EPERM
	}
	if e := checkName(name); e != 0 {
		return e
	}
	if _, old := find(d, name); old != 0 {
		return EEXIST
	}
	if e := addEntry(d, name, ino, DirentType(n.Mode)); e != 0 {
		return e
	}
	n.Nlink++
	n.Ctime = now
	d.Mtime, d.Ctime = now, now
	return 0
}

// EPERM is returned for hard links to directories.
const EPERM = 1

// Unlink removes a non-directory name; Rmdir removes an empty directory.
func Unlink(dir Ino, name []byte, now int64) int { return remove(dir, name, false, now) }

func Rmdir(dir Ino, name []byte, now int64) int {
	if string(name) == "." {
		return EINVAL
	}
	if string(name) == ".." {
		return ENOTEMPTY
	}
	return remove(dir, name, true, now)
}

func remove(dir Ino, name []byte, wantDir bool, now int64) int {
	d, e := dirNode(dir)
	if e != 0 {
		return e
	}
	off, ino := find(d, name)
	if ino == 0 {
		return ENOENT
	}
	n := node(ino)
	isDir := n.Mode&TypeMask == TypeDir
	switch {
	case wantDir && !isDir:
		return ENOTDIR
	case !wantDir && isDir:
		return EISDIR
	case isDir && !isEmpty(n):
		return ENOTEMPTY
	}
	removeEntry(d, off)
	d.Mtime, d.Ctime = now, now
	if isDir {
		n.Nlink = 0
		d.Nlink--
	} else {
		n.Nlink--
	}
	n.Ctime = now
	release(ino)
	return 0
}

// IsAncestor reports whether a is dir or one of its ancestors.
func IsAncestor(a, dir Ino) bool {
	for i := 0; i < MaxInodes; i++ {
		if dir == a {
			return true
		}
		n := node(dir)
		if n == nil || n.Parent == dir {
			return false
		}
		dir = n.Parent
	}
	return false
}

// Rename moves oldName in oldDir to newName in newDir, replacing what is
// there as rename(2) does. noReplace is RENAME_NOREPLACE.
func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool, now int64) int {
	od, e := dirNode(oldDir)
	if e != 0 {
		return e
	}
	nd, e := dirNode(newDir)
	if e != 0 {
		return e
	}
	if string(oldName) == "." || string(oldName) == ".." || string(newName) == "." || string(newName) == ".." {
		return EBUSY
	}
	if e := checkName(newName); e != 0 {
		return e
	}
	oldOff, ino := find(od, oldName)
	if ino == 0 {
		return ENOENT
	}
	n := node(ino)
	isDir := n.Mode&TypeMask == TypeDir
	if isDir && IsAncestor(ino, newDir) {
		return EINVAL // into itself
	}
	newOff, target := find(nd, newName)
	if target == ino {
		return 0 // same file: nothing to do
	}
	if target != 0 {
		if noReplace {
			return EEXIST
		}
		t := node(target)
		tDir := t.Mode&TypeMask == TypeDir
		switch {
		case isDir && !tDir:
			return ENOTDIR
		case !isDir && tDir:
			return EISDIR
		case tDir && !isEmpty(t):
			return ENOTEMPTY
		}
		setEntry(nd, newOff, ino, DirentType(n.Mode))
		if tDir {
			t.Nlink = 0
			nd.Nlink--
		} else {
			t.Nlink--
		}
		t.Ctime = now
		release(target)
	} else if e := addEntry(nd, newName, ino, DirentType(n.Mode)); e != 0 {
		return e
	}
	// The old record may have moved if both names share a directory page
	// that addEntry split: find it again.
	oldOff, _ = find(od, oldName)
	if oldOff >= 0 {
		removeEntry(od, oldOff)
	}
	if !isDir {
		n.Parent = newDir
	}
	if isDir && oldDir != newDir {
		n.Parent = newDir
		if off, _ := find(n, []byte("..")); off >= 0 {
			setEntry(n, off, newDir, 4)
		}
		od.Nlink--
		nd.Nlink++
	}
	n.Ctime = now
	od.Mtime, od.Ctime, nd.Mtime, nd.Ctime = now, now, now, now
	return 0
}

// EBUSY is returned for renaming "." or "..".
const EBUSY = 16
