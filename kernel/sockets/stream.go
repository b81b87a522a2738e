package sockets

import "unigo.dev/unigo/kernel/privcalls"

// The app's reads and writes on stream sockets: copies between the app's
// buffers (a gather list, so that readv, writev, sendmsg and recvmsg are
// one ring operation) and the socket's rings. They never wait for the
// stack: an empty receive ring or a full send ring is Wait.

// Read copies received bytes into iov (peek: without consuming them). It
// returns the count, 0 at end of stream, Wait when nothing is there yet.
func Read(id int32, iov *IOV, peek bool) int64 {
	s := get(id)
	switch s.state {
	case stOpen, stListening:
		return -ENOTCONN
	case stConnecting:
		return Wait
	}
	if s.rx.count > 0 {
		limit := -1 // an AF_UNIX read stops before the next passed descriptors
		if s.domain == AFUnix {
			limit = rightsLimit(id, s)
		}
		n := 0
		for i := 0; i < iov.N && n != limit; i++ {
			b := iov.at(i)
			if limit >= 0 && len(b) > limit-n {
				b = b[:limit-n]
			}
			var m int
			if peek {
				m = s.rx.peek(b, n)
			} else {
				m = s.rx.read(b)
			}
			n += m
			if m < len(b) {
				break
			}
		}
		if n > 0 && !peek && s.domain == AFUnix {
			deliverRights(id, s)
			s.rxOut += uint64(n)
			unixConsumed(id, s)
		}
		if n > 0 && !peek && s.rxWant {
			s.rxWant = false
			post(id, privcalls.WorkRecv)
		}
		return int64(n)
	}
	if iov.total() == 0 {
		return 0
	}
	if (s.state == stClosed || s.domain == AFUnix) && s.soError != 0 {
		e := s.soError // a reset connection: the error once, then end of file
		s.soError = 0
		markDirty(id)
		return -int64(e)
	}
	if s.peerEOF || s.rdShut || s.state == stClosed {
		return 0
	}
	return Wait
}

// Write copies what fits of iov into the send ring and returns the count,
// Wait when the ring is full, -EPIPE once writing is over (the caller
// raises SIGPIPE).
func Write(id int32, iov *IOV) int64 {
	s := get(id)
	if s.domain == AFUnix {
		return writeUnix(id, s, iov)
	}
	if s.wrShut {
		return -EPIPE
	}
	switch s.state {
	case stConnected:
	case stConnecting:
		return Wait
	case stClosed:
		if e := s.soError; e != 0 {
			s.soError = 0
			markDirty(id)
			return -int64(e)
		}
		return -EPIPE
	default:
		return -EPIPE // as Linux's TCP for a socket that never connected
	}
	if iov.total() == 0 {
		return 0
	}
	wasEmpty := s.tx.count == 0
	n := s.tx.writeIOV(iov)
	if n == 0 {
		if s.tx.count == 0 {
			return -ENOMEM // not even one page for the ring
		}
		return Wait
	}
	if wasEmpty {
		post(id, privcalls.WorkSend)
	}
	return int64(n)
}
