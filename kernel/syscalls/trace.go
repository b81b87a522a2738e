package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/threads"
)

// names of the implemented calls, for tracing.
var names = [...]string{
	sysRead: "read", sysWrite: "write", sysClose: "close", sysFstat: "fstat",
	sysMmap: "mmap", sysMprotect: "mprotect", sysMunmap: "munmap", sysBrk: "brk",
	sysRtSigaction: "rt_sigaction", sysRtSigprocmask: "rt_sigprocmask",
	sysRtSigreturn: "rt_sigreturn", sysIoctl: "ioctl", sysWritev: "writev",
	sysSchedYield: "sched_yield", sysMadvise: "madvise", sysNanosleep: "nanosleep",
	sysGetpid: "getpid", sysClone: "clone", sysFork: "fork", sysVfork: "vfork",
	sysExecve: "execve", sysExit: "exit", sysKill: "kill", sysUname: "uname",
	sysFcntl: "fcntl", sysGettimeofday: "gettimeofday", sysGetrlimit: "getrlimit",
	sysGetuid: "getuid", sysGetgid: "getgid", sysSetuid: "setuid", sysGeteuid: "geteuid",
	sysGetegid: "getegid", sysGetppid: "getppid", sysSigaltstack: "sigaltstack",
	sysArchPrctl: "arch_prctl", sysSetrlimit: "setrlimit", sysGettid: "gettid",
	sysTkill: "tkill", sysTime: "time", sysFutex: "futex",
	sysSchedGetaffinity: "sched_getaffinity", sysClockGettime: "clock_gettime",
	sysClockGetres: "clock_getres", sysClockNanosleep: "clock_nanosleep",
	sysExitGroup: "exit_group", sysTgkill: "tgkill", sysOpenat: "openat",
	sysPrlimit64: "prlimit64", sysGetrandom: "getrandom", sysClone3: "clone3",
	sysEpollCreate: "epoll_create", sysEpollWait: "epoll_wait", sysEpollCtl: "epoll_ctl",
	sysEpollPwait: "epoll_pwait", sysEventfd: "eventfd", sysEventfd2: "eventfd2",
	sysEpollCreate1: "epoll_create1",
	sysOpen:         "open", sysStat: "stat", sysLstat: "lstat", sysLseek: "lseek", sysPread64: "pread64",
	sysPwrite64: "pwrite64", sysReadv: "readv", sysAccess: "access", sysDup: "dup", sysDup2: "dup2",
	sysFsync: "fsync", sysFdatasync: "fdatasync", sysTruncate: "truncate", sysFtruncate: "ftruncate",
	sysGetcwd: "getcwd", sysChdir: "chdir", sysFchdir: "fchdir", sysRename: "rename", sysMkdir: "mkdir",
	sysRmdir: "rmdir", sysLink: "link", sysUnlink: "unlink", sysSymlink: "symlink", sysReadlink: "readlink",
	sysChmod: "chmod", sysFchmod: "fchmod", sysChown: "chown", sysFchown: "fchown", sysLchown: "lchown",
	sysUmask: "umask", sysGetdents64: "getdents64", sysMkdirat: "mkdirat", sysFchownat: "fchownat",
	sysNewfstatat: "newfstatat", sysUnlinkat: "unlinkat", sysRenameat: "renameat", sysLinkat: "linkat",
	sysSymlinkat: "symlinkat", sysReadlinkat: "readlinkat", sysFchmodat: "fchmodat",
	sysFaccessat: "faccessat", sysUtimensat: "utimensat", sysDup3: "dup3", sysRenameat2: "renameat2",
	sysStatx: "statx", sysFaccessat2: "faccessat2", sysPipe: "pipe", sysPipe2: "pipe2",
	sysGetrusage: "getrusage", sysGetgroups: "getgroups", sysFchmodat2: "fchmodat2", sysSysinfo: "sysinfo", sysTimes: "times",
	sysMknod: "mknod", sysMknodat: "mknodat", sysWait4: "wait4", sysWaitid: "waitid",
	sysSocket: "socket", sysConnect: "connect", sysAccept: "accept", sysSendto: "sendto",
	sysRecvfrom: "recvfrom", sysSendmsg: "sendmsg", sysRecvmsg: "recvmsg", sysShutdown: "shutdown",
	sysBind: "bind", sysListen: "listen", sysGetsockname: "getsockname", sysGetpeername: "getpeername",
	sysSetsockopt: "setsockopt", sysGetsockopt: "getsockopt", sysAccept4: "accept4",
	sysSocketpair: "socketpair", sysSendfile: "sendfile",
}

// Name returns the name of an implemented call (a private one included),
// or "" for others.
func Name(nr uint64) string {
	if nr < uint64(len(names)) {
		return names[nr]
	}
	return privcalls.Name(nr)
}

// trace prints one call as "unigo: [tid] name(args) = result".
func trace(t *threads.Thread, nr uint64, a *[6]uintptr, r int64) {
	klog.Str("unigo: [")
	klog.Dec(int64(t.TID))
	klog.Str(" ")
	klog.Micros(clock.Nanotime())
	klog.Str("] ")
	if n := Name(nr); n != "" {
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
	case blocked:
		klog.Str("<blocked>")
	case keepRAX:
		klog.Str("<restored>")
	case exits:
		klog.Str("<exits>")
	default:
		klog.Dec(r)
		if r == -ENOSYS {
			klog.Str(" (ENOSYS: not implemented)")
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
		case sysFork, sysVfork, sysExecve, sysClone3:
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
