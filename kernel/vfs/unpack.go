package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

// Unpack copies a newc cpio archive (the image's root file system) into the
// tree under root. It returns false on a malformed archive. release, when
// not nil, is told how many bytes of the archive's start are copied and no
// longer needed, as the copy goes (memory.ReleaseRootfsPrefix).
func Unpack(a []byte, release func(n uintptr)) bool {
	total := len(a)
	for len(a) >= 110 {
		if string(a[:6]) != "070701" {
			return false
		}
		field := func(i int) (uint32, bool) {
			var v uint32
			for _, c := range a[6+8*i : 14+8*i] {
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
		if !ok1 || !ok2 || !ok3 || !ok4 || nameSize == 0 {
			return false
		}
		nameEnd := 110 + int(nameSize)
		dataStart := (nameEnd + 3) &^ 3
		dataEnd := dataStart + int(size)
		if dataEnd > len(a) {
			return false
		}
		name := a[110 : nameEnd-1]
		if string(name) == "TRAILER!!!" {
			return true
		}
		if !add(name, mode, int64(mtime)*1e9, a[dataStart:dataEnd], total-len(a)+dataStart, release) {
			return false
		}
		a = a[(dataEnd+3)&^3:]
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

// unpackChunk is how much of a file add copies before it lets the
// archive's pages behind it go.
const unpackChunk = 64 << 10

// add creates one archive entry, with any missing parent directories; its
// data is at offset at of the archive (for release).
func add(path []byte, mode uint32, mtime int64, data []byte, at int, release func(n uintptr)) bool {
	for len(path) > 0 && (path[0] == '/' || path[0] == '.' && len(path) > 1 && path[1] == '/') {
		path = path[1:]
	}
	if len(path) == 0 || string(path) == "." {
		return true
	}
	dir := state.root
	for {
		i := 0
		for i < len(path) && path[i] != '/' {
			i++
		}
		name := path[:i]
		last := i == len(path)
		ino, e := memfs.Lookup(dir, name)
		if last {
			typ := mode & memfs.TypeMask
			if e == 0 {
				return true // already there (an archive may name a path twice): the first wins
			}
			if typ == memfs.TypeDir {
				ino, e = memfs.Mkdir(dir, name, mode&0o7777, mtime)
			} else {
				ino, e = memfs.Create(dir, name, mode, mtime)
				for off := 0; e == 0 && off < len(data); off += unpackChunk {
					end := min(off+unpackChunk, len(data))
					_, e = memfs.WriteAt(ino, data[off:end], int64(off), mtime)
					if release != nil {
						release(uintptr(at + end))
					}
				}
			}
			if e == 0 {
				memfs.SetTimes(ino, mtime, mtime, mtime)
			}
			return e == 0
		}
		if e == memfs.ENOENT {
			ino, e = memfs.Mkdir(dir, name, 0o755, mtime)
		}
		if e != 0 {
			return false
		}
		dir, path = ino, path[i+1:]
	}
}
