package memfs

// A directory's data is a sequence of records that never cross a page:
// ino (4 bytes), record length (2), name length (1), type (1), the name,
// padded to 8 bytes. A deleted record has ino 0 or is merged into the one
// before it, as in ext2. Offsets of records are stable, so getdents can
// resume at any offset it handed out.
const recHeader = 8

func recLen(nameLen int) int { return (recHeader + nameLen + 7) &^ 7 }

// record is one decoded directory record.
type record struct {
	ino    Ino
	length int
	name   []byte
	typ    uint8
}

func readRecord(page *[PageSize]byte, at int) record {
	nl := int(page[at+6])
	return record{
		ino:    Ino(uint32(page[at]) | uint32(page[at+1])<<8 | uint32(page[at+2])<<16 | uint32(page[at+3])<<24),
		length: int(page[at+4]) | int(page[at+5])<<8,
		typ:    page[at+7],
		name:   page[at+recHeader : at+recHeader+nl],
	}
}

func writeRecord(page *[PageSize]byte, at int, ino Ino, length int, name []byte, typ uint8) {
	// Little-endian by hand: the kernel avoids encoding/binary so that
	// unigo test can run that package's tests.
	page[at], page[at+1], page[at+2], page[at+3] = byte(ino), byte(ino>>8), byte(ino>>16), byte(ino>>24)
	page[at+4], page[at+5] = byte(length), byte(length>>8)
	page[at+6] = uint8(len(name))
	page[at+7] = typ
	copy(page[at+recHeader:], name)
}

// DirentType is the d_type of getdents64 for a mode.
func DirentType(mode uint32) uint8 {
	switch mode & TypeMask {
	case TypeDir:
		return 4
	case TypeRegular:
		return 8
	case TypeSymlink:
		return 10
	case TypeFIFO:
		return 1
	case TypeChar:
		return 2
	case TypeSocket:
		return 12
	}
	return 0
}

// dirPage returns the page holding directory offset off, or nil past the end.
func dirPage(n *inode, off int64) *[PageSize]byte {
	if off >= n.Size {
		return nil
	}
	s := slot(n, off/PageSize, false)
	if s == nil || *s == 0 {
		return nil
	}
	return pageAt(*s)
}

// ReadDir calls fn for each entry at or after offset off, with the offset
// of the entry after it, until fn returns false.
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	n := node(dir)
	if n == nil {
		return ENOENT
	}
	if n.Mode&TypeMask != TypeDir {
		return ENOTDIR
	}
	for off < n.Size {
		page := dirPage(n, off)
		if page == nil {
			return EIO
		}
		r := readRecord(page, int(off%PageSize))
		if r.length < recHeader {
			return EIO
		}
		next := off + int64(r.length)
		if r.ino != 0 && !fn(r.ino, r.typ, r.name, next) {
			return 0
		}
		off = next
	}
	return 0
}

// find returns the offset of the entry called name, or -1.
func find(n *inode, name []byte) (int64, Ino) {
	for off := int64(0); off < n.Size; {
		page := dirPage(n, off)
		if page == nil {
			return -1, 0
		}
		r := readRecord(page, int(off%PageSize))
		if r.length < recHeader {
			return -1, 0
		}
		if r.ino != 0 && string(r.name) == string(name) {
			return off, r.ino
		}
		off += int64(r.length)
	}
	return -1, 0
}

// Lookup finds name in dir.
func Lookup(dir Ino, name []byte) (Ino, int) {
	n := node(dir)
	if n == nil {
		return 0, ENOENT
	}
	if n.Mode&TypeMask != TypeDir {
		return 0, ENOTDIR
	}
	if _, ino := find(n, name); ino != 0 {
		return ino, 0
	}
	return 0, ENOENT
}

// addEntry stores a record for name → ino in dir, reusing free space.
func addEntry(n *inode, name []byte, ino Ino, typ uint8) int {
	need := recLen(len(name))
	for off := int64(0); off < n.Size; {
		page := dirPage(n, off)
		if page == nil {
			return EIO
		}
		at := int(off % PageSize)
		r := readRecord(page, at)
		used := 0
		if r.ino != 0 {
			used = recLen(len(r.name))
		}
		if r.length-used >= need {
			if r.ino == 0 {
				writeRecord(page, at, ino, r.length, name, typ)
			} else {
				writeRecord(page, at, r.ino, used, r.name, r.typ)
				writeRecord(page, at+used, ino, r.length-used, name, typ)
			}
			return 0
		}
		off += int64(r.length)
	}
	// A new page holding one record that spans it.
	s := slot(n, n.Size/PageSize, true)
	if s == nil || !ensure(n, s, true) {
		return ENOSPC
	}
	writeRecord(pageAt(*s), 0, ino, PageSize, name, typ)
	n.Size += PageSize
	return 0
}

// removeEntry deletes the record at off: merged into the record before it
// in the same page, or marked free when it starts the page.
func removeEntry(n *inode, off int64) {
	page := dirPage(n, off)
	at := int(off % PageSize)
	r := readRecord(page, at)
	prev := -1
	for p := 0; p < at; {
		q := readRecord(page, p)
		if p+q.length == at {
			prev = p
			break
		}
		p += q.length
	}
	if prev < 0 {
		writeRecord(page, at, 0, r.length, nil, 0)
		return
	}
	q := readRecord(page, prev)
	writeRecord(page, prev, q.ino, q.length+r.length, q.name, q.typ)
}

// setEntry points the existing record at off to another inode.
func setEntry(n *inode, off int64, ino Ino, typ uint8) {
	page := dirPage(n, off)
	at := int(off % PageSize)
	r := readRecord(page, at)
	writeRecord(page, at, ino, r.length, r.name, typ)
}

// isEmpty reports whether a directory holds only "." and "..".
func isEmpty(n *inode) bool {
	empty := true
	for off := int64(0); off < n.Size && empty; {
		page := dirPage(n, off)
		r := readRecord(page, int(off%PageSize))
		if r.ino != 0 && string(r.name) != "." && string(r.name) != ".." {
			empty = false
		}
		off += int64(r.length)
	}
	return empty
}
