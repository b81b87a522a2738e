package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

// The image's root file system is a newc cpio archive: loaded with the
// image (Unpack copies it into the tree) or left in the image file, which
// the VM has as a read-only disk (UnpackDisk, rootdisk.go).

// headerSize is a newc header's size; the name follows it.
const headerSize = 110

// member is what a newc header says of one archive member.
type member struct {
	mode      uint32
	mtime     int64 // Unix nanoseconds
	size      int64 // of the data
	dataStart int   // from the header's start: after the name, 4-aligned
}

// parseMember decodes the header at the start of h (headerSize bytes).
func parseMember(h []byte) (member, bool) {
	if string(h[:6]) != "070701" {
		return member{}, false
	}
	field := func(i int) (uint32, bool) {
		var v uint32
		for _, c := range h[6+8*i : 14+8*i] {
			d, ok := hexDigit(c)
			if !ok {
				return 0, false
			}
			v = v<<4 | uint32(d)
		}
		return v, true
	}
	mode, ok1 := field(1)
	mtime, ok2 := field(5)
	size, ok3 := field(6)
	nameSize, ok4 := field(11)
	if !ok1 || !ok2 || !ok3 || !ok4 || nameSize == 0 || nameSize > PathMax {
		return member{}, false
	}
	return member{mode, int64(mtime) * 1e9, int64(size), (headerSize + int(nameSize) + 3) &^ 3}, true
}

// nameOf is the member's name in h, which holds its header and name.
func nameOf(h []byte, m member) []byte {
	end := headerSize
	for end < len(h) && end < m.dataStart && h[end] != 0 {
		end++
	}
	return h[headerSize:end]
}

const trailer = "TRAILER!!!"

// Unpack copies a newc cpio archive (the image's root file system) into the
// tree under root. It returns false on a malformed archive. release, when
// not nil, is told how many bytes of the archive's start are copied and no
// longer needed, as the copy goes (memory.ReleaseRootfsPrefix).
func Unpack(a []byte, release func(n uintptr)) bool {
	total := len(a)
	for len(a) >= headerSize {
		m, ok := parseMember(a)
		if !ok || int64(m.dataStart)+m.size > int64(len(a)) {
			return false
		}
		name := nameOf(a, m)
		if string(name) == trailer {
			return true
		}
		data := a[m.dataStart : m.dataStart+int(m.size)]
		ino, fresh, ok := place(name, m)
		if !ok {
			return false
		}
		for off := 0; fresh && off < len(data); off += unpackChunk {
			end := min(off+unpackChunk, len(data))
			if _, e := memfs.WriteAt(ino, data[off:end], int64(off), m.mtime); e != 0 {
				return false
			}
			if release != nil {
				release(uintptr(total - len(a) + m.dataStart + end))
			}
		}
		if fresh {
			memfs.SetTimes(ino, m.mtime, m.mtime, m.mtime)
		}
		a = a[(m.dataStart+int(m.size)+3)&^3:]
	}
	return len(a) == 0
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// unpackChunk is how much of a file Unpack copies before it lets the
// archive's pages behind it go.
const unpackChunk = 64 << 10

// place makes the archive member at path, with any missing parent
// directories, and returns its inode; fresh is false when the archive
// named the path before (the first wins), so its data is not written.
func place(path []byte, m member) (ino Ino, fresh, ok bool) {
	for len(path) > 0 && (path[0] == '/' || path[0] == '.' && len(path) > 1 && path[1] == '/') {
		path = path[1:]
	}
	if len(path) == 0 || string(path) == "." {
		return state.root, false, true
	}
	dir := state.root
	for {
		i := 0
		for i < len(path) && path[i] != '/' {
			i++
		}
		name := path[:i]
		ino, e := memfs.Lookup(dir, name)
		if i == len(path) {
			if e == 0 {
				return ino, false, true
			}
			if m.mode&memfs.TypeMask == memfs.TypeDir {
				ino, e = memfs.Mkdir(dir, name, m.mode&0o7777, m.mtime)
			} else {
				ino, e = memfs.Create(dir, name, m.mode, m.mtime)
			}
			return ino, true, e == 0
		}
		if e == memfs.ENOENT {
			ino, e = memfs.Mkdir(dir, name, 0o755, m.mtime)
		}
		if e != 0 {
			return 0, false, false
		}
		dir, path = ino, path[i+1:]
	}
}
