package sockets

// Readiness changes. This package does not know descriptors or threads'
// wait channels beyond Key: it notes which sockets changed, and package
// netcalls, after each call, tells epoll about their descriptors and wakes
// the threads waiting on them (and, when work was queued, the stack's work
// descriptor's waiters).

var (
	dirtyList [MaxSockets]int32
	nDirty    int
)

// markDirty notes that socket id's readiness or state changed.
func markDirty(id int32) {
	s := &table[id]
	if s.dirty || nDirty == len(dirtyList) {
		return
	}
	s.dirty = true
	dirtyList[nDirty] = id
	nDirty++
}

// HasEvents reports whether a socket changed, work was queued or passed
// files went unread since the last NextDirty, TakeWorkPosted and
// NextDropped.
func HasEvents() bool { return nDirty > 0 || workPosted || rightsPending() }

// NextDirty returns a socket that changed, or -1 when none is left.
func NextDirty() int32 {
	if nDirty == 0 {
		return -1
	}
	nDirty--
	id := dirtyList[nDirty]
	table[id].dirty = false
	return id
}

// TakeWorkPosted reports whether work was queued since it was last asked.
func TakeWorkPosted() bool {
	w := workPosted
	workPosted = false
	return w
}

// Readiness events, as epoll reports them (the values of package files'
// Event constants, which this package cannot import).
const (
	EventIn    = 0x001
	EventOut   = 0x004
	EventErr   = 0x008
	EventHup   = 0x010
	EventRdHup = 0x2000
)

// Ready returns the events socket id could report now, as Linux's
// tcp_poll and datagram_poll compute them.
func Ready(id int32) uint32 {
	s := get(id)
	if s == nil {
		return 0
	}
	if s.domain == AFUnix {
		return unixReady(s)
	}
	var ev uint32
	if s.soError != 0 {
		ev |= EventErr
	}
	if s.typ == SockDgram {
		if s.rx.count > 0 || s.rdShut {
			ev |= EventIn
		}
		if s.tx.space() >= ringSize/2 || s.wrShut {
			ev |= EventOut
		}
		return ev
	}
	if s.rdShut || s.peerEOF {
		ev |= EventIn | EventRdHup
	}
	switch s.state {
	case stOpen: // never connected: Linux's TCP_CLOSE
		ev |= EventOut | EventHup
	case stListening:
		if s.acceptLen > 0 {
			ev |= EventIn
		}
	case stConnected:
		if s.rx.count > 0 {
			ev |= EventIn
		}
		if s.tx.space() >= ringSize/4 || s.wrShut { // as Linux, wait for real room
			ev |= EventOut
		}
		if s.peerEOF && s.wrShut {
			ev |= EventHup
		}
	case stClosed:
		ev |= EventIn | EventRdHup | EventOut | EventHup
	}
	return ev
}
