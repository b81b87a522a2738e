package ninep

import "unigo.dev/unigo/kernel/fs/memfs"

// The file operations, as the VFS calls them (inode numbers without the
// VFS's tag bits). Each is one or a few messages to the host; nothing is
// cached, so the guest sees the host's changes at once, and the host the
// guest's.

// Linux open flags, as Tlopen takes them.
const (
	oRdonly    = 0
	oRdwr      = 2
	oDirectory = 0o200000
	atRemovDir = 0x200
)

// Root returns share s's root directory.
func Root(s int) Ino { return inoOf(shares[s].root) }

// Stat returns the attributes of ino (through its open fid when it has
// one: an open file keeps them after its last name is gone).
func Stat(ino Ino) (Attr, int) {
	i := get(ino)
	if i < 0 {
		return Attr{}, eSTALE
	}
	n := &nodes[i]
	fid := n.fid
	if n.ioMode != ioClosed {
		fid = n.ioFid
	}
	e := begin(tx[:], tgetattr, theTag)
	e.u32(fid)
	e.u64(getattrBasic)
	d, errno := rpc(int(n.share), e.finish(0), tgetattr)
	if errno != 0 {
		return Attr{}, errno
	}
	st := d.getattr()
	if !d.ok {
		return Attr{}, eIO
	}
	n.qtype = st.qid.typ
	return Attr{Ino: ino, Mode: st.mode, Nlink: uint32(st.nlink), UID: st.uid, GID: st.gid,
		Size: int64(st.size), Blocks: int64(st.blocks), Atime: st.atime, Mtime: st.mtime, Ctime: st.ctime,
		Rdev: oldDev(st.rdev)}, 0
}

// oldDev folds a Linux dev_t into the 16-bit major<<8|minor form the
// kernel's files carry.
func oldDev(dev uint64) uint32 {
	major := uint32(dev>>8&0xfff | dev>>32&^0xfff)
	minor := uint32(dev&0xff | dev>>12&^0xff)
	return major<<8 | minor&0xff
}

// Lookup finds name in the directory dir.
func Lookup(dir Ino, name []byte) (Ino, int) {
	d := get(dir)
	if d < 0 {
		return 0, eSTALE
	}
	i, e := lookup(d, name)
	if e != 0 {
		return 0, e
	}
	return inoOf(i), 0
}

// Parent is dir's "..", as the host has it (the VFS answers for a
// share's root).
func Parent(dir Ino) Ino {
	p, e := Lookup(dir, dotdot[:])
	if e != 0 {
		return dir
	}
	return p
}

var dotdot = [2]byte{'.', '.'}

// openIO makes sure node i has an I/O fid open for reading, or for
// writing too: a clone of its walked fid, opened (Tlopen).
func openIO(i int, write bool) int {
	n := &nodes[i]
	if n.ioMode == ioReadWrite || n.ioMode == ioRead && !write {
		return 0
	}
	s := int(n.share)
	flags := uint32(oRdwr)
	if n.qtype&qtDir != 0 {
		flags = oRdonly | oDirectory
	}
	fid := newFid(s)
	if _, e := walk(s, n.fid, fid, nil); e != 0 {
		return e
	}
	e := lopen(s, fid, flags)
	if e != 0 && !write && flags == oRdwr {
		e = lopen(s, fid, oRdonly) // a read-only file, or share
		flags = oRdonly
	}
	if e != 0 {
		clunk(s, fid)
		return e
	}
	if n.ioMode != ioClosed {
		clunk(s, n.ioFid)
	}
	n.ioFid, n.ioMode = fid, ioRead
	if flags == oRdwr {
		n.ioMode = ioReadWrite
	}
	return 0
}

func lopen(s int, fid, flags uint32) int {
	e := begin(tx[:], tlopen, theTag)
	e.u32(fid)
	e.u32(flags)
	_, errno := rpc(s, e.finish(0), tlopen)
	return errno
}

// Open counts a descriptor of ino; a regular file's I/O fid is opened now,
// so that the file stays readable and writable after its last name goes.
func Open(ino Ino) {
	i := get(ino)
	if i < 0 {
		return
	}
	nodes[i].opens++
	if nodes[i].qtype&(qtDir|qtSymlnk) == 0 {
		openIO(i, false) // read-write when the host lets it, else read-only
	}
}

// Close counts a descriptor gone; with the last, the I/O fid is clunked
// (the host closes its file).
func Close(ino Ino) {
	i := get(ino)
	if i < 0 || nodes[i].opens == 0 {
		return
	}
	n := &nodes[i]
	if n.opens--; n.opens == 0 && n.ioMode != ioClosed {
		clunk(int(n.share), n.ioFid)
		n.ioMode = ioClosed
	}
}

// ReadAt reads the file at off (a symbolic link: its target).
func ReadAt(ino Ino, dst []byte, off int64) (int, int) {
	i := get(ino)
	if i < 0 {
		return 0, eSTALE
	}
	n := &nodes[i]
	s := int(n.share)
	if n.qtype&qtSymlnk != 0 {
		e := begin(tx[:], treadlink, theTag)
		e.u32(n.fid)
		d, errno := rpc(s, e.finish(0), treadlink)
		if errno != 0 {
			return 0, errno
		}
		t := d.str()
		if off >= int64(len(t)) {
			return 0, 0
		}
		return copy(dst, t[off:]), 0
	}
	if n.qtype&qtDir != 0 {
		return 0, eISDIR
	}
	if errno := openIO(i, false); errno != 0 {
		return 0, errno
	}
	done := 0
	for done < len(dst) {
		k := min(len(dst)-done, shares[s].iounit)
		e := begin(tx[:], tread, theTag)
		e.u32(n.ioFid)
		e.u64(uint64(off) + uint64(done))
		e.u32(uint32(k))
		got, errno := call(shares[s].dev, e.finish(0), nil, rx[:hdrSize+4], dst[done:done+k])
		if errno != 0 {
			return done, errno
		}
		d, errno := reply(rx[:], min(got, hdrSize+4), tread)
		if errno != 0 {
			return done, errno
		}
		c := int(d.u32())
		if c > k || c > got-hdrSize-4 {
			return done, eIO
		}
		done += c
		if c < k {
			break // the end of the file
		}
	}
	return done, 0
}

// WriteAt writes src to the file at off.
func WriteAt(ino Ino, src []byte, off int64) (int, int) {
	i := get(ino)
	if i < 0 {
		return 0, eSTALE
	}
	if nodes[i].qtype&qtDir != 0 {
		return 0, eISDIR
	}
	if errno := openIO(i, true); errno != 0 {
		return 0, errno
	}
	n := &nodes[i]
	s := int(n.share)
	done := 0
	for done < len(src) {
		k := min(len(src)-done, shares[s].iounit)
		e := begin(tx[:], twrite, theTag)
		e.u32(n.ioFid)
		e.u64(uint64(off) + uint64(done))
		e.u32(uint32(k))
		got, errno := call(shares[s].dev, e.finish(k), src[done:done+k], rx[:], nil)
		if errno != 0 {
			return done, errno
		}
		d, errno := reply(rx[:], got, twrite)
		if errno != 0 {
			return done, errno
		}
		c := int(d.u32())
		if !d.ok || c == 0 || c > k {
			return done, eIO
		}
		done += c
	}
	return done, 0
}

// setattr sets what valid says of ino (through its open fid when it has
// one).
func setattr(ino Ino, valid, mode, uid, gid uint32, size uint64, atime, mtime int64) int {
	i := get(ino)
	if i < 0 {
		return eSTALE
	}
	n := &nodes[i]
	fid := n.fid
	if n.ioMode != ioClosed {
		fid = n.ioFid
	}
	e := begin(tx[:], tsetattr, theTag)
	e.u32(fid)
	e.u32(valid)
	e.u32(mode)
	e.u32(uid)
	e.u32(gid)
	e.u64(size)
	e.u64(uint64(atime / 1e9))
	e.u64(uint64(atime % 1e9))
	e.u64(uint64(mtime / 1e9))
	e.u64(uint64(mtime % 1e9))
	_, errno := rpc(int(n.share), e.finish(0), tsetattr)
	return errno
}

// Truncate sets the file's size.
func Truncate(ino Ino, size int64) int {
	if size < 0 {
		return eINVAL
	}
	return setattr(ino, setSize, 0, 0, 0, uint64(size), 0, 0)
}

// Chmod sets the permission bits.
func Chmod(ino Ino, perm uint32) int {
	return setattr(ino, setMode|setCtime, perm&0o7777, 0, 0, 0, 0, 0)
}

// Chown sets the owner; ^0 leaves an ID as it is.
func Chown(ino Ino, uid, gid uint32) int {
	valid := uint32(setCtime)
	if uid != ^uint32(0) {
		valid |= setUID
	}
	if gid != ^uint32(0) {
		valid |= setGID
	}
	return setattr(ino, valid, 0, uid, gid, 0, 0, 0)
}

// SetTimes sets the access and modification times in nanoseconds
// (negative: leave as is).
func SetTimes(ino Ino, atime, mtime int64) int {
	valid := uint32(setCtime)
	if atime >= 0 {
		valid |= setAtime | setAtimeSet
	} else {
		atime = 0
	}
	if mtime >= 0 {
		valid |= setMtime | setMtimeSet
	} else {
		mtime = 0
	}
	return setattr(ino, valid, 0, 0, 0, 0, atime, mtime)
}

// readdir lists directory node i from the cookie off: fn sees each
// entry's qid, type, name and the cookie after it, and returns false to
// stop.
func readdir(i int, off int64, fn func(q qid, typ uint8, name []byte, next int64) bool) int {
	if errno := openIO(i, false); errno != 0 {
		return errno
	}
	n := &nodes[i]
	s := int(n.share)
	for {
		e := begin(tx[:], treaddir, theTag)
		e.u32(n.ioFid)
		e.u64(uint64(off))
		e.u32(uint32(len(rx) - hdrSize - 4))
		d, errno := rpc(s, e.finish(0), treaddir)
		if errno != 0 {
			return errno
		}
		count := int(d.u32())
		data := d.take(count)
		if !d.ok {
			return eIO
		}
		if count == 0 {
			return 0
		}
		// rx is reused by the next message: fn must not send one.
		entries := dec{b: data, ok: true}
		var ent dirent
		for entries.next(&ent) {
			if !fn(ent.qid, ent.typ, entries.b[ent.nameAt:ent.nameAt+ent.nLen], ent.off) {
				return 0
			}
			off = ent.off
		}
	}
}

// ReadDir lists dir from the cookie off, as memfs.ReadDir does.
func ReadDir(dir Ino, off int64, fn func(ino Ino, typ uint8, name []byte, next int64) bool) int {
	i := get(dir)
	if i < 0 {
		return eSTALE
	}
	s := int(nodes[i].share)
	return readdir(i, off, func(q qid, typ uint8, name []byte, next int64) bool {
		return fn(direntIno(s, q.path), typ, name, next)
	})
}

// NameOf finds ino's name in dir (for getcwd).
func NameOf(dir, ino Ino, buf []byte) (int, bool) {
	d, i := get(dir), get(ino)
	if d < 0 || i < 0 {
		return 0, false
	}
	want := nodes[i].qpath
	n, found := 0, false
	readdir(d, 0, func(q qid, typ uint8, name []byte, next int64) bool {
		if q.path != want || string(name) == "." || string(name) == ".." {
			return true
		}
		n, found = copy(buf, name), true
		return false
	})
	return n, found
}

// dirFid is the walked fid of the directory ino, or an errno.
func dirFid(ino Ino) (int, uint32, int) {
	i := get(ino)
	if i < 0 {
		return 0, 0, eSTALE
	}
	return int(nodes[i].share), nodes[i].fid, 0
}

// Create makes a file of mode's type (regular, FIFO, socket, device) in
// dir. Directories are Mkdir's, links Symlink's.
func Create(dir Ino, name []byte, mode, rdev uint32) (Ino, int) {
	switch mode & memfs.TypeMask {
	case memfs.TypeDir:
		return Mkdir(dir, name, mode)
	case memfs.TypeSymlink:
		return 0, eINVAL
	}
	s, fid, errno := dirFid(dir)
	if errno != 0 {
		return 0, errno
	}
	e := begin(tx[:], tmknod, theTag)
	e.u32(fid)
	e.str(name)
	e.u32(mode)
	e.u32(rdev >> 8)
	e.u32(rdev & 0xff)
	e.u32(0) // gid
	if _, errno := rpc(s, e.finish(0), tmknod); errno != 0 {
		return 0, errno
	}
	return Lookup(dir, name)
}

// Mkdir makes the directory name in dir.
func Mkdir(dir Ino, name []byte, perm uint32) (Ino, int) {
	s, fid, errno := dirFid(dir)
	if errno != 0 {
		return 0, errno
	}
	e := begin(tx[:], tmkdir, theTag)
	e.u32(fid)
	e.str(name)
	e.u32(perm & 0o7777)
	e.u32(0)
	if _, errno := rpc(s, e.finish(0), tmkdir); errno != 0 {
		return 0, errno
	}
	return Lookup(dir, name)
}

// Symlink makes the symbolic link name in dir, pointing at target.
func Symlink(dir Ino, name, target []byte) int {
	s, fid, errno := dirFid(dir)
	if errno != 0 {
		return errno
	}
	e := begin(tx[:], tsymlink, theTag)
	e.u32(fid)
	e.str(name)
	e.str(target)
	e.u32(0)
	_, errno = rpc(s, e.finish(0), tsymlink)
	return errno
}

// Link gives the file ino the name name in dir too.
func Link(dir Ino, name []byte, ino Ino) int {
	s, fid, errno := dirFid(dir)
	if errno != 0 {
		return errno
	}
	i := get(ino)
	if i < 0 {
		return eSTALE
	}
	e := begin(tx[:], tlink, theTag)
	e.u32(fid)
	e.u32(nodes[i].fid)
	e.str(name)
	_, errno = rpc(s, e.finish(0), tlink)
	return errno
}

// unlinkat removes name from dir (flags: atRemovDir for a directory).
func unlinkat(dir Ino, name []byte, flags uint32) int {
	s, fid, errno := dirFid(dir)
	if errno != 0 {
		return errno
	}
	e := begin(tx[:], tunlinkat, theTag)
	e.u32(fid)
	e.str(name)
	e.u32(flags)
	_, errno = rpc(s, e.finish(0), tunlinkat)
	return errno
}

// Unlink removes the name of a file that is not a directory (the host
// answers EISDIR for one).
func Unlink(dir Ino, name []byte) int { return unlinkat(dir, name, 0) }

// Rmdir removes an empty directory.
func Rmdir(dir Ino, name []byte) int { return unlinkat(dir, name, atRemovDir) }

// Rename moves oldName in oldDir to newName in newDir (replacing what is
// there, unless noReplace).
func Rename(oldDir Ino, oldName []byte, newDir Ino, newName []byte, noReplace bool) int {
	s, ofid, errno := dirFid(oldDir)
	if errno != 0 {
		return errno
	}
	_, nfid, errno := dirFid(newDir)
	if errno != 0 {
		return errno
	}
	if noReplace {
		if _, errno := Lookup(newDir, newName); errno == 0 {
			return eEXIST
		}
	}
	e := begin(tx[:], trenameat, theTag)
	e.u32(ofid)
	e.str(oldName)
	e.u32(nfid)
	e.str(newName)
	_, errno = rpc(s, e.finish(0), trenameat)
	return errno
}

// Sync makes the file's data durable on the host's disk (fsync there).
func Sync(ino Ino) int {
	i := get(ino)
	if i < 0 {
		return eSTALE
	}
	if errno := openIO(i, false); errno != 0 {
		return errno
	}
	e := begin(tx[:], tfsync, theTag)
	e.u32(nodes[i].ioFid)
	e.u32(0) // data and metadata
	_, errno := rpc(int(nodes[i].share), e.finish(0), tfsync)
	return errno
}

// FSInfo is what statfs reports of a share: the host file system's.
type FSInfo struct {
	BlockSize           int64
	Blocks, Free, Avail uint64
	Files, FreeFiles    uint64
	Fsid                [2]uint32
}

// Statfs describes the host file system holding ino.
func Statfs(ino Ino) (FSInfo, int) {
	i := get(ino)
	if i < 0 {
		return FSInfo{}, eSTALE
	}
	e := begin(tx[:], tstatfs, theTag)
	e.u32(nodes[i].fid)
	d, errno := rpc(int(nodes[i].share), e.finish(0), tstatfs)
	if errno != 0 {
		return FSInfo{}, errno
	}
	st := d.statfs()
	if !d.ok {
		return FSInfo{}, eIO
	}
	return FSInfo{BlockSize: int64(st.bsize), Blocks: st.blocks, Free: st.bfree, Avail: st.bavail,
		Files: st.files, FreeFiles: st.ffree, Fsid: [2]uint32{uint32(st.fsid), uint32(st.fsid >> 32)}}, 0
}
