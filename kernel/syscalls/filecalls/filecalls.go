// Package filecalls decodes the system calls on file descriptors and
// paths for the packages that own them: descriptors (package files: the
// console streams, stdio.go; files and devices, fileio.go; disks,
// blockdev.go; pipes and named pipes, pipe.go and fifo.go; epoll and
// eventfd, poll.go; poll and select, pollfds.go; timerfd, timerfd.go;
// signalfd, signalfd.go) and the name space (package vfs: path lookup,
// path.go; stat, directories and names, names.go). Socket descriptors are
// package netcalls'. Trap path: no allocation.
package filecalls

import (
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// Dispatch runs the calls on descriptors and paths; ok is false for other
// numbers.
func Dispatch(t *threads.Thread, nr uint64, a *[6]uintptr) (r int64, ok bool) {
	i := func(k int) int { return int(int32(a[k])) }
	switch nr {
	case abi.SysRead:
		return read(t, int(a[0]), a[1], a[2]), true
	case abi.SysWrite:
		return write(t, int(a[0]), a[1], a[2]), true
	case abi.SysWritev:
		return vectorIO(t, int(a[0]), a[1], int(a[2]), true), true
	case abi.SysClose:
		return closeFD(int(a[0])), true
	case abi.SysFstat:
		return fstat(int(a[0]), a[1]), true
	case abi.SysIoctl:
		return ioctl(int(a[0]), uint64(a[1])), true
	case abi.SysFcntl:
		if isLockCmd(int(a[1])) {
			return fcntlLock(t, i(0), int(a[1]), a[2]), true
		}
		return fcntl(int(a[0]), int(a[1]), a[2]), true
	case abi.SysFlock:
		return flock(t, i(0), int(a[1])), true
	case abi.SysStatfs:
		return statfs(a[0], a[1]), true
	case abi.SysFstatfs:
		return fstatfs(i(0), a[1]), true
	case abi.SysFallocate:
		return fallocate(i(0), i(1), int64(a[2]), int64(a[3])), true
	case abi.SysEpollCreate1:
		return epollCreate(int(a[0])), true
	case abi.SysEpollCreate:
		return epollCreate(0), true
	case abi.SysEpollCtl:
		return epollCtl(int(a[0]), int(a[1]), int(a[2]), a[3]), true
	case abi.SysPoll:
		return poll(t, a[0], a[1], pollDeadline(int(int32(a[2])))), true
	case abi.SysPpoll:
		d, ok := timespecDeadline(a[2])
		if !ok {
			return -abi.EINVAL, true
		}
		return poll(t, a[0], a[1], d), true
	case abi.SysSelect:
		d, ok := timevalDeadline(a[4])
		if !ok {
			return -abi.EINVAL, true
		}
		return selectFDs(t, i(0), a[1], a[2], a[3], d), true
	case abi.SysPselect6:
		d, ok := timespecDeadline(a[4])
		if !ok {
			return -abi.EINVAL, true
		}
		return selectFDs(t, i(0), a[1], a[2], a[3], d), true
	case abi.SysEpollWait, abi.SysEpollPwait:
		return epollWait(t, int(a[0]), a[1], int(int32(a[2])), int(int32(a[3]))), true
	case abi.SysEventfd2:
		return eventfd(uint32(a[0]), int(a[1])), true
	case abi.SysEventfd:
		return eventfd(uint32(a[0]), 0), true
	case abi.SysTimerfdCreate:
		return timerfdCreate(i(0), i(1)), true
	case abi.SysTimerfdSettime:
		return timerfdSettime(i(0), i(1), a[2], a[3]), true
	case abi.SysTimerfdGettime:
		return timerfdGettime(i(0), a[1]), true
	case abi.SysSignalfd4:
		return signalfd4(i(0), a[1], a[2], i(3)), true
	case abi.SysSignalfd:
		return signalfd4(i(0), a[1], a[2], 0), true
	case abi.SysOpenat:
		return openat(t, i(0), a[1], int(a[2]), uint32(a[3])), true
	case abi.SysOpen:
		return openat(t, atFDCWD, a[0], int(a[1]), uint32(a[2])), true
	case abi.SysPread64:
		return pread(i(0), a[1], a[2], int64(a[3]), false), true
	case abi.SysPwrite64:
		return pread(i(0), a[1], a[2], int64(a[3]), true), true
	case abi.SysReadv:
		return vectorIO(t, i(0), a[1], int(a[2]), false), true
	case abi.SysLseek:
		return lseek(i(0), int64(a[1]), int(a[2])), true
	case abi.SysStat:
		return newfstatat(atFDCWD, a[0], a[1], 0), true
	case abi.SysLstat:
		return newfstatat(atFDCWD, a[0], a[1], atSymlinkNofollow), true
	case abi.SysNewfstatat:
		return newfstatat(i(0), a[1], a[2], int(a[3])), true
	case abi.SysStatx:
		return statx(i(0), a[1], int(a[2]), a[4]), true
	case abi.SysGetdents64:
		return getdents64(i(0), a[1], a[2]), true
	case abi.SysMkdirat:
		return mkdirat(i(0), a[1], uint32(a[2])), true
	case abi.SysMkdir:
		return mkdirat(atFDCWD, a[0], uint32(a[1])), true
	case abi.SysUnlinkat:
		return unlinkat(i(0), a[1], int(a[2])), true
	case abi.SysUnlink:
		return unlinkat(atFDCWD, a[0], 0), true
	case abi.SysRmdir:
		return unlinkat(atFDCWD, a[0], atRemoveDir), true
	case abi.SysRenameat2:
		return renameat2(i(0), a[1], i(2), a[3], int(a[4])), true
	case abi.SysRenameat:
		return renameat2(i(0), a[1], i(2), a[3], 0), true
	case abi.SysRename:
		return renameat2(atFDCWD, a[0], atFDCWD, a[1], 0), true
	case abi.SysLinkat:
		return linkat(i(0), a[1], i(2), a[3], int(a[4])), true
	case abi.SysLink:
		return linkat(atFDCWD, a[0], atFDCWD, a[1], 0), true
	case abi.SysSymlinkat:
		return symlinkat(a[0], i(1), a[2]), true
	case abi.SysSymlink:
		return symlinkat(a[0], atFDCWD, a[1]), true
	case abi.SysReadlinkat:
		return readlinkat(i(0), a[1], a[2], a[3]), true
	case abi.SysReadlink:
		return readlinkat(atFDCWD, a[0], a[1], a[2]), true
	case abi.SysFchmodat:
		return fchmodat(i(0), a[1], uint32(a[2]), 0), true
	case abi.SysFchmodat2:
		return fchmodat(i(0), a[1], uint32(a[2]), int(a[3])), true
	case abi.SysChmod:
		return fchmodat(atFDCWD, a[0], uint32(a[1]), 0), true
	case abi.SysFchmod:
		return fchmod(i(0), uint32(a[1])), true
	case abi.SysFchownat:
		return fchownat(i(0), a[1], uint32(a[2]), uint32(a[3]), int(a[4])), true
	case abi.SysChown:
		return fchownat(atFDCWD, a[0], uint32(a[1]), uint32(a[2]), 0), true
	case abi.SysLchown:
		return fchownat(atFDCWD, a[0], uint32(a[1]), uint32(a[2]), atSymlinkNofollow), true
	case abi.SysFchown:
		return fchown(i(0), uint32(a[1]), uint32(a[2])), true
	case abi.SysUtimensat:
		return utimensat(i(0), a[1], a[2], int(a[3])), true
	case abi.SysFaccessat, abi.SysFaccessat2:
		return faccessat(i(0), a[1], int(a[2]), int(a[3])), true
	case abi.SysAccess:
		return faccessat(atFDCWD, a[0], int(a[1]), 0), true
	case abi.SysTruncate:
		return truncatePath(a[0], int64(a[1])), true
	case abi.SysFtruncate:
		return ftruncate(i(0), int64(a[1])), true
	case abi.SysFsync, abi.SysFdatasync:
		return fsync(i(0)), true
	case abi.SysDup:
		return dup(i(0), 0, 0, false), true
	case abi.SysDup2:
		return dup(i(0), i(1), 0, true), true
	case abi.SysDup3:
		if i(0) == i(1) {
			return -abi.EINVAL, true
		}
		return dup(i(0), i(1), int(a[2]), true), true
	case abi.SysGetcwd:
		return getcwd(a[0], a[1]), true
	case abi.SysChdir:
		return chdir(a[0]), true
	case abi.SysFchdir:
		return fchdir(i(0)), true
	case abi.SysPipe2:
		return pipe2(a[0], int(a[1])), true
	case abi.SysPipe:
		return pipe2(a[0], 0), true
	case abi.SysMknodat:
		return mknodat(i(0), a[1], uint32(a[2])), true
	case abi.SysMknod:
		return mknodat(atFDCWD, a[0], uint32(a[1])), true
	case abi.SysUmask:
		return int64(vfs.Umask(uint32(a[0]))), true
	}
	return 0, false
}
