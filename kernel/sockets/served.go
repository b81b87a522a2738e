package sockets

// Served reports the port socket id serves the network on: a TCP
// listener's, or a bound UDP socket's, on an address other than loopback.
// The kernel tells the host of such ports as they open and close, so that
// a host sharing the guest's address (the OCI runtime's pod network) sends
// their traffic to the guest.
func Served(id int32) (udp bool, port uint16, ok bool) {
	s := get(id)
	if s == nil || s.appClosed || (s.domain != AFInet && s.domain != AFInet6) || s.local.len < sockaddrInLen {
		return false, 0, false
	}
	switch {
	case s.typ == SockStream && s.state == stListening:
	case s.typ == SockDgram && s.bound:
		udp = true
	default:
		return false, 0, false
	}
	port = uint16(s.local.b[2])<<8 | uint16(s.local.b[3])
	if port == 0 || loopback(&s.local) {
		return false, 0, false
	}
	return udp, port, true
}

// loopback reports whether a is 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.
func loopback(a *sockaddr) bool {
	if family(a.b[:]) == AFInet {
		return a.b[4] == 127
	}
	ip := a.b[8:24]
	for _, b := range ip[:10] {
		if b != 0 {
			return false
		}
	}
	if ip[10] == 0xff && ip[11] == 0xff {
		return ip[12] == 127
	}
	if ip[10] != 0 || ip[11] != 0 || ip[12] != 0 || ip[13] != 0 || ip[14] != 0 {
		return false
	}
	return ip[15] == 1
}
