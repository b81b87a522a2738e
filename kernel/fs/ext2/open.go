package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Open files: a file whose last name goes away while it is open keeps its
// inode and blocks until the last Close (POSIX). The disk knows nothing of
// opens, so they are counted here; a crash in between leaves an inode with
// no links, which e2fsck -p frees.

// maxOpen is the number of distinct open inodes tracked: as many as
// there can be file descriptors.
const maxOpen = 1024

type openFile struct {
	ino Ino
	n   int32
}

var opens [maxOpen]openFile

// opened returns how many times ino is open.
func opened(ino Ino) int32 {
	for i := range opens {
		if opens[i].ino == ino && opens[i].n > 0 {
			return opens[i].n
		}
	}
	return 0
}

// Open and Close count descriptors, so that an unlinked file stays readable
// while open.
func Open(ino Ino) {
	free := -1
	for i := range opens {
		if opens[i].n > 0 && opens[i].ino == ino {
			opens[i].n++
			return
		}
		if opens[i].n == 0 && free < 0 {
			free = i
		}
	}
	if free >= 0 {
		opens[free].ino, opens[free].n = ino, 1
	}
}

// Close frees an unlinked file with its last descriptor.
func Close(ino Ino) {
	for i := range opens {
		if opens[i].n > 0 && opens[i].ino == ino {
			opens[i].n--
			if opens[i].n == 0 {
				opens[i].ino = 0
				release(ino, fs.now)
			}
			return
		}
	}
}

// release frees an inode that has no links and is not open: its blocks,
// its attribute block, then the inode itself (with its deletion time set,
// as e2fsck expects of a free inode).
func release(ino Ino, now int64) int {
	if !fs.mounted || fs.readOnly {
		return 0
	}
	var n inode
	if e := loadInode(ino, &n); e != 0 {
		return e
	}
	if n.mode == 0 || n.links > 0 || opened(ino) > 0 {
		return 0
	}
	if n.hasBlockTree() {
		if e := freeFrom(ino, &n, 0); e != 0 {
			return e
		}
	}
	releaseXattr(&n)
	n.size = 0
	n.block = [layout.NBlock]uint32{}
	n.ctime = now
	if e := storeInode(ino, &n); e != 0 {
		return e
	}
	if e := setDtime(ino, now); e != 0 {
		return e
	}
	if fs.hintIno == ino {
		fs.hintIno = 0
	}
	return freeInode(ino, n.typ() == TypeDir)
}

// setDtime stamps an inode's deletion time. Never 0 (in use) nor below
// the inode count, which e2fsck would take for an ext3 orphan-list link
// (a clock that says 1970).
func setDtime(ino Ino, now int64) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	layout.IDtime.Put(b, uint32(max(int64(fs.inodesCount), unixSeconds(now))))
	cache.Dirty(s)
	cache.Put(s)
	return 0
}

// releaseOrphans frees, at unmount, the unlinked files still open.
func releaseOrphans() {
	for i := range opens {
		if opens[i].n > 0 {
			ino := opens[i].ino
			opens[i].ino, opens[i].n = 0, 0
			release(ino, fs.now)
		}
	}
}
