package sockets

import "unigo.dev/unigo/kernel/privcalls"

// Calls that change a socket's association: bind, listen, connect,
// accept, shutdown. Bind, listen and a datagram connect need the stack's
// answer (EADDRINUSE...) before they return: they post the request and
// return Wait; the thread sleeps on Key(id) and runs the call again when
// the socket changes, and the call then finds the answer. A stream
// connect never needs it: it returns EINPROGRESS (or, blocking, waits for
// the socket to leave stConnecting).

// request posts a request of kind, or returns its answer once it is in.
// Another request on the same socket waits for the first one (and is
// woken when the first one's answer is taken).
func request(id int32, s *socket, kind uint8, bits uint32) int64 {
	if s.req != reqNone {
		if s.req == kind && s.reqDone {
			r := s.reqResult
			s.req, s.reqDone, s.reqResult = reqNone, false, 0
			markDirty(id)
			return r
		}
		return Wait
	}
	s.req = kind
	post(id, bits)
	return Wait
}

// Bind asks the stack to bind socket id to addr.
func Bind(id int32, addr []byte) int64 {
	s := get(id)
	if s.req != reqNone {
		return request(id, s, reqBind, privcalls.WorkBind)
	}
	if s.bound || s.state != stOpen {
		return -EINVAL
	}
	if e := addrIn(s, addr, &s.reqAddr); e != 0 {
		return e
	}
	return request(id, s, reqBind, privcalls.WorkBind)
}

// Listen makes a stream socket a listener (binding it to an ephemeral
// port if it is not bound); listening again only changes the backlog.
func Listen(id int32, backlog int) int64 {
	s := get(id)
	if s.domain == AFUnix {
		return listenUnix(id, s, backlog)
	}
	if s.typ != SockStream {
		return -EOPNOTSUPP
	}
	if s.req != reqNone {
		return request(id, s, reqListen, privcalls.WorkListen)
	}
	if backlog < 0 || backlog > 65535 {
		backlog = 65535
	}
	if s.state == stListening {
		s.backlog = int32(backlog)
		return 0
	}
	if s.state != stOpen {
		return -EINVAL
	}
	s.backlog = int32(backlog)
	return request(id, s, reqListen, privcalls.WorkListen)
}

// Connect connects socket id to addr. A non-blocking stream socket gets
// EINPROGRESS and later becomes writable with SO_ERROR set, as Go's
// netpoller expects.
func Connect(id int32, addr []byte, nonblock bool) int64 {
	s := get(id)
	if s.typ == SockDgram {
		return connectDgram(id, s, addr)
	}
	switch s.state {
	case stConnected:
		if s.connWait {
			s.connWait = false
			return 0
		}
		return -EISCONN
	case stConnecting:
		if s.connWait {
			return Wait
		}
		if nonblock {
			return -EALREADY
		}
		s.connWait = true
		return Wait
	case stClosed:
		s.connWait = false
		if e := s.soError; e != 0 {
			s.soError = 0
			return -int64(e)
		}
		return -EISCONN
	case stListening:
		return -EISCONN
	}
	if s.req != reqNone {
		return Wait // a bind is in flight
	}
	if e := addrIn(s, addr, &s.reqAddr); e != 0 {
		return e
	}
	s.state = stConnecting
	post(id, privcalls.WorkConnect)
	markDirty(id)
	if nonblock {
		return -EINPROGRESS
	}
	s.connWait = true
	return Wait
}

// connectDgram sets or (AF_UNSPEC) dissolves a datagram socket's default
// peer; the stack chooses the local address, which getsockname then shows.
func connectDgram(id int32, s *socket, addr []byte) int64 {
	if s.req != reqNone {
		return request(id, s, reqConnect, privcalls.WorkConnect)
	}
	if len(addr) >= 2 && family(addr) == AFUnspec {
		s.reqAddr = sockaddr{}
	} else if e := addrIn(s, addr, &s.reqAddr); e != 0 {
		return e
	}
	return request(id, s, reqConnect, privcalls.WorkConnect)
}

// Accept takes the next connection off listener id's queue and returns
// its socket, or Wait when there is none.
func Accept(id int32) int64 {
	s := get(id)
	if s.typ == SockDgram {
		return -EOPNOTSUPP
	}
	if s.state != stListening {
		return -EINVAL
	}
	if s.acceptLen == 0 {
		return Wait
	}
	c := s.acceptHead
	s.acceptHead = table[c].acceptNext
	if s.acceptHead < 0 {
		s.acceptTail = -1
	}
	table[c].acceptNext = -1
	s.acceptLen--
	if s.domain == AFUnix {
		markDirty(id) // a connect that found the queue full tries again
	}
	if s.rxWant { // the stack holds a connection the queue had no room for
		s.rxWant = false
		post(id, privcalls.WorkRecv)
	}
	return int64(c)
}

// Shutdown shuts down reading, writing or both (how: SHUT_RD, SHUT_WR,
// SHUT_RDWR). Reads then end at once; writes fail with EPIPE; the stack
// sends FIN when the send ring has drained.
func Shutdown(id int32, how int) int64 {
	s := get(id)
	var bits uint8
	switch how {
	case 0:
		bits = privcalls.ShutRead
	case 1:
		bits = privcalls.ShutWrite
	case 2:
		bits = privcalls.ShutRead | privcalls.ShutWrite
	default:
		return -EINVAL
	}
	if s.domain == AFUnix {
		return shutdownUnix(id, s, bits)
	}
	switch {
	case s.state == stListening:
		return 0
	case s.state != stConnected && s.state != stConnecting && s.state != stClosed:
		return -ENOTCONN
	}
	s.rdShut = s.rdShut || bits&privcalls.ShutRead != 0
	s.wrShut = s.wrShut || bits&privcalls.ShutWrite != 0
	s.how |= bits
	post(id, privcalls.WorkShutdown)
	markDirty(id)
	return 0
}
