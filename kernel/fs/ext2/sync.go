package ext2

import "unigo.dev/unigo/kernel/fs/ext2/cache"

// Write-back for fsync and unmount: file contents first, a flush only if
// some of them are new blocks (or zeroed tails) that the metadata written
// next will point at, then the metadata (inodes, indirect blocks, bitmaps,
// directories), then a last flush that makes it all durable. An fsync
// that only overwrote existing blocks costs one flush; one that allocated
// costs two, which cannot be merged: the first keeps metadata from
// pointing at blocks the disk does not hold yet, the second is fsync's
// promise that it all is on the disk when it returns.

// Sync makes ino durable (fsync): its contents, then the metadata needed
// to reach it. The cache does not know which inode table, bitmap or
// directory blocks belong to which file, so this writes all metadata, and
// then, for the ordering, all file contents first; the dirty contents are
// bounded (cache.Throttle), so this is too.
func Sync(ino Ino) int { return SyncAll() }

// SyncAll writes everything back (sync, syncfs, and before unmounting).
func SyncAll() int {
	if !fs.mounted {
		return EINVAL
	}
	if fs.readOnly {
		return 0
	}
	if e := cache.OrderData(); e != 0 {
		return e
	}
	if e := writeSuper(); e != 0 {
		return e
	}
	if _, e := cache.WriteBack(cache.Meta); e != 0 {
		return e
	}
	return cache.Flush()
}
