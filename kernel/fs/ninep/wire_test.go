package ninep

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// Twalk of one name, byte for byte as 9P2000.L lays it out.
func TestEncodeWalk(t *testing.T) {
	var b [64]byte
	e := begin(b[:], twalk, theTag)
	e.u32(5)
	e.u32(9)
	e.u16(1)
	e.str([]byte("dir"))
	got := e.finish(0)
	want := []byte{
		22, 0, 0, 0, // size
		twalk, 1, 0, // type, tag
		5, 0, 0, 0, // fid
		9, 0, 0, 0, // newfid
		1, 0, // nwname
		3, 0, 'd', 'i', 'r',
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Twalk\n got %v\nwant %v", got, want)
	}
}

// A write's size counts its data, sent apart.
func TestEncodeWriteSize(t *testing.T) {
	var b [64]byte
	e := begin(b[:], twrite, theTag)
	e.u32(1)
	e.u64(1 << 40)
	e.u32(1000)
	hdr := e.finish(1000)
	if len(hdr) != 23 || binary.LittleEndian.Uint32(hdr) != 1023 {
		t.Fatalf("Twrite header %d bytes, size %d", len(hdr), binary.LittleEndian.Uint32(hdr))
	}
	if off := binary.LittleEndian.Uint64(hdr[11:]); off != 1<<40 {
		t.Fatalf("offset %#x", off)
	}
}

// A message longer than the buffer is refused, not truncated.
func TestEncodeOverflow(t *testing.T) {
	var b [16]byte
	e := begin(b[:], tsymlink, theTag)
	e.u32(1)
	e.str(make([]byte, 100))
	if e.finish(0) != nil {
		t.Fatal("an overflowing message was finished")
	}
}

// msg builds a reply: header then body.
func msg(typ uint8, body ...[]byte) []byte {
	var m []byte
	for _, b := range body {
		m = append(m, b...)
	}
	h := make([]byte, 7)
	binary.LittleEndian.PutUint32(h, uint32(7+len(m)))
	h[4] = typ
	binary.LittleEndian.PutUint16(h[5:], theTag)
	return append(h, m...)
}

func le(v any) []byte {
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, v)
	return buf.Bytes()
}

func TestReplyErrors(t *testing.T) {
	r := msg(rlerror, le(uint32(2)))
	if _, e := reply(r, len(r), twalk); e != 2 {
		t.Fatalf("Rlerror ENOENT: errno %d", e)
	}
	r = msg(tgetattr + 1)
	if _, e := reply(r, len(r), twalk); e != eIO {
		t.Fatalf("a reply of another type: errno %d, want EIO", e)
	}
	if _, e := reply(r[:5], 5, twalk); e != eIO {
		t.Fatalf("a short reply: errno %d, want EIO", e)
	}
	r = msg(twalk+1, le(uint16(1)), []byte{qtDir}, le(uint32(7)), le(uint64(42)))
	d, e := reply(r, len(r), twalk)
	if e != 0 || d.u16() != 1 {
		t.Fatalf("Rwalk: errno %d", e)
	}
	if q := d.qid(); q != (qid{typ: qtDir, version: 7, path: 42}) || !d.ok {
		t.Fatalf("qid %+v", q)
	}
}

func TestDecodeGetattr(t *testing.T) {
	body := [][]byte{le(uint64(0x7ff)), {0}, le(uint32(0)), le(uint64(99)),
		le(uint32(0o100644)), le(uint32(1000)), le(uint32(1001)),
		le(uint64(2)), le(uint64(0)), le(uint64(12345)), le(uint64(4096)), le(uint64(32)),
		le(uint64(10)), le(uint64(5)), le(uint64(20)), le(uint64(6)), le(uint64(30)), le(uint64(7)),
		le(uint64(0)), le(uint64(0)), le(uint64(0)), le(uint64(0))}
	r := msg(tgetattr+1, body...)
	d, e := reply(r, len(r), tgetattr)
	if e != 0 {
		t.Fatal(e)
	}
	s := d.getattr()
	want := stat{qid: qid{path: 99}, mode: 0o100644, uid: 1000, gid: 1001, nlink: 2, size: 12345, blocks: 32,
		atime: 10e9 + 5, mtime: 20e9 + 6, ctime: 30e9 + 7}
	if !d.ok || s != want {
		t.Fatalf("getattr\n got %+v\nwant %+v", s, want)
	}
}

func TestDecodeReaddir(t *testing.T) {
	var data []byte
	for i, name := range []string{".", "..", "file"} {
		data = append(data, 0)
		data = append(data, le(uint32(0))...)
		data = append(data, le(uint64(100+i))...)
		data = append(data, le(uint64(i+1))...)
		data = append(data, 8) // DT_REG
		data = append(data, le(uint16(len(name)))...)
		data = append(data, name...)
	}
	d := dec{b: data, ok: true}
	var ent dirent
	var names []string
	for d.next(&ent) {
		names = append(names, string(d.b[ent.nameAt:ent.nameAt+ent.nLen]))
		if ent.qid.path != uint64(100+len(names)-1) || ent.off != int64(len(names)) || ent.typ != 8 {
			t.Fatalf("entry %d: %+v", len(names), ent)
		}
	}
	if len(names) != 3 || names[2] != "file" {
		t.Fatalf("names %q", names)
	}
	// A truncated entry ends the listing.
	d = dec{b: data[:len(data)-2], ok: true}
	n := 0
	for d.next(&ent) {
		n++
	}
	if n != 2 {
		t.Fatalf("%d entries from a truncated listing, want 2", n)
	}
}

func TestInodeNumbers(t *testing.T) {
	nodes[3] = node{used: true, gen: 0x7fff}
	defer func() { nodes[3] = node{} }()
	ino := inoOf(3)
	if ino >= synthetic || get(ino) != 3 {
		t.Fatalf("ino %#x: slot %d", ino, get(ino))
	}
	if get(ino^1<<slotBits) != -1 {
		t.Fatal("another generation found the node")
	}
	if s := direntIno(0, 1<<40|5); s&synthetic == 0 || get(s) != -1 || s == 0 {
		t.Fatalf("synthetic %#x", s)
	}
	if oldDev(uint64(1)<<8|3) != 1<<8|3 {
		t.Fatal("oldDev")
	}
}
