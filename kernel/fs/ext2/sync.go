package ext2

// Write-back. File contents go first, then a flush, so that the metadata
// written after (inodes, indirect blocks, bitmaps, directories) never
// points at blocks whose contents are not on the disk yet; a last flush
// makes it all durable.

// Sync makes ino durable (fsync): its contents, then the metadata needed
// to reach it. The cache does not know which inode table, bitmap or
// directory blocks belong to which file, so this writes all metadata, and
// then, for the ordering, all file contents first: the cache is small, so
// this is bounded.
func Sync(ino Ino) int { return SyncAll() }

// SyncAll writes everything back (sync, syncfs, and before unmounting).
func SyncAll() int {
	if !fs.mounted {
		return EINVAL
	}
	if fs.readOnly {
		return 0
	}
	if e := flushData(); e != 0 {
		return e
	}
	if e := writeSuper(); e != 0 {
		return e
	}
	if _, e := writeBack(meta); e != 0 {
		return e
	}
	if diskFlush(fs.disk) != 0 {
		return EIO
	}
	return 0
}
