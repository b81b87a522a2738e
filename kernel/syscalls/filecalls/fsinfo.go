package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

// statfs, fstatfs and fallocate, for package vfs.

func statfs(pathAddr, buf uintptr) int64 {
	dir, ino, e := existing(atFDCWD, pathAddr, true)
	if e != 0 {
		return e
	}
	return putStatfs(vfs.Statfs(ino, dir), buf)
}

func fstatfs(fd int, buf uintptr) int64 {
	f := files.Get(fd)
	switch {
	case f == nil:
		return -abi.EBADF
	case f.Kind == files.KindFile || f.Kind == files.KindDevice:
		return putStatfs(vfs.Statfs(memfs.Ino(f.Ino), 0), buf)
	}
	// Pipes, sockets, eventfd and epoll live in Linux's internal file
	// systems (pipefs, sockfs, anon_inodefs): report those, sizeless.
	s := vfs.FSStat{BlockSize: 4096, Flags: vfs.StValid}
	switch f.Kind {
	case files.KindPipeRead, files.KindPipeWrite:
		s.Magic = 0x50495045 // PIPEFS_MAGIC
		if ino := files.FifoInode(f); ino != 0 {
			s = vfs.Statfs(memfs.Ino(ino), 0)
		}
	case files.KindSocket:
		s.Magic = 0x534F434B // SOCKFS_MAGIC
	case files.KindConsoleIn, files.KindConsoleOut, files.KindConsoleErr:
		s.Magic = 0x1cd1 // DEVPTS_SUPER_MAGIC: the console stands for a terminal
	default:
		s.Magic = 0x09041934 // ANON_INODE_FS_MAGIC
	}
	return putStatfs(s, buf)
}

// putStatfs writes struct statfs (120 bytes on x86-64): f_type, f_bsize,
// f_blocks, f_bfree, f_bavail, f_files, f_ffree (8 bytes each), f_fsid
// (two int32), f_namelen, f_frsize, f_flags, then spare words.
func putStatfs(s vfs.FSStat, buf uintptr) int64 {
	b, ok := abi.UserBytes(buf, 120, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	abi.PutLE64(b[0:], uint64(s.Magic))
	abi.PutLE64(b[8:], uint64(s.BlockSize))
	abi.PutLE64(b[16:], s.Blocks)
	abi.PutLE64(b[24:], s.Free)
	abi.PutLE64(b[32:], s.Avail)
	abi.PutLE64(b[40:], s.Files)
	abi.PutLE64(b[48:], s.FreeFiles)
	abi.PutLE32(b[56:], s.Fsid[0])
	abi.PutLE32(b[60:], s.Fsid[1])
	abi.PutLE64(b[64:], memfs.MaxName)
	abi.PutLE64(b[72:], uint64(s.BlockSize))
	abi.PutLE64(b[80:], s.Flags)
	return 0
}

func fallocate(fd, mode int, off, length int64) int64 {
	f := files.Get(fd)
	switch {
	case f == nil:
		return -abi.EBADF
	case mode&^(vfs.FallocKeepSize|0x02|0x08|0x10|0x20|0x40) != 0:
		return -abi.EOPNOTSUPP // a mode Linux does not know either
	case off < 0 || length <= 0:
		return -abi.EINVAL
	case !canWrite(f):
		return -abi.EBADF
	case f.Kind == files.KindPipeRead || f.Kind == files.KindPipeWrite:
		return -abi.ESPIPE
	case f.Kind == files.KindDevice:
		if diskOf(f) >= 0 {
			return -abi.EOPNOTSUPP // a whole disk: nothing to set aside
		}
		return -vfs.ENODEV
	case f.Kind != files.KindFile:
		return -vfs.ENODEV
	}
	return abi.Errno(vfs.Fallocate(memfs.Ino(f.Ino), mode, off, length))
}
