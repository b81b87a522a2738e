package memory

// region is one stretch of the app's address space with one protection.
// prot 0 (PROT_NONE) regions are reservations: present in the list so that
// mmap without MAP_FIXED does not reuse them, but never backed.
type region struct {
	start, end uintptr
	prot       uint32
}

const maxRegions = 2048

// regionList is kept sorted and non-overlapping; neighbours with equal
// protection are merged, so the Go runtime's few hundred mappings stay small.
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
			l.r[i+1] = region{end, r.end, r.prot}
			return true
		case r.start < start:
			l.r[i].end = start
		case r.end > end:
			l.r[i].start = end
		default:
			copy(l.r[i:l.n-1], l.r[i+1:l.n])
			l.n--
			i--
		}
	}
	return true
}

// insert adds [start, end) with prot; the range must already be free.
func (l *regionList) insert(start, end uintptr, prot uint32) bool {
	i := 0
	for i < l.n && l.r[i].start < start {
		i++
	}
	if i > 0 && l.r[i-1].end == start && l.r[i-1].prot == prot {
		l.r[i-1].end = end
		if i < l.n && l.r[i].start == end && l.r[i].prot == prot {
			l.r[i-1].end = l.r[i].end
			copy(l.r[i:l.n-1], l.r[i+1:l.n])
			l.n--
		}
		return true
	}
	if i < l.n && l.r[i].start == end && l.r[i].prot == prot {
		l.r[i].start = start
		return true
	}
	if l.n == maxRegions {
		return false
	}
	copy(l.r[i+1:l.n+1], l.r[i:l.n])
	l.r[i] = region{start, end, prot}
	l.n++
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

// EachRegion calls fn for every mapped stretch of the app's address space
// in address order (for /proc/self/maps). PROT_NONE reservations included.
func EachRegion(fn func(start, end uintptr, prot uint32)) {
	for i := 0; i < regions.n; i++ {
		r := &regions.r[i]
		fn(r.start, r.end, r.prot)
	}
}
