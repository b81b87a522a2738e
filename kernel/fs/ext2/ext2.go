// Package ext2 is the kernel's disk file system: ext2 (revision 0 and 1, as
// `mke2fs -t ext2` makes it), read-write, on a block device. Its exported
// API mirrors memfs's so that the VFS can dispatch to either: same Ino,
// Attr, errno values and mode constants, same ReadDir callback and
// resumable offsets. Package layout has the on-disk format.
//
// Everything runs on the system-call path, so nothing here uses the Go heap:
// disk blocks live in the block cache (package cache: pages from the
// physical page allocator), metadata in fixed tables, and inodes are
// decoded into values on the stack. One volume is mounted at a time.
package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/layout"
	"unigo.dev/unigo/kernel/fs/memfs"
)

// Ino is an ext2 inode number; it is memfs's type so that both file systems
// share the ReadDir callback and Attr.
type Ino = memfs.Ino

// Attr is what Stat reports, shared with memfs.
type Attr = memfs.Attr

// Errors, as Linux errno values: memfs's, and those only a disk has.
const (
	EPERM        = memfs.EPERM
	ENOENT       = memfs.ENOENT
	EIO          = memfs.EIO
	ENOMEM       = memfs.ENOMEM
	EBUSY        = memfs.EBUSY
	EEXIST       = memfs.EEXIST
	ENOTDIR      = memfs.ENOTDIR
	EISDIR       = memfs.EISDIR
	EINVAL       = memfs.EINVAL
	EFBIG        = memfs.EFBIG
	ENOSPC       = memfs.ENOSPC
	EROFS        = 30
	EMLINK       = 31
	ENAMETOOLONG = memfs.ENAMETOOLONG
	ENOTEMPTY    = memfs.ENOTEMPTY
)

// File types in the mode, as in stat(2) (memfs's, and the on-disk
// format's for what memfs lacks).
const (
	TypeMask    = memfs.TypeMask
	TypeDir     = memfs.TypeDir
	TypeRegular = memfs.TypeRegular
	TypeSymlink = memfs.TypeSymlink
	TypeFIFO    = memfs.TypeFIFO
	TypeChar    = memfs.TypeChar
	TypeBlock   = layout.TypeBlock
	TypeSocket  = layout.TypeSocket
)

// MaxName is the longest name of a directory entry.
const MaxName = memfs.MaxName

// RootIno is the root directory of every ext2 file system.
const RootIno Ino = 2

// linkMax is ext2's limit on a file's links (and so on subdirectories).
const linkMax = 32000
