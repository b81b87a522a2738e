package sockets

import "unigo.dev/unigo/kernel/privcalls"

// Datagram sockets keep whole datagrams in their rings, each as a record:
// a 4-byte header (payload length, uint16; address length, uint8; 0), the
// address (the destination on the send ring, the source on the receive
// ring; length 0: the connected peer), then the payload.

const dgramHeader = 4

// MaxDatagram is the largest payload a datagram socket takes: what a ring
// holds with the largest header and address (Linux takes 65507 for UDP
// over IPv4; 3 bytes fewer here).
const MaxDatagram = ringSize - dgramHeader - privcalls.SockaddrSize

// dgramHead reads the header of a ring's first record.
func dgramHead(r *ring) (plen, alen int) {
	var h [dgramHeader]byte
	r.peek(h[:], 0)
	return int(h[0]) | int(h[1])<<8, int(h[2])
}

// putDgram appends one record with the payload in iov, or in one when iov
// is nil; false (nothing written) when memory for the ring's pages is
// exhausted. The caller has checked that it fits.
func putDgram(r *ring, addr []byte, iov *IOV, one []byte, plen int) bool {
	if !r.reserve(dgramHeader + len(addr) + plen) {
		return false
	}
	h := [dgramHeader]byte{byte(plen), byte(plen >> 8), byte(len(addr))}
	r.write(h[:])
	r.write(addr)
	if iov == nil {
		r.write(one)
		return true
	}
	for i := 0; i < iov.N; i++ {
		r.write(iov.at(i))
	}
	return true
}

// Send queues one datagram for addr (nil: the connected peer) and returns
// its length, or Wait while the send ring has no room for it.
func Send(id int32, iov *IOV, addr []byte) int64 {
	s := get(id)
	if s.wrShut {
		return -EPIPE
	}
	var dst sockaddr
	if len(addr) > 0 {
		if e := addrIn(s, addr, &dst); e != 0 {
			return e
		}
	} else if s.state != stConnected {
		return -EDESTADDRREQ
	}
	plen := iov.total()
	if plen > MaxDatagram || iov.More {
		return -EMSGSIZE
	}
	if s.tx.space() < dgramHeader+int(dst.len)+plen {
		return Wait
	}
	wasEmpty := s.tx.count == 0
	if !putDgram(&s.tx, dst.b[:dst.len], iov, nil, plen) {
		return -ENOMEM
	}
	if wasEmpty {
		post(id, privcalls.WorkSend)
	}
	return int64(plen)
}

// Recv copies the next datagram into iov and its source address into
// from. It returns the bytes copied, the datagram's full length (more
// when it was truncated) and the address's length; Wait when none is there.
func Recv(id int32, iov *IOV, peek bool, from []byte) (n, full int64, alen int) {
	s := get(id)
	if s.typ == SockSeqpacket && s.state != stConnected {
		return -ENOTCONN, 0, 0
	}
	if s.rx.count == 0 {
		if e := s.soError; e != 0 {
			s.soError = 0
			markDirty(id)
			return -int64(e), 0, 0
		}
		if s.rdShut || s.peerEOF { // peerEOF: an AF_UNIX SOCK_SEQPACKET peer is gone
			return 0, 0, 0
		}
		return Wait, 0, 0
	}
	plen, al := dgramHead(&s.rx)
	var a [UnixAddrMax]byte
	s.rx.peek(a[:al], dgramHeader)
	copy(from, a[:al])
	off := dgramHeader + al
	got := 0
	for i := 0; i < iov.N && got < plen; i++ {
		b := iov.at(i)
		if left := plen - got; len(b) > left {
			b = b[:left]
		}
		got += s.rx.peek(b, off+got)
	}
	if !peek {
		s.rx.skip(off + plen)
		if s.domain == AFUnix {
			deliverRights(id, s)
			s.rxOut += uint64(off + plen)
			unixConsumed(id, s)
		}
		if s.rxWant {
			s.rxWant = false
			post(id, privcalls.WorkRecv)
		}
	}
	return int64(got), int64(plen), al
}

// pullDgram is privcalls.IOPullDgram: the stack takes the next datagram to
// send. addr receives a uint32 length and the destination.
func pullDgram(id int32, s *socket, buf, addr []byte) int64 {
	if s.tx.count == 0 {
		return -EAGAIN
	}
	plen, al := dgramHead(&s.tx)
	if plen > len(buf) || len(addr) < 4+privcalls.SockaddrSize {
		return -EMSGSIZE
	}
	putLE32(addr, uint32(al))
	s.tx.peek(addr[4:4+al], dgramHeader)
	s.tx.peek(buf[:plen], dgramHeader+al)
	s.tx.skip(dgramHeader + al + plen)
	markDirty(id)
	return int64(plen)
}

// pushDgram is privcalls.IOPushDgram: a datagram arrived from the address
// in addr (a uint32 length, then the address).
func pushDgram(id int32, s *socket, buf, addr []byte) int64 {
	if s.appClosed || s.rdShut {
		return int64(len(buf))
	}
	if len(addr) < 4 || len(buf) > MaxDatagram {
		return -EINVAL
	}
	al := int(getLE32(addr))
	if al > privcalls.SockaddrSize || len(addr) < 4+al {
		return -EINVAL
	}
	if s.rx.space() < dgramHeader+al+len(buf) {
		s.rxWant = true
		return -EAGAIN
	}
	if !putDgram(&s.rx, addr[4:4+al], nil, buf, len(buf)) {
		s.rxWant = true
		return -ENOMEM
	}
	markDirty(id)
	return int64(len(buf))
}
