// Package syscalls is the Linux system-call table of the unikernel: the seam
// between the unmodified Go runtime and the kernel. Each call is decoded
// from the thread's saved registers and handed to the subsystem that owns
// it; anything not listed returns -ENOSYS. Trap path: no allocation.
package syscalls

import (
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
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
	sysSplice           = 275
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
	if Sockets.Events != nil {
		Sockets.Events()
	}
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
	if Sockets.Dispatch != nil {
		if r, ok := Sockets.Dispatch(t, nr, *a); ok {
			return r
		}
	}
	switch nr {
	case sysRead:
		return read(t, int(a[0]), a[1], a[2])
	case sysWrite:
		return write(t, int(a[0]), a[1], a[2])
	case sysWritev:
		return vectorIO(t, int(a[0]), a[1], int(a[2]), true)
	case sysClose:
		return closeFD(int(a[0]))
	case sysFstat:
		return fstat(int(a[0]), a[1])
	case sysIoctl:
		return ioctl(int(a[0]), uint64(a[1]))
	case sysFcntl:
		return fcntl(int(a[0]), int(a[1]), a[2])
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
	case sysSplice:
		// No splice: EINVAL is what Linux answers for descriptors it cannot
		// splice, and on it Go's io.Copy between sockets falls back to read
		// and write. ENOSYS would fail the copy instead (internal/poll).
		return -EINVAL
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
	case sysWait4, sysWaitid:
		return waitChild()
	case sysGetgroups:
		return 0 // no supplementary groups
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
	if r, ok := dispatchFS(t, nr, a); ok {
		return r
	}
	if r, ok := dispatchPrivate(t, nr, a); ok {
		return r
	}
	return -ENOSYS
}

// Identity calls beyond the basic ones, and waiting for children.
const (
	sysGetgroups = 115
	sysWait4     = 61
	sysWaitid    = 247
)

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

// The file-system calls.
const (
	sysOpen       = 2
	sysStat       = 4
	sysLstat      = 6
	sysLseek      = 8
	sysPread64    = 17
	sysPwrite64   = 18
	sysReadv      = 19
	sysAccess     = 21
	sysDup        = 32
	sysDup2       = 33
	sysFsync      = 74
	sysFdatasync  = 75
	sysTruncate   = 76
	sysFtruncate  = 77
	sysGetcwd     = 79
	sysChdir      = 80
	sysFchdir     = 81
	sysRename     = 82
	sysMkdir      = 83
	sysRmdir      = 84
	sysLink       = 86
	sysUnlink     = 87
	sysSymlink    = 88
	sysReadlink   = 89
	sysChmod      = 90
	sysFchmod     = 91
	sysChown      = 92
	sysFchown     = 93
	sysLchown     = 94
	sysUmask      = 95
	sysGetdents64 = 217
	sysMkdirat    = 258
	sysFchownat   = 260
	sysNewfstatat = 262
	sysUnlinkat   = 263
	sysRenameat   = 264
	sysLinkat     = 265
	sysSymlinkat  = 266
	sysReadlinkat = 267
	sysFchmodat   = 268
	sysFaccessat  = 269
	sysUtimensat  = 280
	sysDup3       = 292
	sysRenameat2  = 316
	sysStatx      = 332
	sysFaccessat2 = 439
	sysFchmodat2  = 452
	sysPipe       = 22
	sysPipe2      = 293
	sysMknod      = 133
	sysMknodat    = 259
	sysGetrusage  = 98
	sysSysinfo    = 99
	sysTimes      = 100
)

// dispatchFS runs the file-system calls; ok is false for other numbers.
func dispatchFS(t *threads.Thread, nr uint64, a *[6]uintptr) (r int64, ok bool) {
	i := func(k int) int { return int(int32(a[k])) }
	switch nr {
	case sysOpenat:
		return openat(t, i(0), a[1], int(a[2]), uint32(a[3])), true
	case sysOpen:
		return openat(t, atFDCWD, a[0], int(a[1]), uint32(a[2])), true
	case sysPread64:
		return pread(i(0), a[1], a[2], int64(a[3]), false), true
	case sysPwrite64:
		return pread(i(0), a[1], a[2], int64(a[3]), true), true
	case sysReadv:
		return vectorIO(t, i(0), a[1], int(a[2]), false), true
	case sysLseek:
		return lseek(i(0), int64(a[1]), int(a[2])), true
	case sysStat:
		return newfstatat(atFDCWD, a[0], a[1], 0), true
	case sysLstat:
		return newfstatat(atFDCWD, a[0], a[1], atSymlinkNofollow), true
	case sysNewfstatat:
		return newfstatat(i(0), a[1], a[2], int(a[3])), true
	case sysStatx:
		return statx(i(0), a[1], int(a[2]), a[4]), true
	case sysGetdents64:
		return getdents64(i(0), a[1], a[2]), true
	case sysMkdirat:
		return mkdirat(i(0), a[1], uint32(a[2])), true
	case sysMkdir:
		return mkdirat(atFDCWD, a[0], uint32(a[1])), true
	case sysUnlinkat:
		return unlinkat(i(0), a[1], int(a[2])), true
	case sysUnlink:
		return unlinkat(atFDCWD, a[0], 0), true
	case sysRmdir:
		return unlinkat(atFDCWD, a[0], atRemoveDir), true
	case sysRenameat2:
		return renameat2(i(0), a[1], i(2), a[3], int(a[4])), true
	case sysRenameat:
		return renameat2(i(0), a[1], i(2), a[3], 0), true
	case sysRename:
		return renameat2(atFDCWD, a[0], atFDCWD, a[1], 0), true
	case sysLinkat:
		return linkat(i(0), a[1], i(2), a[3], int(a[4])), true
	case sysLink:
		return linkat(atFDCWD, a[0], atFDCWD, a[1], 0), true
	case sysSymlinkat:
		return symlinkat(a[0], i(1), a[2]), true
	case sysSymlink:
		return symlinkat(a[0], atFDCWD, a[1]), true
	case sysReadlinkat:
		return readlinkat(i(0), a[1], a[2], a[3]), true
	case sysReadlink:
		return readlinkat(atFDCWD, a[0], a[1], a[2]), true
	case sysFchmodat:
		return fchmodat(i(0), a[1], uint32(a[2]), 0), true
	case sysFchmodat2:
		return fchmodat(i(0), a[1], uint32(a[2]), int(a[3])), true
	case sysChmod:
		return fchmodat(atFDCWD, a[0], uint32(a[1]), 0), true
	case sysFchmod:
		return fchmod(i(0), uint32(a[1])), true
	case sysFchownat:
		return fchownat(i(0), a[1], uint32(a[2]), uint32(a[3]), int(a[4])), true
	case sysChown:
		return fchownat(atFDCWD, a[0], uint32(a[1]), uint32(a[2]), 0), true
	case sysLchown:
		return fchownat(atFDCWD, a[0], uint32(a[1]), uint32(a[2]), atSymlinkNofollow), true
	case sysFchown:
		return fchown(i(0), uint32(a[1]), uint32(a[2])), true
	case sysUtimensat:
		return utimensat(i(0), a[1], a[2], int(a[3])), true
	case sysFaccessat, sysFaccessat2:
		return faccessat(i(0), a[1], int(a[2]), int(a[3])), true
	case sysAccess:
		return faccessat(atFDCWD, a[0], int(a[1]), 0), true
	case sysTruncate:
		return truncatePath(a[0], int64(a[1])), true
	case sysFtruncate:
		return ftruncate(i(0), int64(a[1])), true
	case sysFsync, sysFdatasync:
		return fsync(i(0)), true
	case sysDup:
		return dup(i(0), 0, 0, false), true
	case sysDup2:
		return dup(i(0), i(1), 0, true), true
	case sysDup3:
		if i(0) == i(1) {
			return -EINVAL, true
		}
		return dup(i(0), i(1), int(a[2]), true), true
	case sysGetcwd:
		return getcwd(a[0], a[1]), true
	case sysChdir:
		return chdir(a[0]), true
	case sysFchdir:
		return fchdir(i(0)), true
	case sysPipe2:
		return pipe2(a[0], int(a[1])), true
	case sysPipe:
		return pipe2(a[0], 0), true
	case sysMknodat:
		return mknodat(i(0), a[1], uint32(a[2])), true
	case sysMknod:
		return mknodat(atFDCWD, a[0], uint32(a[1])), true
	case sysSysinfo:
		return sysinfo(a[0]), true
	case sysTimes:
		return times(a[0]), true
	case sysGetrusage:
		return getrusage(i(0), a[1]), true
	case sysUmask:
		return int64(vfs.Umask(uint32(a[0]))), true
	}
	return 0, false
}
