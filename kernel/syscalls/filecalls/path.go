package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

// atFDCWD is the dirfd meaning "the working directory".
const atFDCWD = -100

// *at flags.
const (
	atSymlinkNofollow = 0x100
	atRemoveDir       = 0x200
	atSymlinkFollow   = 0x400
	atEmptyPath       = 0x1000
)

// readPath copies a NUL-terminated path from the app into buf.
func readPath(addr uintptr, buf *[vfs.PathMax]byte) ([]byte, int64) {
	if addr == 0 {
		return nil, -abi.EFAULT
	}
	n := 0
	for n < vfs.PathMax {
		// Check one page (or what is left of it) at a time.
		chunk := 4096 - (addr+uintptr(n))%4096
		if chunk > uintptr(vfs.PathMax-n) {
			chunk = uintptr(vfs.PathMax - n)
		}
		b, ok := abi.UserBytes(addr+uintptr(n), chunk, false)
		if !ok {
			return nil, -abi.EFAULT
		}
		for _, c := range b {
			if c == 0 {
				return buf[:n], 0
			}
			buf[n] = c
			n++
		}
	}
	return nil, -vfs.ENAMETOOLONG
}

// dirOf returns the directory a dirfd stands for.
func dirOf(dirfd int) (memfs.Ino, int64) {
	if dirfd == atFDCWD {
		return vfs.Cwd(), 0
	}
	f := files.Get(dirfd)
	if f == nil {
		return 0, -abi.EBADF
	}
	if f.Kind != files.KindFile {
		return 0, -abi.ENOTDIR
	}
	a, _ := vfs.Stat(memfs.Ino(f.Ino))
	if a.Mode&memfs.TypeMask != memfs.TypeDir {
		return 0, -abi.ENOTDIR
	}
	return memfs.Ino(f.Ino), 0
}

// lookupAt resolves (dirfd, path) as the *at calls do.
func lookupAt(dirfd int, pathAddr uintptr, follow int, p, walkBuf *[vfs.PathMax]byte) (vfs.Result, []byte, int64) {
	path, e := readPath(pathAddr, p)
	if e != 0 {
		return vfs.Result{}, nil, e
	}
	start := vfs.Cwd()
	if len(path) == 0 || path[0] != '/' {
		if start, e = dirOf(dirfd); e != 0 {
			return vfs.Result{}, path, e
		}
	}
	r, errno := vfs.Walk(start, path, follow, walkBuf)
	if errno != 0 {
		return vfs.Result{}, path, -int64(errno)
	}
	return r, path, 0
}

// existing resolves a path that must exist, to its directory and file.
func existing(dirfd int, pathAddr uintptr, follow bool) (dir, ino memfs.Ino, e int64) {
	how := vfs.NoFollow
	if follow {
		how = vfs.Follow
	}
	var p, w [vfs.PathMax]byte
	r, _, e := lookupAt(dirfd, pathAddr, how, &p, &w)
	if e == 0 && r.Ino == 0 {
		e = -abi.ENOENT
	}
	return r.Dir, r.Ino, e
}
