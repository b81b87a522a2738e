package netstack

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo.dev/unigo/kernel/privcalls"
)

// Socket addresses: the kernel passes Linux's sockaddr_in and sockaddr_in6
// (ports in network byte order, the family in the machine's); gVisor wants
// a tcpip.FullAddress, where an unspecified address (0.0.0.0, ::) is an
// empty one.

const afInet = 2

// fromSockaddr decodes a Linux socket address.
func fromSockaddr(b []byte) (tcpip.FullAddress, bool) {
	if len(b) < 2 {
		return tcpip.FullAddress{}, false
	}
	var ip []byte
	switch binary.LittleEndian.Uint16(b) {
	case afInet:
		if len(b) < 8 {
			return tcpip.FullAddress{}, false
		}
		ip = b[4:8]
	case afInet6:
		if len(b) < 24 {
			return tcpip.FullAddress{}, false
		}
		ip = b[8:24]
	default:
		return tcpip.FullAddress{}, false
	}
	a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[2:4])}
	for _, c := range ip {
		if c != 0 {
			a.Addr = tcpip.AddrFromSlice(ip)
			break
		}
	}
	return a, true
}

// toSockaddr encodes an address for a socket of the family domain: an
// IPv4 address on an IPv6 socket (a dual-stack one) becomes ::ffff:a.b.c.d,
// and an IPv4-mapped address on an IPv4 socket its IPv4 address.
func toSockaddr(a tcpip.FullAddress, domain uint16) []byte {
	ip := a.Addr.AsSlice()
	if domain == afInet6 {
		b := make([]byte, 28)
		binary.LittleEndian.PutUint16(b, afInet6)
		binary.BigEndian.PutUint16(b[2:], a.Port)
		switch len(ip) {
		case 16:
			copy(b[8:], ip)
		case 4:
			b[18], b[19] = 0xff, 0xff
			copy(b[20:], ip)
		}
		return b
	}
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, afInet)
	binary.BigEndian.PutUint16(b[2:], a.Port)
	switch len(ip) {
	case 4:
		copy(b[4:], ip)
	case 16:
		copy(b[4:], ip[12:])
	}
	return b
}

// addrs is the privcalls.Addrs block of an endpoint's local and remote
// addresses (a remote one only when it is connected).
func addrs(s *sock) []byte {
	b := make([]byte, privcalls.AddrsSize)
	put := func(off int, a tcpip.FullAddress) {
		sa := toSockaddr(a, s.domain)
		binary.LittleEndian.PutUint32(b[off:], uint32(len(sa)))
		copy(b[off+4:], sa)
	}
	if a, err := s.ep.GetLocalAddress(); err == nil {
		put(privcalls.AddrsLocal, a)
	}
	if a, err := s.ep.GetRemoteAddress(); err == nil {
		put(privcalls.AddrsRemote, a)
	}
	return b
}
