package sockets

import "unigo.dev/unigo/kernel/privcalls"

// AF_UNIX bytes: a sender writes into its peer's receive ring (its own
// send ring stays unused), so a write is the only copy, as with a pipe.
// Stream sockets read with Read (stream.go); datagram and seqpacket
// sockets keep records (dgram.go's format) and read with Recv. Whoever
// consumes bytes marks itself and its peer changed (unixConsumed): the
// writer waiting for room sleeps on its own key, and a datagram sender
// waiting for an unconnected receiver on the receiver's (waitOn).

// writeUnix writes what fits of iov into the peer's receive ring.
func writeUnix(id int32, s *socket, iov *IOV) int64 {
	if s.wrShut {
		return -EPIPE
	}
	if s.state != stConnected {
		return -ENOTCONN
	}
	if s.peerSock < 0 {
		return -EPIPE
	}
	p := &table[s.peerSock]
	if p.rdShut {
		return -EPIPE
	}
	if iov.total() == 0 {
		return 0
	}
	if !rightsRoom() {
		return -ETOOMANYREFS
	}
	n := p.rx.writeIOV(iov)
	if n == 0 {
		if p.rx.count == 0 {
			return -ENOMEM // not even one page for the ring
		}
		return Wait
	}
	attachRights(s.peerSock, p.rxIn)
	p.rxIn += uint64(n)
	markDirty(s.peerSock)
	return int64(n)
}

// SendUnix queues one record, the payload in iov, on an AF_UNIX datagram
// or seqpacket socket: to socket target, or (target -1) to the connected
// peer. A datagram carries the sender's name (none when it has none). It
// returns the payload's length, or Wait while the receiver has no room
// (the caller waits on TakeWaitKey).
func SendUnix(id int32, iov *IOV, target int32) int64 {
	s := get(id)
	s.waitOn = -1
	if s.wrShut {
		return -EPIPE
	}
	dst := target
	if dst < 0 {
		switch {
		case s.state != stConnected:
			return -ENOTCONN
		case s.peerSock < 0 && s.typ == SockDgram:
			s.state, s.peer = stOpen, sockaddr{} // the peer went: the association with it too
			return -ECONNREFUSED
		case s.peerSock < 0:
			return -EPIPE
		}
		dst = s.peerSock
	}
	d := &table[dst]
	if d.typ == SockDgram && d.peerSock >= 0 && d.peerSock != id {
		return -EPERM // the receiver takes datagrams from its peer only
	}
	if d.rdShut {
		return -EPIPE
	}
	plen := iov.total()
	if plen > MaxUnixRecord || iov.More {
		return -EMSGSIZE
	}
	var name []byte
	if s.typ == SockDgram {
		name = s.local.b[:s.local.len]
	}
	if d.rx.space() < dgramHeader+len(name)+plen {
		s.waitOn, s.sendBlocked, d.senderWaiting = dst, true, true
		return Wait
	}
	if !rightsRoom() {
		return -ETOOMANYREFS
	}
	if !putDgram(&d.rx, name, iov, nil, plen) {
		return -ENOMEM
	}
	attachRights(dst, d.rxIn)
	d.rxIn += uint64(dgramHeader + len(name) + plen)
	markDirty(dst)
	return int64(plen)
}

// unixConsumed notes that socket id's receive ring gave up bytes: its
// peer may write again, and once a quarter of the ring is free (when
// unixReady calls a sender writable) so may the senders that found it
// full. (Those blocked on another receiver are told too; they look again
// and wait on.)
func unixConsumed(id int32, s *socket) {
	markDirty(id)
	if s.peerSock >= 0 {
		markDirty(s.peerSock)
	}
	if !s.senderWaiting || s.rx.space() < ringSize/4 {
		return
	}
	s.senderWaiting = false
	for i := range table {
		if u := &table[i]; u.state != stFree && u.sendBlocked {
			u.sendBlocked = false
			markDirty(int32(i))
		}
	}
}

// shutdownUnix shuts down reading or writing (bits: privcalls.Shut*). A
// connection's peer sees it mirrored, as on Linux: it reads end of file
// after this side's SHUT_WR, and its writes fail after SHUT_RD.
func shutdownUnix(id int32, s *socket, bits uint8) int64 {
	const rd, wr = privcalls.ShutRead, privcalls.ShutWrite
	s.rdShut = s.rdShut || bits&rd != 0
	s.wrShut = s.wrShut || bits&wr != 0
	if p := s.peerSock; p >= 0 && s.typ != SockDgram {
		table[p].peerEOF = table[p].peerEOF || bits&wr != 0
		table[p].wrShut = table[p].wrShut || bits&rd != 0
		markDirty(p)
	}
	markDirty(id)
	return 0
}

// unixReady is Ready for an AF_UNIX socket, as Linux's unix_poll and
// unix_dgram_poll compute it: readable with bytes or after the receive
// side shut down; writable while the peer's ring has a quarter free.
func unixReady(s *socket) uint32 {
	var ev uint32
	if s.soError != 0 {
		ev |= EventErr
	}
	rcvShut := s.rdShut || s.peerEOF
	if rcvShut {
		ev |= EventIn | EventRdHup
		if s.wrShut {
			ev |= EventHup
		}
	}
	if s.rx.count > 0 {
		ev |= EventIn
	}
	switch {
	case s.state == stListening:
		if s.acceptLen > 0 {
			ev |= EventIn
		}
		return ev
	case s.typ != SockDgram && s.state == stOpen:
		ev |= EventHup // never connected
	}
	if s.wrShut || s.peerSock < 0 || table[s.peerSock].rx.space() >= ringSize/4 {
		ev |= EventOut
	}
	return ev
}
