package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

// The file operations, by file. Every system call reaches files through
// these, never through a file system package, so that the VFS can send
// each call to the file system that holds the file. Today that is memfs
// (the image root, tmpfs and the device nodes).

// Attr is what stat reports about a file.
type Attr = memfs.Attr

func Stat(ino Ino) (Attr, int)                         { return memfs.Stat(ino) }
func Lookup(dir Ino, name []byte) (Ino, int)           { return memfs.Lookup(dir, name) }
func ReadAt(ino Ino, dst []byte, off int64) (int, int) { return memfs.ReadAt(ino, dst, off) }
func WriteAt(ino Ino, src []byte, off int64) (int, int) {
	return memfs.WriteAt(ino, src, off, now())
}
func Truncate(ino Ino, size int64) int { return memfs.Truncate(ino, size, now()) }
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	return memfs.ReadDir(dir, off, fn)
}
func Open(ino Ino)                                { memfs.Open(ino) }
func Close(ino Ino)                               { memfs.Close(ino) }
func Chmod(ino Ino, perm uint32) int              { return memfs.Chmod(ino, perm, now()) }
func Chown(ino Ino, uid, gid uint32) int          { return memfs.Chown(ino, uid, gid, now()) }
func SetTimes(ino Ino, atime, mtime int64) int    { return memfs.SetTimes(ino, atime, mtime, now()) }
func Parent(dir Ino) Ino                          { return memfs.Parent(dir) }
func NameOf(dir, ino Ino, buf []byte) (int, bool) { return memfs.NameOf(dir, ino, buf) }
func IsAncestor(a, dir Ino) bool                  { return memfs.IsAncestor(a, dir) }
func Create(dir Ino, name []byte, mode uint32) (Ino, int) {
	return memfs.Create(dir, name, mode, now())
}
func Mkdir(dir Ino, name []byte, perm uint32) (Ino, int) { return memfs.Mkdir(dir, name, perm, now()) }
func Link(dir Ino, name []byte, ino Ino) int             { return memfs.Link(dir, name, ino, now()) }
func Unlink(dir Ino, name []byte) int                    { return memfs.Unlink(dir, name, now()) }
func Rmdir(dir Ino, name []byte) int                     { return memfs.Rmdir(dir, name, now()) }
func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool) int {
	return memfs.Rename(oldDir, oldName, newDir, newName, noReplace, now())
}

// Sync makes a file's data and the metadata that reaches it durable; memfs
// has nothing to write.
func Sync(ino Ino) int { return 0 }
