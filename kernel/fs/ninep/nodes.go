package ninep

// The node table: the files of the shared directories that the VFS knows
// by inode number. A node holds its share, the server's qid path (the
// file's identity: two names of one file, or a file looked up again, find
// the same node), a walked fid and, while open, an I/O fid. The table is
// fixed (BSS); when full, the node used longest ago that nobody holds
// open is given up.

const (
	maxNodes = 1024
	slotBits = 12        // the slot (+1) in an inode number's low bits
	genMask  = 1<<15 - 1 // the generation above it: 27 bits in all
	// synthetic marks the inode numbers getdents reports for files not in
	// the table (bit 27, which no node's number has).
	synthetic = 1 << 27
	// recent is how many lookups a node stays safe from eviction for: a
	// system call's own lookups (rename's two directories) keep theirs.
	recent = 16
)

const (
	ioClosed = iota
	ioRead
	ioReadWrite
)

type node struct {
	used, pinned bool // pinned: a share's root, never given up
	share        uint8
	ioMode       uint8 // ioClosed, ioRead, ioReadWrite
	qtype        uint8
	gen          uint16
	opens        int32
	fid, ioFid   uint32
	qpath        uint64
	last         uint32 // tick of the last lookup that found it
}

var (
	nodes [maxNodes]node
	tick  uint32
)

func inoOf(i int) Ino { return Ino(uint32(nodes[i].gen)<<slotBits | uint32(i+1)) }

// get returns ino's node slot, or -1 for a number no node has (any more).
func get(ino Ino) int {
	i := int(ino&(1<<slotBits-1)) - 1
	if i < 0 || i >= maxNodes || !nodes[i].used || uint32(ino)>>slotBits != uint32(nodes[i].gen) {
		return -1
	}
	return i
}

// alloc takes a free slot, giving up a node if needed; -1 when every node
// is open or recent.
func alloc() int {
	victim := -1
	for i := range nodes {
		n := &nodes[i]
		if !n.used {
			return i
		}
		if n.pinned || n.opens > 0 || tick-n.last < recent {
			continue
		}
		if victim < 0 || tick-n.last > tick-nodes[victim].last {
			victim = i
		}
	}
	if victim >= 0 {
		drop(victim)
	}
	return victim
}

// take makes slot i the node of the file q, bound to fid, in share s.
func take(i, s int, fid uint32, q qid) {
	n := &nodes[i]
	gen := (n.gen + 1) & genMask
	if gen == 0 {
		gen = 1
	}
	*n = node{used: true, share: uint8(s), gen: gen, fid: fid, qpath: q.path, qtype: q.typ, last: tick}
}

// free returns a slot that take did not fill.
func free(i int) { nodes[i].used = false }

// drop gives node i up: its fids clunked, its slot free.
func drop(i int) {
	n := &nodes[i]
	if n.ioMode != ioClosed {
		clunk(int(n.share), n.ioFid)
	}
	clunk(int(n.share), n.fid)
	n.used, n.ioMode = false, ioClosed
}

// find returns the node of share s's file qpath, or -1.
func find(s int, qpath uint64) int {
	for i := range nodes {
		if nodes[i].used && int(nodes[i].share) == s && nodes[i].qpath == qpath {
			return i
		}
	}
	return -1
}

// lookup returns the node of name in the directory node dir: the file's
// node if the table has it (its walked fid renewed: the old one may name
// a path since removed), else a new one.
func lookup(dir int, name []byte) (int, int) {
	tick++
	s := int(nodes[dir].share)
	nodes[dir].last = tick
	i := alloc()
	if i < 0 {
		return -1, eNOMEM
	}
	fid := newFid(s)
	q, e := walk(s, nodes[dir].fid, fid, name)
	if e != 0 {
		free(i)
		return -1, e
	}
	if j := find(s, q.path); j >= 0 {
		free(i)
		clunk(s, nodes[j].fid)
		nodes[j].fid, nodes[j].qtype, nodes[j].last = fid, q.typ, tick
		return j, 0
	}
	take(i, s, fid, q)
	return i, 0
}

// direntIno is the inode number getdents reports for share s's file
// qpath: its node's when it has one, else a number made from the qid.
func direntIno(s int, qpath uint64) Ino {
	if i := find(s, qpath); i >= 0 {
		return inoOf(i)
	}
	return Ino(synthetic | qpath&(synthetic-1) | 1<<slotBits) // never 0, never a node's
}
