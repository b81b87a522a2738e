package syscalls

import "unigo.dev/unigo/kernel/memory"

func mmap(a *[6]uintptr) int64 {
	return memory.Mmap(a[0], a[1], uint32(a[2]), uint32(a[3]), int64(int32(a[4])))
}

func munmap(addr, n uintptr) int64 { return memory.Munmap(addr, n) }

func mprotect(addr, n uintptr, prot uint32) int64 { return memory.Mprotect(addr, n, prot) }

func madvise(addr, n uintptr, advice int) int64 { return memory.Madvise(addr, n, advice) }
