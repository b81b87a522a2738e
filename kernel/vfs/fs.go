package vfs

import (
	"unigo.dev/unigo/kernel/fs/ext2"
	"unigo.dev/unigo/kernel/fs/memfs"
)

// The file operations, by file. Every system call reaches files through
// these, never through a file system package, so that each call goes to
// the file system that holds the file: memfs (the image root, tmpfs, the
// device nodes) or ext2 (a volume on a disk). The top bits of an Ino say
// which; a volume's root stands in for the memfs directory it is mounted
// on (Lookup crosses into it, Parent and NameOf back out).

// Attr is what stat reports about a file.
type Attr = memfs.Attr

const (
	fsShift = 28
	fsMask  = Ino(0xf) << fsShift
	fsDisk  = Ino(1) << fsShift // the ext2 volume
	EXDEV   = 18
	EBUSY   = 16
)

func onDisk(ino Ino) bool     { return ino&fsMask == fsDisk }
func local(ino Ino) ext2.Ino  { return ino &^ fsMask }
func tagged(ino ext2.Ino) Ino { return ino | fsDisk }

// tag marks an inode number ext2 returned (0 stays "none").
func tag(ino ext2.Ino, e int) (Ino, int) {
	if e != 0 || ino == 0 {
		return 0, e
	}
	return tagged(ino), 0
}

func Stat(ino Ino) (Attr, int) {
	if onDisk(ino) {
		a, e := ext2.Stat(local(ino))
		a.Ino = ino
		return a, e
	}
	return memfs.Stat(ino)
}

func Lookup(dir Ino, name []byte) (Ino, int) {
	if onDisk(dir) {
		return tag(ext2.Lookup(local(dir), name))
	}
	ino, e := memfs.Lookup(dir, name)
	if e == 0 && ino == volume.at && ino != 0 {
		return volume.root, 0
	}
	return ino, e
}

// ReadAt reads the file at off, as its shared mappings have it.
func ReadAt(ino Ino, dst []byte, off int64) (int, int) {
	var n, e int
	if onDisk(ino) {
		n, e = ext2.ReadAt(local(ino), dst, off)
	} else {
		n, e = memfs.ReadAt(ino, dst, off)
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
	if onDisk(ino) {
		return ext2.WriteAt(local(ino), src, off, now())
	}
	return memfs.WriteAt(ino, src, off, now())
}

// Truncate sets the file's size; its mappings lose the pages past it.
func Truncate(ino Ino, size int64) int {
	var e int
	if onDisk(ino) {
		e = ext2.Truncate(local(ino), size, now())
	} else {
		e = memfs.Truncate(ino, size, now())
	}
	if e == 0 {
		truncateMapped(ino, size)
	}
	return e
}

// ReadDir lists dir from the cookie off; fn sees VFS inode numbers.
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	if onDisk(dir) {
		return ext2.ReadDir(local(dir), off, func(ino ext2.Ino, typ uint8, name []byte, next int64) bool {
			return fn(tagged(ino), typ, name, next)
		})
	}
	return memfs.ReadDir(dir, off, fn)
}

func Open(ino Ino) {
	if onDisk(ino) {
		ext2.Open(local(ino))
		return
	}
	memfs.Open(ino)
}

func Close(ino Ino) {
	if onDisk(ino) {
		ext2.Close(local(ino))
		return
	}
	memfs.Close(ino)
}

func Chmod(ino Ino, perm uint32) int {
	if onDisk(ino) {
		return ext2.Chmod(local(ino), perm, now())
	}
	return memfs.Chmod(ino, perm, now())
}

func Chown(ino Ino, uid, gid uint32) int {
	if onDisk(ino) {
		return ext2.Chown(local(ino), uid, gid, now())
	}
	return memfs.Chown(ino, uid, gid, now())
}

func SetTimes(ino Ino, atime, mtime int64) int {
	if onDisk(ino) {
		return ext2.SetTimes(local(ino), atime, mtime, now())
	}
	return memfs.SetTimes(ino, atime, mtime, now())
}

// Parent is dir's "..": from a volume's root, the directory holding its
// mount point.
func Parent(dir Ino) Ino {
	switch {
	case dir == volume.root && dir != 0:
		return memfs.Parent(volume.at)
	case onDisk(dir):
		return tagged(ext2.Parent(local(dir)))
	}
	return memfs.Parent(dir)
}

// NameOf finds ino's name in dir (for getcwd).
func NameOf(dir, ino Ino, buf []byte) (int, bool) {
	switch {
	case ino == volume.root && ino != 0:
		return memfs.NameOf(dir, volume.at, buf)
	case onDisk(ino):
		return ext2.NameOf(local(dir), local(ino), buf)
	}
	return memfs.NameOf(dir, ino, buf)
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

func Create(dir Ino, name []byte, mode uint32) (Ino, int) {
	if onDisk(dir) {
		return tag(ext2.Create(local(dir), name, mode, now()))
	}
	return memfs.Create(dir, name, mode, now())
}

func Mkdir(dir Ino, name []byte, perm uint32) (Ino, int) {
	if onDisk(dir) {
		return tag(ext2.Mkdir(local(dir), name, perm, now()))
	}
	return memfs.Mkdir(dir, name, perm, now())
}

func Link(dir Ino, name []byte, ino Ino) int {
	switch {
	case onDisk(dir) != onDisk(ino) || ino == volume.root:
		return EXDEV
	case onDisk(dir):
		return ext2.Link(local(dir), name, local(ino), now())
	}
	return memfs.Link(dir, name, ino, now())
}

func Unlink(dir Ino, name []byte) int {
	if onDisk(dir) {
		return ext2.Unlink(local(dir), name, now())
	}
	return memfs.Unlink(dir, name, now())
}

func Rmdir(dir Ino, name []byte) int {
	if onDisk(dir) {
		return ext2.Rmdir(local(dir), name, now())
	}
	if isMountPoint(dir, name) {
		return EBUSY
	}
	return memfs.Rmdir(dir, name, now())
}

func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool) int {
	switch {
	case onDisk(oldDir) != onDisk(newDir):
		return EXDEV
	case onDisk(oldDir):
		return ext2.Rename(local(oldDir), oldName, local(newDir), newName, noReplace, now())
	case isMountPoint(oldDir, oldName) || isMountPoint(newDir, newName):
		return EBUSY
	}
	return memfs.Rename(oldDir, oldName, newDir, newName, noReplace, now())
}

// isMountPoint reports whether name in the memfs directory dir is where
// the volume is mounted.
func isMountPoint(dir Ino, name []byte) bool {
	ino, e := memfs.Lookup(dir, name)
	return e == 0 && ino == volume.at && ino != 0
}

// Sync makes a file's data and the metadata that reaches it durable
// (fsync); memfs has nothing to write.
func Sync(ino Ino) int {
	if e := WriteBackMapped(ino); e != 0 {
		return e
	}
	if onDisk(ino) {
		return ext2.Sync(local(ino))
	}
	return 0
}
