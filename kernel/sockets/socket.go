// Package sockets is the kernel's half of networking: the socket table,
// each socket's receive and send rings, accept and datagram queues, and
// readiness for epoll. The app's socket calls are answered here, on the
// trap path, from kernel state: read and write copy between the app and
// the rings, accept pops the accept queue, and none of them waits for a
// goroutine. The protocols run in the network stack (package
// kernel/netstack, goroutines in the app's own runtime, with the Go heap),
// which takes work from a queue here and moves bytes through the private
// calls of package privcalls. docs/network-design.md has the reasons.
// AF_UNIX sockets (unix.go) live here alone: the stack never hears of them.
//
// Trap path: no allocation, no pointers stored in globals; sockets are
// slots in a fixed table, named by index. Package netcalls
// (kernel/syscalls/netcalls) decodes the calls and their user memory; this
// package returns Linux errno values.
// The network stack's init links both into the system-call table (see
// syscalls.SocketOps): an app without the network has neither.
package sockets

import "unigo.dev/unigo/kernel/privcalls"

// Socket families, types and protocols the table holds.
const (
	AFUnspec = 0
	AFUnix   = 1
	AFInet   = 2
	AFInet6  = 10

	SockStream    = 1
	SockDgram     = 2
	SockSeqpacket = 5 // AF_UNIX only

	IPProtoTCP = 6
	IPProtoUDP = 17
)

// state is where a socket is in its life, as the app sees it.
type state uint8

const (
	stFree       state = iota
	stOpen             // created (perhaps bound), not connected or listening
	stConnecting       // a stream socket's connect is in progress
	stConnected        // a stream connection is up, or a datagram socket has a default peer
	stListening        // a stream socket accepts connections
	stClosed           // a stream connection failed or ended by error (reset)
)

// Requests the app waits on (bind, listen and a datagram socket's connect
// need the stack's answer before they return).
const (
	reqNone uint8 = iota
	reqBind
	reqListen
	reqConnect
)

// sockaddr is a Linux socket address as the app gave it or will get it.
type sockaddr struct {
	len uint8
	b   [UnixAddrMax]byte // room for the largest: sockaddr_un
}

// socket is one slot of the table.
type socket struct {
	state  state
	domain uint16
	typ    uint16
	proto  uint16

	appClosed bool  // the app closed its last descriptor; the stack finishes it
	bound     bool  // bind succeeded
	rdShut    bool  // shutdown(SHUT_RD)
	wrShut    bool  // shutdown(SHUT_WR)
	peerEOF   bool  // the peer sends no more: reads end when the ring drains
	soError   int32 // pending error (SO_ERROR), a positive errno
	connWait  bool  // a blocking connect waits for its outcome
	rxWant    bool  // the stack found the receive ring full: tell it when there is room
	dirty     bool  // readiness changed since package netcalls last looked
	queued    bool  // in the work queue
	how       uint8 // privcalls.Shut* bits asked for

	req       uint8 // a request (req*) the app waits on
	reqDone   bool  // the stack answered it
	reqResult int64 // with this

	work    uint32 // pending privcalls.Work* bits
	next    int32  // next socket in the work queue
	backlog int32

	reqAddr     sockaddr // address of a posted bind or connect
	local, peer sockaddr
	opts        options

	// A listener's accept queue (sockets, linked through acceptNext).
	acceptHead, acceptTail, acceptLen int32
	acceptNext                        int32

	rx, tx ring

	// AF_UNIX (unix.go): the other end of a connection, or a datagram
	// socket's default peer (-1: none); the file-system node a path bind
	// made (0: none); the socket whose change a waiting send or connect
	// needs (-1: its own).
	peerSock int32
	node     uint32
	waitOn   int32
	// A send found a receiver full (sendBlocked, on the sender), and a
	// sender waits for this socket's ring (senderWaiting): the receiver's
	// next read tells the blocked senders, whose readiness for epoll
	// depends on it (unixConsumed).
	sendBlocked, senderWaiting bool
	// Bytes ever written into and consumed from the receive ring: where
	// passed descriptors sit in the stream (rights.go).
	rxIn, rxOut uint64
}

// MaxSockets bounds the table (both ends of a loopback connection count).
// As many as the descriptor table (files.MaxFDs) has room for, so that
// descriptors run out first, as on Linux. Memory allows it: 500 open
// keep-alive connections of a net/http server took 19 MiB of guest RAM in
// all (ring pages are taken on demand), and the table (550 bytes a slot)
// is demand-paged BSS.
const MaxSockets = 1024

var table [MaxSockets]socket

// Errno values the socket calls return (negated), as Linux does.
const (
	EPERM           = 1
	ENOENT          = 2
	EBADF           = 9
	EAGAIN          = 11
	ENOMEM          = 12
	EFAULT          = 14
	EINVAL          = 22
	ENFILE          = 23
	ENOSPC          = 28
	EPIPE           = 32
	EDESTADDRREQ    = 89
	EMSGSIZE        = 90
	EPROTOTYPE      = 91
	ENOPROTOOPT     = 92
	EPROTONOSUPPORT = 93
	ESOCKTNOSUPPORT = 94
	EOPNOTSUPP      = 95
	EAFNOSUPPORT    = 97
	EADDRINUSE      = 98
	ECONNRESET      = 104
	EISCONN         = 106
	ENOTCONN        = 107
	ETOOMANYREFS    = 109
	ECONNREFUSED    = 111
	EALREADY        = 114
	EINPROGRESS     = 115
)

// Wait is returned by a call that cannot finish yet: package netcalls puts
// the thread to sleep on Key(id) (or returns EAGAIN for a non-blocking
// socket), and the call runs again when the socket changes.
const Wait = -1 << 40

// get returns the socket with index id if it is in use.
func get(id int32) *socket {
	if id < 0 || id >= MaxSockets || table[id].state == stFree {
		return nil
	}
	return &table[id]
}

// Open makes a socket and returns its index, or -errno. The stack learns of
// it through the work queue (WorkOpen).
func Open(domain, typ, proto int) int32 {
	if domain == AFUnix {
		return openUnix(typ, proto) // the stack plays no part
	}
	if !attached {
		return -EAFNOSUPPORT // no network stack is linked into the app
	}
	if domain != AFInet && domain != AFInet6 {
		return -EAFNOSUPPORT
	}
	switch {
	case typ == SockStream && (proto == 0 || proto == IPProtoTCP):
		proto = IPProtoTCP
	case typ == SockDgram && (proto == 0 || proto == IPProtoUDP):
		proto = IPProtoUDP
	case typ == SockStream || typ == SockDgram:
		return -EPROTONOSUPPORT
	default:
		return -ESOCKTNOSUPPORT // raw and packet sockets, SOCK_SEQPACKET
	}
	id := newSocket(domain, typ, proto, stOpen)
	if id >= 0 {
		post(id, privcalls.WorkOpen)
	}
	return id
}

// newSocket takes a free slot for a socket in state st and returns its
// index, or -ENFILE.
func newSocket(domain, typ, proto int, st state) int32 {
	for i := range table {
		s := &table[i]
		if s.state == stFree {
			*s = socket{state: st, domain: uint16(domain), typ: uint16(typ), proto: uint16(proto),
				next: -1, acceptHead: -1, acceptTail: -1, acceptNext: -1, peerSock: -1, waitOn: -1}
			return int32(i)
		}
	}
	return -ENFILE
}

// Close drops the app's last descriptor of socket id. The socket lives on
// until the stack has sent what the send ring holds and closed its side
// (CtlRelease); connections a listener accepted but the app did not are
// closed with it.
func Close(id int32) {
	s := get(id)
	if s == nil || s.appClosed {
		return
	}
	if s.domain == AFUnix {
		closeUnix(id)
		return
	}
	s.appClosed = true
	for c := s.acceptHead; c >= 0; {
		child := &table[c]
		next := child.acceptNext
		child.acceptNext = -1
		child.appClosed = true
		post(c, privcalls.WorkClose)
		c = next
	}
	s.acceptHead, s.acceptTail, s.acceptLen = -1, -1, 0
	post(id, privcalls.WorkClose)
}

// free returns a released socket's slot and pages.
func free(id int32) {
	s := &table[id]
	s.rx.release()
	s.tx.release()
	*s = socket{}
}

// IsStream reports whether socket id is a stream (TCP or AF_UNIX
// SOCK_STREAM) socket: one without record boundaries.
func IsStream(id int32) bool {
	s := get(id)
	return s != nil && s.typ == SockStream
}

// keyBase keeps socket wait keys apart from addresses and other keys.
const keyBase = 0xffff_e000_0000_0000

// Key is the wait channel of threads waiting on socket id: readers,
// writers, acceptors, and callers waiting for the stack's answer. Any
// change of the socket wakes them all to look again.
func Key(id int32) uintptr { return keyBase + uintptr(id) }

// Local and Peer copy the socket's local or peer address into dst and
// return its length (0: none; the caller reports an unspecified address).
func Local(id int32, dst []byte) int {
	s := get(id)
	return addrOut(s, &s.local, dst)
}

// Peer is Local for the peer's address; -ENOTCONN when not connected.
func Peer(id int32, dst []byte) int {
	s := get(id)
	if s.state != stConnected || s.peer.len == 0 && s.domain != AFUnix {
		return -ENOTCONN // (an AF_UNIX peer may have no name: the family alone)
	}
	return addrOut(s, &s.peer, dst)
}

// Domain returns the socket's address family.
func Domain(id int32) int { return int(get(id).domain) }

// Type returns the socket's type (SOCK_STREAM...).
func Type(id int32) int { return int(get(id).typ) }

// RxQueued returns the bytes waiting to be read (FIONREAD).
func RxQueued(id int32) int {
	s := get(id)
	if s.typ != SockStream {
		if s.rx.count == 0 {
			return 0
		}
		var h [dgramHeader]byte
		s.rx.peek(h[:], 0)
		return int(h[0]) | int(h[1])<<8
	}
	return s.rx.count
}
