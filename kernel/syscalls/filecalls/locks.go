package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/files/locks"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// File locks: flock(2) and fcntl's record locks, decoded here for package
// locks, which holds them and says who conflicts with whom. A request that
// conflicts and may wait (flock without LOCK_NB, F_SETLKW, F_OFD_SETLKW)
// sleeps as Linux's does until the lock in its way goes: another thread of
// the app may let go of it. Every release wakes the waiters, which run
// their call again; a signal ends the wait with EINTR. A thread that waits
// for a lock only it could release waits for ever, as it would on Linux
// (Linux detects such deadlocks only between processes' POSIX locks, and
// one process's POSIX locks never conflict here).

// flock(2) operations.
const (
	lockSH = 1
	lockEX = 2
	lockNB = 4
	lockUN = 8
)

// fcntl's lock commands.
const (
	fGetlk     = 5
	fSetlk     = 6
	fSetlkw    = 7
	fOFDGetlk  = 36
	fOFDSetlk  = 37
	fOFDSetlkw = 38
)

// IsLockCmd reports whether an fcntl command is a lock command.
func isLockCmd(cmd int) bool {
	switch cmd {
	case fGetlk, fSetlk, fSetlkw, fOFDGetlk, fOFDSetlk, fOFDSetlkw:
		return true
	}
	return false
}

const (
	eOVERFLOW  = 75
	eWOULDBLCK = abi.EAGAIN // EWOULDBLOCK is EAGAIN on Linux
)

// lockable returns the descriptor fd if it can hold locks: a file or a
// device (a lock on a pipe, socket or epoll set is not kept; EINVAL).
func lockable(fd int) (*files.File, int64) {
	f := files.Get(fd)
	switch {
	case f == nil:
		return nil, -abi.EBADF
	case f.Kind != files.KindFile && f.Kind != files.KindDevice:
		return nil, -abi.EINVAL
	}
	return f, 0
}

func flock(t *threads.Thread, fd, op int) int64 {
	f, e := lockable(fd)
	if e != 0 {
		return e
	}
	if f.Flags&oPath != 0 {
		return -abi.EBADF
	}
	var typ uint8
	switch op &^ lockNB {
	case lockSH:
		typ = locks.Read
	case lockEX:
		typ = locks.Write
	case lockUN:
		typ = locks.Unlock
	default:
		return -abi.EINVAL
	}
	errno, released := locks.Flock(f.Ino, f.Desc, typ)
	if released {
		threads.WakeRestartAll(locks.Key)
	}
	return lockResult(t, errno, op&lockNB == 0)
}

// lockResult turns a lock request's errno into the call's result: a
// conflict waits when the call may, else it is EWOULDBLOCK (EAGAIN).
func lockResult(t *threads.Thread, errno int, wait bool) int64 {
	switch {
	case errno == locks.EAGAIN && wait:
		threads.BlockRestart(t, locks.Key)
		return abi.Blocked
	case errno == locks.EAGAIN:
		return -eWOULDBLCK
	}
	return abi.Errno(errno)
}

// fcntlLock runs F_GETLK, F_SETLK, F_SETLKW and their OFD forms on the
// struct flock at arg: l_type (int16) at 0, l_whence (int16) at 2,
// l_start at 8, l_len at 16, l_pid (int32) at 24.
func fcntlLock(t *threads.Thread, fd, cmd int, arg uintptr) int64 {
	f, e := lockable(fd)
	if e != 0 {
		return e
	}
	if f.Flags&oPath != 0 {
		return -abi.EBADF
	}
	b, ok := abi.UserBytes(arg, 32, cmd == fGetlk || cmd == fOFDGetlk)
	if !ok {
		return -abi.EFAULT
	}
	typ := uint8(b[0]) // the high byte of l_type is checked below
	whence := int(int16(uint16(b[2]) | uint16(b[3])<<8))
	lstart, llen := int64(abi.GetLE64(b[8:])), int64(abi.GetLE64(b[16:]))
	ofd := cmd == fOFDGetlk || cmd == fOFDSetlk || cmd == fOFDSetlkw
	if b[1] != 0 || typ > locks.Unlock {
		return -abi.EINVAL
	}
	if ofd && abi.GetLE32(b[24:]) != 0 {
		return -abi.EINVAL // l_pid must be 0 for OFD locks
	}
	start, end, e := lockRange(f, whence, lstart, llen)
	if e != 0 {
		return e
	}
	owner := uint32(locks.PosixOwner)
	if ofd {
		owner = f.Desc
	}
	if cmd == fGetlk || cmd == fOFDGetlk {
		if typ == locks.Unlock {
			return -abi.EINVAL
		}
		c, found := locks.TestRecord(f.Ino, owner, typ, start, end)
		if !found {
			b[0], b[1] = locks.Unlock, 0
			return 0
		}
		pid := int32(-1) // held by a description, as Linux reports OFD locks
		if c.Posix {
			pid = threads.PID
		}
		b[0], b[1] = c.Type, 0
		b[2], b[3] = 0, 0 // SEEK_SET
		abi.PutLE64(b[8:], uint64(c.Start))
		length := int64(0) // to the end of the file
		if c.End != locks.ToEnd {
			length = c.End - c.Start + 1
		}
		abi.PutLE64(b[16:], uint64(length))
		abi.PutLE32(b[24:], uint32(pid))
		return 0
	}
	// Linux: a read lock needs the descriptor open for reading, a write
	// lock for writing.
	switch {
	case typ == locks.Read && f.Flags&oAccMode == oWronly,
		typ == locks.Write && f.Flags&oAccMode == 0:
		return -abi.EBADF
	}
	errno, released := locks.SetRecord(f.Ino, owner, typ, start, end)
	if released {
		threads.WakeRestartAll(locks.Key)
	}
	return lockResult(t, errno, cmd == fSetlkw || cmd == fOFDSetlkw)
}

// lockRange turns a struct flock's whence, start and length into the
// first and last byte locked, as fcntl(2) describes: a length of 0 runs to
// the end of the file, a negative one covers the bytes before start.
func lockRange(f *files.File, whence int, lstart, llen int64) (start, end int64, errno int64) {
	var base int64
	switch whence {
	case 0: // SEEK_SET
	case 1: // SEEK_CUR
		base = f.Off
	case 2: // SEEK_END
		a, _ := vfs.Stat(memfs.Ino(f.Ino))
		base = a.Size
	default:
		return 0, 0, -abi.EINVAL
	}
	start = base + lstart
	if (lstart > 0 && start < base) || start < 0 {
		return 0, 0, -abi.EINVAL
	}
	switch {
	case llen > 0:
		end = start + llen - 1
		if end < start {
			return 0, 0, -eOVERFLOW
		}
	case llen == 0:
		end = locks.ToEnd
	default:
		end = start - 1
		start += llen
		if start < 0 {
			return 0, 0, -abi.EINVAL
		}
	}
	return start, end, 0
}
