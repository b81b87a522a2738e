// Package syscalls is the Linux system-call table of the unikernel: the seam
// between the unmodified Go runtime and the kernel. Each call is decoded
// from the thread's saved registers and handed to the subsystem that owns
// it; anything not listed returns -ENOSYS. This package decodes the calls
// of threads, signals, time, memory and the process itself; those on file
// descriptors and paths are package filecalls', the network's package
// netcalls'; what they all share (numbers, errno values, the app's memory)
// is package abi. Trap path: no allocation.
package syscalls

import (
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
	"unigo.dev/unigo/kernel/syscalls/netcalls"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// execStarted is the wait channel the service process's main thread sleeps
// on once the network stack is up (privcalls.ExecStart); serviceStarting
// that of the program's socket calls waiting for it.
var execStarted, serviceStarting byte

// noNetStack is "1" in the kernel of unmodified executables built without
// the network stack (set by the linker: build.Exec), whose socket calls
// fail with ENOSYS: the first says why on the console, once
// (saidNoNetStack).
var (
	noNetStack     string
	saidNoNetStack bool
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
	if Trace && (nr == abi.SysExit || nr == abi.SysExitGroup) {
		trace(t, nr, &a, abi.Exits) // these do not return
	}
	r := dispatch(t, nr, &a)
	t.Returned()
	if Sockets.Events != nil {
		Sockets.Events()
	}
	if Trace && r != abi.Exits {
		trace(t, nr, &a, r)
	}
	switch r {
	case abi.Blocked, abi.KeepRAX, abi.Exits:
	default:
		f.RAX = uint64(r)
	}
}

func dispatch(t *threads.Thread, nr uint64, a *[6]uintptr) int64 {
	if KernelFault && nr == abi.SysWrite {
		faultOnPurpose()
	}
	if Sockets.Dispatch != nil {
		if r, ok := Sockets.Dispatch(t, nr, *a); ok {
			return r
		}
	}
	switch nr {
	case abi.SysMmap:
		return mmap(a)
	case abi.SysMunmap:
		return munmap(a[0], a[1])
	case abi.SysMprotect:
		return mprotect(a[0], a[1], uint32(a[2]))
	case abi.SysMadvise:
		return madvise(a[0], a[1], int(a[2]))
	case abi.SysMremap:
		r := memory.Mremap(a[0], a[1], a[2], uint32(a[3]), a[4])
		vfs.ReleaseUnmapped()
		return r
	case abi.SysMsync:
		return msync(a[0], a[1], int(a[2]))
	case abi.SysMlock:
		return memory.Populate(a[0], a[1])
	case abi.SysMunlock, abi.SysMlockall, abi.SysMunlockall:
		return 0 // nothing is ever paged out: memory stays resident once touched
	case privcalls.ExecStart:
		if t.Proc != threads.Service {
			return -abi.ENOSYS
		}
		threads.WakeRestartAll(abi.AddrOf(&serviceStarting)) // their socket calls again, now served
		threads.Block(t, abi.AddrOf(&execStarted), 0, 0)     // woken by nothing but a signal
		return abi.Blocked
	case abi.SysSocket, abi.SysSocketpair:
		// Only reached while the socket layer is not plugged in (Sockets):
		// in the kernel of an unmodified executable that carries the
		// network stack, the first socket call starts it (startService).
		if threads.HeldIn(threads.Service) {
			threads.Release()
		}
		if threads.LiveIn(threads.Service) > 0 {
			threads.BlockRestartQuiet(t, abi.AddrOf(&serviceStarting))
			return abi.Blocked
		}
		if noNetStack != "" && !saidNoNetStack {
			saidNoNetStack = true
			klog.Line("socket: ENOSYS: this image's kernel has no network stack (unigo build found no socket call the program can reach): rebuild the image with --net-stack")
		}
		return -abi.ENOSYS
	case abi.SysBrk:
		if r := memory.Brk(a[0]); r != 0 {
			return int64(r)
		}
		return -abi.ENOMEM // a Go app has no break
	case abi.SysRtSigaction:
		return rtSigaction(t, int(a[0]), a[1], a[2], a[3])
	case abi.SysRtSigprocmask:
		return rtSigprocmask(t, int(a[0]), a[1], a[2], a[3])
	case abi.SysPause:
		return pause(t)
	case abi.SysRtSigsuspend:
		return rtSigsuspend(t, a[0], a[1])
	case abi.SysRtSigtimedwait:
		return rtSigtimedwait(t, a[0], a[1], a[2], a[3])
	case abi.SysRtSigreturn:
		return rtSigreturn(t)
	case abi.SysSigaltstack:
		return sigaltstack(t, a[0], a[1])
	case abi.SysKill:
		return kill(int(int32(a[0])), int(a[1]))
	case abi.SysTkill:
		return tgkill(t, threads.PID, int32(a[0]), int(a[1]))
	case abi.SysTgkill:
		return tgkill(t, int32(a[0]), int32(a[1]), int(a[2]))
	case abi.SysSchedYield:
		threads.Yield()
		return 0
	case abi.SysNanosleep:
		return nanosleep(t, a[0])
	case abi.SysClockNanosleep:
		return clockNanosleep(t, int(a[0]), int(a[1]), a[2])
	case abi.SysClockGettime:
		return clockGettime(int(a[0]), a[1])
	case abi.SysClockGetres:
		return clockGetres(a[1])
	case abi.SysGettimeofday:
		return gettimeofday(a[0])
	case abi.SysTime:
		return timeSeconds(a[0])
	case abi.SysFutex:
		return futex(t, a)
	case abi.SysClone:
		return clone(t, uint64(a[0]), a[1], a[2], a[3], a[4])
	case abi.SysClone3, abi.SysFork, abi.SysVfork, abi.SysExecve:
		return -abi.ENOSYS // one program per unikernel: by design
	case abi.SysSplice:
		// No splice: EINVAL is what Linux answers for descriptors it cannot
		// splice, and on it Go's io.Copy between sockets falls back to read
		// and write. ENOSYS would fail the copy instead (internal/poll).
		return -abi.EINVAL
	case abi.SysExit:
		return exitThread(t, int(a[0]))
	case abi.SysExitGroup:
		return exitGroup(t, int(a[0]))
	case abi.SysGettid:
		return int64(t.TID)
	case abi.SysSetTidAddress:
		// A C library's start-up: the main thread's ID is cleared (and its
		// waiters woken) at its exit, as clone's CLONE_CHILD_CLEARTID.
		t.ClearTID = a[0]
		return int64(t.TID)
	case abi.SysGetpid:
		return threads.PID
	case abi.SysGetppid:
		return 0
	case abi.SysGetuid, abi.SysGeteuid, abi.SysGetgid, abi.SysGetegid:
		return 0
	case abi.SysSetuid:
		return 0
	case abi.SysWait4, abi.SysWaitid:
		return waitChild()
	case abi.SysGetgroups:
		return 0 // no supplementary groups
	case abi.SysSchedGetaffinity:
		return schedGetaffinity(a[1], a[2])
	case abi.SysSchedGetscheduler:
		return schedGetscheduler(int(int32(a[0])))
	case abi.SysSchedSetscheduler:
		return schedSetscheduler(int(int32(a[0])), int(int32(a[1])), a[2])
	case abi.SysSchedSetparam:
		return setScheduler(int(int32(a[0])), keepPolicy, a[1])
	case abi.SysSchedGetparam:
		return schedGetparam(int(int32(a[0])), a[1])
	case abi.SysSchedGetPriorityMax:
		return schedPriorityMax(int(int32(a[0])))
	case abi.SysSchedGetPriorityMin:
		return schedPriorityMin(int(int32(a[0])))
	case abi.SysSchedRrGetInterval:
		return schedRRGetInterval(int(int32(a[0])), a[1])
	case abi.SysGetpriority:
		return getpriority(int(int32(a[0])), int(int32(a[1])))
	case abi.SysSetpriority:
		return setpriority(int(int32(a[0])), int(int32(a[1])), int(int32(a[2])))
	case abi.SysArchPrctl:
		return archPrctl(t, int(a[0]), a[1])
	case abi.SysPrctl:
		return prctl(t, a)
	case abi.SysUname:
		return uname(a[0])
	case abi.SysGetrlimit:
		return prlimit(int(a[0]), 0, a[1])
	case abi.SysSetrlimit:
		return 0
	case abi.SysPrlimit64:
		return prlimit(int(a[1]), a[2], a[3])
	case abi.SysGetrandom:
		return getrandom(a[0], a[1])
	case abi.SysSysinfo:
		return sysinfo(a[0])
	case abi.SysTimes:
		return times(a[0])
	case abi.SysGetrusage:
		return getrusage(int(int32(a[0])), a[1])
	}
	if r, ok := filecalls.Dispatch(t, nr, a); ok {
		return r
	}
	if r, ok := netcalls.DispatchNIC(t, nr, a); ok {
		return r
	}
	return -abi.ENOSYS
}
