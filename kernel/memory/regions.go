package memory

// region is one stretch of the app's address space with one protection and
// one backing: anonymous memory (ino 0) or a file from offset off on.
// prot 0 (PROT_NONE) regions are reservations: present in the list so that
// mmap without MAP_FIXED does not reuse them, but never backed.
type region struct {
	start, end uintptr
	off        int64  // a file region's file offset at start
	ino        uint32 // the mapped file (the VFS's inode number), 0 if anonymous
	prot       uint16
	shared     bool // MAP_SHARED of a file: its pages are the file's (filepages.go)
}

// fileOffset is the file offset that address v of a file region maps.
func (r *region) fileOffset(v uintptr) int64 { return r.off + int64(v-r.start) }

// continues reports whether b extends a seamlessly: adjacent, with the same
// protection and backing (and, for a file, the next file offsets).
func continues(a, b *region) bool {
	return a.end == b.start && a.prot == b.prot && a.ino == b.ino && a.shared == b.shared &&
		(a.ino == 0 || a.fileOffset(a.end) == b.off)
}

const maxRegions = 2048

// regionList is kept sorted and non-overlapping; neighbours that continue
// each other are merged, so the Go runtime's few hundred mappings stay small.
type regionList struct {
	n int
	r [maxRegions]region
}

// regions is the app's address space. The page-fault path reads it, so its
// pages are mapped eagerly at boot (see Init).
var regions regionList

// find returns the region containing v, or nil.
func (l *regionList) find(v uintptr) *region {
	lo, hi := 0, l.n
	for lo < hi {
		m := (lo + hi) / 2
		r := &l.r[m]
		switch {
		case v < r.start:
			hi = m
		case v >= r.end:
			lo = m + 1
		default:
			return r
		}
	}
	return nil
}

// overlaps reports whether any region intersects [start, end).
func (l *regionList) overlaps(start, end uintptr) bool {
	for i := 0; i < l.n; i++ {
		if l.r[i].start < end && start < l.r[i].end {
			return true
		}
	}
	return false
}

// trimFront drops r's first bytes up to at, keeping its file offsets.
func (r *region) trimFront(at uintptr) {
	if r.ino != 0 {
		r.off = r.fileOffset(at)
	}
	r.start = at
}

// remove cuts [start, end) out of the list, splitting regions at its edges.
// It returns false when the list is full.
func (l *regionList) remove(start, end uintptr) bool {
	for i := 0; i < l.n; i++ {
		r := l.r[i]
		if r.end <= start || r.start >= end {
			continue
		}
		switch {
		case r.start < start && r.end > end: // split in two
			if l.n == maxRegions {
				return false
			}
			copy(l.r[i+2:l.n+1], l.r[i+1:l.n])
			l.n++
			l.r[i].end = start
			l.r[i+1] = r
			l.r[i+1].trimFront(end)
			return true
		case r.start < start:
			l.r[i].end = start
		case r.end > end:
			l.r[i].trimFront(end)
		default:
			copy(l.r[i:l.n-1], l.r[i+1:l.n])
			l.n--
			i--
		}
	}
	return true
}

// insert adds nr, whose range must be free, merging it with neighbours it
// continues.
func (l *regionList) insert(nr region) bool {
	i := 0
	for i < l.n && l.r[i].start < nr.start {
		i++
	}
	if i > 0 && continues(&l.r[i-1], &nr) {
		l.r[i-1].end = nr.end
		l.mergeNext(i - 1)
		return true
	}
	if i < l.n && continues(&nr, &l.r[i]) {
		l.r[i].start, l.r[i].off = nr.start, nr.off
		return true
	}
	if l.n == maxRegions {
		return false
	}
	copy(l.r[i+1:l.n+1], l.r[i:l.n])
	l.r[i] = nr
	l.n++
	return true
}

// mergeNext merges region i+1 into region i when it continues it.
func (l *regionList) mergeNext(i int) {
	if i+1 < l.n && continues(&l.r[i], &l.r[i+1]) {
		l.r[i].end = l.r[i+1].end
		copy(l.r[i+1:l.n-1], l.r[i+2:l.n])
		l.n--
	}
}

// split makes at a boundary between regions; false when the list is full.
func (l *regionList) split(at uintptr) bool {
	for i := 0; i < l.n; i++ {
		r := l.r[i]
		if r.start < at && at < r.end {
			if l.n == maxRegions {
				return false
			}
			copy(l.r[i+2:l.n+1], l.r[i+1:l.n])
			l.n++
			l.r[i].end = at
			l.r[i+1] = r
			l.r[i+1].trimFront(at)
			return true
		}
	}
	return true
}

// protect gives every region inside [start, end) protection prot, keeping
// its backing; false when the list is full.
func (l *regionList) protect(start, end uintptr, prot uint32) bool {
	if !l.split(start) || !l.split(end) {
		return false
	}
	for i := 0; i < l.n; i++ {
		if r := &l.r[i]; r.start >= start && r.end <= end {
			r.prot = uint16(prot)
		}
	}
	for i := 0; i < l.n; {
		if i+1 < l.n && continues(&l.r[i], &l.r[i+1]) {
			l.mergeNext(i)
			continue
		}
		i++
	}
	return true
}

// freeRange finds a free stretch of n bytes at or above from.
func (l *regionList) freeRange(from, n uintptr) uintptr {
	a := from
	for i := 0; i < l.n; i++ {
		r := l.r[i]
		if r.end <= a {
			continue
		}
		if r.start >= a+n {
			break
		}
		a = r.end
	}
	if a+n > userTop || a+n < a {
		return 0
	}
	return a
}

// MapsFile reports whether any region maps file ino.
func MapsFile(ino uint32) bool {
	for i := 0; i < regions.n; i++ {
		if regions.r[i].ino == ino {
			return true
		}
	}
	return false
}

// EachRegion calls fn for every mapped stretch of the app's address space
// in address order (for /proc/self/maps). PROT_NONE reservations included;
// ino is the mapped file (0 if anonymous) and off its offset at start.
func EachRegion(fn func(start, end uintptr, prot uint32, shared bool, ino uint32, off int64)) {
	for i := 0; i < regions.n; i++ {
		r := &regions.r[i]
		fn(r.start, r.end, uint32(r.prot), r.shared, r.ino, r.off)
	}
}
