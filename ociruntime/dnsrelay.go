package ociruntime

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// The guest's DNS in a container whose name server is on the namespace's
// loopback: Docker's embedded DNS answers at 127.0.0.11 inside the
// container's network namespace (names of the containers of a user-defined
// network), an address the guest cannot reach — its 127.0.0.11 is its own.
// So the guest is given relayAddr as its name server, and this process,
// which lives in the namespace, relays: a packet socket on the tap sees
// every frame the guest sends (packet sockets see a frame before the tc
// filter redirects it), takes the UDP queries to relayAddr, asks the
// namespace's name servers, and writes the answers back to the guest as
// frames on the tap. A tc filter sends the queries, ahead of the redirect,
// to a sink (a tap nobody reads: this kernel has tc's mirred action but not
// its drop), so they do not also leave through the container's interface.

// relayAddr is the guest's name server when the container's are on
// loopback: link-local, so nothing on any network has it.
var relayAddr = netip.MustParseAddr("169.254.53.53")

// needsRelay reports whether a name server of dns is on loopback.
func needsRelay(dns []string) bool {
	for _, s := range dns {
		if a, err := netip.ParseAddr(s); err == nil && a.IsLoopback() {
			return true
		}
	}
	return false
}

// relaySink is the tap the queries go to instead of the container's
// interface: up, never opened, so what is sent to it is dropped.
const relaySink = "unigo0dns"

// dropRelayed are the commands that send the frames to relayAddr arriving
// on tap to relaySink, ahead of the redirect (priority 1).
func dropRelayed(tap string) [][]string {
	return [][]string{
		{"ip", "tuntap", "add", "dev", relaySink, "mode", "tap"},
		{"ip", "link", "set", relaySink, "up"},
		{"tc", "filter", "add", "dev", tap, "parent", "ffff:", "protocol", "ip", "prio", "1", "u32", "match", "ip", "dst", relayAddr.String() + "/32",
			"action", "mirred", "egress", "redirect", "dev", relaySink},
	}
}

// relayDNS answers the guest's queries to relayAddr on tap with the
// answers of upstream (the namespace's name servers), until the process
// ends.
func relayDNS(tap string, upstream []string) error {
	ifc, err := net.InterfaceByName(tap)
	if err != nil {
		return err
	}
	// ETH_P_ALL: a socket of one protocol sees frames only after the
	// ingress filters, which redirect them; one of all protocols, before.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifc.Index}); err != nil {
		unix.Close(fd)
		return err
	}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				if err == unix.EINTR {
					continue
				}
				return
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); !ok || ll.Pkttype == unix.PACKET_OUTGOING {
				continue // what the namespace sends to the guest, our answers among it
			}
			if q, ok := parseQuery(buf[:n]); ok {
				go q.answer(fd, ifc.Index, upstream)
			}
		}
	}()
	return nil
}

// query is one DNS query of the guest, as its frame carried it.
type query struct {
	guestMAC, ourMAC [6]byte
	guest            [4]byte
	port             uint16
	payload          []byte
}

// parseQuery takes a UDP datagram to relayAddr port 53 out of an Ethernet
// frame.
func parseQuery(f []byte) (query, bool) {
	var q query
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:]) != unix.ETH_P_IP {
		return q, false
	}
	ip := f[14:]
	ihl := int(ip[0]&15) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl+8 || ip[9] != unix.IPPROTO_UDP ||
		binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 || netip.AddrFrom4([4]byte(ip[16:20])) != relayAddr {
		return q, false // not UDP to the relay, or a fragment
	}
	total := int(binary.BigEndian.Uint16(ip[2:]))
	udp := ip[ihl:]
	if total > len(ip) || total < ihl+8 || binary.BigEndian.Uint16(udp[2:]) != 53 {
		return q, false
	}
	copy(q.guestMAC[:], f[6:12])
	copy(q.ourMAC[:], f[0:6])
	copy(q.guest[:], ip[12:16])
	q.port = binary.BigEndian.Uint16(udp[0:])
	q.payload = append([]byte(nil), ip[ihl+8:total]...)
	return q, true
}

// answer asks the name servers in turn and writes the first answer back
// to the guest.
func (q query) answer(fd, ifindex int, upstream []string) {
	for _, s := range upstream {
		c, err := net.DialTimeout("udp", net.JoinHostPort(s, "53"), time.Second)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(4 * time.Second))
		buf := make([]byte, 65536)
		_, err = c.Write(q.payload)
		n := 0
		if err == nil {
			n, err = c.Read(buf)
		}
		c.Close()
		if err != nil {
			continue
		}
		unix.Sendto(fd, q.frame(buf[:n]), 0, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: ifindex, Halen: 6, Addr: [8]byte(append(q.guestMAC[:], 0, 0))})
		return
	}
}

// frame is the Ethernet frame that carries answer from relayAddr:53 to
// the guest.
func (q query) frame(answer []byte) []byte {
	f := make([]byte, 14+20+8+len(answer))
	copy(f[0:], q.guestMAC[:])
	copy(f[6:], q.ourMAC[:])
	binary.BigEndian.PutUint16(f[12:], unix.ETH_P_IP)
	ip := f[14:34]
	ip[0], ip[8], ip[9] = 0x45, 64, unix.IPPROTO_UDP
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(answer)))
	relay := relayAddr.As4()
	copy(ip[12:], relay[:])
	copy(ip[16:], q.guest[:])
	binary.BigEndian.PutUint16(ip[10:], ^sum(0, ip))
	udp := f[34:]
	binary.BigEndian.PutUint16(udp[0:], 53)
	binary.BigEndian.PutUint16(udp[2:], q.port)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(answer)))
	copy(udp[8:], answer)
	// The checksum over the pseudo-header (addresses, protocol, length)
	// and the datagram; 0 is sent as all ones.
	var pseudo [12]byte
	copy(pseudo[0:], relay[:])
	copy(pseudo[4:], q.guest[:])
	pseudo[9] = unix.IPPROTO_UDP
	binary.BigEndian.PutUint16(pseudo[10:], uint16(8+len(answer)))
	c := ^sum(uint32(sum(0, pseudo[:])), udp)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], c)
	return f
}

// sum adds b to the one's-complement sum s, folded to 16 bits.
func sum(s uint32, b []byte) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
