package vfs

import (
	"unigo.dev/unigo/kernel/fs/ext2"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/fs/ninep"
)

// The file operations, by file. Every system call reaches files through
// these, never through a file system package, so that each call goes to
// the file system that holds the file: memfs (the image root, tmpfs, the
// device nodes), ext2 (a volume on a disk) or 9P (a directory shared by
// the host). The top bits of an Ino say which (tag 0: memfs, first in
// every switch); a mount's root stands in for the memfs directory it is
// mounted on (Lookup crosses into it, Parent and NameOf back out; the
// mount table: mounts.go).

// Attr is what stat reports.
type Attr = memfs.Attr

const (
	fsShift  = 28
	fsMask   = Ino(0xf) << fsShift
	fsMem    = Ino(0)            // memfs: no tag
	fsDisk   = Ino(1) << fsShift // the ext2 volume
	fsShare0 = Ino(2) << fsShift // share s is fsShare0 + s<<fsShift
	EXDEV    = 18
	EBUSY    = 16
)

func onDisk(ino Ino) bool  { return ino&fsMask == fsDisk }
func onShare(ino Ino) bool { return ino&fsMask >= fsShare0 }
func local(ino Ino) Ino    { return ino &^ fsMask }

// tag marks an inode number a file system returned for a file in the
// same file system as like (0 stays "none").
func tag(ino Ino, e int, like Ino) (Ino, int) {
	if e != 0 || ino == 0 {
		return 0, e
	}
	return ino | like&fsMask, 0
}

func Stat(ino Ino) (Attr, int) {
	var a Attr
	var e int
	switch ino & fsMask {
	case fsMem:
		return memfs.Stat(ino)
	case fsDisk:
		a, e = ext2.Stat(local(ino))
	default:
		a, e = ninep.Stat(local(ino))
	}
	a.Ino = ino
	return a, e
}

func Lookup(dir Ino, name []byte) (Ino, int) {
	switch dir & fsMask {
	case fsMem:
		ino, e := memfs.Lookup(dir, name)
		if e == 0 && mounts.n != 0 {
			if root := mountedOn(ino); root != 0 {
				return root, 0
			}
		}
		return ino, e
	case fsDisk:
		ino, e := ext2.Lookup(local(dir), name)
		return tag(ino, e, dir)
	}
	ino, e := ninep.Lookup(local(dir), name)
	return tag(ino, e, dir)
}

// ReadAt reads the file at off, as its shared mappings have it.
func ReadAt(ino Ino, dst []byte, off int64) (int, int) {
	var n, e int
	switch ino & fsMask {
	case fsMem:
		n, e = memfs.ReadAt(ino, dst, off)
	case fsDisk:
		n, e = ext2.ReadAt(local(ino), dst, off)
	default:
		n, e = ninep.ReadAt(local(ino), dst, off)
	}
	readMapped(ino, dst[:n], off)
	return n, e
}

// WriteAt writes the file at off; its shared mappings see the write.
func WriteAt(ino Ino, src []byte, off int64) (int, int) {
	n, e := writeFS(ino, src, off)
	writeMapped(ino, src[:n], off)
	return n, e
}

// writeFS writes the file system alone (the mappings' pages going back).
func writeFS(ino Ino, src []byte, off int64) (int, int) {
	switch ino & fsMask {
	case fsMem:
		return memfs.WriteAt(ino, src, off, now())
	case fsDisk:
		return ext2.WriteAt(local(ino), src, off, now())
	}
	return ninep.WriteAt(local(ino), src, off)
}

// Truncate sets the file's size; its mappings lose the pages past it.
func Truncate(ino Ino, size int64) int {
	var e int
	switch ino & fsMask {
	case fsMem:
		e = memfs.Truncate(ino, size, now())
	case fsDisk:
		e = ext2.Truncate(local(ino), size, now())
	default:
		e = ninep.Truncate(local(ino), size)
	}
	if e == 0 {
		truncateMapped(ino, size)
	}
	return e
}

// ReadDir lists dir from the cookie off; fn sees VFS inode numbers.
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	switch dir & fsMask {
	case fsMem:
		return memfs.ReadDir(dir, off, fn)
	case fsDisk:
		return ext2.ReadDir(local(dir), off, func(ino ext2.Ino, typ uint8, name []byte, next int64) bool {
			return fn(ino|fsDisk, typ, name, next)
		})
	}
	t := dir & fsMask
	return ninep.ReadDir(local(dir), off, func(ino Ino, typ uint8, name []byte, next int64) bool {
		return fn(ino|t, typ, name, next)
	})
}

func Open(ino Ino) {
	switch ino & fsMask {
	case fsMem:
		memfs.Open(ino)
	case fsDisk:
		ext2.Open(local(ino))
	default:
		ninep.Open(local(ino))
	}
}

func Close(ino Ino) {
	switch ino & fsMask {
	case fsMem:
		memfs.Close(ino)
	case fsDisk:
		ext2.Close(local(ino))
	default:
		ninep.Close(local(ino))
	}
}

func Chmod(ino Ino, perm uint32) int {
	switch ino & fsMask {
	case fsMem:
		return memfs.Chmod(ino, perm, now())
	case fsDisk:
		return ext2.Chmod(local(ino), perm, now())
	}
	return ninep.Chmod(local(ino), perm)
}

func Chown(ino Ino, uid, gid uint32) int {
	switch ino & fsMask {
	case fsMem:
		return memfs.Chown(ino, uid, gid, now())
	case fsDisk:
		return ext2.Chown(local(ino), uid, gid, now())
	}
	return ninep.Chown(local(ino), uid, gid)
}

func SetTimes(ino Ino, atime, mtime int64) int {
	switch ino & fsMask {
	case fsMem:
		return memfs.SetTimes(ino, atime, mtime, now())
	case fsDisk:
		return ext2.SetTimes(local(ino), atime, mtime, now())
	}
	return ninep.SetTimes(local(ino), atime, mtime)
}

// Parent is dir's "..": from a mount's root, the directory holding its
// mount point.
func Parent(dir Ino) Ino {
	switch dir & fsMask {
	case fsMem:
		return memfs.Parent(dir)
	case fsDisk:
		if at := mountPoint(dir); at != 0 {
			return memfs.Parent(at)
		}
		return ext2.Parent(local(dir)) | fsDisk
	}
	if at := mountPoint(dir); at != 0 {
		return memfs.Parent(at)
	}
	return ninep.Parent(local(dir)) | dir&fsMask
}

// NameOf finds ino's name in dir (for getcwd).
func NameOf(dir, ino Ino, buf []byte) (int, bool) {
	if ino&fsMask == fsMem {
		return memfs.NameOf(dir, ino, buf)
	}
	if at := mountPoint(ino); at != 0 {
		return memfs.NameOf(dir, at, buf)
	}
	if onDisk(ino) {
		return ext2.NameOf(local(dir), local(ino), buf)
	}
	return ninep.NameOf(local(dir), local(ino), buf)
}

// IsAncestor reports whether a is dir or one of its ancestors.
func IsAncestor(a, dir Ino) bool {
	for {
		if dir == a {
			return true
		}
		p := Parent(dir)
		if p == dir {
			return false
		}
		dir = p
	}
}

// Create makes a file of mode's type (not a directory, not a link) in dir.
func Create(dir Ino, name []byte, mode uint32) (Ino, int) {
	switch dir & fsMask {
	case fsMem:
		return memfs.Create(dir, name, mode, now())
	case fsDisk:
		ino, e := ext2.Create(local(dir), name, mode, now())
		return tag(ino, e, dir)
	}
	ino, e := ninep.Create(local(dir), name, mode, 0)
	return tag(ino, e, dir)
}

// Symlink makes the symbolic link name in dir, pointing at target.
func Symlink(dir Ino, name, target []byte) int {
	if onShare(dir) {
		return ninep.Symlink(local(dir), name, target)
	}
	ino, e := Create(dir, name, memfs.TypeSymlink|0o777)
	if e != 0 {
		return e
	}
	if _, e := WriteAt(ino, target, 0); e != 0 {
		Unlink(dir, name)
		return e
	}
	return 0
}

func Mkdir(dir Ino, name []byte, perm uint32) (Ino, int) {
	switch dir & fsMask {
	case fsMem:
		return memfs.Mkdir(dir, name, perm, now())
	case fsDisk:
		ino, e := ext2.Mkdir(local(dir), name, perm, now())
		return tag(ino, e, dir)
	}
	ino, e := ninep.Mkdir(local(dir), name, perm)
	return tag(ino, e, dir)
}

func Link(dir Ino, name []byte, ino Ino) int {
	switch {
	case dir&fsMask != ino&fsMask || ino&fsMask != fsMem && mountPoint(ino) != 0:
		return EXDEV
	case dir&fsMask == fsMem:
		return memfs.Link(dir, name, ino, now())
	case onDisk(dir):
		return ext2.Link(local(dir), name, local(ino), now())
	}
	return ninep.Link(local(dir), name, local(ino))
}

func Unlink(dir Ino, name []byte) int {
	switch dir & fsMask {
	case fsMem:
		return memfs.Unlink(dir, name, now())
	case fsDisk:
		return ext2.Unlink(local(dir), name, now())
	}
	return ninep.Unlink(local(dir), name)
}

func Rmdir(dir Ino, name []byte) int {
	switch dir & fsMask {
	case fsMem:
		if isMountPoint(dir, name) {
			return EBUSY
		}
		return memfs.Rmdir(dir, name, now())
	case fsDisk:
		return ext2.Rmdir(local(dir), name, now())
	}
	return ninep.Rmdir(local(dir), name)
}

func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool) int {
	switch {
	case oldDir&fsMask != newDir&fsMask:
		return EXDEV
	case onDisk(oldDir):
		return ext2.Rename(local(oldDir), oldName, local(newDir), newName, noReplace, now())
	case onShare(oldDir):
		return ninep.Rename(local(oldDir), oldName, local(newDir), newName, noReplace)
	case isMountPoint(oldDir, oldName) || isMountPoint(newDir, newName):
		return EBUSY
	}
	return memfs.Rename(oldDir, oldName, newDir, newName, noReplace, now())
}

// isMountPoint reports whether name in the memfs directory dir is where
// a volume or a share is mounted.
func isMountPoint(dir Ino, name []byte) bool {
	if mounts.n == 0 {
		return false
	}
	ino, e := memfs.Lookup(dir, name)
	return e == 0 && mountedOn(ino) != 0
}

// Sync makes a file's data and the metadata that reaches it durable
// (fsync); memfs has nothing to write.
func Sync(ino Ino) int {
	if e := WriteBackMapped(ino); e != 0 {
		return e
	}
	switch ino & fsMask {
	case fsMem:
		return 0
	case fsDisk:
		return ext2.Sync(local(ino))
	}
	return ninep.Sync(local(ino))
}
