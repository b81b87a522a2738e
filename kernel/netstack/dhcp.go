package netstack

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"strings"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// A DHCP client (RFC 2131) for the card: DISCOVER, OFFER, REQUEST, ACK,
// then the lease's address, subnet, router and name servers go into the
// stack and /etc/resolv.conf, and the lease is renewed at T1. Before the
// lease the card has no IPv4 address, so the client builds and reads its
// frames itself (Ethernet, IPv4, UDP; dhcpwire.go) instead of going
// through a gVisor endpoint: the requests leave from 0.0.0.0 to the
// broadcast address, and the card's receive loop hands it every UDP
// datagram for port 68 before the stack sees it.

// dhcpBootWait bounds how long the app's start waits for the first lease.
const dhcpBootWait = 10 * time.Second

// dhcpClient runs the exchanges of one card.
type dhcpClient struct {
	card    *card
	stack   *stack.Stack
	replies chan []byte   // DHCP messages for us (take), read by run
	bound   chan struct{} // closed when the first lease is in place
	once    sync.Once
	xid     uint32

	// Owned by run.
	lease dhcpLease // the lease in place (addr empty: none yet)
}

func newDHCPClient(c *card, s *stack.Stack) *dhcpClient {
	mac := []byte(c.mac)
	return &dhcpClient{
		card:    c,
		stack:   s,
		replies: make(chan []byte, 8),
		bound:   make(chan struct{}),
		xid:     binary.BigEndian.Uint32(mac[2:6]) ^ uint32(time.Now().UnixNano()),
	}
}

// waitBound waits until the first lease is in place, or says why the app
// starts without an address after limit (the client keeps asking).
func (d *dhcpClient) waitBound(limit time.Duration) {
	select {
	case <-d.bound:
	case <-time.After(limit):
		fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: no answer from a DHCP server in %v; the app starts without an IPv4 address and unigo keeps asking. "+
			"Run a DHCP server on the tap device's bridge (e.g. dnsmasq --interface=BRIDGE --dhcp-range=...), or give the address: unigo run --ip ADDR/PREFIX --gateway GW\n", limit)
	}
}

// take hands the client a received frame if it is a DHCP reply (UDP from
// port 67 to 68 over IPv4); the stack never sees those.
func (d *dhcpClient) take(frame []byte) bool {
	msg, ok := dhcpPayload(frame)
	if !ok {
		return false
	}
	select {
	case d.replies <- append([]byte(nil), msg...):
	default: // run is behind: the server will repeat
	}
	return true
}

// run gets a lease, keeps renewing it, and starts over when it is refused
// or runs out.
func (d *dhcpClient) run() {
	for {
		offer := d.exchange(func() []byte { return d.discover() }, dhcpOffer, 0)
		ack := d.exchange(func() []byte { return d.request(offer.addr.Address, offer.server) }, dhcpAck, 0)
		if ack.nak {
			continue
		}
		d.apply(ack)
		d.keep()
	}
}

// keep renews the lease in place at T1 until a server refuses it or it
// expires, then drops the address.
func (d *dhcpClient) keep() {
	expiry := time.Now().Add(d.lease.time)
	for {
		time.Sleep(d.lease.t1)
		left := time.Until(expiry)
		if left <= 0 {
			break
		}
		ack := d.exchange(func() []byte { return d.request(tcpip.Address{}, tcpip.Address{}) }, dhcpAck, left)
		if ack.nak || ack.addr.Address.Len() == 0 {
			break
		}
		expiry = time.Now().Add(ack.time)
		d.apply(ack)
	}
	fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: the lease of %s ended; asking again\n", d.lease.addr.Address)
	d.stack.RemoveAddress(cardNIC, d.lease.addr.Address)
	publishAddrs(d.stack)
	d.stack.RemoveRoutes(isCardIPv4Route)
	d.lease = dhcpLease{}
}

// exchange sends the message send makes until a reply of kind want (or a
// NAK) comes, retransmitting after 1, 2, 4, 8 s and then every 16 s (RFC
// 2131 section 4.1), for at most limit (0: for ever; an empty lease when
// it runs out).
func (d *dhcpClient) exchange(send func() []byte, want byte, limit time.Duration) dhcpLease {
	var deadline <-chan time.Time
	if limit > 0 {
		deadline = time.After(limit)
	}
	wait := time.Second
	d.xid++ // one transaction: its retransmissions keep the id
	for {
		if errno := nicSend(send()); errno != 0 {
			fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: sending: %v\n", errno)
		}
		timer := time.NewTimer(wait)
	waiting:
		for {
			select {
			case msg := <-d.replies:
				l, ok := parseDHCP(msg, d.xid, d.card.mac)
				if ok && (l.kind == want || l.nak && want == dhcpAck) {
					timer.Stop()
					return l
				}
			case <-timer.C:
				break waiting
			case <-deadline:
				timer.Stop()
				return dhcpLease{}
			}
		}
		if wait < 16*time.Second {
			wait *= 2
		}
	}
}

// apply puts a lease's address, routes and name servers in place.
func (d *dhcpClient) apply(l dhcpLease) {
	if l.addr != d.lease.addr {
		if d.lease.addr.Address.Len() != 0 {
			d.stack.RemoveAddress(cardNIC, d.lease.addr.Address)
		}
		a := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: l.addr}
		if err := d.stack.AddProtocolAddress(cardNIC, a, stack.AddressProperties{}); err != nil {
			fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: address %s: %s\n", l.addr, err)
			return
		}
		publishAddrs(d.stack)
	}
	if l.addr != d.lease.addr || l.router != d.lease.router {
		// A renewal that changes nothing leaves the routes alone: no
		// moment without them for a connection being opened.
		d.stack.RemoveRoutes(isCardIPv4Route)
		for _, r := range routesFor(l.addr, l.router) {
			d.stack.AddRoute(r)
		}
	}
	first := d.lease.addr.Address.Len() == 0
	d.lease = l
	if !d.card.cfg.dnsGiven && len(l.dns) > 0 {
		var b strings.Builder
		for _, ns := range l.dns {
			fmt.Fprintf(&b, "nameserver %s\n", ns)
		}
		if errno := netResolv([]byte(b.String())); errno != 0 && errno != 17 { // EEXIST: the image's own
			fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: writing /etc/resolv.conf: %v\n", errno)
		}
	}
	if first {
		fmt.Fprintf(os.Stderr, "unigo: netstack: DHCP: %s, gateway %s, DNS %v, lease %v\n", l.addr, orNone(l.router), l.dns, l.time)
		d.card.announce(l.addr.Address)
		d.once.Do(func() { close(d.bound) })
	}
}

func orNone(a tcpip.Address) string {
	if a.Len() == 0 {
		return "none"
	}
	return a.String()
}

// prefixLen counts the ones of a subnet mask (a malformed mask counts
// its leading ones).
func prefixLen(mask [4]byte) int {
	return bits.LeadingZeros32(^binary.BigEndian.Uint32(mask[:]))
}

// isCardIPv4Route matches the IPv4 routes of the card (a lease's).
func isCardIPv4Route(r tcpip.Route) bool { return r.NIC == cardNIC && r.Destination.ID().Len() == 4 }
