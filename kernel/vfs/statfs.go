package vfs

import (
	"unigo.dev/unigo/kernel/fs/ext2"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/fs/ninep"
	"unigo.dev/unigo/kernel/memory"
)

// statfs(2) and fallocate(2): what each file system says about its size,
// and whether it can set space aside.

// Magic numbers of statfs's f_type, as Linux's.
const (
	TmpfsMagic = 0x01021994 // tmpfs, and devtmpfs (/dev)
	Ext2Magic  = 0xEF53
	ProcMagic  = 0x9fa0
)

// Mount flags of statfs's f_flags (ST_*).
const (
	StRdonly   = 0x0001
	StNosuid   = 0x0002
	StNodev    = 0x0004
	StNoexec   = 0x0008
	StValid    = 0x0020
	StRelatime = 0x1000
)

// FSStat is what statfs(2) reports about the file system holding a file.
type FSStat struct {
	Magic               uint32
	BlockSize           int64
	Blocks, Free, Avail uint64 // in BlockSize units
	Files, FreeFiles    uint64
	Fsid                [2]uint32
	Flags               uint64
}

// Statfs describes the file system that holds ino; dir is the directory
// the path led through to it (0 when the file came from a descriptor).
// Memory file systems (the image root, tmpfs mounts, /dev) share the RAM:
// their size is the RAM's pages, their free space the pages free, their
// inodes memfs's table. The image root is read-only (ST_RDONLY); /proc
// has no size, as Linux's.
func Statfs(ino, dir Ino) FSStat {
	if ino&fsMask != fsMem {
		var s FSStat
		if onDisk(ino) {
			i := ext2.Statfs()
			s = FSStat{Magic: Ext2Magic, BlockSize: i.BlockSize, Blocks: i.Blocks, Free: i.Free, Avail: i.Avail,
				Files: i.Files, FreeFiles: i.FreeFiles, Fsid: i.Fsid, Flags: StValid | StRelatime}
		} else {
			i, _ := ninep.Statfs(local(ino))
			s = FSStat{Magic: ninep.Magic, BlockSize: i.BlockSize, Blocks: i.Blocks, Free: i.Free, Avail: i.Avail,
				Files: i.Files, FreeFiles: i.FreeFiles, Fsid: i.Fsid, Flags: StValid | StRelatime}
		}
		if !mountWritable(ino) {
			s.Flags |= StRdonly
		}
		return s
	}
	if a, _ := memfs.Stat(ino); a.Mode&memfs.TypeMask == memfs.TypeDir {
		dir = ino
	} else if dir == 0 {
		dir = memfs.Parent(ino) // the directory it was made in
	}
	if under(dir, "proc") {
		return FSStat{Magic: ProcMagic, BlockSize: memory.PageSize, Flags: StValid | StNosuid | StNodev | StNoexec | StRelatime}
	}
	used, total := memory.Usage()
	inodes, maxInodes := memfs.Inodes()
	s := FSStat{Magic: TmpfsMagic, BlockSize: memory.PageSize, Blocks: uint64(total),
		Free: uint64(total - used), Avail: uint64(total - used),
		Files: uint64(maxInodes), FreeFiles: uint64(maxInodes - inodes), Flags: StValid | StRelatime}
	switch {
	case under(dir, "dev"):
		s.Flags |= StNosuid
	case !Writable(dir):
		s.Flags |= StRdonly
	}
	return s
}

// under reports whether dir is the root's directory name or inside it.
func under(dir Ino, name string) bool {
	var b [8]byte
	n := copy(b[:], name)
	top, e := memfs.Lookup(state.root, b[:n])
	return e == 0 && dir != 0 && IsAncestor(top, dir)
}

// fallocate(2) modes.
const (
	FallocKeepSize = 0x01
	EOPNOTSUPP     = 95
	ENODEV         = 19
)

// Fallocate sets space aside for bytes off..off+length of the regular
// file ino (mode 0: the file grows to cover them; FallocKeepSize: its
// size stays). memfs takes the pages now; ext2 volumes answer EOPNOTSUPP,
// as Linux's ext2 does, and so do shares; so does every other mode
// (punching holes, zeroing, collapsing or inserting ranges), on which
// programs fall back to writing.
func Fallocate(ino Ino, mode int, off, length int64) int {
	if mode&^FallocKeepSize != 0 || ino&fsMask != fsMem {
		return EOPNOTSUPP
	}
	a, e := memfs.Stat(ino)
	switch {
	case e != 0:
		return e
	case a.Mode&memfs.TypeMask == memfs.TypeDir:
		return memfs.EISDIR
	case a.Mode&memfs.TypeMask != memfs.TypeRegular:
		return ENODEV
	}
	return memfs.Allocate(ino, off, length, mode&FallocKeepSize != 0, now())
}
