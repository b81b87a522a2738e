package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// mknodat makes named pipes and empty regular files. Device nodes are
// refused: the kernel's own devices live in /dev, and there is no driver
// behind a new major:minor.
func mknodat(dirfd int, pathAddr uintptr, mode uint32) int64 {
	typ := mode & memfs.TypeMask
	switch typ {
	case 0:
		typ = memfs.TypeRegular
	case memfs.TypeRegular, memfs.TypeFIFO:
	case memfs.TypeChar, 0o060000: // S_IFBLK
		return -abi.EPERM
	default:
		return -abi.EINVAL
	}
	var p, w [vfs.PathMax]byte
	r, e := newName(dirfd, pathAddr, &p, &w)
	if e != 0 {
		return e
	}
	_, en := vfs.Create(r.Dir, r.Name, typ|vfs.CreateMode(mode&0o7777))
	return abi.Errno(en)
}

// fifoOpen opens a named pipe as POSIX says: a reader waits for a writer
// and a writer for a reader, unless O_NONBLOCK (then a writer with no
// reader gets ENXIO); O_RDWR never waits. The end is registered before any
// wait so that the two sides can meet; the waiting call is then not
// interruptible (its descriptor exists already).
func fifoOpen(t *threads.Thread, ino memfs.Ino, flags int) int64 {
	acc := flags & oAccMode
	read, write := acc != oWronly, acc != 0
	f, ok := files.FifoOpen(uint32(ino), read, write)
	if !ok {
		return -abi.ENOMEM
	}
	f.Flags = uint32(flags & (oAccMode | oNonblock))
	fd := openFD(f, flags, ino)
	if fd < 0 {
		files.ReleaseFifoEnd(&f)
		return fd
	}
	nf := files.Get(int(fd))
	PipeChanged(nf)
	if read {
		threads.WakeAllWithResult(files.FifoWaitKey(nf, true))
	}
	if write {
		threads.WakeAllWithResult(files.FifoWaitKey(nf, false))
	}
	readers, writers := files.FifoPeers(nf)
	nonblock := flags&oNonblock != 0
	switch {
	case acc == oRdwr:
	case read && writers == 0 && !nonblock:
		threads.BlockWithResult(t, files.FifoWaitKey(nf, false), fd)
		return abi.Blocked
	case write && readers == 0 && nonblock:
		closeFD(int(fd))
		return -abi.ENXIO
	case write && readers == 0:
		threads.BlockWithResult(t, files.FifoWaitKey(nf, true), fd)
		return abi.Blocked
	}
	return fd
}
