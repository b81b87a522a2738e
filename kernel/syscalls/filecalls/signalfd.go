package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// signalfd4, signalfd and a signalfd's read: signals taken as data, as
// event loops do with the signals they block (SIGTERM, SIGCHLD...). Package
// signals keeps them pending and wakes the threads waiting for readiness
// (PollKey) when one of a signalfd's comes; a read takes them, one 128-byte
// struct signalfd_siginfo each.

// siginfoSize is sizeof(struct signalfd_siginfo).
const siginfoSize = 128

// unblockable are SIGKILL and SIGSTOP, which no signalfd reads.
const unblockable = 1<<(signals.SIGKILL-1) | 1<<(signals.SIGSTOP-1)

// signalfd4 makes a signalfd reading the signals of the sigset at mask, or
// with fd >= 0 gives signalfd fd that mask.
func signalfd4(fd int, maskAddr, size uintptr, flags int) int64 {
	if size != 8 || flags&^(files.ONonblock|files.OCloexec) != 0 {
		return -abi.EINVAL
	}
	m, ok := abi.GetU64(maskAddr)
	if !ok {
		return -abi.EFAULT
	}
	m &^= unblockable
	signals.Watch(m, PollKey())
	if fd != -1 {
		f := files.Get(fd)
		switch {
		case f == nil:
			return -abi.EBADF
		case f.Kind != files.KindSignalfd:
			return -abi.EINVAL
		}
		files.SetSignalfdMask(f, m)
		readinessChanged(fd)
		return int64(fd)
	}
	slot := files.NewSignalfd(m)
	if slot < 0 {
		return -abi.ENOMEM
	}
	nfd := files.Alloc(0, files.File{Kind: files.KindSignalfd, Sigfd: slot,
		Flags: files.ORdwr | uint32(flags)&files.ONonblock, FDFlags: cloexec(flags)})
	if nfd < 0 {
		files.ReleaseSignalfd(slot)
		return -abi.EMFILE
	}
	return int64(nfd)
}

// signalfdRead takes as many pending signals of the mask as buf holds,
// waiting for one when none is pending.
func signalfdRead(t *threads.Thread, f *files.File, buf, n uintptr) int64 {
	if n < siginfoSize {
		return -abi.EINVAL
	}
	n -= n % siginfoSize
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	mask := files.SignalfdMask(f)
	got := uintptr(0)
	for got < n {
		sig, info := signals.Dequeue(t, mask)
		if sig == 0 {
			break
		}
		putSiginfo(b[got:got+siginfoSize], sig, info)
		got += siginfoSize
	}
	switch {
	case got > 0:
		return int64(got)
	case f.Flags&files.ONonblock != 0:
		return -abi.EAGAIN
	}
	threads.BlockRestart(t, PollKey())
	return abi.Blocked
}

// putSiginfo fills one struct signalfd_siginfo: the number, the code, the
// sender (the app itself or the host, both pid 1 to the app: uid 0) and a
// fault's address.
func putSiginfo(b []byte, sig int, info threads.SigInfo) {
	clear(b)
	abi.PutLE32(b[0:], uint32(sig))       // ssi_signo
	abi.PutLE32(b[8:], uint32(info.Code)) // ssi_code
	if info.Code == signals.SIUser || info.Code == signals.SITkill {
		abi.PutLE32(b[12:], threads.PID) // ssi_pid; ssi_uid stays 0
	}
	abi.PutLE64(b[72:], info.Addr) // ssi_addr
}
