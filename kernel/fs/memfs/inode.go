package memfs

// Ino is an inode number; 0 means none.
type Ino uint32

// MaxInodes bounds the inode table. It lives in demand-paged BSS: only the
// pages of inodes in use take memory.
const MaxInodes = 1 << 16

const (
	nDirect     = 12
	perPage     = PageSize / 8 // page numbers per indirect page
	maxPages    = nDirect + perPage + perPage*perPage
	MaxFileSize = int64(maxPages) * PageSize
)

// inode is one file, directory or symbolic link.
type inode struct {
	Mode                uint32 // type and permission bits
	Nlink               uint32
	UID, GID            uint32
	Size                int64
	Atime, Mtime, Ctime int64  // Unix nanoseconds
	Parent              Ino    // for directories: ".."; for other files the directory they were made or last renamed in
	Rdev                uint32 // for device files: which device
	direct              [nDirect]uintptr
	indirect, dindirect uintptr
	pages               int64 // data pages held (st_blocks)
	backOff, backed     int64 // the file's first backed bytes are the backing disk's from backOff (backed.go)
	opens               int32 // open descriptors: an unlinked inode lives until the last close
	used                bool
}

var inodes [MaxInodes]inode

// nextFree is where the search for a free inode starts.
var nextFree Ino = 1

// newInode takes a free inode; it returns 0 when the table is full.
func newInode(mode uint32, now int64) Ino {
	for i := 0; i < MaxInodes-1; i++ {
		ino := Ino(1 + (int(nextFree)-1+i)%(MaxInodes-1))
		n := &inodes[ino]
		if !n.used {
			*n = inode{Mode: mode, used: true, Atime: now, Mtime: now, Ctime: now}
			nextFree = ino + 1
			inUse++
			return ino
		}
	}
	return 0
}

// node returns the inode for ino, or nil.
func node(ino Ino) *inode {
	if ino == 0 || int(ino) >= MaxInodes || !inodes[ino].used {
		return nil
	}
	return &inodes[ino]
}

// release frees an inode that has no links and no open descriptors.
func release(ino Ino) {
	n := node(ino)
	if n == nil || n.Nlink > 0 || n.opens > 0 {
		return
	}
	truncatePages(n, 0)
	*n = inode{}
	inUse--
}

// inUse counts the inodes taken (statfs's free inodes).
var inUse int

// Inodes returns how many inodes are in use, and how many there can be.
func Inodes() (used, max int) { return inUse, MaxInodes - 1 }

// Attr is what stat(2) reports.
type Attr struct {
	Ino                 Ino
	Mode, Nlink         uint32
	UID, GID            uint32
	Size, Blocks        int64
	Atime, Mtime, Ctime int64
	Rdev                uint32
}

// Stat returns the attributes of ino.
func Stat(ino Ino) (Attr, int) {
	n := node(ino)
	if n == nil {
		return Attr{}, ENOENT
	}
	// A backed file's blocks are those of its data, read or not yet (as
	// du counts them on a disk file system).
	blocks := max(n.pages, (n.backed+PageSize-1)/PageSize) * (PageSize / 512)
	return Attr{ino, n.Mode, n.Nlink, n.UID, n.GID, n.Size, blocks, n.Atime, n.Mtime, n.Ctime, n.Rdev}, 0
}

// Open and Close count descriptors, so that an unlinked file stays readable
// while open (POSIX).
func Open(ino Ino) {
	if n := node(ino); n != nil {
		n.opens++
	}
}

func Close(ino Ino) {
	if n := node(ino); n != nil {
		n.opens--
		release(ino)
	}
}

// Chmod sets the permission bits.
func Chmod(ino Ino, perm uint32, now int64) int {
	n := node(ino)
	if n == nil {
		return ENOENT
	}
	n.Mode = n.Mode&TypeMask | perm&0o7777
	n.Ctime = now
	return 0
}

// Chown sets the owner; ^0 (-1) leaves an ID as it is, as chown(2) does.
func Chown(ino Ino, uid, gid uint32, now int64) int {
	n := node(ino)
	if n == nil {
		return ENOENT
	}
	if uid != ^uint32(0) {
		n.UID = uid
	}
	if gid != ^uint32(0) {
		n.GID = gid
	}
	n.Ctime = now
	return 0
}

// SetTimes sets the access and modification times (negative: leave as is).
func SetTimes(ino Ino, atime, mtime, now int64) int {
	n := node(ino)
	if n == nil {
		return ENOENT
	}
	if atime >= 0 {
		n.Atime = atime
	}
	if mtime >= 0 {
		n.Mtime = mtime
	}
	n.Ctime = now
	return 0
}

// SetRdev records which device a device file stands for.
func SetRdev(ino Ino, rdev uint32) {
	if n := node(ino); n != nil {
		n.Rdev = rdev
	}
}

// Parent returns the directory a directory lives in.
func Parent(dir Ino) Ino {
	if n := node(dir); n != nil {
		return n.Parent
	}
	return 0
}

// NameOf finds the name under which dir lists ino, into buf.
func NameOf(dir, ino Ino, buf []byte) (int, bool) {
	n := 0
	found := false
	ReadDir(dir, 0, func(i Ino, _ uint8, name []byte, _ int64) bool {
		if i == ino && string(name) != "." && string(name) != ".." {
			n = copy(buf, name)
			found = true
			return false
		}
		return true
	})
	return n, found
}
