package netstack

import (
	"encoding/binary"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// DHCP messages on the wire (RFC 2131, options from RFC 2132), in whole
// Ethernet frames: the client sends before it has an address, so it
// writes the IPv4 and UDP headers itself.

// Message types (option 53).
const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpAck      = 5
	dhcpNak      = 6
)

// Options.
const (
	optPad        = 0
	optSubnetMask = 1
	optRouter     = 3
	optDNS        = 6
	optRequested  = 50
	optLeaseTime  = 51
	optMsgType    = 53
	optServerID   = 54
	optParams     = 55
	optMaxSize    = 57
	optT1         = 58
	optClientID   = 61
	optEnd        = 255
)

// Fixed layout of a message (BOOTP's): op, htype, hlen, hops, xid, secs,
// flags, ciaddr, yiaddr, siaddr, giaddr, chaddr[16], sname[64], file[128],
// then the magic cookie and the options.
const (
	dhcpXID     = 4
	dhcpFlags   = 10
	dhcpCIAddr  = 12
	dhcpYIAddr  = 16
	dhcpCHAddr  = 28
	dhcpMagic   = 236
	dhcpOptions = 240
	dhcpMinLen  = 300 // BOOTP's minimum, which some servers insist on
)

var dhcpCookie = [4]byte{99, 130, 83, 99}

// dhcpLease is what an OFFER, ACK or NAK says.
type dhcpLease struct {
	kind   byte
	nak    bool
	addr   tcpip.AddressWithPrefix
	router tcpip.Address
	dns    []tcpip.Address
	server tcpip.Address // the server identifier
	time   time.Duration // the lease
	t1     time.Duration // when to renew
}

// discover makes a DHCPDISCOVER frame.
func (d *dhcpClient) discover() []byte {
	return d.frame(dhcpDiscover, tcpip.Address{}, tcpip.Address{}, tcpip.Address{})
}

// request makes a DHCPREQUEST: for the offered addr of server (SELECTING),
// or, with both empty, to extend the lease in place (from its address,
// broadcast, as RFC 2131 4.4.5's REBINDING: any server may answer).
func (d *dhcpClient) request(addr, server tcpip.Address) []byte {
	if addr.Len() == 0 {
		return d.frame(dhcpRequest, d.lease.addr.Address, tcpip.Address{}, tcpip.Address{})
	}
	return d.frame(dhcpRequest, tcpip.Address{}, addr, server)
}

// frame builds a broadcast frame with a DHCP message of type kind from
// ciaddr (empty: 0.0.0.0), with the requested address and server
// identifier options when given.
func (d *dhcpClient) frame(kind byte, ciaddr, requested, server tcpip.Address) []byte {
	msg := make([]byte, dhcpOptions, dhcpMinLen)
	msg[0], msg[1], msg[2] = 1, 1, 6 // BOOTREQUEST, Ethernet, 6-byte MAC
	binary.BigEndian.PutUint32(msg[dhcpXID:], d.xid)
	if ciaddr.Len() == 0 {
		binary.BigEndian.PutUint16(msg[dhcpFlags:], 0x8000) // broadcast the reply: no address to unicast it to yet
	} else {
		copy(msg[dhcpCIAddr:], ciaddr.AsSlice())
	}
	copy(msg[dhcpCHAddr:], d.card.mac)
	copy(msg[dhcpMagic:], dhcpCookie[:])
	msg = append(msg, optMsgType, 1, kind)
	msg = append(msg, optClientID, 7, 1) // hardware type 1, then the MAC
	msg = append(msg, d.card.mac...)
	if requested.Len() != 0 {
		msg = append(msg, optRequested, 4)
		msg = append(msg, requested.AsSlice()...)
	}
	if server.Len() != 0 {
		msg = append(msg, optServerID, 4)
		msg = append(msg, server.AsSlice()...)
	}
	msg = append(msg, optMaxSize, 2, 0x05, 0xdc) // 1500
	msg = append(msg, optParams, 5, optSubnetMask, optRouter, optDNS, optLeaseTime, optT1)
	msg = append(msg, optEnd)
	for len(msg) < dhcpMinLen {
		msg = append(msg, optPad)
	}
	return udpFrame(d.card.mac, ciaddr, msg)
}

// udpFrame wraps a DHCP message in UDP (68 → 67), IPv4 (src → the
// broadcast address) and Ethernet (to everyone) headers.
func udpFrame(mac tcpip.LinkAddress, src tcpip.Address, msg []byte) []byte {
	f := make([]byte, 14+20+8+len(msg))
	for i := 0; i < 6; i++ {
		f[i] = 0xff
	}
	copy(f[6:12], mac)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45 // version 4, 20-byte header
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(msg)))
	ip[8] = 64 // TTL
	ip[9] = 17 // UDP
	if src.Len() == 4 {
		copy(ip[12:16], src.AsSlice())
	}
	copy(ip[16:20], []byte{255, 255, 255, 255})
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
	udp := f[34:42]
	binary.BigEndian.PutUint16(udp[0:], 68)
	binary.BigEndian.PutUint16(udp[2:], 67)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(msg)))
	// UDP checksum 0: none, which IPv4 allows.
	copy(f[42:], msg)
	return f
}

// ipChecksum is the Internet checksum of an IPv4 header whose checksum
// field is zero.
func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// dhcpPayload returns the UDP payload of an IPv4 frame from port 67 to
// port 68, and whether it is one.
func dhcpPayload(f []byte) ([]byte, bool) {
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return nil, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0xf) * 4
	if ip[0]>>4 != 4 || ihl < 20 || ip[9] != 17 || len(ip) < ihl+8 {
		return nil, false
	}
	if frag := binary.BigEndian.Uint16(ip[6:]); frag&0x3fff != 0 {
		return nil, false // a fragment: DHCP replies fit in one packet
	}
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || total < ihl+8 {
		return nil, false
	}
	udp := ip[ihl:total]
	if binary.BigEndian.Uint16(udp[0:]) != 67 || binary.BigEndian.Uint16(udp[2:]) != 68 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(udp[4:]))
	if n < 8 || n > len(udp) {
		return nil, false
	}
	return udp[8:n], true
}

// parseDHCP reads a server's message for transaction xid and our MAC.
func parseDHCP(msg []byte, xid uint32, mac tcpip.LinkAddress) (dhcpLease, bool) {
	var l dhcpLease
	if len(msg) < dhcpOptions || msg[0] != 2 || binary.BigEndian.Uint32(msg[dhcpXID:]) != xid ||
		string(msg[dhcpCHAddr:dhcpCHAddr+6]) != string(mac) || [4]byte(msg[dhcpMagic:dhcpOptions]) != dhcpCookie {
		return l, false
	}
	mask := [4]byte{255, 255, 255, 0}
	opts := msg[dhcpOptions:]
	for len(opts) > 0 {
		code := opts[0]
		if code == optPad {
			opts = opts[1:]
			continue
		}
		if code == optEnd || len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			break
		}
		v := opts[2 : 2+int(opts[1])]
		opts = opts[2+len(v):]
		switch {
		case code == optMsgType && len(v) == 1:
			l.kind = v[0]
		case code == optSubnetMask && len(v) == 4:
			mask = [4]byte(v)
		case code == optRouter && len(v) >= 4:
			l.router = tcpip.AddrFrom4([4]byte(v[:4]))
		case code == optDNS:
			for ; len(v) >= 4; v = v[4:] {
				l.dns = append(l.dns, tcpip.AddrFrom4([4]byte(v[:4])))
			}
		case code == optServerID && len(v) == 4:
			l.server = tcpip.AddrFrom4([4]byte(v))
		case code == optLeaseTime && len(v) == 4:
			l.time = time.Duration(binary.BigEndian.Uint32(v)) * time.Second
		case code == optT1 && len(v) == 4:
			l.t1 = time.Duration(binary.BigEndian.Uint32(v)) * time.Second
		}
	}
	switch l.kind {
	case dhcpNak:
		l.nak = true
		return l, true
	case dhcpOffer, dhcpAck:
	default:
		return l, false
	}
	yi := [4]byte(msg[dhcpYIAddr : dhcpYIAddr+4])
	if yi == [4]byte{} {
		return l, false
	}
	l.addr = tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(yi), PrefixLen: prefixLen(mask)}
	if l.time == 0 || l.time > 1<<31*time.Second {
		l.time = 24 * time.Hour // no lease time, or "infinite": renew once a day anyway
	}
	if l.t1 == 0 || l.t1 >= l.time {
		l.t1 = l.time / 2
	}
	return l, true
}
