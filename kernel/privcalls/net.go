package privcalls

// The socket layer's private calls: how the network stack (package
// kernel/netstack, goroutines in the app's runtime) serves the sockets the
// kernel keeps (package kernel/sockets). The kernel owns each socket's
// state and byte rings, so the app's read, write and epoll_wait never wait
// for a goroutine; the stack is told what to do through a work queue and
// answers through NetCtl and NetIO. docs/network-design.md explains why.
const (
	// NetAttach() makes the calling program the network stack and returns
	// its work descriptor: non-blocking, close-on-exec, readable (EPOLLIN)
	// while work is queued. read(2) on it returns whole work records
	// (WorkSize bytes each, layout below) and -EAGAIN when there are none.
	// -EBUSY when a stack is attached already. socket(2) fails with
	// EAFNOSUPPORT until a stack has attached.
	NetAttach = 1003
	// NetCtl(sock, op, arg, buf, len) changes a socket's state: one of the
	// Ctl* operations below. Returns 0 (CtlAccepted: the new socket's id)
	// or -errno: -EBADF for a socket id not in use, -EINVAL for a bad op.
	NetCtl = 1004
	// NetIO(sock, op, buf, len, addr, addrlen) moves bytes between the
	// stack and a socket's rings: one of the IO* operations below. It
	// never blocks.
	NetIO = 1005
)

// Work records, read from the work descriptor. All fields little endian.
// A record names one socket and every kind of work pending on it (Work*
// bits); the stack does them in bit order (open before bind before
// connect before send before close). The snapshot fields are the socket's
// current values, meaningful for the bits that use them.
const (
	WorkSize     = 128
	WorkSock     = 0  // uint32: the socket's id
	WorkBits     = 4  // uint32: Work* bits
	WorkDomain   = 8  // uint16: AF_INET or AF_INET6
	WorkType     = 10 // uint16: SOCK_STREAM or SOCK_DGRAM
	WorkProto    = 12 // uint16: IPPROTO_TCP, IPPROTO_UDP or 0
	WorkHow      = 14 // uint8: ShutRead|ShutWrite, what shutdown(2) asked for so far
	WorkBacklog  = 16 // int32: listen's backlog
	WorkAddrLen  = 20 // uint32: length of WorkAddr
	WorkAddr     = 24 // SockaddrSize bytes: the address to bind or connect to (Linux sockaddr)
	WorkOptFlags = 52 // uint32: Opt* bits
	WorkLinger   = 56 // int32: SO_LINGER seconds (with OptLinger)
	WorkRcvBuf   = 60 // int32: SO_RCVBUF as set, 0: default
	WorkSndBuf   = 64 // int32: SO_SNDBUF as set, 0: default
	WorkKeepIdle = 68 // int32: TCP_KEEPIDLE seconds, 0: default
	WorkKeepIntv = 72 // int32: TCP_KEEPINTVL seconds, 0: default
	WorkKeepCnt  = 76 // int32: TCP_KEEPCNT, 0: default
	WorkQueued   = 80 // uint32: the bytes in a stream socket's send ring as the record was read
)

// Work bits, in the order the stack does them.
const (
	WorkOpen     = 1 << iota // a new socket: make its endpoint
	WorkOptions              // socket options changed: apply the snapshot
	WorkBind                 // bind to WorkAddr; answer with CtlDone
	WorkListen               // listen with WorkBacklog; answer with CtlDone
	WorkConnect              // connect to WorkAddr: stream sockets answer with CtlConnected or CtlError, datagram sockets with CtlDone
	WorkSend                 // the send ring has bytes (or datagrams)
	WorkRecv                 // the receive ring has room again after a short IOPush (a listener: its accept queue after CtlAccepted's EAGAIN)
	WorkShutdown             // shutdown(2): see WorkHow
	WorkClose                // the app closed its last descriptor: flush the send ring, close, then CtlRelease
)

// Shutdown bits (WorkHow).
const (
	ShutRead  = 1
	ShutWrite = 2
)

// Socket option bits (WorkOptFlags).
const (
	OptReuseAddr = 1 << iota
	OptReusePort
	OptKeepAlive
	OptNoDelay
	OptBroadcast
	OptV6Only
	OptLinger
)

// SockaddrSize is the room for one Linux socket address (sockaddr_in6,
// the largest of AF_INET and AF_INET6).
const SockaddrSize = 28

// Addrs is the buffer of CtlDone, CtlConnected and CtlAccepted: the local
// then the remote address, each a uint32 length and SockaddrSize bytes. A
// length of 0 leaves the kernel's copy as it is.
const (
	AddrsSize   = 64
	AddrsLocal  = 0
	AddrsRemote = 32
)

// NetCtl operations.
const (
	// CtlDone answers the socket's bind, listen or datagram connect: arg is
	// 0 or -errno; buf (optional) holds Addrs.
	CtlDone = 1
	// CtlConnected: a stream socket's connect succeeded; buf holds Addrs.
	CtlConnected = 2
	// CtlError: the connection failed or broke; arg is the errno. A
	// connect in progress fails with it; a connection becomes closed, its
	// unread bytes still readable, then the error once, then end of file.
	CtlError = 3
	// CtlEOF: the peer sends no more (FIN); reads end after the ring drains.
	CtlEOF = 4
	// CtlAccepted: the listener sock has a new connection; buf holds Addrs.
	// Returns the new socket's id (queued for accept(2)), -EAGAIN when the
	// queue holds more than the backlog (the stack keeps the connection
	// until WorkRecv), or another -errno (the stack closes the connection).
	CtlAccepted = 5
	// CtlRelease: the stack is done with a socket the app closed: its id and
	// pages are freed.
	CtlRelease = 6
)

// NetIO operations.
const (
	// IOPull copies up to len bytes out of a stream socket's send ring.
	// Returns the count (0: empty). When addrlen is 4 or more, the bytes
	// left in the ring are written to addr as a uint32, so the stack
	// learns that it emptied the ring without asking again (IOQueued).
	IOPull = 1
	// IOPush copies up to len bytes into a stream socket's receive ring.
	// Returns the count; a short count means the ring is full, and WorkRecv
	// follows when the app has made room.
	IOPush = 2
	// IOPullDgram takes the next datagram from a datagram socket's send
	// queue: its payload into buf (len must hold it: -EMSGSIZE), its
	// destination into addr as a uint32 length and the address (addrlen at
	// least 4+SockaddrSize; length 0 when the socket's connected peer is
	// meant). Returns the payload's length, -EAGAIN when the queue is empty.
	IOPullDgram = 3
	// IOPushDgram queues one received datagram, from the source address in
	// addr (a uint32 length, then the address). Returns len, or -EAGAIN when
	// the receive queue has no room (the datagram is dropped, as UDP may;
	// WorkRecv follows).
	IOPushDgram = 4
	// IOQueued returns the bytes in a stream socket's send ring, or the
	// length of a datagram socket's next datagram (-EAGAIN: none).
	IOQueued = 5
)

// Errno values of the socket calls beyond those above.
const (
	EBUSY        = 16
	EAFNOSUPPORT = 97
)
