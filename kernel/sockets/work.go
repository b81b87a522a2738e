package sockets

import "unigo.dev/unigo/kernel/privcalls"

// The work queue: sockets with something for the stack to do, first come
// first served, each at most once (its pending work is a set of bits), so
// the queue cannot overflow and a socket's work is done in a fixed order.
// The stack reads it through its work descriptor (privcalls.NetAttach).

var (
	attached           bool           // a stack holds the work descriptor
	workHead, workTail int32 = -1, -1 // the queue, linked through socket.next
	workPosted         bool           // work was queued since package netcalls last looked
)

// Attach makes the caller the network stack; false when one is attached.
func Attach() bool {
	if attached {
		return false
	}
	attached = true
	return true
}

// Detach forgets the stack (its work descriptor closed). Sockets stay as
// they are; no new ones can be made.
func Detach() { attached = false }

// WorkPending reports whether the work descriptor is readable.
func WorkPending() bool { return workHead >= 0 }

// post adds work bits to socket id and queues it if it is not queued yet.
func post(id int32, bits uint32) {
	s := &table[id]
	if s.domain == AFUnix {
		return // the stack has no part in AF_UNIX sockets
	}
	s.work |= bits
	workPosted = true
	if s.queued {
		return
	}
	s.queued, s.next = true, -1
	if workTail < 0 {
		workHead = id
	} else {
		table[workTail].next = id
	}
	workTail = id
}

// unqueue takes socket id out of the work queue (it is being freed).
func unqueue(id int32) {
	prev := int32(-1)
	for c := workHead; c >= 0; prev, c = c, table[c].next {
		if c != id {
			continue
		}
		if prev < 0 {
			workHead = table[c].next
		} else {
			table[prev].next = table[c].next
		}
		if workTail == c {
			workTail = prev
		}
		break
	}
	table[id].queued = false
}

// TakeWork fills dst with work records (privcalls.WorkSize bytes each,
// as many as fit) and returns the bytes written; 0 when there is no work.
func TakeWork(dst []byte) int {
	n := 0
	for workHead >= 0 && len(dst)-n >= privcalls.WorkSize {
		id := workHead
		s := &table[id]
		workHead = s.next
		if workHead < 0 {
			workTail = -1
		}
		s.queued, s.next = false, -1
		record(id, s, dst[n:n+privcalls.WorkSize])
		s.work = 0
		n += privcalls.WorkSize
	}
	return n
}

// record writes one work record: the socket's pending work and a snapshot
// of what the stack needs to do it.
func record(id int32, s *socket, r []byte) {
	clear(r)
	putLE32(r[privcalls.WorkSock:], uint32(id))
	putLE32(r[privcalls.WorkBits:], s.work)
	putLE16(r[privcalls.WorkDomain:], s.domain)
	putLE16(r[privcalls.WorkType:], s.typ)
	putLE16(r[privcalls.WorkProto:], s.proto)
	r[privcalls.WorkHow] = s.how
	putLE32(r[privcalls.WorkBacklog:], uint32(s.backlog))
	putLE32(r[privcalls.WorkAddrLen:], uint32(s.reqAddr.len))
	copy(r[privcalls.WorkAddr:privcalls.WorkAddr+privcalls.SockaddrSize], s.reqAddr.b[:])
	o := &s.opts
	putLE32(r[privcalls.WorkOptFlags:], o.flags)
	putLE32(r[privcalls.WorkLinger:], uint32(o.linger))
	putLE32(r[privcalls.WorkRcvBuf:], uint32(o.rcvBuf))
	putLE32(r[privcalls.WorkSndBuf:], uint32(o.sndBuf))
	putLE32(r[privcalls.WorkKeepIdle:], uint32(o.keepIdle))
	putLE32(r[privcalls.WorkKeepIntv:], uint32(o.keepIntvl))
	putLE32(r[privcalls.WorkKeepCnt:], uint32(o.keepCnt))
	if s.typ == SockStream {
		putLE32(r[privcalls.WorkQueued:], uint32(s.tx.count))
	}
}
