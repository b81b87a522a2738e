package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Inodes live in their group's inode table on the disk (through the
// cache). An operation decodes the inode it works on into an inode value,
// changes that, and stores it back; storing rewrites only the fields this
// package manages, so the rest of the on-disk inode (generation, in-inode
// extended attributes, …) is kept.

// inode is a decoded on-disk inode.
type inode struct {
	mode                uint32
	uid, gid            uint32
	size                int64
	atime, ctime, mtime int64 // Unix nanoseconds
	links               uint32
	blocks              uint64 // 512-byte units, indirect and attribute blocks included
	flags               uint32
	block               [layout.NBlock]uint32
	fileACL             uint32 // extended-attribute block
	extra               uint16 // i_extra_isize
}

func (n *inode) typ() uint32 { return n.mode & TypeMask }

// fastSymlink reports whether a symbolic link keeps its target in i_block
// (no data block: the attribute block is the only one it may have).
func (n *inode) fastSymlink() bool {
	ea := uint64(0)
	if n.fileACL != 0 {
		ea = uint64(fs.bs / 512)
	}
	return n.typ() == TypeSymlink && n.blocks == ea
}

// hasBlockTree reports whether i_block holds block numbers (and not a
// symbolic link's target or a device number).
func (n *inode) hasBlockTree() bool {
	switch n.typ() {
	case TypeRegular, TypeDir:
		return true
	case TypeSymlink:
		return !n.fastSymlink()
	}
	return false
}

// inodeRef pins the inode table block holding ino and returns its bytes.
func inodeRef(ino Ino) (int, []byte, int) {
	if ino == 0 || uint32(ino) > fs.inodesCount {
		return -1, nil, ENOENT
	}
	g := (uint32(ino) - 1) / fs.ipg
	var d groupDesc
	if e := readGroup(g, &d); e != 0 {
		return -1, nil, e
	}
	pos := int((uint32(ino)-1)%fs.ipg) * fs.inodeSize
	s, e := cache.Get(d.inodeTable+uint32(pos/fs.bs), cache.Read, cache.Meta)
	if e != 0 {
		return -1, nil, e
	}
	at := pos % fs.bs
	return s, cache.Bytes(s)[at : at+fs.inodeSize], 0
}

// Times: seconds in the base inode (signed 32 bits); in large inodes an
// extra word holds nanoseconds << 2 and two more bits of seconds.

func unixSeconds(ns int64) int64 {
	s := ns / 1e9
	if ns%1e9 < 0 {
		s--
	}
	return s
}

func getTime(b []byte, at, extraAt layout.Field32, extra uint16) int64 {
	sec := int64(int32(at.Get(b)))
	nsec := int64(0)
	if fits(extra, extraAt) {
		x := extraAt.Get(b)
		sec += int64(x&3) << 32
		nsec = int64(x >> 2)
	}
	return sec*1e9 + nsec
}

func putTime(b []byte, at, extraAt layout.Field32, extra uint16, t int64) {
	sec := unixSeconds(t)
	at.Put(b, uint32(sec))
	if fits(extra, extraAt) {
		epoch := uint32((sec-int64(int32(sec)))>>32) & 3
		extraAt.Put(b, epoch|uint32(t-sec*1e9)<<2)
	}
}

// fits reports whether a field of the large inode is inside i_extra_isize.
func fits(extra uint16, at layout.Field32) bool {
	return fs.inodeSize > 128 && int(at)+4 <= 128+int(extra)
}

func loadInode(ino Ino, n *inode) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	*n = inode{
		mode:    uint32(layout.IMode.Get(b)),
		uid:     uint32(layout.IUID.Get(b)) | uint32(layout.IUIDHigh.Get(b))<<16,
		gid:     uint32(layout.IGID.Get(b)) | uint32(layout.IGIDHigh.Get(b))<<16,
		size:    int64(layout.ISize.Get(b)),
		links:   uint32(layout.ILinks.Get(b)),
		blocks:  uint64(layout.IBlocks.Get(b)),
		flags:   layout.IFlags.Get(b),
		fileACL: layout.IFileACL.Get(b),
	}
	if fs.inodeSize > 128 {
		n.extra = layout.IExtraIsize.Get(b)
		if int(n.extra) > fs.inodeSize-128 {
			n.extra = 0
		}
	}
	if n.typ() == TypeRegular {
		n.size |= int64(layout.ISizeHigh.Get(b)) << 32
	}
	if fs.roCompat&layout.ROCompatHugeFile != 0 {
		n.blocks |= uint64(layout.IBlocksHigh.Get(b)) << 32
	}
	n.atime = getTime(b, layout.IAtime, layout.IAtimeExtra, n.extra)
	n.ctime = getTime(b, layout.ICtime, layout.ICtimeExtra, n.extra)
	n.mtime = getTime(b, layout.IMtime, layout.IMtimeExtra, n.extra)
	for i := range n.block {
		n.block[i] = (layout.IBlock + layout.Entry(i)).Get(b)
	}
	cache.Put(s)
	return 0
}

func storeInode(ino Ino, n *inode) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	layout.IMode.Put(b, uint16(n.mode))
	layout.IUID.Put(b, uint16(n.uid))
	layout.IUIDHigh.Put(b, uint16(n.uid>>16))
	layout.IGID.Put(b, uint16(n.gid))
	layout.IGIDHigh.Put(b, uint16(n.gid>>16))
	layout.ISize.Put(b, uint32(n.size))
	if n.typ() == TypeRegular {
		layout.ISizeHigh.Put(b, uint32(n.size>>32))
	}
	layout.ILinks.Put(b, uint16(n.links))
	layout.IBlocks.Put(b, uint32(n.blocks))
	layout.IFlags.Put(b, n.flags)
	layout.IFileACL.Put(b, n.fileACL)
	putTime(b, layout.IAtime, layout.IAtimeExtra, n.extra, n.atime)
	putTime(b, layout.ICtime, layout.ICtimeExtra, n.extra, n.ctime)
	putTime(b, layout.IMtime, layout.IMtimeExtra, n.extra, n.mtime)
	for i, v := range n.block {
		(layout.IBlock + layout.Entry(i)).Put(b, v)
	}
	cache.Dirty(s)
	cache.Put(s)
	return 0
}

// initInode writes a new inode over whatever the slot held before.
func initInode(ino Ino, n *inode, now int64) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	clear(b)
	n.extra = fs.extraIsize
	if fs.inodeSize > 128 {
		layout.IExtraIsize.Put(b, n.extra)
	}
	if fits(n.extra, layout.ICrtimeExtra) {
		putTime(b, layout.ICrtime, layout.ICrtimeExtra, n.extra, now)
	}
	n.atime, n.ctime, n.mtime = now, now, now
	cache.Put(s)
	return storeInode(ino, n)
}

// live loads ino if it is a file that exists: in use, and linked or open.
func live(ino Ino, n *inode) int {
	if !fs.mounted {
		return ENOENT
	}
	if e := loadInode(ino, n); e != 0 {
		return e
	}
	if n.mode == 0 || n.links == 0 && opened(ino) == 0 {
		return ENOENT
	}
	return 0
}

// writable is live, for a change: EROFS on a read-only mount.
func writable(ino Ino, n *inode, now int64) int {
	if fs.mounted && fs.readOnly {
		return EROFS
	}
	if e := live(ino, n); e != 0 {
		return e
	}
	fs.now = now
	return 0
}

// Stat returns the attributes of ino.
func Stat(ino Ino) (Attr, int) {
	var n inode
	if e := live(ino, &n); e != 0 {
		return Attr{}, e
	}
	return Attr{Ino: ino, Mode: n.mode, Nlink: n.links, UID: n.uid, GID: n.gid, Size: n.size,
		Blocks: int64(n.blocks), Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime, Rdev: rdevOf(&n)}, 0
}

// Device numbers: old-style (major<<8 | minor, both < 256) in i_block[0],
// otherwise the new encoding (as Attr.Rdev has it) in i_block[1].
func rdevOf(n *inode) uint32 {
	if t := n.typ(); t != TypeChar && t != TypeBlock {
		return 0
	}
	if n.block[0] != 0 {
		return n.block[0] & 0xffff
	}
	return n.block[1]
}

// SetRdev records which device a device file stands for.
func SetRdev(ino Ino, rdev uint32) int {
	var n inode
	if e := writable(ino, &n, fs.now); e != 0 {
		return e
	}
	if t := n.typ(); t != TypeChar && t != TypeBlock {
		return EINVAL
	}
	n.block[0], n.block[1] = 0, 0
	if rdev < 1<<16 { // major and minor below 256: the old encoding is the same number
		n.block[0] = rdev
	} else {
		n.block[1] = rdev
	}
	return storeInode(ino, &n)
}

// Chmod sets the permission bits.
func Chmod(ino Ino, perm uint32, now int64) int {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return e
	}
	n.mode = n.mode&TypeMask | perm&0o7777
	n.ctime = now
	return storeInode(ino, &n)
}

// Chown sets the owner; ^0 (-1) leaves an ID as it is, as chown(2) does.
func Chown(ino Ino, uid, gid uint32, now int64) int {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return e
	}
	if uid != ^uint32(0) {
		n.uid = uid
	}
	if gid != ^uint32(0) {
		n.gid = gid
	}
	n.ctime = now
	return storeInode(ino, &n)
}

// SetTimes sets the access and modification times (negative: leave as is).
func SetTimes(ino Ino, atime, mtime, now int64) int {
	var n inode
	if e := writable(ino, &n, now); e != 0 {
		return e
	}
	if atime >= 0 {
		n.atime = atime
	}
	if mtime >= 0 {
		n.mtime = mtime
	}
	n.ctime = now
	return storeInode(ino, &n)
}
