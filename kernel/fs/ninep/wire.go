package ninep

// 9P2000.L's wire format: every message is size[4] type[1] tag[2] and its
// fields, little-endian; strings are len[2] and bytes; a qid is type[1]
// version[4] path[8]. enc builds a request in a byte buffer and dec reads
// a reply; both live on the caller's stack (no pointers kept in globals)
// and never allocate. Host-tested (wire_test.go).

// Message types (the R-message of each is its T-message + 1).
const (
	rlerror   = 7
	tstatfs   = 8
	tlopen    = 12
	tsymlink  = 16
	tmknod    = 18
	treadlink = 22
	tgetattr  = 24
	tsetattr  = 26
	treaddir  = 40
	tfsync    = 50
	tlink     = 70
	tmkdir    = 72
	trenameat = 74
	tunlinkat = 76
	tversion  = 100
	tattach   = 104
	twalk     = 110
	tread     = 116
	twrite    = 118
	tclunk    = 120
)

const (
	noTag    = 0xffff
	noFid    = 0xffffffff
	theTag   = 1 // one request at a time
	hdrSize  = 7
	qidSize  = 13
	version  = "9P2000.L"
	qtDir    = 0x80
	qtSymlnk = 0x02
)

// Tgetattr's request mask: the basic fields (mode to blocks).
const getattrBasic = 0x7ff

// Tsetattr's valid bits.
const (
	setMode     = 0x1
	setUID      = 0x2
	setGID      = 0x4
	setSize     = 0x8
	setAtime    = 0x10
	setMtime    = 0x20
	setCtime    = 0x40
	setAtimeSet = 0x80
	setMtimeSet = 0x100
)

// qid identifies a file on the server.
type qid struct {
	typ     uint8
	version uint32
	path    uint64
}

// enc writes a message into b; n is the length so far. ok turns false
// when b is too small (the message is then not sent).
type enc struct {
	b  []byte
	n  int
	ok bool
}

// begin starts a message of type typ.
func begin(b []byte, typ uint8, tag uint16) enc {
	e := enc{b: b, n: 4, ok: len(b) >= hdrSize}
	e.u8(typ)
	e.u16(tag)
	return e
}

func (e *enc) room(k int) bool {
	if !e.ok || e.n+k > len(e.b) {
		e.ok = false
		return false
	}
	return true
}

func (e *enc) u8(v uint8) {
	if e.room(1) {
		e.b[e.n] = v
		e.n++
	}
}

func (e *enc) u16(v uint16) {
	if e.room(2) {
		e.b[e.n], e.b[e.n+1] = byte(v), byte(v>>8)
		e.n += 2
	}
}

func (e *enc) u32(v uint32) {
	if e.room(4) {
		for i := 0; i < 4; i++ {
			e.b[e.n+i] = byte(v >> (8 * i))
		}
		e.n += 4
	}
}

func (e *enc) u64(v uint64) {
	if e.room(8) {
		for i := 0; i < 8; i++ {
			e.b[e.n+i] = byte(v >> (8 * i))
		}
		e.n += 8
	}
}

func (e *enc) str(s []byte) {
	if len(s) > 0xffff {
		e.ok = false
		return
	}
	e.u16(uint16(len(s)))
	if e.room(len(s)) {
		e.n += copy(e.b[e.n:], s)
	}
}

// finish sets the size field for a message whose last extra bytes are
// sent apart (a write's data) and returns the bytes to send before them.
func (e *enc) finish(extra int) []byte {
	if !e.ok {
		return nil
	}
	size := uint32(e.n + extra)
	for i := 0; i < 4; i++ {
		e.b[i] = byte(size >> (8 * i))
	}
	return e.b[:e.n]
}

// dec reads a reply; ok turns false when it is shorter than its fields.
type dec struct {
	b  []byte
	n  int
	ok bool
}

// reply checks a reply's header against the request's type: it returns
// the decoder past the header and 0, or the server's errno (Rlerror), or
// EIO for a reply that is not the answer.
func reply(b []byte, n int, typ uint8) (dec, int) {
	if n > len(b) {
		n = len(b)
	}
	d := dec{b: b[:n], n: 0, ok: true}
	size := d.u32()
	t := d.u8()
	d.u16()
	switch {
	case !d.ok || int(size) < hdrSize:
		return d, eIO
	case t == rlerror:
		e := int(d.u32())
		if !d.ok || e == 0 {
			return d, eIO
		}
		return d, e
	case t != typ+1:
		return d, eIO
	}
	return d, 0
}

func (d *dec) take(k int) []byte {
	if !d.ok || d.n+k > len(d.b) {
		d.ok = false
		return nil
	}
	b := d.b[d.n : d.n+k]
	d.n += k
	return b
}

func (d *dec) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *dec) u16() uint16 {
	if b := d.take(2); b != nil {
		return uint16(b[0]) | uint16(b[1])<<8
	}
	return 0
}

func (d *dec) u32() uint32 {
	var v uint32
	if b := d.take(4); b != nil {
		for i := 0; i < 4; i++ {
			v |= uint32(b[i]) << (8 * i)
		}
	}
	return v
}

func (d *dec) u64() uint64 {
	var v uint64
	if b := d.take(8); b != nil {
		for i := 0; i < 8; i++ {
			v |= uint64(b[i]) << (8 * i)
		}
	}
	return v
}

func (d *dec) str() []byte {
	n := int(d.u16())
	return d.take(n)
}

func (d *dec) qid() qid {
	return qid{typ: d.u8(), version: d.u32(), path: d.u64()}
}

// stat is Rgetattr's body (the fields kept).
type stat struct {
	qid                 qid
	mode, uid, gid      uint32
	nlink, rdev, size   uint64
	blocks              uint64
	atime, mtime, ctime int64 // nanoseconds
}

func (d *dec) getattr() stat {
	var s stat
	d.u64() // valid
	s.qid = d.qid()
	s.mode, s.uid, s.gid = d.u32(), d.u32(), d.u32()
	s.nlink, s.rdev, s.size = d.u64(), d.u64(), d.u64()
	d.u64() // blksize
	s.blocks = d.u64()
	s.atime = int64(d.u64())*1e9 + int64(d.u64())
	s.mtime = int64(d.u64())*1e9 + int64(d.u64())
	s.ctime = int64(d.u64())*1e9 + int64(d.u64())
	return s
}

// fsstat is Rstatfs's body.
type fsstat struct {
	typ, bsize            uint32
	blocks, bfree, bavail uint64
	files, ffree, fsid    uint64
	namelen               uint32
}

func (d *dec) statfs() fsstat {
	return fsstat{typ: d.u32(), bsize: d.u32(), blocks: d.u64(), bfree: d.u64(), bavail: d.u64(),
		files: d.u64(), ffree: d.u64(), fsid: d.u64(), namelen: d.u32()}
}

// dirent is one entry of Rreaddir's data.
type dirent struct {
	qid          qid
	off          int64 // the cookie of the entry after it
	typ          uint8
	nameAt, nLen int // the name, in the decoder's bytes: offsets, not a slice, so that
	// filling an entry stores no pointer (no write barrier on the trap path)
}

// next reads the next directory entry; false at the end (or a short one).
func (d *dec) next(ent *dirent) bool {
	if d.n >= len(d.b) {
		return false
	}
	ent.qid = d.qid()
	ent.off = int64(d.u64())
	ent.typ = d.u8()
	ent.nLen = int(d.u16())
	ent.nameAt = d.n
	d.take(ent.nLen)
	return d.ok
}
