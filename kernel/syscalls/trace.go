package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// names of the implemented calls, for tracing.
var names = [...]string{
	abi.SysRead: "read", abi.SysWrite: "write", abi.SysClose: "close", abi.SysFstat: "fstat",
	abi.SysMmap: "mmap", abi.SysMprotect: "mprotect", abi.SysMunmap: "munmap", abi.SysBrk: "brk",
	abi.SysRtSigaction: "rt_sigaction", abi.SysRtSigprocmask: "rt_sigprocmask",
	abi.SysRtSigreturn: "rt_sigreturn", abi.SysIoctl: "ioctl", abi.SysWritev: "writev",
	abi.SysSchedYield: "sched_yield", abi.SysMadvise: "madvise", abi.SysMsync: "msync", abi.SysMremap: "mremap", abi.SysMlock: "mlock", abi.SysMunlock: "munlock",
	abi.SysMlockall: "mlockall", abi.SysMunlockall: "munlockall", abi.SysNanosleep: "nanosleep",
	abi.SysGetpid: "getpid", abi.SysClone: "clone", abi.SysFork: "fork", abi.SysVfork: "vfork",
	abi.SysExecve: "execve", abi.SysExit: "exit", abi.SysKill: "kill", abi.SysUname: "uname",
	abi.SysFcntl: "fcntl", abi.SysGettimeofday: "gettimeofday", abi.SysGetrlimit: "getrlimit",
	abi.SysGetuid: "getuid", abi.SysGetgid: "getgid", abi.SysSetuid: "setuid", abi.SysGeteuid: "geteuid",
	abi.SysGetegid: "getegid", abi.SysGetppid: "getppid", abi.SysSigaltstack: "sigaltstack",
	abi.SysArchPrctl: "arch_prctl", abi.SysSetrlimit: "setrlimit", abi.SysGettid: "gettid",
	abi.SysTkill: "tkill", abi.SysTime: "time", abi.SysFutex: "futex",
	abi.SysSchedGetaffinity: "sched_getaffinity", abi.SysClockGettime: "clock_gettime",
	abi.SysClockGetres: "clock_getres", abi.SysClockNanosleep: "clock_nanosleep",
	abi.SysExitGroup: "exit_group", abi.SysTgkill: "tgkill", abi.SysOpenat: "openat",
	abi.SysPrlimit64: "prlimit64", abi.SysSetTidAddress: "set_tid_address", abi.SysPause: "pause", abi.SysRtSigsuspend: "rt_sigsuspend", abi.SysRtSigtimedwait: "rt_sigtimedwait", abi.SysPoll: "poll", abi.SysPpoll: "ppoll", abi.SysSelect: "select", abi.SysPselect6: "pselect6", abi.SysGetrandom: "getrandom", abi.SysClone3: "clone3",
	abi.SysEpollCreate: "epoll_create", abi.SysEpollWait: "epoll_wait", abi.SysEpollCtl: "epoll_ctl",
	abi.SysEpollPwait: "epoll_pwait", abi.SysEventfd: "eventfd", abi.SysEventfd2: "eventfd2",
	abi.SysEpollCreate1: "epoll_create1",
	abi.SysOpen:         "open", abi.SysStat: "stat", abi.SysLstat: "lstat", abi.SysLseek: "lseek", abi.SysPread64: "pread64",
	abi.SysPwrite64: "pwrite64", abi.SysReadv: "readv", abi.SysAccess: "access", abi.SysDup: "dup", abi.SysDup2: "dup2",
	abi.SysFsync: "fsync", abi.SysFdatasync: "fdatasync", abi.SysTruncate: "truncate", abi.SysFtruncate: "ftruncate",
	abi.SysGetcwd: "getcwd", abi.SysChdir: "chdir", abi.SysFchdir: "fchdir", abi.SysRename: "rename", abi.SysMkdir: "mkdir",
	abi.SysRmdir: "rmdir", abi.SysLink: "link", abi.SysUnlink: "unlink", abi.SysSymlink: "symlink", abi.SysReadlink: "readlink",
	abi.SysChmod: "chmod", abi.SysFchmod: "fchmod", abi.SysChown: "chown", abi.SysFchown: "fchown", abi.SysLchown: "lchown",
	abi.SysUmask: "umask", abi.SysGetdents64: "getdents64", abi.SysMkdirat: "mkdirat", abi.SysFchownat: "fchownat",
	abi.SysNewfstatat: "newfstatat", abi.SysUnlinkat: "unlinkat", abi.SysRenameat: "renameat", abi.SysLinkat: "linkat",
	abi.SysSymlinkat: "symlinkat", abi.SysReadlinkat: "readlinkat", abi.SysFchmodat: "fchmodat",
	abi.SysFaccessat: "faccessat", abi.SysUtimensat: "utimensat", abi.SysDup3: "dup3", abi.SysRenameat2: "renameat2",
	abi.SysStatx: "statx", abi.SysFaccessat2: "faccessat2", abi.SysPipe: "pipe", abi.SysPipe2: "pipe2",
	abi.SysGetrusage: "getrusage", abi.SysGetgroups: "getgroups", abi.SysFchmodat2: "fchmodat2", abi.SysSysinfo: "sysinfo", abi.SysTimes: "times",
	abi.SysMknod: "mknod", abi.SysMknodat: "mknodat", abi.SysWait4: "wait4", abi.SysWaitid: "waitid",
	abi.SysSocket: "socket", abi.SysConnect: "connect", abi.SysAccept: "accept", abi.SysSendto: "sendto",
	abi.SysRecvfrom: "recvfrom", abi.SysSendmsg: "sendmsg", abi.SysRecvmsg: "recvmsg", abi.SysShutdown: "shutdown",
	abi.SysBind: "bind", abi.SysListen: "listen", abi.SysGetsockname: "getsockname", abi.SysGetpeername: "getpeername",
	abi.SysSetsockopt: "setsockopt", abi.SysGetsockopt: "getsockopt", abi.SysAccept4: "accept4",
	abi.SysSocketpair: "socketpair", abi.SysSendfile: "sendfile",
	abi.SysFlock: "flock", abi.SysStatfs: "statfs", abi.SysFstatfs: "fstatfs", abi.SysFallocate: "fallocate",
	abi.SysPrctl: "prctl", abi.SysGetpriority: "getpriority", abi.SysSetpriority: "setpriority",
	abi.SysSchedSetparam: "sched_setparam", abi.SysSchedGetparam: "sched_getparam",
	abi.SysSchedSetscheduler: "sched_setscheduler", abi.SysSchedGetscheduler: "sched_getscheduler",
	abi.SysSchedGetPriorityMax: "sched_get_priority_max", abi.SysSchedGetPriorityMin: "sched_get_priority_min",
	abi.SysSchedRrGetInterval: "sched_rr_get_interval", abi.SysSignalfd: "signalfd", abi.SysSignalfd4: "signalfd4",
	abi.SysTimerfdCreate: "timerfd_create", abi.SysTimerfdSettime: "timerfd_settime",
	abi.SysTimerfdGettime: "timerfd_gettime", abi.SysRecvmmsg: "recvmmsg", abi.SysSendmmsg: "sendmmsg",
}

// Name returns the name of an implemented call (a private one included),
// or "" for others.
func Name(nr uint64) string {
	if nr < uint64(len(names)) {
		return names[nr]
	}
	return privcalls.Name(nr)
}

// TraceName returns the Linux name of any call number, implemented or not
// (a private call's too), or "" for numbers Linux does not use.
func TraceName(nr uint64) string {
	if n := Name(nr); n != "" {
		return n
	}
	if nr < uint64(len(linuxNames)) {
		return linuxNames[nr]
	}
	return ""
}

// trace prints one call as "unigo: [tid] name(args) = result".
func trace(t *threads.Thread, nr uint64, a *[6]uintptr, r int64) {
	klog.Str("unigo: [")
	klog.Dec(int64(t.TID))
	klog.Str(" ")
	klog.Micros(clock.Nanotime())
	klog.Str("] ")
	if n := TraceName(nr); n != "" {
		klog.Str(n)
	} else {
		klog.Str("syscall_")
		klog.Dec(int64(nr))
	}
	klog.Str("(")
	for i := range a {
		if i > 0 {
			klog.Str(", ")
		}
		klog.Hex(uint64(a[i]))
	}
	klog.Str(") = ")
	switch r {
	case abi.Blocked:
		klog.Str("<abi.Blocked>")
	case abi.KeepRAX:
		klog.Str("<restored>")
	case abi.Exits:
		klog.Str("<abi.Exits>")
	default:
		klog.Dec(r)
		if r == -abi.ENOSYS {
			klog.Str(" (abi.ENOSYS: not implemented)")
		}
	}
	klog.Str("\n")
}

// Implemented returns the names of the Linux system calls the kernel
// implements: the attack surface an app can reach (calls refused by design
// excluded). The kernel's private calls are not Linux calls and are not
// listed; Private lists them.
func Implemented() []string {
	var out []string
	for nr, n := range names {
		switch nr {
		case abi.SysFork, abi.SysVfork, abi.SysExecve, abi.SysClone3:
			continue
		}
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Private returns the names of the kernel's private system calls (package
// privcalls): reachable by the app too, so part of the attack surface,
// but counted apart from the Linux calls of Implemented.
func Private() []string { return append([]string(nil), privcalls.Names()...) }
