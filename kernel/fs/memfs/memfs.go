// Package memfs is the kernel's in-memory file system (tmpfs): inodes in a
// fixed table, file contents and directories in 4 KiB pages taken from the
// physical page allocator, indexed like ext2 (12 direct pages, one single
// and one double indirect page). Everything runs on the system-call path,
// so nothing here uses the Go heap: memory comes from pages, metadata from
// the inode table, and a file's holes read as zeros without using memory.
package memfs

import "unigo.dev/unigo/kernel/memory"

// Page storage, as variables so that host tests can supply their own.
// Statically initialised: no code (and no write barrier) sets them in the kernel.
var (
	allocPage = memory.AllocPage // a zeroed page, or 0 when memory is exhausted
	freePage  = memory.FreePage
	pageAt    = memory.PageBytes // the page's bytes, through the direct map
)

// PageSize is the unit of file storage.
const PageSize = 4096

// Errors, as Linux errno values (returned negated by the system calls).
const (
	ENOENT       = 2
	EIO          = 5
	EEXIST       = 17
	ENOTDIR      = 20
	EISDIR       = 21
	EINVAL       = 22
	EFBIG        = 27
	ENOSPC       = 28
	ENAMETOOLONG = 36
	ENOTEMPTY    = 39
	ENOMEM       = 12
)

// File types in the mode, as in stat(2).
const (
	TypeMask    = 0o170000
	TypeDir     = 0o040000
	TypeRegular = 0o100000
	TypeSymlink = 0o120000
	TypeFIFO    = 0o010000
	TypeChar    = 0o020000
	TypeSocket  = 0o140000 // an AF_UNIX socket's name (bind)
)

// MaxName is the longest name of a directory entry.
const MaxName = 255
