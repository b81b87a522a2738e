package vfs

import (
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
)

// /proc/self/maps is a read-only file whose text is written anew from the
// address space each time it is opened (a snapshot, as a reader of the
// Linux file gets one per read).

// ProcMaps is the inode of /proc/self/maps (0 before Init).
func ProcMaps() Ino { return state.procMaps }

// RefreshProcMaps rewrites /proc/self/maps from the current mappings, one
// Linux-format line per region: "start-end perms offset dev inode" (a
// file mapping shows its offset and inode; no path: the kernel keeps none).
func RefreshProcMaps() {
	ino := state.procMaps
	t := now()
	memfs.Truncate(ino, 0, t)
	var off int64
	memory.EachRegion(func(start, end uintptr, prot uint32, shared bool, file uint32, foff int64) {
		var line [96]byte
		n := putHex(line[:], uint64(start))
		line[n] = '-'
		n++
		n += putHex(line[n:], uint64(end))
		line[n] = ' '
		n++
		for i, c := range [3]byte{'r', 'w', 'x'} {
			if prot&(1<<i) == 0 {
				c = '-'
			}
			line[n] = c
			n++
		}
		line[n] = 'p'
		if shared {
			line[n] = 's'
		}
		n++
		line[n] = ' '
		n++
		n += putHex(line[n:], uint64(foff))
		n += copy(line[n:], " 00:00 ")
		n += putDecimal(line[n:], uint64(file))
		line[n] = '\n'
		n++
		w, _ := memfs.WriteAt(ino, line[:n], off, t)
		off += int64(w)
	})
}

// putHex writes v in lower-case hex, at least 8 digits, and returns the length.
func putHex(b []byte, v uint64) int {
	digits := 8
	for v>>(4*digits) != 0 && digits < 16 {
		digits++
	}
	for i := digits - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[v&15]
		v >>= 4
	}
	return digits
}

// putDecimal writes v in decimal and returns the length.
func putDecimal(b []byte, v uint64) int {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			break
		}
	}
	return copy(b, d[i:])
}
