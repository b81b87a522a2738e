package netcalls

import (
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// Netlink route sockets (AF_NETLINK, NETLINK_ROUTE), enough for Go's
// net.Interfaces and net.InterfaceAddrs (syscall.NetlinkRIB) and the
// libraries that list interfaces the same way: the app sends RTM_GETLINK
// or RTM_GETADDR dump requests and reads RTM_NEWLINK or RTM_NEWADDR
// messages, then NLMSG_DONE. The interfaces are lo, always, and eth0 when
// the VM has a network card; their addresses are the network stack's,
// which it hands over with privcalls.NetAddrs whenever they change. The
// kernel answers at once from them: a request never waits for the stack.
// Nothing changes the interfaces, so no multicast group ever has news, and
// every other request is answered NLMSG_ERROR EOPNOTSUPP.

const (
	afNetlink     = 16
	netlinkRoute  = 0
	nlBufSize     = 4096 // replies waiting to be read, per socket
	maxNetlinks   = 16
	nlmsgHdrLen   = 16
	nlmsgError    = 2
	nlmsgDone     = 3
	rtmNewLink    = 16
	rtmGetLink    = 18
	rtmNewAddr    = 20
	rtmGetAddr    = 22
	nlmFRequest   = 0x1
	nlmFMulti     = 0x2
	nlmFAck       = 0x4
	nlmFDump      = 0x300
	eProtoNoSupp  = 93
	eNoProtoOpt   = 92
	eAddrInUse    = 98
	eMsgSize      = 90
	nicLoopback   = 1
	nicCard       = 2
	loopbackMTU   = 65536
	netlinkKeyTag = 0xffff_f300_0000_0000
)

// netlinks are the netlink sockets: a slot is in use while a descriptor
// names it (files.Referenced).
var netlinks [maxNetlinks]struct {
	portid, groups uint32
	n              int // bytes of replies waiting in buf
	buf            [nlBufSize]byte
}

// ifAddrs are the interfaces' addresses, privcalls.NetAddrs records: lo's
// until the stack gives them all.
var ifAddrs = struct {
	n    int
	recs [privcalls.MaxAddrs][privcalls.AddrSize]byte
}{n: 2, recs: [privcalls.MaxAddrs][privcalls.AddrSize]byte{
	{nicLoopback, 4, 8, privcalls.AddrPermanent, 127, 0, 0, 1},
	{nicLoopback, 6, 128, privcalls.AddrPermanent, 15 + privcalls.AddrIP: 1},
}}

// netAddrs replaces the interfaces' addresses (privcalls.NetAddrs).
func netAddrs(buf, n uintptr) int64 {
	if n%privcalls.AddrSize != 0 || n/privcalls.AddrSize > privcalls.MaxAddrs {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	ifAddrs.n = int(n / privcalls.AddrSize)
	for i := 0; i < ifAddrs.n; i++ {
		copy(ifAddrs.recs[i][:], b[i*privcalls.AddrSize:])
	}
	return 0
}

// netlinkSocket makes a netlink socket descriptor.
func netlinkSocket(typ, proto, flags int) int64 {
	if typ != 3 && typ != 2 { // SOCK_RAW, SOCK_DGRAM
		return -eSockTNoSupport
	}
	if proto != netlinkRoute {
		return -eProtoNoSupp
	}
	for i := range netlinks {
		if files.Referenced(files.KindNetlink, int32(i)) {
			continue
		}
		netlinks[i].portid, netlinks[i].groups, netlinks[i].n = 0, 0, 0
		f := socketFD(int32(i), flags)
		f.Kind = files.KindNetlink
		fd := files.Alloc(0, f)
		if fd < 0 {
			return -abi.EMFILE
		}
		return int64(fd)
	}
	return -abi.ENOBUFS
}

const eSockTNoSupport = 94

// portidFree reports whether no other netlink socket has port id p.
func portidFree(p uint32, self int32) bool {
	for i := range netlinks {
		if int32(i) != self && netlinks[i].portid == p && files.Referenced(files.KindNetlink, int32(i)) {
			return false
		}
	}
	return true
}

// autobind gives socket id a port id as Linux does: the process's ID for
// the first, then numbers counting down from -4096.
func autobind(id int32) {
	s := &netlinks[id]
	if s.portid != 0 {
		return
	}
	p := uint32(threads.PID)
	for k := uint32(0); !portidFree(p, id); k++ {
		p = uint32(0xFFFF_F000) - k
	}
	s.portid = p
}

// netlinkCall runs a socket call on a netlink socket.
func netlinkCall(t *threads.Thread, nr uint64, f *files.File, a *[6]uintptr) int64 {
	id := f.Sock
	s := &netlinks[id]
	switch nr {
	case abi.SysBind:
		b, ok := abi.UserBytes(a[1], min(a[2], 12), false)
		switch {
		case !ok:
			return -abi.EFAULT
		case a[2] < 12 || abi.GetLE32(b)&0xffff != afNetlink:
			return -abi.EINVAL
		}
		p, groups := abi.GetLE32(b[4:]), abi.GetLE32(b[8:])
		switch {
		case p != 0 && s.portid != 0 && p != s.portid:
			return -abi.EINVAL // bound already
		case p != 0 && !portidFree(p, id):
			return -eAddrInUse
		case p != 0:
			s.portid = p
		default:
			autobind(id)
		}
		s.groups = groups
		return 0
	case abi.SysConnect:
		return 0 // the kernel is the only peer
	case abi.SysGetsockname, abi.SysGetpeername:
		var sa [12]byte
		sa[0] = afNetlink
		if nr == abi.SysGetsockname {
			abi.PutLE32(sa[4:], s.portid)
			abi.PutLE32(sa[8:], s.groups)
		}
		return putSockaddr(a[1], a[2], sa[:])
	case abi.SysSendto:
		return netlinkSend(id, a[1], a[2])
	case abi.SysRecvfrom:
		return netlinkRecv(t, f, a[1], a[2], int(a[3]), a[4], a[5])
	case abi.SysSetsockopt:
		if int32(a[1]) == 1 || int32(a[1]) == 270 { // SOL_SOCKET, SOL_NETLINK: accepted, nothing to tune
			return 0
		}
		return -eNoProtoOpt
	case abi.SysGetsockopt:
		var v uint32
		switch {
		case int32(a[1]) != 1:
			return -eNoProtoOpt
		case a[2] == 3: // SO_TYPE
			v = 3
		case a[2] == 38: // SO_PROTOCOL
			v = netlinkRoute
		case a[2] == 39: // SO_DOMAIN
			v = afNetlink
		case a[2] == 7 || a[2] == 8: // SO_SNDBUF, SO_RCVBUF
			v = nlBufSize
		default:
			return -eNoProtoOpt
		}
		var b [4]byte
		abi.PutLE32(b[:], v)
		return putSockaddr(a[3], a[4], b[:])
	}
	return -abi.EOPNOTSUPP // listen, accept, shutdown, sendmsg, recvmsg
}

// netlinkFile runs read, write and fstat on a netlink socket.
func netlinkFile(t *threads.Thread, nr uint64, f *files.File, a *[6]uintptr) int64 {
	switch nr {
	case abi.SysRead:
		return netlinkRecv(t, f, a[1], a[2], 0, 0, 0)
	case abi.SysWrite:
		return netlinkSend(f.Sock, a[1], a[2])
	case abi.SysFstat:
		b, ok := abi.UserBytes(a[1], 144, true)
		if !ok {
			return -abi.EFAULT
		}
		clear(b)
		abi.PutLE32(b[24:], 0o140777) // S_IFSOCK
		b[16] = 1
		abi.PutLE64(b[56:], 4096)
		return 0
	}
	return -abi.EOPNOTSUPP
}

// netlinkSend reads the requests in the app's buffer and queues the
// answers.
func netlinkSend(id int32, buf, n uintptr) int64 {
	if n > 64<<10 {
		return -eMsgSize
	}
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	autobind(id)
	for at := 0; at+nlmsgHdrLen <= len(b); {
		l := int(abi.GetLE32(b[at:]))
		if l < nlmsgHdrLen || at+l > len(b) {
			break
		}
		m := b[at : at+l]
		typ := uint16(m[4]) | uint16(m[5])<<8
		flags := uint16(m[6]) | uint16(m[7])<<8
		seq := abi.GetLE32(m[8:])
		family := byte(0)
		if l > nlmsgHdrLen {
			family = m[nlmsgHdrLen]
		}
		if !netlinkAnswer(id, typ, flags, seq, family, m) {
			return -abi.ENOBUFS // the app has not read the earlier answers
		}
		at += (l + 3) &^ 3
	}
	return int64(n)
}

// nlWriter appends messages to a socket's reply buffer.
type nlWriter struct {
	b        []byte
	at, msg  int
	ok       bool
	seq, pid uint32
	flags    uint16
}

func (w *nlWriter) begin(typ uint16) {
	w.msg = w.at
	w.put(make16(typ, w.flags), nil) // placeholder, fixed by end
	if w.ok {
		w.at = w.msg + nlmsgHdrLen
	}
}

// make16 packs a message type and flags for begin.
func make16(typ, flags uint16) [4]byte {
	return [4]byte{byte(typ), byte(typ >> 8), byte(flags), byte(flags >> 8)}
}

// put appends the header's type and flags (begin) or raw bytes.
func (w *nlWriter) put(tf [4]byte, raw []byte) {
	if raw == nil {
		if w.at+nlmsgHdrLen > len(w.b) {
			w.ok = false
			return
		}
		clear(w.b[w.at : w.at+nlmsgHdrLen])
		copy(w.b[w.at+4:], tf[:])
		abi.PutLE32(w.b[w.at+8:], w.seq)
		abi.PutLE32(w.b[w.at+12:], w.pid)
		return
	}
	if w.at+(len(raw)+3)&^3 > len(w.b) {
		w.ok = false
		return
	}
	copy(w.b[w.at:], raw)
	clear(w.b[w.at+len(raw) : w.at+(len(raw)+3)&^3])
	w.at += (len(raw) + 3) &^ 3
}

// attr appends a route attribute: a 4-byte header (length, type), then v.
func (w *nlWriter) attr(typ uint16, v []byte) {
	var h [4]byte
	l := 4 + len(v)
	h[0], h[1], h[2], h[3] = byte(l), byte(l>>8), byte(typ), byte(typ>>8)
	start := w.at
	if start+(l+3)&^3 > len(w.b) {
		w.ok = false
		return
	}
	copy(w.b[start:], h[:])
	copy(w.b[start+4:], v)
	clear(w.b[start+l : start+(l+3)&^3])
	w.at = start + (l+3)&^3
}

func (w *nlWriter) u32(typ uint16, v uint32) {
	var b [4]byte
	abi.PutLE32(b[:], v)
	w.attr(typ, b[:])
}

// end writes the message's length into its header.
func (w *nlWriter) end() {
	if w.ok {
		abi.PutLE32(w.b[w.msg:], uint32(w.at-w.msg))
	}
}

// netlinkAnswer queues the answer to one request; false when the reply
// buffer has no room for it (nothing is queued then).
func netlinkAnswer(id int32, typ, flags uint16, seq uint32, family byte, req []byte) bool {
	s := &netlinks[id]
	w := nlWriter{b: s.buf[:], at: s.n, ok: true, seq: seq, pid: s.portid}
	switch {
	case typ == rtmGetLink && flags&nlmFDump == nlmFDump:
		w.flags = nlmFMulti
		linkMessage(&w, nicLoopback)
		if virtionet.Present() {
			linkMessage(&w, nicCard)
		}
		w.begin(nlmsgDone)
		w.put([4]byte{}, []byte{0, 0, 0, 0})
		w.end()
	case typ == rtmGetAddr && flags&nlmFDump == nlmFDump:
		w.flags = nlmFMulti
		for i := 0; i < ifAddrs.n; i++ {
			r := &ifAddrs.recs[i]
			nic, fam := r[privcalls.AddrNIC], r[privcalls.AddrFamily]
			if nic == nicCard && !virtionet.Present() {
				continue
			}
			if family == 2 && fam != 4 || family == 10 && fam != 6 {
				continue
			}
			addrMessage(&w, r)
		}
		w.begin(nlmsgDone)
		w.put([4]byte{}, []byte{0, 0, 0, 0})
		w.end()
	case typ == rtmGetLink && len(req) >= nlmsgHdrLen+16:
		// One link, by its index.
		index := abi.GetLE32(req[nlmsgHdrLen+4:])
		if index == nicLoopback || index == nicCard && virtionet.Present() {
			linkMessage(&w, byte(index))
		} else {
			errorMessage(&w, -19, req) // ENODEV
		}
	default:
		errorMessage(&w, -abi.EOPNOTSUPP, req)
		flags &^= nlmFAck // the error is the acknowledgement
	}
	if flags&nlmFAck != 0 && w.ok {
		errorMessage(&w, 0, req)
	}
	if !w.ok {
		return false
	}
	s.n = w.at
	return true
}

// errorMessage appends NLMSG_ERROR: the error (0: an acknowledgement)
// and the request's header.
func errorMessage(w *nlWriter, errno int32, req []byte) {
	w.flags = 0
	w.begin(nlmsgError)
	var e [4 + nlmsgHdrLen]byte
	abi.PutLE32(e[:], uint32(errno))
	copy(e[4:], req[:nlmsgHdrLen])
	w.put([4]byte{}, e[:])
	w.end()
}

// linkMessage appends RTM_NEWLINK for interface nic: its ifinfomsg
// (family, type, index, flags, change) and attributes.
func linkMessage(w *nlWriter, nic byte) {
	const (
		iffUp        = 0x1
		iffBroadcast = 0x2
		iffLoopback  = 0x8
		iffRunning   = 0x40
		iffMulticast = 0x1000
		iffLowerUp   = 0x10000
	)
	var info [16]byte
	var mac, bcast [6]byte
	name := []byte("lo\x00")
	mtu := uint32(loopbackMTU)
	flags := uint32(iffUp | iffLoopback | iffRunning | iffLowerUp)
	hwType := uint16(772) // ARPHRD_LOOPBACK
	operstate := byte(0)  // IF_OPER_UNKNOWN, as Linux's lo
	if nic == nicCard {
		m, cardMTU, up, _ := virtionet.Info()
		mac, mtu, name, hwType = m, uint32(cardMTU), []byte("eth0\x00"), 1 // ARPHRD_ETHER
		bcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		flags = iffUp | iffBroadcast | iffMulticast
		operstate = 2 // IF_OPER_DOWN
		if up {
			flags |= iffRunning | iffLowerUp
			operstate = 6 // IF_OPER_UP
		}
	}
	info[2], info[3] = byte(hwType), byte(hwType>>8)
	abi.PutLE32(info[4:], uint32(nic))
	abi.PutLE32(info[8:], flags)
	w.begin(rtmNewLink)
	w.put([4]byte{}, info[:])
	w.attr(3, name)               // IFLA_IFNAME
	w.u32(13, 1000)               // IFLA_TXQLEN
	w.attr(16, []byte{operstate}) // IFLA_OPERSTATE
	w.u32(4, mtu)                 // IFLA_MTU
	w.attr(1, mac[:])             // IFLA_ADDRESS
	w.attr(2, bcast[:])           // IFLA_BROADCAST
	w.end()
}

// addrMessage appends RTM_NEWADDR for one address record: its ifaddrmsg
// (family, prefix length, flags, scope, index) and attributes in Linux's
// order (Go's parser takes the first address attribute after IFA_LOCAL's
// IFA_ADDRESS).
func addrMessage(w *nlWriter, r *[privcalls.AddrSize]byte) {
	const (
		ifaFPermanent = 0x80
		scopeLink     = 253
		scopeHost     = 254
	)
	nic, prefix := r[privcalls.AddrNIC], r[privcalls.AddrPrefix]
	ip := r[privcalls.AddrIP:]
	var msg [8]byte
	msg[0], msg[1] = 2, prefix // AF_INET
	if r[privcalls.AddrFamily] == 6 {
		msg[0] = 10 // AF_INET6
	} else {
		ip = ip[:4]
	}
	if r[privcalls.AddrFlags]&privcalls.AddrPermanent != 0 {
		msg[2] = ifaFPermanent
	}
	switch {
	case nic == nicLoopback:
		msg[3] = scopeHost
	case len(ip) == 16 && ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
		msg[3] = scopeLink
	}
	abi.PutLE32(msg[4:], uint32(nic))
	w.begin(rtmNewAddr)
	w.put([4]byte{}, msg[:])
	w.attr(1, ip) // IFA_ADDRESS
	if len(ip) == 4 {
		w.attr(2, ip) // IFA_LOCAL
		if nic == nicCard && prefix < 31 {
			var b [4]byte
			for i := range b {
				keep := max(0, min(8, int(prefix)-8*i))
				b[i] = ip[i] | byte(0xff>>keep)
			}
			w.attr(4, b[:]) // IFA_BROADCAST
		}
		name := []byte("lo\x00")
		if nic == nicCard {
			name = []byte("eth0\x00")
		}
		w.attr(3, name) // IFA_LABEL
	}
	w.u32(8, uint32(msg[2])) // IFA_FLAGS
	w.end()
}

// netlinkRecv gives the app the queued answers: as many whole messages as
// its buffer holds (the first one truncated if it does not fit, as Linux
// truncates a datagram), from the kernel's address.
func netlinkRecv(t *threads.Thread, f *files.File, buf, n uintptr, flags int, addr, lenAddr uintptr) int64 {
	s := &netlinks[f.Sock]
	if s.n == 0 {
		if f.Flags&files.ONonblock != 0 || flags&msgDontwait != 0 {
			return -abi.EAGAIN
		}
		// Nothing will come (no group has news): wait as Linux does, until
		// a signal.
		threads.BlockRestart(t, netlinkKeyTag+uintptr(f.Sock))
		return abi.Blocked
	}
	take := 0
	for take < s.n {
		l := (int(abi.GetLE32(s.buf[take:])) + 3) &^ 3
		if take+l > int(n) {
			break
		}
		take += l
	}
	full := take
	if take == 0 { // the first message does not fit: truncated, and gone
		full = (int(abi.GetLE32(s.buf[:])) + 3) &^ 3
		take = int(n)
	}
	dst, ok := abi.UserBytes(buf, uintptr(take), true)
	if !ok {
		return -abi.EFAULT
	}
	copy(dst, s.buf[:take])
	if addr != 0 {
		var sa [12]byte
		sa[0] = afNetlink
		if e := putSockaddr(addr, lenAddr, sa[:]); e != 0 {
			return e
		}
	}
	if flags&msgPeek == 0 {
		copy(s.buf[:], s.buf[full:s.n])
		s.n -= full
	}
	if flags&msgTrunc != 0 {
		return int64(full)
	}
	return int64(take)
}
