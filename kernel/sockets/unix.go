package sockets

// AF_UNIX sockets live in the kernel alone: both ends of a connection are
// sockets of the table, each pointing at the other (peerSock), and what
// one writes goes straight into the other's receive ring, as in a pipe.
// No work is posted for them (post ignores them): the network stack never
// hears of them. This file is their life: names, listen, connect, close;
// unixio.go moves their bytes.
//
// Names. A path name is a node of type socket in the file system, made by
// bind (package netcalls walks the path and makes the node; this package
// keeps its inode number and finds the socket by it). An abstract name
// (leading NUL) lives in the table only. Linux keeps both per socket type:
// a connect to a socket of another type is EPROTOTYPE (path) or finds
// nothing (abstract).

// unixPathOff is offsetof(struct sockaddr_un, sun_path); UnixAddrMax is
// sizeof(struct sockaddr_un).
const (
	unixPathOff = 2
	UnixAddrMax = 110
)

// MaxUnixRecord is the largest datagram or SOCK_SEQPACKET message: one
// record, with the largest address, in a receive ring.
const MaxUnixRecord = ringSize - dgramHeader - UnixAddrMax

// openUnix makes an unconnected AF_UNIX socket.
func openUnix(typ, proto int) int32 {
	if proto != 0 && proto != AFUnix {
		return -EPROTONOSUPPORT
	}
	if typ != SockStream && typ != SockDgram && typ != SockSeqpacket {
		return -ESOCKTNOSUPPORT
	}
	return newSocket(AFUnix, typ, 0, stOpen)
}

// Pair makes two AF_UNIX sockets connected to each other (socketpair).
func Pair(typ, proto int) (a, b int32, e int64) {
	if a = openUnix(typ, proto); a < 0 {
		return 0, 0, int64(a)
	}
	if b = openUnix(typ, proto); b < 0 {
		free(a)
		return 0, 0, int64(b)
	}
	link(a, b)
	return a, b, 0
}

// link connects sockets a and b to each other.
func link(a, b int32) {
	table[a].state, table[a].peerSock = stConnected, b
	table[b].state, table[b].peerSock = stConnected, a
}

// Bound reports whether socket id has a name (bind succeeded).
func Bound(id int32) bool { return get(id).bound }

// BindUnix names AF_UNIX socket id: addr is the sockaddr_un as
// getsockname will return it, node the inode of the node a path bind
// made (0 for an abstract name). An abstract name in use is EADDRINUSE;
// a path in use the caller found already (the node exists).
func BindUnix(id int32, addr []byte, node uint32) int64 {
	s := get(id)
	if s.bound {
		return -EINVAL
	}
	if len(addr) <= unixPathOff || len(addr) > UnixAddrMax {
		return -EINVAL
	}
	if node == 0 && LookupAbstract(addr, int(s.typ)) >= 0 {
		return -EADDRINUSE
	}
	if node != 0 {
		// Another socket holding this inode held a node that is gone (its
		// number was reused): it is no longer reachable by name.
		for i := range table {
			if u := &table[i]; u.state != stFree && u.domain == AFUnix && u.node == node {
				u.node = 0
			}
		}
	}
	s.local = sockaddr{len: uint8(len(addr))}
	copy(s.local.b[:], addr)
	s.node, s.bound = node, true
	return 0
}

// autobindNext is the next abstract name autobind tries.
var autobindNext uint32

// Autobind gives socket id an abstract name of five hex digits, as Linux
// does for a bind with no name (an already named socket keeps its name).
func Autobind(id int32) int64 {
	s := get(id)
	if s.bound {
		return 0
	}
	const digits = "0123456789abcdef"
	var a [unixPathOff + 1 + 5]byte
	putLE16(a[:], AFUnix)
	for range 1 << 20 {
		n := autobindNext
		autobindNext = (autobindNext + 1) & (1<<20 - 1)
		for i := 0; i < 5; i++ {
			a[len(a)-1-i] = digits[n>>(4*i)&0xf]
		}
		if LookupAbstract(a[:], -1) < 0 {
			return BindUnix(id, a[:], 0)
		}
	}
	return -ENOSPC
}

// LookupAbstract returns the socket of type typ (-1: any) with abstract
// name addr (a whole sockaddr_un), or -1.
func LookupAbstract(addr []byte, typ int) int32 {
	for i := range table {
		u := &table[i]
		if u.state == stFree || u.domain != AFUnix || !u.bound || u.node != 0 || u.appClosed ||
			typ >= 0 && int(u.typ) != typ || int(u.local.len) != len(addr) {
			continue
		}
		if string(u.local.b[:u.local.len]) == string(addr) {
			return int32(i)
		}
	}
	return -1
}

// LookupNode returns the socket bound to the file-system node node:
// -ECONNREFUSED when there is none, -EPROTOTYPE when it is not of type typ.
func LookupNode(node uint32, typ int) int32 {
	for i := range table {
		u := &table[i]
		if u.state != stFree && u.domain == AFUnix && u.node == node && !u.appClosed {
			if int(u.typ) != typ {
				return -EPROTOTYPE
			}
			return int32(i)
		}
	}
	return -ECONNREFUSED
}

// listenUnix makes a named stream or seqpacket socket a listener.
func listenUnix(id int32, s *socket, backlog int) int64 {
	if s.typ == SockDgram {
		return -EOPNOTSUPP
	}
	if !s.bound {
		return -EINVAL // as Linux: no listening without a name
	}
	if backlog < 0 || backlog > 4096 {
		backlog = 4096 // somaxconn
	}
	switch s.state {
	case stListening:
	case stOpen:
		s.state = stListening
	default:
		return -EINVAL
	}
	s.backlog = int32(backlog)
	markDirty(id)
	return 0
}

// ConnectUnix connects socket id to socket target (found by
// LookupAbstract or LookupNode). A stream or seqpacket connect makes the
// server's end at once and queues it on the listener: the client is
// connected before accept, as on Linux. When the listener's queue is full
// a non-blocking connect is EAGAIN and a blocking one waits for accept.
// A datagram connect sets the default peer.
func ConnectUnix(id, target int32, nonblock bool) int64 {
	s := get(id)
	l := get(target)
	if l == nil || l.domain != AFUnix || l.typ != s.typ {
		return -ECONNREFUSED
	}
	if s.typ == SockDgram {
		if l.peerSock >= 0 && l.peerSock != id {
			return -EPERM // it talks to another socket only
		}
		s.state, s.peerSock, s.peer = stConnected, target, l.local
		markDirty(id)
		return 0
	}
	switch s.state {
	case stConnected:
		return -EISCONN
	case stListening:
		return -EINVAL
	}
	if l.state != stListening || l.appClosed {
		return -ECONNREFUSED
	}
	if l.acceptLen > l.backlog {
		if nonblock {
			return -EAGAIN
		}
		s.waitOn = target
		return Wait
	}
	c := newSocket(AFUnix, int(s.typ), 0, stConnected)
	if c < 0 {
		return int64(c)
	}
	link(id, c)
	table[c].local, table[c].peer, s.peer = l.local, s.local, l.local
	enqueue(l, c)
	markDirty(target)
	markDirty(id)
	return 0
}

// DisconnectUnix dissolves a datagram socket's default peer (connect to
// AF_UNSPEC).
func DisconnectUnix(id int32) int64 {
	s := get(id)
	if s.typ != SockDgram {
		return -EINVAL
	}
	s.state, s.peerSock, s.peer = stOpen, -1, sockaddr{}
	markDirty(id)
	return 0
}

// TakeWaitKey returns the wait channel for a call on socket id that
// returned Wait: its own, or that of the socket a send or connect waits
// for (a full receiver or listener).
func TakeWaitKey(id int32) uintptr {
	s := get(id)
	if s == nil || s.waitOn < 0 {
		return Key(id)
	}
	w := s.waitOn
	s.waitOn = -1
	return Key(w)
}

// closeUnix closes AF_UNIX socket id at once, with the connections its
// accept queue holds, whose clients see a reset.
func closeUnix(id int32) {
	s := &table[id]
	s.appClosed = true
	for c := s.acceptHead; c >= 0; {
		next := table[c].acceptNext
		releaseUnix(c, true)
		c = next
	}
	s.acceptHead, s.acceptTail, s.acceptLen = -1, -1, 0
	releaseUnix(id, false)
}

// releaseUnix frees AF_UNIX socket id and tells the sockets that point at
// it. A connection's peer gets end of file in both directions (Linux's
// SHUTDOWN_MASK), and ECONNRESET when unread bytes were lost or the
// connection was never accepted (reset). A datagram socket whose default
// peer went gets ECONNREFUSED on its next send.
func releaseUnix(id int32, reset bool) {
	s := &table[id]
	reset = reset || s.rx.count > 0
	for i := range table {
		u := &table[i]
		if u.state == stFree || u.domain != AFUnix || int32(i) == id || u.peerSock != id {
			continue
		}
		u.peerSock = -1
		if u.typ != SockDgram {
			u.peerEOF, u.wrShut = true, true
			if reset {
				u.soError = ECONNRESET
			}
		}
		markDirty(int32(i))
	}
	dropRights(id)
	free(id)
	markDirty(id) // wakes sends and connects waiting for it: they find it gone
}
