package netstack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"syscall"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo.dev/unigo/kernel/privcalls"
)

// sock is the stack's side of one kernel socket: its endpoint and where
// the two are in moving bytes.
type sock struct {
	id     uint32
	domain uint16
	stream bool
	ep     tcpip.Endpoint // nil when it could not be made (openErr)
	wq     *waiter.Queue
	entry  waiter.Entry

	openErr int32
	state   streamState
	rxFull  bool // the kernel's receive ring is full: wait for WorkRecv
	txMaybe bool // the send ring may hold bytes: WorkSend came, or the endpoint took not all of them
	// txQueued is what the send ring held as WorkSend's record was read
	// (it only grows until the stack pulls); 0: not known.
	txQueued int
	eof      bool  // the end of the stream (FIN) was reported
	broken   bool  // an error of the connection was reported: it is over
	shutRd   bool  // the app shut reading: the endpoint was told
	shutWr   bool  // the app shut writing: shut the endpoint's when the ring drains
	wrDone   bool  // the endpoint's writing is shut
	closing  bool  // the app closed the socket: finish when the ring drains
	dead     bool  // released: signals still in flight are ignored
	kicked   bool  // in netstack.kicked (guarded by netstack.mu)
	held     *sock // a listener's accepted connection the kernel's full queue did not take yet
}

type streamState uint8

const (
	idle       streamState = iota // new or bound
	connecting                    // connect started, outcome not known
	connected                     // bytes flow
	listening
	failed // connect failed
)

// watch registers for the endpoint's signals.
func (n *netstack) watch(s *sock) {
	s.entry = waiter.NewFunctionEntry(waiter.EventIn|waiter.EventOut|waiter.EventErr|waiter.EventHUp, func(waiter.EventMask) { n.kick(s) })
	s.wq.EventRegister(&s.entry)
}

// pump brings socket s up to date: accepts connections, learns a connect's
// outcome, moves bytes both ways, and finishes a closed socket.
func (n *netstack) pump(s *sock) {
	if s.dead {
		return
	}
	if s.ep != nil {
		switch {
		case s.state == listening:
			n.acceptAll(s)
		case s.state == connecting:
			n.connecting(s)
		case s.state == connected:
			n.maybeSendStream(s)
			n.recvStream(s)
		case !s.stream:
			n.sendDgrams(s)
			n.recvDgrams(s)
		}
	}
	if s.closing && n.drained(s) {
		n.release(s)
	}
}

// connecting learns the outcome of a stream connect once the endpoint
// signals writable or failed.
func (n *netstack) connecting(s *sock) {
	if s.ep.Readiness(waiter.WritableEvents|waiter.EventErr|waiter.EventHUp) == 0 {
		return
	}
	if err := s.ep.LastError(); err != nil {
		s.state = failed
		ctl(s.id, privcalls.CtlError, int64(errno(err)), nil)
		return
	}
	n.connected(s)
	n.maybeSendStream(s)
	n.recvStream(s)
}

// acceptAll hands every connection the endpoint has to the kernel's
// accept queue, until the queue is full (the backlog; WorkRecv resumes).
func (n *netstack) acceptAll(l *sock) {
	for !l.rxFull {
		c := l.held
		if c == nil {
			ep, wq, err := l.ep.Accept(nil)
			if err != nil {
				return
			}
			c = &sock{domain: l.domain, stream: true, ep: ep, wq: wq, state: connected}
		}
		id, e := ctl(l.id, privcalls.CtlAccepted, 0, addrs(c))
		if e == syscall.EAGAIN {
			l.held, l.rxFull = c, true
			return
		}
		l.held = nil
		if e != 0 {
			c.ep.Close() // the listener is closing, or the table is full: the peer sees a reset
			continue
		}
		c.id = uint32(id)
		n.socks[c.id] = c
		n.watch(c)
		n.pump(c)
	}
}

// maybeSendStream runs sendStream when the send ring may hold bytes or a
// shutdown waits for it: most pumps are for received bytes, and asking
// the kernel for an empty ring's count would cost a system call each.
func (n *netstack) maybeSendStream(s *sock) {
	if s.txMaybe || s.shutWr && !s.wrDone {
		n.sendStream(s)
	}
}

// sendStream moves the send ring into the endpoint until the ring is
// empty or the endpoint's buffer is full (its EventOut resumes it). A
// response usually costs one call: its size comes in the work record and
// the pull that takes it reports the ring empty.
func (n *netstack) sendStream(s *sock) {
	q := s.txQueued
	s.txQueued = 0
	for {
		if q <= 0 { // not known: ask
			var e syscall.Errno
			if q, e = netio(s.id, privcalls.IOQueued, nil, nil); e != 0 {
				q = 0
			}
		}
		if q == 0 {
			s.txMaybe = false // the app's next write to the empty ring posts WorkSend
			break
		}
		r := ringReader{id: s.id, left: q, rest: -1}
		m, err := s.ep.Write(&r, tcpip.WriteOptions{})
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			return
		}
		if err != nil || m == 0 {
			// The connection can send no more: the app's writes fail once
			// the kernel hears of the error; drop what it queued.
			n.fail(s, err)
			s.dropSendRing()
			return
		}
		if r.rest == 0 { // the last pull emptied the ring
			s.txMaybe = false
			break
		}
		q = r.rest // -1 (nothing pulled): ask
	}
	if s.shutWr && !s.wrDone {
		s.wrDone = true
		s.ep.Shutdown(tcpip.ShutdownWrite)
	}
}

// recvStream moves what the endpoint received into the receive ring until
// the endpoint is empty or the ring is full (WorkRecv resumes it). After
// the end of the stream it still looks, for a reset that may follow.
func (n *netstack) recvStream(s *sock) {
	for !s.rxFull && !s.broken {
		w := ringWriter{id: s.id}
		res, err := s.ep.Read(&w, tcpip.ReadOptions{})
		if res.Count > 0 {
			s.ep.ModerateRecvBuf(res.Count)
		}
		if w.full {
			s.rxFull = true
			return
		}
		switch err.(type) {
		case nil:
			if res.Count == 0 {
				return
			}
		case *tcpip.ErrWouldBlock:
			return
		case *tcpip.ErrNotConnected:
			return // closed both ways, gracefully
		case *tcpip.ErrClosedForReceive:
			if !s.eof {
				s.eof = true
				ctl(s.id, privcalls.CtlEOF, 0, nil)
			}
			return
		default:
			n.fail(s, err)
		}
	}
}

// fail reports a broken connection once: the app's next read or write
// gets the error (ECONNRESET...), then end of file or EPIPE.
func (n *netstack) fail(s *sock, err tcpip.Error) {
	if s.broken {
		return
	}
	s.broken = true
	e := int64(econnreset)
	if err != nil {
		e = int64(errno(err))
	}
	ctl(s.id, privcalls.CtlError, e, nil)
}

// dropSendRing empties a send ring whose bytes can no longer go
// anywhere, and forgets what the stack knew of it (WorkSend's count).
func (s *sock) dropSendRing() {
	var buf [4096]byte
	for {
		if m, e := netio(s.id, privcalls.IOPull, buf[:], nil); e != 0 || m == 0 {
			break
		}
	}
	s.txMaybe, s.txQueued = false, 0
}

// sendDgrams sends the datagrams of the send queue. UDP may drop: one the
// endpoint refuses is gone.
func (n *netstack) sendDgrams(s *sock) {
	var a [4 + privcalls.SockaddrSize]byte
	for {
		m, e := netio(s.id, privcalls.IOPullDgram, n.dgram, a[:])
		if e != 0 {
			return
		}
		var opts tcpip.WriteOptions
		if alen := int(a[0]); alen > 0 {
			to, ok := fromSockaddr(a[4 : 4+alen])
			if !ok {
				continue
			}
			opts.To = &to
		}
		s.ep.Write(bytes.NewReader(n.dgram[:m]), opts)
	}
}

// recvDgrams queues received datagrams with their sources, until the
// endpoint is empty or the kernel's queue is full.
func (n *netstack) recvDgrams(s *sock) {
	for !s.rxFull {
		var b bytes.Buffer
		res, err := s.ep.Read(&b, tcpip.ReadOptions{NeedRemoteAddr: true})
		if err != nil {
			return
		}
		from := toSockaddr(res.RemoteAddr, s.domain)
		a := make([]byte, 4+len(from))
		a[0] = byte(len(from))
		copy(a[4:], from)
		if _, e := netio(s.id, privcalls.IOPushDgram, b.Bytes(), a); e != 0 {
			s.rxFull = true // this one is dropped; WorkRecv resumes
		}
	}
}

// drained reports whether a closing socket has nothing left to hand its
// endpoint. A close with SO_LINGER 0 aborts: what the send ring holds is
// dropped, and the endpoint's Close resets the connection at once, as
// Linux does, instead of waiting for a peer that may never read again.
func (n *netstack) drained(s *sock) bool {
	if s.ep == nil || s.state != connected {
		return true
	}
	if l := s.ep.SocketOptions().GetLinger(); l.Enabled && l.Timeout == 0 {
		s.dropSendRing()
		return true
	}
	q, e := netio(s.id, privcalls.IOQueued, nil, nil)
	return e != 0 || q == 0
}

// release closes the endpoint (gVisor sends what it holds, then FIN) and
// gives the kernel the socket back.
func (n *netstack) release(s *sock) {
	if s.held != nil {
		s.held.ep.Close()
		s.held = nil
	}
	if s.ep != nil {
		s.wq.EventUnregister(&s.entry)
		s.ep.Close()
	}
	s.dead = true
	delete(n.socks, s.id)
	ctl(s.id, privcalls.CtlRelease, 0, nil)
}

// ringReader hands gVisor the first left bytes of a send ring: the
// endpoint copies them straight out of the kernel's ring into its buffer.
// rest is what the ring held after the last pull (-1: no pull yet).
type ringReader struct {
	id   uint32
	left int
	rest int
}

func (r *ringReader) Len() int { return r.left }

var errRingEmpty = errors.New("send ring emptied under the stack")

func (r *ringReader) Read(b []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) > r.left {
		b = b[:r.left]
	}
	var rest [4]byte
	m, e := netio(r.id, privcalls.IOPull, b, rest[:])
	if e != 0 || m == 0 {
		return 0, errRingEmpty
	}
	r.left -= m
	r.rest = int(binary.LittleEndian.Uint32(rest[:]))
	return m, nil
}

// ringWriter takes what an endpoint received straight into a receive
// ring; full is set when the ring took less than offered.
type ringWriter struct {
	id   uint32
	full bool
}

func (w *ringWriter) Write(b []byte) (int, error) {
	m, e := netio(w.id, privcalls.IOPush, b, nil)
	if e != 0 {
		m = 0
	}
	if m < len(b) {
		w.full = true
		return m, io.ErrShortWrite
	}
	return m, nil
}
