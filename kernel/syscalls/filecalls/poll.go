package filecalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// pollWaiters is the wait channel of threads blocked in epoll_wait: any
// readiness change wakes them to look again.
var pollWaiters byte

// PollKey is the wait channel of epoll_wait, which the network's events
// wake too (package netcalls).
func PollKey() uintptr { return abi.AddrOf(&pollWaiters) }

// readinessChanged notes that fd may have become ready and wakes every
// epoll waiter; they restart their call and collect the events.
func readinessChanged(fd int) {
	files.Changed(fd)
	threads.WakeRestartAll(PollKey())
}

func epollCreate(flags int) int64 {
	ep := files.NewEpoll()
	if ep < 0 {
		return -abi.ENOMEM
	}
	fd := files.Alloc(0, files.File{Kind: files.KindEpoll, Epoll: ep, FDFlags: cloexec(flags)})
	if fd < 0 {
		return -abi.EMFILE
	}
	return int64(fd)
}

func cloexec(flags int) uint32 {
	if flags&files.OCloexec != 0 {
		return files.FDCloexec
	}
	return 0
}

func epollOf(epfd int) (int32, bool) {
	f := files.Get(epfd)
	if f == nil || f.Kind != files.KindEpoll {
		return 0, false
	}
	return f.Epoll, true
}

func epollCtl(epfd, op, fd int, ev uintptr) int64 {
	ep, ok := epollOf(epfd)
	if !ok {
		return -abi.EBADF
	}
	var events uint32
	var data uint64
	if op != files.EpollCtlDel {
		e, ok1 := abi.GetU32(ev)
		d, ok2 := abi.GetU64(ev + 4)
		if !ok1 || !ok2 {
			return -abi.EFAULT
		}
		events, data = e, d
	}
	return files.EpollCtl(ep, op, fd, events, data)
}

// epollWait reports ready events, or blocks until one may be ready or the
// timeout (milliseconds, -1: forever) passes.
func epollWait(t *threads.Thread, epfd int, evs uintptr, max, timeout int) int64 {
	ep, ok := epollOf(epfd)
	if !ok {
		return -abi.EBADF
	}
	if max <= 0 {
		return -abi.EINVAL
	}
	var ready [32]files.Event
	if max > len(ready) {
		max = len(ready)
	}
	n := files.EpollReady(ep, ready[:max])
	if n > 0 {
		out, ok := abi.UserBytes(evs, uintptr(n)*12, true)
		if !ok {
			return -abi.EFAULT
		}
		for i := 0; i < n; i++ {
			abi.PutLE32(out[i*12:], ready[i].Events)
			abi.PutLE64(out[i*12+4:], ready[i].Data)
		}
		return int64(n)
	}
	if timeout == 0 {
		return 0
	}
	var deadline int64
	if timeout > 0 {
		deadline = clock.Nanotime() + int64(timeout)*1e6
	}
	threads.Block(t, PollKey(), keptDeadline(t, deadline), 0)
	return abi.Blocked
}

func eventfd(initval uint32, flags int) int64 {
	fd := files.Alloc(0, files.File{Kind: files.KindEventfd, Count: uint64(initval),
		Flags: uint32(flags)&files.ONonblock | files.ORdwr, FDFlags: cloexec(flags)})
	if fd < 0 {
		return -abi.EMFILE
	}
	return int64(fd)
}
