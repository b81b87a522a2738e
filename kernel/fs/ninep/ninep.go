// Package ninep is the kernel's client of 9P2000.L, the protocol of QEMU's
// shared directories (virtio-9p): a directory of the host mounted in the
// guest, read and written on the host's own files, so the host sees every
// write at once and fsync reaches the host's disk. Its exported API
// mirrors memfs's and ext2's, so that the VFS dispatches to it alike.
//
// 9P names files by fids, numbers the client chooses and the server binds
// to a file by walking from another fid; the VFS names them by inode
// numbers. A fixed table of nodes joins both (nodes.go): each file the VFS
// has looked up is a node, holding a walked fid for names and attributes
// and, while it is open or being read, a second fid opened for I/O. Its
// inode number is the node's slot and a generation, so a number that
// outlived its node (a slot reused for another file) is refused (ESTALE)
// instead of naming the wrong file. A node nobody holds open is given up
// (its fids clunked) when the table is full.
//
// Everything runs on the system-call path: no Go heap, messages built and
// read in fixed buffers (wire.go), one request at a time through package
// virtio9p.
package ninep

import (
	"unigo.dev/unigo/kernel/devices/virtio9p"
	"unigo.dev/unigo/kernel/fs/memfs"
)

// Ino is an inode number as the VFS sees it (before its tag bits); Attr
// is what Stat reports. Both are memfs's, as ext2's are.
type (
	Ino  = memfs.Ino
	Attr = memfs.Attr
)

// Errors, as Linux errno values.
const (
	eIO      = memfs.EIO
	eNOENT   = memfs.ENOENT
	eNOMEM   = memfs.ENOMEM
	eEXIST   = memfs.EEXIST
	eNOTDIR  = memfs.ENOTDIR
	eISDIR   = memfs.EISDIR
	eINVAL   = memfs.EINVAL
	eACCES   = 13
	eBUSY    = memfs.EBUSY
	eROFS    = 30
	eSTALE   = 116
	eNOTSUPP = 95
)

// MaxShares bounds the shared directories mounted at once.
const MaxShares = 8

// Magic is statfs's f_type for a 9P file system, as Linux's v9fs reports.
const Magic = 0x01021997

// call is the transport. A direct call, not a function variable: escape
// analysis must see that no buffer handed to it is kept (a leaking
// argument would put the callers' stack buffers on the Go heap).
func call(dev int, req, data, head, body []byte) (int, int) {
	return virtio9p.Call(dev, req, data, head, body)
}

// Message buffers: requests are built in tx, replies read in rx; a read's
// or a write's data goes straight between the transport and the caller.
var (
	tx [8192]byte
	rx [8192]byte
)

// share is one mounted directory: its device and its root node.
type share struct {
	dev     int
	root    int // node slot
	iounit  int // the most data bytes a read or write moves in one message
	nextFid uint32
	mounted bool
}

var shares [MaxShares]share

// versionName is version's bytes (a converted constant might be allocated).
var versionName = [...]byte{'9', 'P', '2', '0', '0', '0', '.', 'L'}

// Mount starts a 9P session with the device whose mount tag is tag and
// attaches to its root, as share s (0 ≤ s < MaxShares). It returns the
// root's inode number.
func Mount(s int, tag []byte) (Ino, int) {
	if s < 0 || s >= MaxShares || shares[s].mounted {
		return 0, eBUSY
	}
	dev := virtio9p.Find(tag)
	if dev < 0 {
		return 0, eNOENT
	}
	sh := &shares[s]
	sh.dev, sh.nextFid = dev, 1
	e := begin(tx[:], tversion, noTag)
	e.u32(virtio9p.Msize)
	e.str(versionName[:])
	d, errno := rpc(s, e.finish(0), tversion)
	if errno != 0 {
		return 0, errno
	}
	msize := int(d.u32())
	if v := d.str(); !d.ok || string(v) != version || msize < 4096 {
		return 0, eNOTSUPP // the server speaks no 9P2000.L
	}
	sh.iounit = min(msize, virtio9p.Msize) - 24 // Twrite's header: 23 bytes
	i := alloc()
	if i < 0 {
		return 0, eNOMEM
	}
	fid := newFid(s)
	e = begin(tx[:], tattach, theTag)
	e.u32(fid)
	e.u32(noFid)
	e.str(nil) // uname: n_uname says who
	e.str(nil) // aname: the device's one export
	e.u32(0)   // n_uname: root
	d, errno = rpc(s, e.finish(0), tattach)
	if errno != 0 {
		free(i)
		return 0, errno
	}
	q := d.qid()
	take(i, s, fid, q)
	nodes[i].pinned = true
	sh.root, sh.mounted = i, true
	return inoOf(i), 0
}

// rpc sends the request req of share s and reads the reply into rx: the
// decoder past the reply's header, or an errno.
func rpc(s int, req []byte, typ uint8) (dec, int) {
	if req == nil {
		return dec{}, eINVAL // too long for the buffer
	}
	n, e := call(shares[s].dev, req, nil, rx[:], nil)
	if e != 0 {
		return dec{}, e
	}
	return reply(rx[:], n, typ)
}

// newFid takes share s's next fid number: fids only grow (4 billion of
// them outlast any VM), so a number is never bound twice.
func newFid(s int) uint32 {
	f := shares[s].nextFid
	shares[s].nextFid++
	return f
}

// clunk gives fid up.
func clunk(s int, fid uint32) {
	e := begin(tx[:], tclunk, theTag)
	e.u32(fid)
	rpc(s, e.finish(0), tclunk)
}

// walk binds newfid to the file name in the directory fid (to fid's own
// file when name is nil) and returns its qid.
func walk(s int, fid, newfid uint32, name []byte) (qid, int) {
	e := begin(tx[:], twalk, theTag)
	e.u32(fid)
	e.u32(newfid)
	if name == nil {
		e.u16(0)
	} else {
		e.u16(1)
		e.str(name)
	}
	d, errno := rpc(s, e.finish(0), twalk)
	if errno != 0 {
		return qid{}, errno
	}
	n := d.u16()
	if name == nil {
		return qid{}, 0
	}
	if n != 1 || !d.ok {
		return qid{}, eNOENT
	}
	q := d.qid()
	if !d.ok {
		return q, eIO
	}
	return q, 0
}
