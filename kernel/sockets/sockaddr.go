package sockets

// Socket addresses cross the kernel as Linux lays them out (sockaddr_in:
// 16 bytes, sockaddr_in6: 28): the kernel only checks the family and the
// length and keeps the bytes; the stack reads them.

const (
	sockaddrInLen  = 16
	sockaddrIn6Len = 28
	sin6MinLen     = 24 // RFC 2133's sockaddr_in6, without sin6_scope_id
)

// family returns the sa_family of a socket address.
func family(b []byte) int { return int(b[0]) | int(b[1])<<8 }

// addrIn checks an address given to bind, connect or sendto against the
// socket's family and copies it; it returns 0 or -errno.
func addrIn(s *socket, b []byte, a *sockaddr) int64 {
	if len(b) < 2 {
		return -EINVAL
	}
	want, min := AFInet, sockaddrInLen
	if s.domain == AFInet6 {
		want, min = AFInet6, sin6MinLen
	}
	if family(b) != want {
		return -EAFNOSUPPORT
	}
	if len(b) < min {
		return -EINVAL
	}
	*a = sockaddr{}
	n := copy(a.b[:], b)
	if s.domain == AFInet6 {
		n = sockaddrIn6Len // a missing scope id is 0
	} else {
		n = sockaddrInLen
	}
	a.len = uint8(n)
	return 0
}

// addrOut copies a stored address into dst and returns its full length
// (dst may be shorter: Linux truncates and reports the full length). An
// address not known yet reads as the unspecified address of the family.
func addrOut(s *socket, a *sockaddr, dst []byte) int {
	if a.len != 0 {
		copy(dst, a.b[:a.len])
		return int(a.len)
	}
	var z [sockaddrIn6Len]byte
	putLE16(z[:], s.domain)
	n := sockaddrInLen
	switch s.domain {
	case AFInet6:
		n = sockaddrIn6Len
	case AFUnix:
		n = unixPathOff // an unnamed AF_UNIX socket: the family alone, as Linux
	}
	copy(dst, z[:n])
	return n
}

// setAddr stores an address the stack reports (its length first, then up
// to SockaddrSize bytes); a length of 0 leaves a as it is.
func setAddr(a *sockaddr, b []byte) {
	n := int(getLE32(b))
	if n == 0 || n > len(a.b) || len(b) < 4+n {
		return
	}
	*a = sockaddr{len: uint8(n)}
	copy(a.b[:], b[4:4+n])
}

func getLE32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func putLE16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
