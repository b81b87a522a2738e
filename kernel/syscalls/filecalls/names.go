package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

func putStat(b []byte, a memfs.Attr) {
	clear(b)
	abi.PutLE64(b[0:], 0x2a)                 // st_dev
	abi.PutLE64(b[8:], uint64(a.Ino))        // st_ino
	abi.PutLE64(b[16:], uint64(a.Nlink))     // st_nlink
	abi.PutLE32(b[24:], a.Mode)              // st_mode
	abi.PutLE32(b[28:], a.UID)               // st_uid
	abi.PutLE32(b[32:], a.GID)               // st_gid
	abi.PutLE64(b[40:], uint64(a.Rdev))      // st_rdev
	abi.PutLE64(b[48:], uint64(a.Size))      // st_size
	abi.PutLE64(b[56:], 4096)                // st_blksize
	abi.PutLE64(b[64:], uint64(a.Blocks))    // st_blocks
	abi.PutLE64(b[72:], uint64(a.Atime/1e9)) // st_atim
	abi.PutLE64(b[80:], uint64(a.Atime%1e9))
	abi.PutLE64(b[88:], uint64(a.Mtime/1e9))
	abi.PutLE64(b[96:], uint64(a.Mtime%1e9))
	abi.PutLE64(b[104:], uint64(a.Ctime/1e9))
	abi.PutLE64(b[112:], uint64(a.Ctime%1e9))
}

func statTo(ino memfs.Ino, st uintptr) int64 {
	a, e := vfs.Stat(ino)
	if e != 0 {
		return abi.Errno(e)
	}
	b, ok := abi.UserBytes(st, 144, true)
	if !ok {
		return -abi.EFAULT
	}
	putStat(b, a)
	return 0
}

func newfstatat(dirfd int, pathAddr, st uintptr, flags int) int64 {
	if flags&atEmptyPath != 0 {
		if c, ok := abi.UserBytes(pathAddr, 1, false); ok && c[0] == 0 {
			if dirfd == atFDCWD {
				return statTo(vfs.Cwd(), st)
			}
			return fstat(dirfd, st)
		}
	}
	_, ino, e := existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0)
	if e != 0 {
		return e
	}
	return statTo(ino, st)
}

func statx(dirfd int, pathAddr uintptr, flags int, buf uintptr) int64 {
	var ino memfs.Ino
	if c, ok := abi.UserBytes(pathAddr, 1, false); ok && c[0] == 0 && flags&atEmptyPath != 0 {
		if dirfd == atFDCWD {
			ino = vfs.Cwd()
		} else if f := files.Get(dirfd); f != nil && (f.Kind == files.KindFile || f.Kind == files.KindDevice) {
			ino = memfs.Ino(f.Ino)
		} else {
			return -abi.EBADF
		}
	} else {
		var e int64
		if _, ino, e = existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0); e != 0 {
			return e
		}
	}
	a, en := vfs.Stat(ino)
	if en != 0 {
		return abi.Errno(en)
	}
	b, ok := abi.UserBytes(buf, 256, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	abi.PutLE32(b[0:], 0x7ff) // STATX_BASIC_STATS
	abi.PutLE32(b[4:], 4096)
	abi.PutLE32(b[16:], a.Nlink)
	abi.PutLE32(b[20:], a.UID)
	abi.PutLE32(b[24:], a.GID)
	b[28], b[29] = byte(a.Mode), byte(a.Mode>>8)
	abi.PutLE64(b[32:], uint64(a.Ino))
	abi.PutLE64(b[40:], uint64(a.Size))
	abi.PutLE64(b[48:], uint64(a.Blocks))
	for i, t := range [4]int64{a.Atime, a.Ctime, a.Ctime, a.Mtime} { // atime, btime, ctime, mtime
		abi.PutLE64(b[64+16*i:], uint64(t/1e9))
		abi.PutLE32(b[72+16*i:], uint32(t%1e9))
	}
	abi.PutLE32(b[128:], a.Rdev>>8)
	abi.PutLE32(b[132:], a.Rdev&0xff)
	return 0
}

func getdents64(fd int, buf, count uintptr) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind != files.KindFile {
		return -abi.ENOTDIR
	}
	out, ok := abi.UserBytes(buf, count, true)
	if !ok {
		return -abi.EFAULT
	}
	pos := 0
	tooSmall := false
	e := vfs.ReadDir(memfs.Ino(f.Ino), f.Off, func(ino memfs.Ino, typ uint8, name []byte, next int64) bool {
		reclen := (19 + len(name) + 1 + 7) &^ 7
		if pos+reclen > len(out) {
			tooSmall = pos == 0
			return false
		}
		r := out[pos : pos+reclen]
		clear(r)
		abi.PutLE64(r[0:], uint64(ino))
		abi.PutLE64(r[8:], uint64(next))
		r[16], r[17] = byte(reclen), byte(reclen>>8)
		r[18] = typ
		copy(r[19:], name)
		pos += reclen
		f.Off = next
		return true
	})
	if e != 0 {
		return abi.Errno(e)
	}
	if tooSmall {
		return -abi.EINVAL
	}
	return int64(pos)
}

// newName resolves a path that is to be created (not a directory): it must
// not exist, its directory must be writable, and it must not end in "/".
func newName(dirfd int, pathAddr uintptr, p, w *[vfs.PathMax]byte) (vfs.Result, int64) {
	return nameToCreate(dirfd, pathAddr, false, p, w)
}

// nameToCreate is newName; a directory's name (mkdir) may end in "/".
func nameToCreate(dirfd int, pathAddr uintptr, dir bool, p, w *[vfs.PathMax]byte) (vfs.Result, int64) {
	r, _, e := lookupAt(dirfd, pathAddr, vfs.Never, p, w)
	switch {
	case e != 0:
		return r, e
	case r.Ino != 0:
		return r, -abi.EEXIST
	case r.Slash && !dir:
		return r, -abi.ENOENT // as Linux: "x/" can only be made by mkdir
	case !vfs.Writable(r.Dir):
		return r, -abi.EROFS
	}
	return r, 0
}

func mkdirat(dirfd int, pathAddr uintptr, mode uint32) int64 {
	var p, w [vfs.PathMax]byte
	r, e := nameToCreate(dirfd, pathAddr, true, &p, &w)
	if e != 0 {
		return e
	}
	_, en := vfs.Mkdir(r.Dir, r.Name, vfs.CreateMode(mode&0o7777))
	return abi.Errno(en)
}

func unlinkat(dirfd int, pathAddr uintptr, flags int) int64 {
	var p, w [vfs.PathMax]byte
	r, _, e := lookupAt(dirfd, pathAddr, vfs.Never, &p, &w)
	if e != 0 {
		return e
	}
	if r.Ino == 0 {
		return -abi.ENOENT
	}
	if !vfs.Writable(r.Dir) {
		return -abi.EROFS
	}
	if a, _ := vfs.Stat(r.Ino); r.Slash && a.Mode&memfs.TypeMask != memfs.TypeDir {
		return -abi.ENOTDIR // "x/" names a directory, and x is not one
	}
	if flags&atRemoveDir != 0 {
		if r.Ino == vfs.Root() {
			return -16 // EBUSY
		}
		return abi.Errno(vfs.Rmdir(r.Dir, r.Name))
	}
	return abi.Errno(vfs.Unlink(r.Dir, r.Name))
}

func renameat2(olddirfd int, oldAddr uintptr, newdirfd int, newAddr uintptr, flags int) int64 {
	const renameNoReplace = 1
	if flags&^renameNoReplace != 0 {
		return -abi.EINVAL
	}
	var p1, w1, p2, w2 [vfs.PathMax]byte
	o, _, e := lookupAt(olddirfd, oldAddr, vfs.Never, &p1, &w1)
	if e != 0 {
		return e
	}
	if o.Ino == 0 {
		return -abi.ENOENT
	}
	n, _, e := lookupAt(newdirfd, newAddr, vfs.Never, &p2, &w2)
	if e != 0 {
		return e
	}
	if a, _ := vfs.Stat(o.Ino); (o.Slash || n.Slash) && a.Mode&memfs.TypeMask != memfs.TypeDir {
		return -abi.ENOTDIR // a trailing "/" names a directory
	}
	if !vfs.Writable(o.Dir) || !vfs.Writable(n.Dir) {
		return -abi.EROFS
	}
	return abi.Errno(vfs.Rename(o.Dir, o.Name, n.Dir, n.Name, flags&renameNoReplace != 0))
}

func linkat(olddirfd int, oldAddr uintptr, newdirfd int, newAddr uintptr, flags int) int64 {
	_, ino, e := existing(olddirfd, oldAddr, flags&atSymlinkFollow != 0)
	if e != 0 {
		return e
	}
	var p, w [vfs.PathMax]byte
	n, e := newName(newdirfd, newAddr, &p, &w)
	if e != 0 {
		return e
	}
	return abi.Errno(vfs.Link(n.Dir, n.Name, ino))
}

func symlinkat(targetAddr uintptr, dirfd int, linkAddr uintptr) int64 {
	var t [vfs.PathMax]byte
	target, e := readPath(targetAddr, &t)
	if e != 0 {
		return e
	}
	if len(target) == 0 {
		return -abi.ENOENT
	}
	var p, w [vfs.PathMax]byte
	r, e := newName(dirfd, linkAddr, &p, &w)
	if e != 0 {
		return e
	}
	return abi.Errno(vfs.Symlink(r.Dir, r.Name, target))
}

func readlinkat(dirfd int, pathAddr, buf, size uintptr) int64 {
	_, ino, e := existing(dirfd, pathAddr, false)
	if e != 0 {
		return e
	}
	a, _ := vfs.Stat(ino)
	if a.Mode&memfs.TypeMask != memfs.TypeSymlink {
		return -abi.EINVAL
	}
	if int64(size) <= 0 {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(buf, size, true)
	if !ok {
		return -abi.EFAULT
	}
	n, en := vfs.ReadAt(ino, b, 0)
	if en != 0 {
		return abi.Errno(en)
	}
	return int64(n)
}

func fchmodat(dirfd int, pathAddr uintptr, mode uint32, flags int) int64 {
	dir, ino, e := existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0)
	if e != 0 {
		return e
	}
	if a, _ := vfs.Stat(ino); a.Mode&memfs.TypeMask == memfs.TypeSymlink {
		return -95 // EOPNOTSUPP: links have no mode of their own (as Linux)
	}
	if !vfs.Writable(dir) {
		return -abi.EROFS
	}
	return abi.Errno(vfs.Chmod(ino, mode))
}

func fchmod(fd int, mode uint32) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind != files.KindFile {
		return 0
	}
	return abi.Errno(vfs.Chmod(memfs.Ino(f.Ino), mode))
}

func fchownat(dirfd int, pathAddr uintptr, uid, gid uint32, flags int) int64 {
	_, ino, e := existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0)
	if e != 0 {
		return e
	}
	return abi.Errno(vfs.Chown(ino, uid, gid))
}

func fchown(fd int, uid, gid uint32) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind == files.KindFile {
		return abi.Errno(vfs.Chown(memfs.Ino(f.Ino), uid, gid))
	}
	return 0
}

func utimensat(dirfd int, pathAddr, times uintptr, flags int) int64 {
	var ino memfs.Ino
	if pathAddr == 0 {
		f := files.Get(dirfd)
		if f == nil || f.Kind != files.KindFile {
			return -abi.EBADF
		}
		ino = memfs.Ino(f.Ino)
	} else {
		var e int64
		if _, ino, e = existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0); e != 0 {
			return e
		}
	}
	const (
		utimeNow  = 1<<30 - 1
		utimeOmit = 1<<30 - 2
	)
	now := vfs.Now()
	at, mt := now, now
	if times != 0 {
		var ts [2]int64
		for i := range ts {
			sec, ok1 := abi.GetU64(times + uintptr(16*i))
			nsec, ok2 := abi.GetU64(times + uintptr(16*i) + 8)
			if !ok1 || !ok2 {
				return -abi.EFAULT
			}
			switch nsec {
			case utimeNow:
				ts[i] = now
			case utimeOmit:
				ts[i] = -1
			default:
				if nsec >= 1e9 {
					return -abi.EINVAL
				}
				ts[i] = int64(sec)*1e9 + int64(nsec)
			}
		}
		at, mt = ts[0], ts[1]
	}
	return abi.Errno(vfs.SetTimes(ino, at, mt))
}

func faccessat(dirfd int, pathAddr uintptr, mode int, flags int) int64 {
	dir, ino, e := existing(dirfd, pathAddr, flags&atSymlinkNofollow == 0)
	if e != 0 {
		return e
	}
	a, _ := vfs.Stat(ino)
	const wOK, xOK = 2, 1
	where := dir
	if a.Mode&memfs.TypeMask == memfs.TypeDir {
		where = ino
	}
	if mode&wOK != 0 && a.Mode&memfs.TypeMask != memfs.TypeChar && !vfs.Writable(where) {
		return -abi.EROFS
	}
	if mode&xOK != 0 && a.Mode&0o111 == 0 {
		return -vfs.EACCES
	}
	return 0
}

func getcwd(buf, size uintptr) int64 {
	b, ok := abi.UserBytes(buf, size, true)
	if !ok {
		return -abi.EFAULT
	}
	n, e := vfs.Getcwd(b)
	if e != 0 {
		return abi.Errno(e)
	}
	return int64(n)
}

func chdir(pathAddr uintptr) int64 {
	_, ino, e := existing(atFDCWD, pathAddr, true)
	if e != 0 {
		return e
	}
	return abi.Errno(vfs.Chdir(ino))
}

func fchdir(fd int) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind != files.KindFile {
		return -abi.ENOTDIR
	}
	return abi.Errno(vfs.Chdir(memfs.Ino(f.Ino)))
}
