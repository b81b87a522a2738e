// Package ext2 is the kernel's disk file system: ext2 (revision 0 and 1, as
// `mke2fs -t ext2` makes it), read-write, on a block device reached through
// the disk functions below. Its exported API mirrors memfs's so that the VFS
// can dispatch to either: same Ino, Attr, errno values and mode constants,
// same ReadDir callback and resumable offsets.
//
// Everything runs on the system-call path, so nothing here uses the Go heap:
// disk blocks live in a fixed-size cache of pages from the physical page
// allocator, metadata in fixed tables, and inodes are decoded into values on
// the stack. One volume is mounted at a time.
package ext2

import (
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
)

// Ino is an ext2 inode number; it is memfs's type so that both file systems
// share the ReadDir callback and Attr.
type Ino = memfs.Ino

// Attr is what Stat reports, shared with memfs.
type Attr = memfs.Attr

// PageSize is the unit of the page allocator; cache blocks live in pages.
const PageSize = memfs.PageSize

// Page storage, as variables so that host tests can supply their own.
// Statically initialised: no code (and no write barrier) sets them in the kernel.
var (
	allocPage = memory.AllocPage // a zeroed page, or 0 when memory is exhausted
	freePage  = memory.FreePage
	pageAt    = memory.PageBytes // the page's bytes, through the direct map
	memUsage  = memory.Usage     // pages in use and managed: how far the cache may grow

	// The cache's pages as the allocator sees them: it takes those marked
	// reclaimable back when RAM runs out (lend.go).
	setCachePage = memory.SetCachePage
	cachePage    = memory.CachePage
)

// The block device, as variables for the same reason: virtioblk's
// ReadPage, WritePage, Read, Write and Flush (host tests put a file behind
// them). diskRead and diskWrite move n bytes between disk number disk,
// from 512-byte sector sector on, and the page's bytes [off, off+n); n is
// a multiple of 512 and the run stays inside the page, so the device can
// DMA straight into the cache. diskReadPages and diskWritePages move n
// bytes between the disk and a list of pages (each but the last in full),
// up to maxRun pages in one request. diskFlush returns once everything
// written before it is durable. All return an errno (0 on success).
var (
	diskRead       = virtioblk.ReadPage
	diskWrite      = virtioblk.WritePage
	diskReadPages  = virtioblk.Read
	diskWritePages = virtioblk.Write
	diskFlush      = virtioblk.Flush
)

// maxRun is the most blocks one request moves (128 KiB of 4 KiB blocks).
const maxRun = virtioblk.MaxPages

const sectorSize = 512

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

// File types in the mode, as in stat(2) (memfs's, and the two it lacks).
const (
	TypeMask    = memfs.TypeMask
	TypeDir     = memfs.TypeDir
	TypeRegular = memfs.TypeRegular
	TypeSymlink = memfs.TypeSymlink
	TypeFIFO    = memfs.TypeFIFO
	TypeChar    = memfs.TypeChar
	TypeBlock   = 0o060000
	TypeSocket  = 0o140000
)

// MaxName is the longest name of a directory entry.
const MaxName = memfs.MaxName

// RootIno is the root directory of every ext2 file system.
const RootIno Ino = 2

// linkMax is ext2's limit on a file's links (and so on subdirectories).
const linkMax = 32000
