package ext2

// Inodes live in their group's inode table on the disk (through the
// cache). An operation decodes the inode it works on into an inode value,
// changes that, and stores it back; storing rewrites only the fields this
// package manages, so the rest of the on-disk inode (generation, in-inode
// extended attributes, …) is kept.

// Inode fields (byte offsets).
const (
	iMode        = 0
	iUID         = 2
	iSize        = 4
	iAtime       = 8
	iCtime       = 12
	iMtime       = 16
	iDtime       = 20
	iGID         = 24
	iLinks       = 26
	iBlocks      = 28
	iFlags       = 32
	iBlock       = 40
	iFileACL     = 104
	iSizeHigh    = 108
	iBlocksHigh  = 116
	iUIDHigh     = 120
	iGIDHigh     = 122
	iExtraIsize  = 128
	iCtimeExtra  = 132
	iMtimeExtra  = 136
	iAtimeExtra  = 140
	iCrtime      = 144
	iCrtimeExtra = 148
)

// Inode flags.
const (
	flagIndex = 0x1000 // hashed directory index: invalid once the directory changes
)

const nBlock = 15 // i_block: 12 direct, single, double and triple indirect

// inode is a decoded on-disk inode.
type inode struct {
	mode                uint32
	uid, gid            uint32
	size                int64
	atime, ctime, mtime int64 // Unix nanoseconds
	links               uint32
	blocks              uint64 // 512-byte units, indirect and attribute blocks included
	flags               uint32
	block               [nBlock]uint32
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
	s, e := bget(d.inodeTable+uint32(pos/fs.bs), getRead, meta)
	if e != 0 {
		return -1, nil, e
	}
	at := pos % fs.bs
	return s, blockBytes(s)[at : at+fs.inodeSize], 0
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

func getTime(b []byte, at, extraAt int, extra uint16) int64 {
	sec := int64(int32(le32(b, at)))
	nsec := int64(0)
	if fits(extra, extraAt) {
		x := le32(b, extraAt)
		sec += int64(x&3) << 32
		nsec = int64(x >> 2)
	}
	return sec*1e9 + nsec
}

func putTime(b []byte, at, extraAt int, extra uint16, t int64) {
	sec := unixSeconds(t)
	put32(b, at, uint32(sec))
	if fits(extra, extraAt) {
		epoch := uint32((sec-int64(int32(sec)))>>32) & 3
		put32(b, extraAt, epoch|uint32(t-sec*1e9)<<2)
	}
}

// fits reports whether a field of the large inode is inside i_extra_isize.
func fits(extra uint16, at int) bool {
	return fs.inodeSize > 128 && at+4 <= 128+int(extra)
}

func loadInode(ino Ino, n *inode) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	*n = inode{
		mode:    uint32(le16(b, iMode)),
		uid:     uint32(le16(b, iUID)) | uint32(le16(b, iUIDHigh))<<16,
		gid:     uint32(le16(b, iGID)) | uint32(le16(b, iGIDHigh))<<16,
		size:    int64(le32(b, iSize)),
		links:   uint32(le16(b, iLinks)),
		blocks:  uint64(le32(b, iBlocks)),
		flags:   le32(b, iFlags),
		fileACL: le32(b, iFileACL),
	}
	if fs.inodeSize > 128 {
		n.extra = le16(b, iExtraIsize)
		if int(n.extra) > fs.inodeSize-128 {
			n.extra = 0
		}
	}
	if n.typ() == TypeRegular {
		n.size |= int64(le32(b, iSizeHigh)) << 32
	}
	if fs.roCompat&roCompatHugeFile != 0 {
		n.blocks |= uint64(le16(b, iBlocksHigh)) << 32
	}
	n.atime = getTime(b, iAtime, iAtimeExtra, n.extra)
	n.ctime = getTime(b, iCtime, iCtimeExtra, n.extra)
	n.mtime = getTime(b, iMtime, iMtimeExtra, n.extra)
	for i := range n.block {
		n.block[i] = le32(b, iBlock+4*i)
	}
	bput(s)
	return 0
}

func storeInode(ino Ino, n *inode) int {
	s, b, e := inodeRef(ino)
	if e != 0 {
		return e
	}
	put16(b, iMode, uint16(n.mode))
	put16(b, iUID, uint16(n.uid))
	put16(b, iUIDHigh, uint16(n.uid>>16))
	put16(b, iGID, uint16(n.gid))
	put16(b, iGIDHigh, uint16(n.gid>>16))
	put32(b, iSize, uint32(n.size))
	if n.typ() == TypeRegular {
		put32(b, iSizeHigh, uint32(n.size>>32))
	}
	put16(b, iLinks, uint16(n.links))
	put32(b, iBlocks, uint32(n.blocks))
	put32(b, iFlags, n.flags)
	put32(b, iFileACL, n.fileACL)
	putTime(b, iAtime, iAtimeExtra, n.extra, n.atime)
	putTime(b, iCtime, iCtimeExtra, n.extra, n.ctime)
	putTime(b, iMtime, iMtimeExtra, n.extra, n.mtime)
	for i, v := range n.block {
		put32(b, iBlock+4*i, v)
	}
	bdirty(s)
	bput(s)
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
		put16(b, iExtraIsize, n.extra)
	}
	if fits(n.extra, iCrtimeExtra) {
		putTime(b, iCrtime, iCrtimeExtra, n.extra, now)
	}
	n.atime, n.ctime, n.mtime = now, now, now
	bput(s)
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
