// Package netcalls decodes the network's system calls: the socket calls
// (socket*.go; sendmmsg and recvmmsg, mmsg.go; AF_UNIX names and
// socketpair, unixsock.go; descriptors passed as SCM_RIGHTS, rights.go;
// sendfile from a file to a socket, sendfile.go) for package sockets, the
// network stack's private calls and work descriptor (netstack.go), and the
// card's (nic.go). The socket calls and the stack's reach the table only
// through the stack's init (syscalls.Sockets); the card's are always
// there. Trap path: no allocation.
package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// The socket calls. Package sockets owns the sockets; this file decodes
// the calls and their user memory, and turns sockets.Wait into EAGAIN or a
// sleep on the socket's wait channel.

const (
	sockNonblock = files.ONonblock
	sockCloexec  = files.OCloexec
	sockTypeMask = 0xf
	maxSockaddr  = 128 // sizeof(struct sockaddr_storage)
)

// DispatchSocket runs the socket calls, and read, write, readv, writev,
// ioctl and fstat on socket descriptors, on the network stack's work
// descriptor and on the card's receive descriptor, and the stack's private
// calls; ok is false for everything else. The network stack's init puts
// it in the table (syscalls.Sockets), and nothing else reaches it: an app
// without the stack links none of this.
func DispatchSocket(t *threads.Thread, nr uint64, args [6]uintptr) (r int64, ok bool) {
	a := &args
	fd := int(int32(a[0]))
	switch nr {
	case abi.SysRead, abi.SysWrite, abi.SysReadv, abi.SysWritev, abi.SysIoctl, abi.SysFstat:
		f := files.Get(fd)
		if f != nil && f.Kind == files.KindNetlink {
			return netlinkFile(t, nr, f, a), true
		}
		if f == nil || f.Kind != files.KindSocket && f.Kind != files.KindNetstack && f.Kind != files.KindNIC {
			return 0, false
		}
		if f.Kind == files.KindNIC {
			return nicFile(nr, a), true
		}
		if f.Kind == files.KindNetstack {
			return netstackFile(nr, f, a), true
		}
		return socketFile(t, nr, f, a), true
	case abi.SysSendfile:
		out := files.Get(fd)
		switch {
		case out == nil:
			return -abi.EBADF, true
		case out.Kind != files.KindSocket:
			return -abi.EINVAL, true // to a file or pipe: the app falls back to read and write
		}
		return sendfile(t, out, int(int32(a[1])), a[2], a[3]), true
	case abi.SysSocket:
		if int(a[0]) == afNetlink {
			flags := int(a[1]) &^ sockTypeMask
			if flags&^(sockNonblock|sockCloexec) != 0 {
				return -abi.EINVAL, true
			}
			return netlinkSocket(int(a[1])&sockTypeMask, int(a[2]), flags), true
		}
		return socket(int(a[0]), int(a[1]), int(a[2])), true
	case abi.SysSocketpair:
		return socketpair(int(a[0]), int(a[1]), int(a[2]), a[3]), true
	case abi.SysSendmmsg, abi.SysRecvmmsg:
		f, e := socketOf(fd)
		if e != 0 {
			return e, true
		}
		if nr == abi.SysSendmmsg {
			return sendmmsg(t, f, a[1], uint(uint32(a[2])), int(a[3])), true
		}
		return recvmmsg(t, f, a[1], uint(uint32(a[2])), int(a[3]), a[4]), true
	case abi.SysBind, abi.SysConnect, abi.SysListen, abi.SysAccept, abi.SysAccept4, abi.SysShutdown,
		abi.SysGetsockname, abi.SysGetpeername, abi.SysSetsockopt, abi.SysGetsockopt,
		abi.SysSendto, abi.SysRecvfrom, abi.SysSendmsg, abi.SysRecvmsg:
		if f := files.Get(fd); f != nil && f.Kind == files.KindNetlink {
			return netlinkCall(t, nr, f, a), true
		}
		f, e := socketOf(fd)
		if e != 0 {
			return e, true
		}
		return socketCall(t, nr, f, a), true
	}
	return dispatchNetstack(nr, a)
}

// socketOf returns the socket descriptor fd, or -EBADF or -ENOTSOCK.
func socketOf(fd int) (*files.File, int64) {
	f := files.Get(fd)
	switch {
	case f == nil:
		return nil, -abi.EBADF
	case f.Kind != files.KindSocket:
		return nil, -abi.ENOTSOCK
	}
	return f, 0
}

func socketCall(t *threads.Thread, nr uint64, f *files.File, a *[6]uintptr) int64 {
	id := f.Sock
	switch nr {
	case abi.SysBind:
		return bind(t, id, a[1], a[2])
	case abi.SysConnect:
		return connect(t, f, a[1], a[2])
	case abi.SysListen:
		return request(t, id, sockets.Listen(id, int(int32(a[1]))))
	case abi.SysAccept:
		return accept(t, f, a[1], a[2], 0)
	case abi.SysAccept4:
		return accept(t, f, a[1], a[2], int(a[3]))
	case abi.SysShutdown:
		return sockets.Shutdown(id, int(a[1]))
	case abi.SysGetsockname, abi.SysGetpeername:
		var b [maxSockaddr]byte
		var n int
		if nr == abi.SysGetsockname {
			n = sockets.Local(id, b[:])
		} else if n = sockets.Peer(id, b[:]); n < 0 {
			return int64(n)
		}
		return putSockaddr(a[1], a[2], b[:n])
	case abi.SysSetsockopt:
		if a[4] > 256 {
			return -abi.EINVAL
		}
		v, ok := abi.UserBytes(a[3], a[4], false)
		if !ok {
			return -abi.EFAULT
		}
		return sockets.SetOpt(id, int(int32(a[1])), int(int32(a[2])), v)
	case abi.SysGetsockopt:
		return getsockopt(id, int(int32(a[1])), int(int32(a[2])), a[3], a[4])
	case abi.SysSendto:
		return sendto(t, f, a[1], a[2], int(a[3]), a[4], a[5])
	case abi.SysRecvfrom:
		return recvfrom(t, f, a[1], a[2], int(a[3]), a[4], a[5])
	case abi.SysSendmsg:
		return sendmsg(t, f, a[1], int(a[2]))
	case abi.SysRecvmsg:
		return recvmsg(t, f, a[1], int(a[2]))
	}
	return -abi.ENOSYS
}

// socket makes a socket descriptor.
func socket(domain, typ, proto int) int64 {
	flags := typ &^ sockTypeMask
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return -abi.EINVAL
	}
	id := sockets.Open(domain, typ&sockTypeMask, proto)
	if id < 0 {
		return int64(id)
	}
	fd := files.Alloc(0, socketFD(id, flags))
	if fd < 0 {
		sockets.Close(id)
		return -abi.EMFILE
	}
	return int64(fd)
}

// socketFD is the descriptor of socket id with SOCK_NONBLOCK and
// SOCK_CLOEXEC from flags.
func socketFD(id int32, flags int) files.File {
	f := files.File{Kind: files.KindSocket, Sock: id, Flags: files.ORdwr | uint32(flags&sockNonblock)}
	if flags&sockCloexec != 0 {
		f.FDFlags = files.FDCloexec
	}
	return f
}

// request waits for the stack's answer to bind, listen or a datagram
// connect: even a non-blocking socket waits (Linux answers these at once).
func request(t *threads.Thread, id int32, r int64) int64 {
	if r != sockets.Wait {
		return r
	}
	threads.BlockRestart(t, sockets.Key(id))
	return abi.Blocked
}

// wait turns sockets.Wait into EAGAIN for a non-blocking call, or sleeps
// until the socket changes and runs the call again.
func wait(t *threads.Thread, id int32, r int64, nonblock bool) int64 {
	if r != sockets.Wait {
		return r
	}
	key := sockets.TakeWaitKey(id)
	if nonblock {
		return -abi.EAGAIN
	}
	threads.BlockRestart(t, key)
	return abi.Blocked
}

func bind(t *threads.Thread, id int32, addr, n uintptr) int64 {
	if n > maxSockaddr {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(addr, n, false)
	if !ok {
		return -abi.EFAULT
	}
	if sockets.Domain(id) == sockets.AFUnix {
		return bindUnix(id, b)
	}
	return request(t, id, sockets.Bind(id, b))
}

func connect(t *threads.Thread, f *files.File, addr, n uintptr) int64 {
	if n > maxSockaddr {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(addr, n, false)
	if !ok {
		return -abi.EFAULT
	}
	id := f.Sock
	if sockets.Domain(id) == sockets.AFUnix {
		return connectUnix(t, f, b)
	}
	r := sockets.Connect(id, b, f.Flags&files.ONonblock != 0)
	if !sockets.IsStream(id) {
		return request(t, id, r)
	}
	return wait(t, id, r, false) // a non-blocking connect never returns Wait
}

func accept(t *threads.Thread, f *files.File, addr, lenAddr uintptr, flags int) int64 {
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return -abi.EINVAL
	}
	r := sockets.Accept(f.Sock)
	if r == sockets.Wait {
		return wait(t, f.Sock, r, f.Flags&files.ONonblock != 0)
	}
	if r < 0 {
		return r
	}
	c := int32(r)
	fd := files.Alloc(0, socketFD(c, flags))
	if fd < 0 {
		sockets.Close(c)
		return -abi.EMFILE
	}
	if addr != 0 {
		var b [maxSockaddr]byte
		n := sockets.Peer(c, b[:])
		if n < 0 {
			n = sockets.Local(c, b[:]) // the peer is gone already: an address of the family
		}
		if e := putSockaddr(addr, lenAddr, b[:n]); e != 0 {
			return e
		}
	}
	return int64(fd)
}

// putSockaddr gives the app an address: as much as its buffer holds, and
// the full length in *lenAddr, as Linux does.
func putSockaddr(addr, lenAddr uintptr, sa []byte) int64 {
	l, ok := abi.GetU32(lenAddr)
	if !ok {
		return -abi.EFAULT
	}
	if int32(l) < 0 {
		return -abi.EINVAL
	}
	n := uintptr(len(sa))
	if uintptr(l) < n {
		n = uintptr(l)
	}
	dst, ok := abi.UserBytes(addr, n, true)
	if !ok {
		return -abi.EFAULT
	}
	copy(dst, sa)
	if !abi.PutU32(lenAddr, uint32(len(sa))) {
		return -abi.EFAULT
	}
	return 0
}

func getsockopt(id int32, level, name int, val, lenAddr uintptr) int64 {
	l, ok := abi.GetU32(lenAddr)
	if !ok {
		return -abi.EFAULT
	}
	if int32(l) < 0 {
		return -abi.EINVAL
	}
	var b [8]byte
	n := uintptr(l)
	if n > uintptr(len(b)) {
		n = uintptr(len(b))
	}
	r := sockets.GetOpt(id, level, name, b[:n])
	if r < 0 {
		return r
	}
	dst, ok := abi.UserBytes(val, uintptr(r), true)
	if !ok {
		return -abi.EFAULT
	}
	copy(dst, b[:r])
	if !abi.PutU32(lenAddr, uint32(r)) {
		return -abi.EFAULT
	}
	return 0
}
