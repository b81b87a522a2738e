package memfs

// slot returns where the page number of the file's page idx is kept,
// creating indirect pages when create is set. nil means "no such page"
// (a hole, when not creating) or, when creating, out of memory.
func slot(n *inode, idx int64, create bool) *uintptr {
	switch {
	case idx < nDirect:
		return &n.direct[idx]
	case idx < nDirect+perPage:
		if !ensure(n, &n.indirect, create) {
			return nil
		}
		return &slots(n.indirect)[idx-nDirect]
	case idx < maxPages:
		if !ensure(n, &n.dindirect, create) {
			return nil
		}
		i := idx - nDirect - perPage
		mid := &slots(n.dindirect)[i/perPage]
		if !ensure(n, mid, create) {
			return nil
		}
		return &slots(*mid)[i%perPage]
	}
	return nil
}

// ensure makes *p a page when create is set; it reports whether *p is one.
func ensure(n *inode, p *uintptr, create bool) bool {
	if *p != 0 {
		return true
	}
	if !create {
		return false
	}
	*p = allocPage()
	if *p == 0 {
		return false
	}
	n.pages++
	return true
}

// PageOf returns the page that holds the file's page idx, for a shared
// mapping to map: read and write then go through the same memory. A hole
// gets its page now. It returns 0 and no error past the end of the file,
// and ENOSPC when memory is exhausted.
func PageOf(ino Ino, idx int64) (uintptr, int) {
	n := node(ino)
	if n == nil {
		return 0, ENOENT
	}
	if n.Mode&TypeMask != TypeRegular {
		return 0, EINVAL
	}
	if idx < 0 || idx*PageSize >= n.Size {
		return 0, 0
	}
	return page(n, idx, true)
}

// ReadAt copies the file's bytes at off into dst; holes read as zeros.
func ReadAt(ino Ino, dst []byte, off int64) (int, int) {
	n := node(ino)
	if n == nil {
		return 0, ENOENT
	}
	if n.Mode&TypeMask == TypeDir {
		return 0, EISDIR
	}
	if off < 0 {
		return 0, EINVAL
	}
	if off >= n.Size {
		return 0, 0
	}
	if rest := n.Size - off; int64(len(dst)) > rest {
		dst = dst[:rest]
	}
	done := 0
	for done < len(dst) {
		pos := off + int64(done)
		in := int(pos % PageSize)
		chunk := dst[done:]
		if len(chunk) > PageSize-in {
			chunk = chunk[:PageSize-in]
		}
		p, e := page(n, pos/PageSize, false)
		switch {
		case e != 0 && done == 0:
			return 0, e
		case e != 0:
			return done, 0
		case p != 0:
			copy(chunk, pageAt(p)[in:])
		default:
			clear(chunk)
		}
		done += len(chunk)
	}
	return done, 0
}

// WriteAt copies src into the file at off, growing it as needed.
func WriteAt(ino Ino, src []byte, off int64, now int64) (int, int) {
	n := node(ino)
	if n == nil {
		return 0, ENOENT
	}
	if n.Mode&TypeMask == TypeDir {
		return 0, EISDIR
	}
	if off < 0 {
		return 0, EINVAL
	}
	if off+int64(len(src)) > MaxFileSize {
		return 0, EFBIG
	}
	done, failed := 0, 0
	for done < len(src) {
		pos := off + int64(done)
		in := int(pos % PageSize)
		chunk := src[done:]
		if len(chunk) > PageSize-in {
			chunk = chunk[:PageSize-in]
		}
		p, e := page(n, pos/PageSize, true)
		if e != 0 {
			failed = e
			break
		}
		copy(pageAt(p)[in:], chunk)
		done += len(chunk)
		if end := off + int64(done); end > n.Size {
			n.Size = end
		}
	}
	if done > 0 {
		n.Mtime, n.Ctime = now, now
	}
	if done == 0 && failed != 0 {
		return 0, failed
	}
	return done, 0
}

// Truncate sets the file's size: pages past the end are freed, a larger
// size reads as zeros.
func Truncate(ino Ino, size int64, now int64) int {
	n := node(ino)
	if n == nil {
		return ENOENT
	}
	if n.Mode&TypeMask == TypeDir {
		return EISDIR
	}
	if size < 0 {
		return EINVAL
	}
	if size > MaxFileSize {
		return EFBIG
	}
	n.backed = min(n.backed, size) // growing again reads zeros, not the disk
	if size < n.Size {
		truncatePages(n, size)
		// Zero the tail of the last page so that growing again reads zeros.
		if in := size % PageSize; in != 0 {
			if s := slot(n, size/PageSize, false); s != nil && *s != 0 {
				clear(pageAt(*s)[in:])
			}
		}
	}
	n.Size = size
	n.Mtime, n.Ctime = now, now
	return 0
}

// truncatePages frees the pages wholly past size, and indirect pages that
// no longer hold any.
func truncatePages(n *inode, size int64) {
	first := (size + PageSize - 1) / PageSize
	last := (n.Size + PageSize - 1) / PageSize
	for idx := first; idx < last; idx++ {
		if s := slot(n, idx, false); s != nil && *s != 0 {
			freePage(*s)
			*s = 0
			n.pages--
		}
	}
	if first <= nDirect && n.indirect != 0 {
		freePage(n.indirect)
		n.indirect = 0
		n.pages--
	}
	if n.dindirect != 0 {
		keep := first - nDirect - perPage // double-indirect data pages kept
		if keep < 0 {
			keep = 0
		}
		d := slots(n.dindirect)
		for i := (keep + perPage - 1) / perPage; i < perPage; i++ {
			if d[i] != 0 {
				freePage(d[i])
				d[i] = 0
				n.pages--
			}
		}
		if keep == 0 {
			freePage(n.dindirect)
			n.dindirect = 0
			n.pages--
		}
	}
}
