package sockets

import "unigo.dev/unigo/kernel/privcalls"

// The stack's side: privcalls.NetCtl and privcalls.NetIO. Every change
// marks the socket dirty, which wakes its waiters and reaches epoll.

// Ctl runs one privcalls.NetCtl operation on socket id; buf holds its
// addresses (privcalls.Addrs) where the operation has some.
func Ctl(id int32, op int, arg int64, buf []byte) int64 {
	s := get(id)
	if s == nil {
		return -EBADF
	}
	addrs := len(buf) >= privcalls.AddrsSize
	switch op {
	case privcalls.CtlDone:
		if s.req == reqNone || s.reqDone {
			return -EINVAL
		}
		s.reqDone, s.reqResult = true, arg
		if arg == 0 {
			done(s)
		}
		if arg == 0 && addrs {
			setAddr(&s.local, buf[privcalls.AddrsLocal:])
			if s.state == stConnected {
				setAddr(&s.peer, buf[privcalls.AddrsRemote:])
			}
		}
	case privcalls.CtlConnected:
		if s.state != stConnecting {
			return -EINVAL
		}
		s.state = stConnected
		if addrs {
			setAddr(&s.local, buf[privcalls.AddrsLocal:])
			setAddr(&s.peer, buf[privcalls.AddrsRemote:])
		}
		if s.peer.len == 0 {
			s.peer = s.reqAddr
		}
	case privcalls.CtlError:
		if arg <= 0 || arg > 4095 {
			return -EINVAL
		}
		s.soError = int32(arg)
		if s.state == stConnecting || s.state == stConnected && s.typ == SockStream {
			s.state = stClosed
		}
	case privcalls.CtlEOF:
		s.peerEOF = true
	case privcalls.CtlAccepted:
		return accepted(id, s, buf, addrs)
	case privcalls.CtlRelease:
		if !s.appClosed {
			return -EINVAL
		}
		if s.queued {
			unqueue(id)
		}
		free(id)
	default:
		return -EINVAL
	}
	markDirty(id)
	return 0
}

// done records a request's success in the socket's state.
func done(s *socket) {
	switch s.req {
	case reqBind:
		s.bound = true
	case reqListen:
		s.state = stListening
	case reqConnect: // datagram sockets only
		if s.reqAddr.len == 0 { // AF_UNSPEC: dissolve the association
			s.state, s.peer = stOpen, sockaddr{}
		} else {
			s.state, s.peer = stConnected, s.reqAddr
		}
	}
}

// accepted queues a new connection on listener id and returns its socket.
// A full queue (more than the backlog, as Linux counts) is EAGAIN: the
// stack keeps the connection and is told (WorkRecv) when accept made room.
func accepted(id int32, l *socket, buf []byte, addrs bool) int64 {
	if l.state != stListening || l.appClosed {
		return -EINVAL
	}
	if l.acceptLen > l.backlog {
		l.rxWant = true
		return -EAGAIN
	}
	i := newSocket(int(l.domain), int(l.typ), int(l.proto), stConnected)
	if i < 0 {
		return int64(i)
	}
	c := &table[i]
	c.opts = l.opts
	c.opts.nOther = 0
	if addrs {
		setAddr(&c.local, buf[privcalls.AddrsLocal:])
		setAddr(&c.peer, buf[privcalls.AddrsRemote:])
	}
	enqueue(l, i)
	markDirty(id)
	return int64(i)
}

// enqueue appends connection c to listener l's accept queue.
func enqueue(l *socket, c int32) {
	if l.acceptTail < 0 {
		l.acceptHead = c
	} else {
		table[l.acceptTail].acceptNext = c
	}
	l.acceptTail = c
	l.acceptLen++
}

// IO runs one privcalls.NetIO operation on socket id. addr is the
// operation's address buffer (a uint32 length, then the address).
func IO(id int32, op int, buf, addr []byte) int64 {
	s := get(id)
	if s == nil {
		return -EBADF
	}
	stream := s.typ == SockStream
	switch {
	case op == privcalls.IOQueued && stream:
		return int64(s.tx.count)
	case op == privcalls.IOQueued:
		if s.tx.count == 0 {
			return -EAGAIN
		}
		plen, _ := dgramHead(&s.tx)
		return int64(plen)
	case op == privcalls.IOPull && stream:
		n := s.tx.read(buf)
		if n > 0 {
			markDirty(id)
		}
		if len(addr) >= 4 {
			putLE32(addr, uint32(s.tx.count))
		}
		return int64(n)
	case op == privcalls.IOPush && stream:
		if s.appClosed || s.rdShut {
			return int64(len(buf)) // nobody will read it
		}
		n := s.rx.write(buf)
		if n < len(buf) {
			s.rxWant = true
		}
		if n > 0 {
			markDirty(id)
		}
		return int64(n)
	case op == privcalls.IOPullDgram && !stream:
		return pullDgram(id, s, buf, addr)
	case op == privcalls.IOPushDgram && !stream:
		return pushDgram(id, s, buf, addr)
	}
	return -EINVAL
}
