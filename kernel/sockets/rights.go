package sockets

// Descriptors passed over AF_UNIX sockets (SCM_RIGHTS). Package files
// parks the files in flight and names them by slot; this package ties a
// message's slots to the position of its first byte in the receiver's
// stream (rxIn counts the bytes ever written into the receive ring, rxOut
// those consumed), and hands them out with the read that starts there:
// as on Linux, that read stops before the next message that carries
// descriptors. Package netcalls passes the slots in before a send
// (SetSendRights) and takes them out after a recvmsg (TakeReceivedRights);
// after every call it closes the files nobody took (NextDropped).

// MaxRights bounds the descriptors of one message (Linux: 253).
const MaxRights = 16

type rightsMsg struct {
	used bool
	sock int32
	pos  uint64
	n    int
	slot [MaxRights]int32
}

var (
	inFlight [64]rightsMsg

	sendRights  [MaxRights]int32 // for the next send
	nSendRights int
	gotRights   [MaxRights]int32 // what the last receive took
	nGotRights  int
	dropped     [len(inFlight) * MaxRights]int32 // files whose message went unread
	nDropped    int
)

// SetSendRights gives the next send on an AF_UNIX socket slots of files in
// flight to carry.
func SetSendRights(slots []int32) { nSendRights = copy(sendRights[:], slots) }

// TakeReceivedRights returns the slots the last receive took.
func TakeReceivedRights(out *[MaxRights]int32) int {
	n := copy(out[:], gotRights[:nGotRights])
	nGotRights = 0
	return n
}

// NextDropped returns a slot whose file must be closed, or -1: of a
// message that went unread, or that the last call sent or received
// without using it (a send that must wait, a read(2) rather than a
// recvmsg).
func NextDropped() int32 {
	switch {
	case nSendRights > 0:
		nSendRights--
		return sendRights[nSendRights]
	case nGotRights > 0:
		nGotRights--
		return gotRights[nGotRights]
	case nDropped > 0:
		nDropped--
		return dropped[nDropped]
	}
	return -1
}

// rightsPending reports whether NextDropped has something.
func rightsPending() bool { return nSendRights > 0 || nGotRights > 0 || nDropped > 0 }

// rightsRoom reports whether a send may carry the pending rights.
func rightsRoom() bool {
	if nSendRights == 0 {
		return true
	}
	for i := range inFlight {
		if !inFlight[i].used {
			return true
		}
	}
	return false
}

// attachRights ties the pending rights to socket dst's byte at pos.
func attachRights(dst int32, pos uint64) {
	if nSendRights == 0 {
		return
	}
	for i := range inFlight {
		m := &inFlight[i]
		if !m.used {
			*m = rightsMsg{used: true, sock: dst, pos: pos, n: nSendRights}
			copy(m.slot[:], sendRights[:nSendRights])
			nSendRights = 0
			return
		}
	}
}

// rightsAt returns the message of socket id at position pos, or -1.
func rightsAt(id int32, pos uint64) int {
	for i := range inFlight {
		if m := &inFlight[i]; m.used && m.sock == id && m.pos == pos {
			return i
		}
	}
	return -1
}

// rightsLimit returns how many bytes a stream read from socket id may
// take (-1: any): up to the next message with rights after the first byte.
func rightsLimit(id int32, s *socket) int {
	lim := -1
	for i := range inFlight {
		m := &inFlight[i]
		if m.used && m.sock == id && m.pos > s.rxOut && (lim < 0 || int(m.pos-s.rxOut) < lim) {
			lim = int(m.pos - s.rxOut)
		}
	}
	return lim
}

// deliverRights hands out the rights of socket id's message at its read
// position, if there is one.
func deliverRights(id int32, s *socket) {
	i := rightsAt(id, s.rxOut)
	if i < 0 {
		return
	}
	m := &inFlight[i]
	nGotRights = copy(gotRights[:], m.slot[:m.n])
	m.used = false
}

// dropRights gives up the rights of every message socket id holds.
func dropRights(id int32) {
	for i := range inFlight {
		m := &inFlight[i]
		if !m.used || m.sock != id {
			continue
		}
		nDropped += copy(dropped[nDropped:], m.slot[:m.n])
		m.used = false
	}
}
