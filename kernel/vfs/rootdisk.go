package vfs

import (
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/fs/memfs"
)

// A root file system left on the disk (image.PTRootDisk): the VMM gives
// the guest the image file itself as its last disk, read-only, and the
// archive is read from it. Directories, links and small files are made as
// the archive is read; a large file's data stay on the disk, read into its
// pages when used (memfs's backed files), so a program's pages that its
// run never touches never take RAM.

// window holds the part of the archive being read: headers, names and the
// data of small files. In BSS: its pages are taken when first read into.
var window [16 << 10]byte

// lazyMin is the size from which a regular file is left on the disk; a
// smaller one is copied in as the archive is read (its member fits in the
// window with a name of PathMax bytes).
const lazyMin = 8 << 10

// FindRootDisk returns the disk that holds the image: the last one, whose
// first sector must be the image's first (header, the loaded image's first
// bytes: the ELF header and program headers), or -1 when it is not.
func FindRootDisk(header []byte) int {
	i := virtioblk.Count() - 1
	if i < 0 || len(header) < virtioblk.SectorSize {
		return -1
	}
	s := window[:virtioblk.SectorSize]
	if n, e := virtioblk.ReadAt(i, s, 0); e != 0 || n != len(s) || string(s) != string(header[:len(s)]) {
		return -1
	}
	return i
}

// UnpackDisk builds the tree under root from the archive of size bytes at
// off on disk i, and hides the disk from /dev (it is the image, not one of
// the app's volumes). It returns false on a malformed archive or a disk
// that fails.
func UnpackDisk(i int, off, size int64) bool {
	state.rootDisk = i
	memfs.SetBackingDisk(i)
	w := diskWindow{disk: i, base: off, size: size, start: -1}
	pos := int64(0)
	for pos+headerSize <= size {
		h, ok := w.at(pos, headerSize)
		if !ok {
			return false
		}
		m, ok := parseMember(h)
		if !ok || pos+int64(m.dataStart)+m.size > size {
			return false
		}
		lazy := m.mode&memfs.TypeMask == memfs.TypeRegular && m.size >= lazyMin
		span := int64(m.dataStart)
		if !lazy {
			span += m.size
		}
		b, ok := w.at(pos, span)
		if !ok {
			return false
		}
		name := nameOf(b, m)
		if string(name) == trailer {
			return true
		}
		ino, fresh, ok := place(name, m)
		if !ok {
			return false
		}
		if fresh {
			e := 0
			switch {
			case lazy:
				e = memfs.SetBacked(ino, off+pos+int64(m.dataStart), m.size)
			case m.size > 0:
				_, e = memfs.WriteAt(ino, b[m.dataStart:], 0, m.mtime)
			}
			if e != 0 {
				return false
			}
			memfs.SetTimes(ino, m.mtime, m.mtime, m.mtime)
		}
		pos = (pos + int64(m.dataStart) + m.size + 3) &^ 3
	}
	return pos == size
}

// diskWindow reads the archive through window.
type diskWindow struct {
	disk       int
	base, size int64 // the archive's place on the disk
	start      int64 // the archive offset window starts at; -1: nothing read
	n          int   // bytes of window read
}

// at returns the archive's n bytes from pos, reading the window again from
// pos when they are not in it; false past the archive's end or when the
// disk fails.
func (w *diskWindow) at(pos, n int64) ([]byte, bool) {
	if n > int64(len(window)) {
		return nil, false
	}
	if w.start < 0 || pos < w.start || pos+n > w.start+int64(w.n) {
		k := min(int64(len(window)), w.size-pos)
		if k < n {
			return nil, false
		}
		if got, e := virtioblk.ReadAt(w.disk, window[:k], w.base+pos); e != 0 || int64(got) != k {
			return nil, false
		}
		w.start, w.n = pos, int(k)
	}
	return window[pos-w.start : pos-w.start+n], true
}
