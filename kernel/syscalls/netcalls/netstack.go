package netcalls

import (
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// The network stack's private calls (privcalls.NetAttach, NetCtl, NetIO;
// docs/boot-contract.md) and the notifications that follow every call
// that changed a socket.

// dispatchNetstack runs the socket layer's private calls; ok is false for
// other numbers.
func dispatchNetstack(nr uint64, a *[6]uintptr) (r int64, ok bool) {
	switch nr {
	case privcalls.NetAttach:
		return netAttach(), true
	case privcalls.NICOpen:
		return nicOpen(), true
	case privcalls.NetResolv:
		return netResolv(a[0], a[1]), true
	case privcalls.NetAddrs:
		return netAddrs(a[0], a[1]), true
	case privcalls.NetCtl:
		if a[4] > privcalls.AddrsSize {
			return -abi.EINVAL, true
		}
		b, ok := abi.UserBytes(a[3], a[4], false)
		if !ok {
			return -abi.EFAULT, true
		}
		id, op := int32(a[0]), int(a[1])
		if op != privcalls.CtlDone { // only a bind's or listen's answer makes a port served
			return sockets.Ctl(id, op, int64(a[2]), b), true
		}
		_, _, served := sockets.Served(id)
		r := sockets.Ctl(id, op, int64(a[2]), b)
		if udp, port, now := sockets.Served(id); now && !served {
			power.Serving(udp, port, true)
		}
		return r, true
	case privcalls.NetIO:
		op := int(a[1])
		pull := op == privcalls.IOPull || op == privcalls.IOPullDgram
		buf, ok1 := abi.UserBytes(a[2], a[3], pull)
		addr, ok2 := abi.UserBytes(a[4], a[5], pull)
		if !ok1 || !ok2 {
			return -abi.EFAULT, true
		}
		return sockets.IO(int32(a[0]), op, buf, addr), true
	}
	return 0, false
}

// netAttach opens the work descriptor.
func netAttach() int64 {
	if !sockets.Attach() {
		return -privcalls.EBUSY
	}
	fd := files.Alloc(0, files.File{Kind: files.KindNetstack, Flags: files.ORdwr | files.ONonblock, FDFlags: files.FDCloexec})
	if fd < 0 {
		sockets.Detach()
		return -abi.EMFILE
	}
	return int64(fd)
}

// nicOpened is set once the stack has opened the card's receive
// descriptor: from then on the card's interrupt notifies epoll.
var nicOpened bool

// nicOpen opens the card's receive descriptor.
func nicOpen() int64 {
	if !virtionet.Present() {
		return -privcalls.ENODEV
	}
	fd := files.Alloc(0, files.File{Kind: files.KindNIC, Flags: files.ORdonly | files.ONonblock, FDFlags: files.FDCloexec})
	if fd < 0 {
		return -abi.EMFILE
	}
	nicOpened = true
	return int64(fd)
}

// nicFile runs read (one received frame), fstat and the rest on the
// card's receive descriptor.
func nicFile(nr uint64, a *[6]uintptr) int64 {
	switch nr {
	case abi.SysRead:
		b, ok := abi.UserBytes(a[1], a[2], true)
		if !ok {
			return -abi.EFAULT
		}
		if n, ok := virtionet.Recv(b); ok {
			return int64(n)
		}
		return -abi.EAGAIN // never blocks: the stack waits in epoll
	case abi.SysFstat:
		return anonStat(a[1], 0o400)
	case abi.SysIoctl:
		return -abi.ENOTTY
	}
	return -abi.EINVAL
}

// NICInterrupt handles the card's interrupt (virtionet.Interrupt) and,
// when frames came in and the stack waits for them in epoll, marks the
// receive descriptor ready and wakes the epoll waiters. Trap path.
func NICInterrupt() {
	if virtionet.Interrupt() && nicOpened {
		files.NICChanged()
		threads.WakeRestartAll(filecalls.PollKey())
	}
}

// netstackFile runs read (the next work records), fstat and the rest on
// the work descriptor.
func netstackFile(nr uint64, f *files.File, a *[6]uintptr) int64 {
	switch nr {
	case abi.SysRead:
		b, ok := abi.UserBytes(a[1], a[2], true)
		if !ok {
			return -abi.EFAULT
		}
		if len(b) < privcalls.WorkSize {
			return -abi.EINVAL
		}
		if n := sockets.TakeWork(b); n > 0 {
			return int64(n)
		}
		return -abi.EAGAIN // never blocks: the stack waits in epoll
	case abi.SysFstat:
		return anonStat(a[1], 0o600)
	case abi.SysIoctl:
		return -abi.ENOTTY
	}
	return -abi.EINVAL
}

// SocketEvents passes on what the last call changed: epoll hears of the
// sockets whose readiness moved and of queued work, and the threads
// waiting on those sockets (and in epoll_wait) run their calls again.
func SocketEvents() {
	if !sockets.HasEvents() {
		return
	}
	for slot := sockets.NextDropped(); slot >= 0; slot = sockets.NextDropped() {
		dropParked(slot) // may close a socket, and so drop more, and make more dirty
	}
	for id := sockets.NextDirty(); id >= 0; id = sockets.NextDirty() {
		files.SocketChanged(id)
		threads.WakeRestartAll(sockets.Key(id))
	}
	if sockets.TakeWorkPosted() {
		files.NetstackChanged()
	}
	threads.WakeRestartAll(filecalls.PollKey())
}

// netResolv replaces /etc/resolv.conf (privcalls.NetResolv): the name
// servers of the stack's DHCP lease, unless the host named its own.
func netResolv(buf, n uintptr) int64 {
	if n > privcalls.ResolvMax {
		return -abi.EINVAL
	}
	if netConfig.flags&privcalls.InfoDNSGiven != 0 {
		return -privcalls.EEXIST
	}
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	if e := vfs.ReplaceResolvConf(b); e != 0 {
		return -int64(e)
	}
	return 0
}

// CloseSocket closes the app's last descriptor of socket id, and tells the
// host when that ends a port the app served (power.Serving).
func CloseSocket(id int32) {
	if udp, port, ok := sockets.Served(id); ok {
		power.Serving(udp, port, false)
	}
	sockets.Close(id)
}
