// Package syscalls is the Linux system-call table of the unikernel: the seam
// between the unmodified Go runtime and the kernel. Each call is decoded
// from the thread's saved registers and handed to the subsystem that owns
// it; anything not listed returns -ENOSYS. Trap path: no allocation.
package syscalls

import (
	"unigo.dev/unigo/kernel/threads"
)

// Linux x86-64 system-call numbers implemented here.
const (
	sysRead             = 0
	sysWrite            = 1
	sysClose            = 3
	sysFstat            = 5
	sysMmap             = 9
	sysMprotect         = 10
	sysMunmap           = 11
	sysBrk              = 12
	sysRtSigaction      = 13
	sysRtSigprocmask    = 14
	sysRtSigreturn      = 15
	sysIoctl            = 16
	sysWritev           = 20
	sysSchedYield       = 24
	sysMadvise          = 28
	sysNanosleep        = 35
	sysGetpid           = 39
	sysClone            = 56
	sysFork             = 57
	sysVfork            = 58
	sysExecve           = 59
	sysExit             = 60
	sysKill             = 62
	sysUname            = 63
	sysFcntl            = 72
	sysGettimeofday     = 96
	sysGetrlimit        = 97
	sysGetuid           = 102
	sysGetgid           = 104
	sysSetuid           = 105
	sysGeteuid          = 107
	sysGetegid          = 108
	sysGetppid          = 110
	sysSigaltstack      = 131
	sysArchPrctl        = 158
	sysSetrlimit        = 160
	sysGettid           = 186
	sysTkill            = 200
	sysTime             = 201
	sysFutex            = 202
	sysSchedGetaffinity = 204
	sysClockGettime     = 228
	sysClockGetres      = 229
	sysClockNanosleep   = 230
	sysExitGroup        = 231
	sysTgkill           = 234
	sysOpenat           = 257
	sysPrlimit64        = 302
	sysGetrandom        = 318
	sysClone3           = 435
)

// Count counts system calls, for debug.boottime.
var Count int

// Trace, when set (the `trace` boot option), prints every call.
var Trace bool

// KernelFault, when set (the `debug.kernelfault` boot option), makes the
// first write fault in kernel mode, to test the crash report.
var KernelFault bool

// Handle runs the system call saved in t's registers.
func Handle(t *threads.Thread) {
	Count++
	f := &t.Frame
	nr := f.RAX
	a := [6]uintptr{uintptr(f.RDI), uintptr(f.RSI), uintptr(f.RDX), uintptr(f.R10), uintptr(f.R8), uintptr(f.R9)}
	if Trace && (nr == sysExit || nr == sysExitGroup) {
		trace(t, nr, &a, exits) // these do not return
	}
	r := dispatch(t, nr, &a)
	if Trace && r != exits {
		trace(t, nr, &a, r)
	}
	switch r {
	case blocked, keepRAX, exits:
	default:
		f.RAX = uint64(r)
	}
}

func dispatch(t *threads.Thread, nr uint64, a *[6]uintptr) int64 {
	switch nr {
	case sysRead:
		return read(int(a[0]), a[1], a[2])
	case sysWrite:
		return write(int(a[0]), a[1], a[2])
	case sysWritev:
		return writev(int(a[0]), a[1], int(a[2]))
	case sysClose:
		return closeFD(int(a[0]))
	case sysFstat:
		return fstat(int(a[0]), a[1])
	case sysIoctl:
		return ioctl(int(a[0]), uint64(a[1]))
	case sysFcntl:
		return fcntl(int(a[0]), int(a[1]), a[2])
	case sysOpenat:
		return -ENOENT // the file system comes with the files issue
	case sysMmap:
		return mmap(a)
	case sysMunmap:
		return munmap(a[0], a[1])
	case sysMprotect:
		return mprotect(a[0], a[1], uint32(a[2]))
	case sysMadvise:
		return madvise(a[0], a[1], int(a[2]))
	case sysBrk:
		return -ENOMEM
	case sysRtSigaction:
		return rtSigaction(int(a[0]), a[1], a[2], a[3])
	case sysRtSigprocmask:
		return rtSigprocmask(t, int(a[0]), a[1], a[2], a[3])
	case sysRtSigreturn:
		return rtSigreturn(t)
	case sysSigaltstack:
		return sigaltstack(t, a[0], a[1])
	case sysKill:
		return kill(int(int32(a[0])), int(a[1]))
	case sysTkill:
		return tgkill(t, threads.PID, int32(a[0]), int(a[1]))
	case sysTgkill:
		return tgkill(t, int32(a[0]), int32(a[1]), int(a[2]))
	case sysSchedYield:
		threads.Yield()
		return 0
	case sysNanosleep:
		return nanosleep(t, a[0])
	case sysClockNanosleep:
		return clockNanosleep(t, int(a[0]), int(a[1]), a[2])
	case sysClockGettime:
		return clockGettime(int(a[0]), a[1])
	case sysClockGetres:
		return clockGetres(a[1])
	case sysGettimeofday:
		return gettimeofday(a[0])
	case sysTime:
		return timeSeconds(a[0])
	case sysFutex:
		return futex(t, a)
	case sysClone:
		return clone(t, uint64(a[0]), a[1], a[2], a[3], a[4])
	case sysClone3, sysFork, sysVfork, sysExecve:
		return -ENOSYS // one program per unikernel: by design
	case sysExit:
		return exitThread(t, int(a[0]))
	case sysExitGroup:
		return exitGroup(int(a[0]))
	case sysGettid:
		return int64(t.TID)
	case sysGetpid:
		return threads.PID
	case sysGetppid:
		return 0
	case sysGetuid, sysGeteuid, sysGetgid, sysGetegid:
		return 0
	case sysSetuid:
		return 0
	case sysSchedGetaffinity:
		return schedGetaffinity(a[1], a[2])
	case sysArchPrctl:
		return archPrctl(t, int(a[0]), a[1])
	case sysUname:
		return uname(a[0])
	case sysGetrlimit:
		return prlimit(int(a[0]), 0, a[1])
	case sysSetrlimit:
		return 0
	case sysPrlimit64:
		return prlimit(int(a[1]), a[2], a[3])
	case sysEpollCreate1:
		return epollCreate(int(a[0]))
	case sysEpollCreate:
		return epollCreate(0)
	case sysEpollCtl:
		return epollCtl(int(a[0]), int(a[1]), int(a[2]), a[3])
	case sysEpollWait, sysEpollPwait:
		return epollWait(t, int(a[0]), a[1], int(int32(a[2])), int(int32(a[3])))
	case sysEventfd2:
		return eventfd(uint32(a[0]), int(a[1]))
	case sysEventfd:
		return eventfd(uint32(a[0]), 0)
	case sysGetrandom:
		return getrandom(a[0], a[1])
	}
	return -ENOSYS
}

// The netpoller's calls.
const (
	sysEpollCreate  = 213
	sysEpollWait    = 232
	sysEpollCtl     = 233
	sysEpollPwait   = 281
	sysEventfd      = 284
	sysEventfd2     = 290
	sysEpollCreate1 = 291
)
