package syscalls

import (
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
	"unigo.dev/unigo/kernel/vfs"
)

// mmap maps anonymous memory or a file (memory.Mmap). A file stays open
// while it is mapped; a mapping replaced by MAP_FIXED may have been a
// file's last, which then settles (vfs.ReleaseUnmapped).
func mmap(a *[6]uintptr) int64 {
	addr, length, prot, flags, off := a[0], a[1], uint32(a[2]), uint32(a[3]), int64(a[5])
	var ino vfs.Ino
	if flags&memory.MapAnonymous == 0 {
		var e int64
		if ino, e = filecalls.MappableFile(int(int32(a[4])), prot, flags); e != 0 {
			return e
		}
		if ino != 0 && !vfs.HoldMapped(ino) {
			return -abi.ENFILE
		}
	}
	r := memory.Mmap(addr, length, prot, flags, uint32(ino), off)
	vfs.ReleaseUnmapped()
	return r
}

func munmap(addr, n uintptr) int64 {
	r := memory.Munmap(addr, n)
	vfs.ReleaseUnmapped()
	return r
}

func mprotect(addr, n uintptr, prot uint32) int64 { return memory.Mprotect(addr, n, prot) }

func madvise(addr, n uintptr, advice int) int64 { return memory.Madvise(addr, n, advice) }

// msync flags.
const (
	msAsync      = 1
	msInvalidate = 2
	msSync       = 4
)

// msync writes back the files mapped shared in [addr, addr+n): each such
// file whole (what was written through any of its mappings), made durable
// with MS_SYNC. The range must be mapped (ENOMEM otherwise, as Linux).
func msync(addr, n uintptr, flags int) int64 {
	if addr&(memory.PageSize-1) != 0 || flags&^(msAsync|msInvalidate|msSync) != 0 || flags&msAsync != 0 && flags&msSync != 0 {
		return -abi.EINVAL
	}
	end := addr + (n+memory.PageSize-1)&^(memory.PageSize-1)
	var e int
	covered, hole := addr, false
	memory.EachRegion(func(start, stop uintptr, _ uint32, shared bool, ino uint32, _ int64) {
		if stop <= addr || start >= end {
			return
		}
		hole = hole || start > covered
		covered = max(covered, stop)
		if !shared || e != 0 {
			return
		}
		if e = vfs.WriteBackMapped(vfs.Ino(ino)); e == 0 && flags&msSync != 0 {
			e = vfs.Sync(vfs.Ino(ino))
		}
	})
	switch {
	case e != 0:
		return abi.Errno(e)
	case hole || covered < end:
		return -abi.ENOMEM
	}
	return 0
}
