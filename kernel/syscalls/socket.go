package syscalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/threads"
)

// The socket calls (Linux x86-64 numbers). Package sockets owns the
// sockets; this file decodes the calls and their user memory, and turns
// sockets.Wait into EAGAIN or a sleep on the socket's wait channel.
const (
	sysSocket      = 41
	sysConnect     = 42
	sysAccept      = 43
	sysSendto      = 44
	sysRecvfrom    = 45
	sysSendmsg     = 46
	sysRecvmsg     = 47
	sysShutdown    = 48
	sysBind        = 49
	sysListen      = 50
	sysGetsockname = 51
	sysGetpeername = 52
	sysSetsockopt  = 54
	sysGetsockopt  = 55
	sysAccept4     = 288
)

const (
	ENOTSOCK     = 88
	EOPNOTSUPP   = 95
	sockNonblock = oNonblock
	sockCloexec  = oCloexec
	sockTypeMask = 0xf
	maxSockaddr  = 128 // sizeof(struct sockaddr_storage)
)

// SocketOps are the socket layer's entry points in the system-call table.
// They are unset (socket calls are ENOSYS) until the network stack's init
// (kernel/netstack) sets them to SocketCalls, so an app that does not
// link the stack has none of the socket code in its image: the linker
// keeps only what is reachable, and only the stack reaches SocketCalls.
type SocketOps struct {
	// Dispatch runs a socket call; ok is false for other calls. The
	// arguments come by value: a pointer to the caller's array passed to a
	// function value would make it escape to the heap.
	Dispatch func(t *threads.Thread, nr uint64, a [6]uintptr) (r int64, ok bool)
	// Events runs after every call: it passes on what the call changed.
	Events func()
}

// Sockets is the socket layer, once linked in.
var Sockets SocketOps

// SocketCalls is what the network stack sets Sockets to.
var SocketCalls = SocketOps{Dispatch: dispatchSocket, Events: socketEvents}

// dispatchSocket runs the socket calls, and read, write, readv, writev,
// ioctl and fstat on socket descriptors and on the network stack's work
// descriptor; ok is false for everything else.
func dispatchSocket(t *threads.Thread, nr uint64, args [6]uintptr) (r int64, ok bool) {
	a := &args
	fd := int(int32(a[0]))
	switch nr {
	case sysRead, sysWrite, sysReadv, sysWritev, sysIoctl, sysFstat:
		f := files.Get(fd)
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
	case sysSendfile:
		out := files.Get(fd)
		switch {
		case out == nil:
			return -EBADF, true
		case out.Kind != files.KindSocket:
			return -EINVAL, true // to a file or pipe: the app falls back to read and write
		}
		return sendfile(t, out, int(int32(a[1])), a[2], a[3]), true
	case sysSocket:
		return socket(int(a[0]), int(a[1]), int(a[2])), true
	case sysSocketpair:
		return socketpair(int(a[0]), int(a[1]), int(a[2]), a[3]), true
	case sysBind, sysConnect, sysListen, sysAccept, sysAccept4, sysShutdown,
		sysGetsockname, sysGetpeername, sysSetsockopt, sysGetsockopt,
		sysSendto, sysRecvfrom, sysSendmsg, sysRecvmsg:
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
		return nil, -EBADF
	case f.Kind != files.KindSocket:
		return nil, -ENOTSOCK
	}
	return f, 0
}

func socketCall(t *threads.Thread, nr uint64, f *files.File, a *[6]uintptr) int64 {
	id := f.Sock
	switch nr {
	case sysBind:
		return bind(t, id, a[1], a[2])
	case sysConnect:
		return connect(t, f, a[1], a[2])
	case sysListen:
		return request(t, id, sockets.Listen(id, int(int32(a[1]))))
	case sysAccept:
		return accept(t, f, a[1], a[2], 0)
	case sysAccept4:
		return accept(t, f, a[1], a[2], int(a[3]))
	case sysShutdown:
		return sockets.Shutdown(id, int(a[1]))
	case sysGetsockname, sysGetpeername:
		var b [maxSockaddr]byte
		var n int
		if nr == sysGetsockname {
			n = sockets.Local(id, b[:])
		} else if n = sockets.Peer(id, b[:]); n < 0 {
			return int64(n)
		}
		return putSockaddr(a[1], a[2], b[:n])
	case sysSetsockopt:
		if a[4] > 256 {
			return -EINVAL
		}
		v, ok := userBytes(a[3], a[4], false)
		if !ok {
			return -EFAULT
		}
		return sockets.SetOpt(id, int(int32(a[1])), int(int32(a[2])), v)
	case sysGetsockopt:
		return getsockopt(id, int(int32(a[1])), int(int32(a[2])), a[3], a[4])
	case sysSendto:
		return sendto(t, f, a[1], a[2], int(a[3]), a[4], a[5])
	case sysRecvfrom:
		return recvfrom(t, f, a[1], a[2], int(a[3]), a[4], a[5])
	case sysSendmsg:
		return sendmsg(t, f, a[1], int(a[2]))
	case sysRecvmsg:
		return recvmsg(t, f, a[1], int(a[2]))
	}
	return -ENOSYS
}

// socket makes a socket descriptor.
func socket(domain, typ, proto int) int64 {
	flags := typ &^ sockTypeMask
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return -EINVAL
	}
	id := sockets.Open(domain, typ&sockTypeMask, proto)
	if id < 0 {
		return int64(id)
	}
	fd := files.Alloc(0, socketFD(id, flags))
	if fd < 0 {
		sockets.Close(id)
		return -EMFILE
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
	return blocked
}

// wait turns sockets.Wait into EAGAIN for a non-blocking call, or sleeps
// until the socket changes and runs the call again.
func wait(t *threads.Thread, id int32, r int64, nonblock bool) int64 {
	if r != sockets.Wait {
		return r
	}
	key := sockets.TakeWaitKey(id)
	if nonblock {
		return -EAGAIN
	}
	threads.BlockRestart(t, key)
	return blocked
}

func bind(t *threads.Thread, id int32, addr, n uintptr) int64 {
	if n > maxSockaddr {
		return -EINVAL
	}
	b, ok := userBytes(addr, n, false)
	if !ok {
		return -EFAULT
	}
	if sockets.Domain(id) == sockets.AFUnix {
		return bindUnix(id, b)
	}
	return request(t, id, sockets.Bind(id, b))
}

func connect(t *threads.Thread, f *files.File, addr, n uintptr) int64 {
	if n > maxSockaddr {
		return -EINVAL
	}
	b, ok := userBytes(addr, n, false)
	if !ok {
		return -EFAULT
	}
	id := f.Sock
	if sockets.Domain(id) == sockets.AFUnix {
		return connectUnix(t, f, b)
	}
	r := sockets.Connect(id, b, f.Flags&oNonblock != 0)
	if !sockets.IsStream(id) {
		return request(t, id, r)
	}
	return wait(t, id, r, false) // a non-blocking connect never returns Wait
}

func accept(t *threads.Thread, f *files.File, addr, lenAddr uintptr, flags int) int64 {
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return -EINVAL
	}
	r := sockets.Accept(f.Sock)
	if r == sockets.Wait {
		return wait(t, f.Sock, r, f.Flags&oNonblock != 0)
	}
	if r < 0 {
		return r
	}
	c := int32(r)
	fd := files.Alloc(0, socketFD(c, flags))
	if fd < 0 {
		sockets.Close(c)
		return -EMFILE
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
	l, ok := getU32(lenAddr)
	if !ok {
		return -EFAULT
	}
	if int32(l) < 0 {
		return -EINVAL
	}
	n := uintptr(len(sa))
	if uintptr(l) < n {
		n = uintptr(l)
	}
	dst, ok := userBytes(addr, n, true)
	if !ok {
		return -EFAULT
	}
	copy(dst, sa)
	if !putU32(lenAddr, uint32(len(sa))) {
		return -EFAULT
	}
	return 0
}

func getsockopt(id int32, level, name int, val, lenAddr uintptr) int64 {
	l, ok := getU32(lenAddr)
	if !ok {
		return -EFAULT
	}
	if int32(l) < 0 {
		return -EINVAL
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
	dst, ok := userBytes(val, uintptr(r), true)
	if !ok {
		return -EFAULT
	}
	copy(dst, b[:r])
	if !putU32(lenAddr, uint32(r)) {
		return -EFAULT
	}
	return 0
}
