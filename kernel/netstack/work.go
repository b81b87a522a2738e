package netstack

import (
	"encoding/binary"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo.dev/unigo/kernel/privcalls"
)

// work is one decoded work record (privcalls.Work*).
type work struct {
	sock               uint32
	bits               uint32
	domain, typ        uint16
	how                uint8
	backlog            int32
	addr               []byte // Linux sockaddr; empty: none (AF_UNSPEC)
	optFlags           uint32
	linger             int32
	rcvBuf, sndBuf     int32
	keepIdle, keepIntv int32
	keepCnt            int32
	queued             int32 // the send ring's bytes (stream)
}

func parseWork(r []byte) work {
	le := binary.LittleEndian
	i32 := func(off int) int32 { return int32(le.Uint32(r[off:])) }
	alen := int(le.Uint32(r[privcalls.WorkAddrLen:]))
	if alen > privcalls.SockaddrSize {
		alen = privcalls.SockaddrSize
	}
	return work{
		sock:     le.Uint32(r[privcalls.WorkSock:]),
		bits:     le.Uint32(r[privcalls.WorkBits:]),
		domain:   le.Uint16(r[privcalls.WorkDomain:]),
		typ:      le.Uint16(r[privcalls.WorkType:]),
		how:      r[privcalls.WorkHow],
		backlog:  i32(privcalls.WorkBacklog),
		addr:     append([]byte(nil), r[privcalls.WorkAddr:privcalls.WorkAddr+alen]...),
		optFlags: le.Uint32(r[privcalls.WorkOptFlags:]),
		linger:   i32(privcalls.WorkLinger),
		rcvBuf:   i32(privcalls.WorkRcvBuf),
		sndBuf:   i32(privcalls.WorkSndBuf),
		keepIdle: i32(privcalls.WorkKeepIdle),
		keepIntv: i32(privcalls.WorkKeepIntv),
		keepCnt:  i32(privcalls.WorkKeepCnt),
		queued:   i32(privcalls.WorkQueued),
	}
}

// Linux values the records carry.
const (
	afInet6   = 10
	sockDgram = 2
)

// do carries out one record, in the order of its bits.
func (n *netstack) do(w work) {
	s := n.socks[w.sock]
	if w.bits&privcalls.WorkOpen != 0 {
		s = n.open(w)
	}
	if s == nil { // a socket this stack never made: only its end matters
		if w.bits&privcalls.WorkClose != 0 {
			ctl(w.sock, privcalls.CtlRelease, 0, nil)
		}
		return
	}
	if w.bits&privcalls.WorkOptions != 0 && s.ep != nil {
		applyOptions(s, w)
	}
	if w.bits&privcalls.WorkBind != 0 {
		n.bind(s, w)
	}
	if w.bits&privcalls.WorkListen != 0 {
		n.listen(s, w)
	}
	if w.bits&privcalls.WorkConnect != 0 {
		n.connect(s, w)
	}
	if w.bits&privcalls.WorkRecv != 0 {
		s.rxFull = false
	}
	if w.bits&privcalls.WorkSend != 0 {
		s.txMaybe, s.txQueued = true, int(w.queued)
	}
	if w.bits&privcalls.WorkShutdown != 0 && s.ep != nil {
		if w.how&privcalls.ShutRead != 0 && !s.shutRd {
			s.shutRd = true
			s.ep.Shutdown(tcpip.ShutdownRead)
		}
		s.shutWr = w.how&privcalls.ShutWrite != 0
	}
	if w.bits&privcalls.WorkClose != 0 {
		s.closing = true
	}
	n.pump(s)
}

// open makes the endpoint of a new socket.
func (n *netstack) open(w work) *sock {
	s := &sock{id: w.sock, domain: w.domain, stream: w.typ != sockDgram, wq: new(waiter.Queue)}
	netProto, transProto := ipv4.ProtocolNumber, tcp.ProtocolNumber
	if w.domain == afInet6 {
		netProto = ipv6.ProtocolNumber
	}
	if !s.stream {
		transProto = udp.ProtocolNumber
	}
	ep, err := n.stack.NewEndpoint(transProto, netProto, s.wq)
	if err != nil {
		s.openErr = errno(err)
	} else {
		s.ep = ep
		n.watch(s)
	}
	n.socks[s.id] = s
	return s
}

// applyOptions sets the endpoint's options to the record's snapshot.
func applyOptions(s *sock, w work) {
	o := s.ep.SocketOptions()
	f := w.optFlags
	o.SetReuseAddress(f&privcalls.OptReuseAddr != 0)
	o.SetReusePort(f&privcalls.OptReusePort != 0)
	o.SetKeepAlive(f&privcalls.OptKeepAlive != 0)
	o.SetBroadcast(f&privcalls.OptBroadcast != 0)
	if s.stream {
		o.SetDelayOption(f&privcalls.OptNoDelay == 0)
	}
	if s.domain == afInet6 {
		o.SetV6Only(f&privcalls.OptV6Only != 0)
	}
	o.SetLinger(tcpip.LingerOption{Enabled: f&privcalls.OptLinger != 0, Timeout: time.Duration(w.linger) * time.Second})
	if w.rcvBuf > 0 {
		o.SetReceiveBufferSize(int64(w.rcvBuf), true)
	}
	if w.sndBuf > 0 {
		o.SetSendBufferSize(int64(w.sndBuf), true)
	}
	if !s.stream {
		return
	}
	if w.keepIdle > 0 {
		v := tcpip.KeepaliveIdleOption(time.Duration(w.keepIdle) * time.Second)
		s.ep.SetSockOpt(&v)
	}
	if w.keepIntv > 0 {
		v := tcpip.KeepaliveIntervalOption(time.Duration(w.keepIntv) * time.Second)
		s.ep.SetSockOpt(&v)
	}
	if w.keepCnt > 0 {
		s.ep.SetSockOptInt(tcpip.KeepaliveCountOption, int(w.keepCnt))
	}
}

// bind binds and answers.
func (n *netstack) bind(s *sock, w work) {
	if s.ep == nil {
		done(s, -int64(s.openErr), nil)
		return
	}
	a, ok := fromSockaddr(w.addr)
	if !ok {
		done(s, -einval, nil)
		return
	}
	if err := s.ep.Bind(a); err != nil {
		done(s, -int64(errno(err)), nil)
		return
	}
	done(s, 0, addrs(s))
}

// listen starts listening and answers; connections may be waiting at once.
func (n *netstack) listen(s *sock, w work) {
	if s.ep == nil {
		done(s, -int64(s.openErr), nil)
		return
	}
	if err := s.ep.Listen(int(w.backlog)); err != nil {
		done(s, -int64(errno(err)), nil)
		return
	}
	s.state = listening
	done(s, 0, addrs(s))
}

// connect starts a stream connection (its outcome comes when the endpoint
// signals; see pump) or sets a datagram socket's peer and answers.
func (n *netstack) connect(s *sock, w work) {
	if s.ep == nil {
		if s.stream {
			ctl(s.id, privcalls.CtlError, int64(s.openErr), nil)
		} else {
			done(s, -int64(s.openErr), nil)
		}
		return
	}
	var a tcpip.FullAddress
	ok := true
	if len(w.addr) > 0 {
		a, ok = fromSockaddr(w.addr)
	}
	if !s.stream {
		var err tcpip.Error
		switch {
		case !ok:
			done(s, -einval, nil)
			return
		case len(w.addr) == 0:
			err = s.ep.Disconnect()
		default:
			err = s.ep.Connect(a)
		}
		if err != nil {
			done(s, -int64(errno(err)), nil)
			return
		}
		done(s, 0, addrs(s))
		return
	}
	if !ok {
		ctl(s.id, privcalls.CtlError, einval, nil)
		return
	}
	switch err := s.ep.Connect(a); err.(type) {
	case nil:
		n.connected(s)
	case *tcpip.ErrConnectStarted:
		s.state = connecting
	default:
		s.state = failed
		ctl(s.id, privcalls.CtlError, int64(errno(err)), nil)
	}
}

// connected tells the kernel a stream connection is up.
func (n *netstack) connected(s *sock) {
	s.state = connected
	ctl(s.id, privcalls.CtlConnected, 0, addrs(s))
}

// done answers a bind, listen or datagram connect.
func done(s *sock, result int64, a []byte) {
	ctl(s.id, privcalls.CtlDone, result, a)
}
