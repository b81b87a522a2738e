package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// sysinfo reports uptime, memory and the number of threads.
func sysinfo(addr uintptr) int64 {
	b, ok := abi.UserBytes(addr, 112, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	used, total := memory.Usage()
	abi.PutLE64(b[0:], uint64(clock.Nanotime()/1e9))
	abi.PutLE64(b[32:], uint64(total*memory.PageSize))        // totalram
	abi.PutLE64(b[40:], uint64((total-used)*memory.PageSize)) // freeram
	b[80] = byte(threads.Live())
	abi.PutLE32(b[104:], 1) // mem_unit
	return 0
}

// The app is the only process on its CPU: its CPU time is the time since boot.
func times(addr uintptr) int64 {
	ticks := clock.Nanotime() / 1e7 // USER_HZ = 100
	if addr != 0 {
		b, ok := abi.UserBytes(addr, 32, true)
		if !ok {
			return -abi.EFAULT
		}
		clear(b)
		abi.PutLE64(b[0:], uint64(ticks))
	}
	return ticks
}

func getrusage(who int, addr uintptr) int64 {
	if who != 0 && who != -1 && who != 1 { // SELF, CHILDREN, THREAD
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(addr, 144, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	if who != -1 {
		ns := clock.Nanotime()
		abi.PutLE64(b[0:], uint64(ns/1e9))
		abi.PutLE64(b[8:], uint64(ns%1e9/1000))
		used, _ := memory.Usage()
		abi.PutLE64(b[32:], uint64(used*memory.PageSize/1024)) // ru_maxrss in KiB
	}
	return 0
}
