package memfs

// Allocate gives the file's bytes off..off+length pages of their own now
// (fallocate(2)), so later writes there cannot fail for lack of memory.
// Without keepSize the file grows to off+length if it is shorter; with
// it, only the pages inside the file are taken: pages past the end are
// not kept (a tmpfs file's storage is RAM, which the whole system shares,
// so a reservation past the end would only be a promise). It returns
// ENOSPC, leaving the file as it was, when memory runs out.
func Allocate(ino Ino, off, length int64, keepSize bool, now int64) int {
	n := node(ino)
	switch {
	case n == nil:
		return ENOENT
	case n.Mode&TypeMask == TypeDir:
		return EISDIR
	case off < 0 || length <= 0:
		return EINVAL
	case off+length > MaxFileSize || off+length < off:
		return EFBIG
	}
	end := off + length
	oldSize := n.Size
	if keepSize {
		end = min(end, n.Size)
	} else if end > n.Size {
		n.Size = end // first, so that Truncate frees what this takes on failure
	}
	for idx := off / PageSize; idx*PageSize < end; idx++ {
		if _, e := page(n, idx, true); e != 0 {
			if n.Size != oldSize {
				Truncate(ino, oldSize, now)
			}
			return ENOSPC
		}
	}
	if n.Size != oldSize {
		n.Mtime, n.Ctime = now, now
	}
	return 0
}
