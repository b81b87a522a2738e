package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/random"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// open(2) flags.
const (
	oAccMode   = 0o3
	oWronly    = 0o1
	oRdwr      = 0o2
	oCreat     = 0o100
	oExcl      = 0o200
	oTrunc     = 0o1000
	oAppend    = 0o2000
	oNonblock  = 0o4000
	oDirectory = 0o200000
	oNofollow  = 0o400000
	oCloexec   = 0o2000000
	oPath      = 0o10000000
	oTmpfile   = 0o20000000
)

func openat(t *threads.Thread, dirfd int, pathAddr uintptr, flags int, mode uint32) int64 {
	if flags&oTmpfile == oTmpfile {
		return -95 // EOPNOTSUPP
	}
	var p, w [vfs.PathMax]byte
	how := vfs.Follow
	switch {
	case flags&oCreat != 0 && flags&oExcl != 0:
		how = vfs.Never
	case flags&oNofollow != 0:
		how = vfs.NoFollow
	}
	r, _, e := lookupAt(dirfd, pathAddr, how, &p, &w)
	if e != 0 {
		return e
	}
	acc := flags & oAccMode
	ino := r.Ino
	if ino == 0 {
		if flags&oCreat == 0 {
			return -abi.ENOENT
		}
		if r.Slash || flags&oDirectory != 0 {
			return -abi.EISDIR
		}
		if !vfs.Writable(r.Dir) {
			return -abi.EROFS
		}
		var en int
		ino, en = vfs.Create(r.Dir, r.Name, memfs.TypeRegular|vfs.CreateMode(mode&0o7777))
		if en != 0 {
			return abi.Errno(en)
		}
	} else {
		if flags&oCreat != 0 && flags&oExcl != 0 {
			return -abi.EEXIST
		}
		a, _ := vfs.Stat(ino)
		typ := a.Mode & memfs.TypeMask
		switch {
		case typ == memfs.TypeSymlink && flags&oPath == 0:
			return -abi.ELOOP // O_NOFOLLOW on a link
		case flags&oDirectory != 0 && typ != memfs.TypeDir:
			return -abi.ENOTDIR
		case typ == memfs.TypeDir && (acc != 0 || flags&oTrunc != 0):
			return -abi.EISDIR
		case typ == memfs.TypeFIFO && flags&oPath == 0:
			return fifoOpen(t, ino, flags)
		case typ == memfs.TypeSocket && flags&oPath == 0:
			return -abi.ENXIO // as Linux: a socket's name is reached by connect
		case typ == memfs.TypeChar || typ == vfs.TypeBlock:
			return openDevice(ino, a.Rdev, flags)
		}
		where := r.Dir
		if typ == memfs.TypeDir {
			where = ino
		}
		if (acc != 0 || flags&oTrunc != 0) && flags&oPath == 0 && !vfs.Writable(where) {
			return -abi.EROFS
		}
		if ino == vfs.ProcMaps() {
			vfs.RefreshProcMaps()
		}
		if flags&oTrunc != 0 && typ == memfs.TypeRegular && acc != 0 {
			if en := vfs.Truncate(ino, 0); en != 0 {
				return abi.Errno(en)
			}
		}
	}
	return openFD(files.File{Kind: files.KindFile, Ino: uint32(ino), Flags: uint32(flags & (oAccMode | oAppend | oNonblock | oPath))}, flags, ino)
}

func openFD(f files.File, flags int, ino memfs.Ino) int64 {
	if flags&oCloexec != 0 {
		f.FDFlags = files.FDCloexec
	}
	fd := files.Alloc(0, f)
	if fd < 0 {
		return -abi.EMFILE
	}
	vfs.Open(ino)
	return int64(fd)
}

// CanRead and canWrite report whether a descriptor was opened for
// reading, and for writing (sendfile reads too: package netcalls).
func CanRead(f *files.File) bool  { return f.Flags&oPath == 0 && f.Flags&oAccMode != oWronly }
func canWrite(f *files.File) bool { return f.Flags&oPath == 0 && f.Flags&oAccMode != 0 }

// fileRead reads a memfs file or device at off; off < 0 means at the
// descriptor's offset, which then advances.
func fileRead(f *files.File, buf, n uintptr, off int64) int64 {
	if !CanRead(f) {
		return -abi.EBADF
	}
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	if d := diskOf(f); d >= 0 {
		return diskRead(f, d, b, off)
	}
	if f.Kind == files.KindDevice {
		switch f.Rdev {
		case vfs.DevNull:
			return 0
		case vfs.DevZero:
			clear(b)
		default:
			random.Fill(b)
		}
		return int64(n)
	}
	at := off
	if off < 0 {
		at = f.Off
	}
	got, e := vfs.ReadAt(memfs.Ino(f.Ino), b, at)
	if e != 0 {
		return abi.Errno(e)
	}
	if off < 0 {
		f.Off += int64(got)
	}
	return int64(got)
}

func fileWrite(f *files.File, buf, n uintptr, off int64) int64 {
	if !canWrite(f) {
		return -abi.EBADF
	}
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	if d := diskOf(f); d >= 0 {
		return diskWrite(f, d, b, off)
	}
	if f.Kind == files.KindDevice {
		return int64(n)
	}
	ino := memfs.Ino(f.Ino)
	at := off
	if off < 0 {
		at = f.Off
		if f.Flags&oAppend != 0 {
			a, _ := vfs.Stat(ino)
			at = a.Size
		}
	}
	put, e := vfs.WriteAt(ino, b, at)
	if e != 0 {
		return abi.Errno(e)
	}
	if off < 0 {
		f.Off = at + int64(put)
	}
	return int64(put)
}

func pread(fd int, buf, n uintptr, off int64, write bool) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind != files.KindFile && f.Kind != files.KindDevice {
		return -abi.ESPIPE
	}
	if off < 0 {
		return -abi.EINVAL
	}
	if write {
		return fileWrite(f, buf, n, off)
	}
	return fileRead(f, buf, n, off)
}

// vectorIO runs readv or writev as a sequence of reads or writes, stopping
// at the first short one.
func vectorIO(t *threads.Thread, fd int, iov uintptr, cnt int, writing bool) int64 {
	if cnt < 0 || cnt > 1024 {
		return -abi.EINVAL
	}
	var total int64
	for i := 0; i < cnt; i++ {
		base, ok1 := abi.GetU64(iov + uintptr(i)*16)
		n, ok2 := abi.GetU64(iov + uintptr(i)*16 + 8)
		if !ok1 || !ok2 {
			return -abi.EFAULT
		}
		var r int64
		if writing {
			r = write(t, fd, uintptr(base), uintptr(n))
		} else {
			r = read(t, fd, uintptr(base), uintptr(n))
		}
		if r < 0 {
			if total > 0 {
				return total
			}
			return r
		}
		total += r
		if uint64(r) < n {
			break
		}
	}
	return total
}

func lseek(fd int, off int64, whence int) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if d := diskOf(f); d >= 0 {
		return diskSeek(f, d, off, whence)
	}
	if f.Kind == files.KindDevice {
		return 0
	}
	if f.Kind != files.KindFile {
		return -abi.ESPIPE
	}
	a, _ := vfs.Stat(memfs.Ino(f.Ino))
	var pos int64
	switch whence {
	case 0:
		pos = off
	case 1:
		pos = f.Off + off
	case 2:
		pos = a.Size + off
	case 3: // SEEK_DATA: all of a file is data here
		if off >= a.Size {
			return -abi.ENXIO
		}
		pos = off
	case 4: // SEEK_HOLE
		if off >= a.Size {
			return -6
		}
		pos = a.Size
	default:
		return -abi.EINVAL
	}
	if pos < 0 {
		return -abi.EINVAL
	}
	f.Off = pos
	return pos
}

func ftruncate(fd int, size int64) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind != files.KindFile || !canWrite(f) {
		return -abi.EINVAL
	}
	return abi.Errno(vfs.Truncate(memfs.Ino(f.Ino), size))
}

func truncatePath(pathAddr uintptr, size int64) int64 {
	dir, ino, e := existing(atFDCWD, pathAddr, true)
	if e != 0 {
		return e
	}
	if !vfs.Writable(dir) {
		return -abi.EROFS
	}
	return abi.Errno(vfs.Truncate(ino, size))
}

func fsync(fd int) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if d := diskOf(f); d >= 0 {
		return diskSync(d)
	}
	if f.Kind != files.KindFile {
		return 0 // nothing stored: pipes, the console, memory devices
	}
	return abi.Errno(vfs.Sync(memfs.Ino(f.Ino)))
}

func dup(oldfd, newfd, flags int, exact bool) int64 {
	f := files.Get(oldfd)
	if f == nil || newfd < 0 || newfd >= files.Limit() {
		return -abi.EBADF
	}
	nf := *f
	nf.FDFlags = 0
	if flags&oCloexec != 0 {
		nf.FDFlags = files.FDCloexec
	}
	if !exact {
		fd := files.Alloc(0, nf)
		if fd < 0 {
			return -abi.EMFILE
		}
		Reopened(&nf)
		return int64(fd)
	}
	if oldfd == newfd {
		return int64(newfd)
	}
	files.Close(newfd)
	if files.Alloc(newfd, nf) != newfd {
		return -abi.EBADF
	}
	Reopened(&nf)
	return int64(newfd)
}

// Reopened counts another descriptor on a file's inode or pipe end (a dup,
// or a file put in flight over a Unix socket: package netcalls).
func Reopened(f *files.File) {
	switch f.Kind {
	case files.KindFile, files.KindDevice:
		vfs.Open(memfs.Ino(f.Ino))
	case files.KindPipeRead, files.KindPipeWrite:
		files.DupPipeEnd(f)
		if ino := files.FifoInode(f); ino != 0 {
			vfs.Open(memfs.Ino(ino))
		}
	}
}
