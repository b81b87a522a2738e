package sockets

import "unigo.dev/unigo/kernel/memory"

// A ring is one direction of a socket's buffer: a byte ring of ringSize
// over pages from the frame allocator. Pages are taken when bytes first
// reach them (an idle socket holds none) and kept until the socket goes,
// so a busy socket does not pay for a zeroed page on every write.
type ring struct {
	pages [ringPages]uintptr // physical pages; 0 until first used
	head  int                // offset of the first byte
	count int                // bytes held
}

// The page allocator; host tests put Go memory behind it.
var (
	allocPage = memory.AllocPage // a zeroed page, or 0 when memory is exhausted
	freePage  = memory.FreePage
	pageAt    = memory.PageBytes // the page's bytes, through the direct map
)

const (
	ringPages = 16
	ringSize  = ringPages * memory.PageSize // 64 KiB, Linux's order of magnitude for loopback
)

// space returns how many more bytes fit.
func (r *ring) space() int { return ringSize - r.count }

// page returns the bytes of the page holding ring offset off, taking a page
// from the allocator on first use; nil when memory is exhausted.
func (r *ring) page(off int) *[memory.PageSize]byte {
	i := off / memory.PageSize
	if r.pages[i] == 0 {
		p := allocPage()
		if p == 0 {
			return nil
		}
		r.pages[i] = p
	}
	return pageAt(r.pages[i])
}

// reserve makes sure the pages for the next n bytes are there, so that a
// record is written whole or not at all; false when memory is exhausted.
func (r *ring) reserve(n int) bool {
	for off := 0; off < n; off += memory.PageSize {
		if r.page((r.head+r.count+off)%ringSize) == nil {
			return false
		}
	}
	return n == 0 || r.page((r.head+r.count+n-1)%ringSize) != nil
}

// write appends what fits of src and returns the count. It stops early
// when no page can be had.
func (r *ring) write(src []byte) int {
	n := 0
	for n < len(src) && r.count < ringSize {
		tail := (r.head + r.count) % ringSize
		pg := r.page(tail)
		if pg == nil {
			break
		}
		in := tail % memory.PageSize
		chunk := memory.PageSize - in
		if free := ringSize - r.count; chunk > free {
			chunk = free
		}
		if chunk > len(src)-n {
			chunk = len(src) - n
		}
		copy(pg[in:in+chunk], src[n:n+chunk])
		n += chunk
		r.count += chunk
	}
	return n
}

// writeIOV appends what fits of iov's buffers, in order, and returns the
// count; it stops at the first buffer that did not fit whole.
func (r *ring) writeIOV(iov *IOV) int {
	n := 0
	for i := 0; i < iov.N; i++ {
		b := iov.at(i)
		m := r.write(b)
		n += m
		if m < len(b) {
			break
		}
	}
	return n
}

// peek copies bytes starting off bytes past the head into dst, without
// consuming them, and returns the count.
func (r *ring) peek(dst []byte, off int) int {
	n := 0
	for n < len(dst) && off+n < r.count {
		at := (r.head + off + n) % ringSize
		pg := pageAt(r.pages[at/memory.PageSize])
		in := at % memory.PageSize
		chunk := memory.PageSize - in
		if left := r.count - off - n; chunk > left {
			chunk = left
		}
		if chunk > len(dst)-n {
			chunk = len(dst) - n
		}
		copy(dst[n:n+chunk], pg[in:in+chunk])
		n += chunk
	}
	return n
}

// skip consumes n bytes (at most count).
func (r *ring) skip(n int) {
	if n > r.count {
		n = r.count
	}
	r.head = (r.head + n) % ringSize
	r.count -= n
	if r.count == 0 {
		r.head = 0 // keep using the first pages
	}
}

// read consumes up to len(dst) bytes into dst and returns the count.
func (r *ring) read(dst []byte) int {
	n := r.peek(dst, 0)
	r.skip(n)
	return n
}

// release gives the pages back.
func (r *ring) release() {
	for i, p := range r.pages {
		if p != 0 {
			freePage(p)
			r.pages[i] = 0
		}
	}
	r.head, r.count = 0, 0
}
