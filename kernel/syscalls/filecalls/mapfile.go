package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

// mmap's flags and protection, as this check needs them.
const (
	mapShared = 0x01
	mapType   = 0x03 // MAP_SHARED, MAP_PRIVATE or MAP_SHARED_VALIDATE
	protWrite = 0x2
)

// MappableFile checks that descriptor fd may be mapped with prot and
// flags, as Linux checks it, and returns its file; 0 (and no error) for
// /dev/zero, whose mappings are anonymous memory. A descriptor not open
// for reading, or a shared writable mapping of one not open for writing
// (or open for appending), is EACCES; what is not a regular file, ENODEV.
func MappableFile(fd int, prot, flags uint32) (vfs.Ino, int64) {
	f := files.Get(fd)
	if f == nil || f.Flags&oPath != 0 {
		return 0, -abi.EBADF
	}
	if f.Kind == files.KindDevice && f.Rdev == vfs.DevZero {
		return 0, 0
	}
	if f.Kind != files.KindFile {
		return 0, -abi.ENODEV
	}
	ino := memfs.Ino(f.Ino)
	if a, e := vfs.Stat(ino); e != 0 || a.Mode&memfs.TypeMask != memfs.TypeRegular {
		return 0, -abi.ENODEV
	}
	if !CanRead(f) {
		return 0, -abi.EACCES
	}
	if flags&mapType != 0x02 && prot&protWrite != 0 && (!canWrite(f) || f.Flags&oAppend != 0) {
		return 0, -abi.EACCES
	}
	return ino, 0
}
