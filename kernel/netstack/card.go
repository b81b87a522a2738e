package netstack

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo.dev/unigo/kernel/privcalls"
)

// card is the link endpoint of the VM's virtio-net card: gVisor's ethernet
// endpoint (Ethernet headers; ARP resolves through it) over a channel
// endpoint whose WritePackets is replaced by the kernel's nic_send, so a
// frame leaves from whichever goroutine the stack sends it on. Received
// frames come from the card's receive descriptor (privcalls.NICOpen),
// which sits in Go's netpoller like any socket: waiting for a frame parks
// a goroutine, never a thread.
type card struct {
	*channel.Endpoint
	mac  tcpip.LinkAddress
	link *ethernet.Endpoint
	rx   *os.File
	cfg  cardConfig
	dhcp *dhcpClient // with cfg.dhcp: takes the DHCP replies out of the received frames

	mu   sync.Mutex // guards out and acks
	out  []byte     // the frame being sent
	acks *ackDelay  // bare ACKs held back for the app's answer to carry
}

// newCard returns the card's endpoint, or nil when the VM has none.
func newCard() *card {
	var info [privcalls.InfoSize]byte
	if nicInfo(&info) != 0 {
		return nil
	}
	fd, errno := nicOpen()
	if errno != 0 {
		fmt.Fprintf(os.Stderr, "unigo: netstack: opening the network card: %v\n", errno)
		return nil
	}
	cfg, err := parseConfig(&info)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: netstack: the network card's configuration: %v\n", err)
		return nil
	}
	mtu := uint32(binary.LittleEndian.Uint16(info[privcalls.InfoMTU:]))
	if mtu == 0 || mtu+header.EthernetMinimumSize > privcalls.MaxFrame {
		mtu = privcalls.MaxFrame - header.EthernetMinimumSize
	}
	c := &card{
		mac: tcpip.LinkAddress(info[privcalls.InfoMAC : privcalls.InfoMAC+6]),
		rx:  os.NewFile(uintptr(fd), "unigo-nic"),
		out: make([]byte, privcalls.MaxFrame),
		cfg: cfg,
	}
	// The channel endpoint's MTU counts the Ethernet header; the ethernet
	// endpoint takes it off again.
	c.acks = newAckDelay(&c.mu, func(f []byte) { nicSend(f) })
	c.Endpoint = channel.New(0, mtu+header.EthernetMinimumSize, c.mac)
	c.link = ethernet.New(c)
	return c
}

// WritePackets sends the stack's frames (their Ethernet headers already
// added) through the card.
func (c *card) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	n := 0
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pkt := range pkts.AsSlice() {
		if pkt.Size() > len(c.out) {
			if n == 0 {
				return 0, &tcpip.ErrMessageTooLong{}
			}
			break
		}
		m := 0
		for _, s := range pkt.AsSlices() {
			m += copy(c.out[m:], s)
		}
		if c.acks.frame(c.out[:m]) {
			n++
			continue
		}
		if errno := nicSend(c.out[:m]); errno != 0 {
			if n == 0 {
				return 0, &tcpip.ErrClosedForSend{}
			}
			break
		}
		n++
	}
	return n, nil
}

// configure gives the card's interface its static IPv4 address, if it
// has one (with DHCP the lease brings it later), and the link address the
// host may give, and returns the card's routes: the addresses' subnets,
// the default route through the gateway, and IPv6's link-local network
// (the routers' advertisements bring the rest: ipv6.go).
func (c *card) configure(s *stack.Stack) ([]tcpip.Route, error) {
	routes := []tcpip.Route{linkLocalRoute}
	if c.cfg.link.PrefixLen != 0 {
		// The link to the host's side of a tap device (net.link=): the
		// OCI runtime's namespace reaches the app there, and the app the
		// namespace's own services.
		a := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: c.cfg.link}
		if err := s.AddProtocolAddress(cardNIC, a, stack.AddressProperties{}); err != nil {
			return nil, fmt.Errorf("link address %s: %s", c.cfg.link, err)
		}
		routes = append(routes, tcpip.Route{Destination: c.cfg.link.Subnet(), NIC: cardNIC})
	}
	if c.cfg.dhcp {
		return routes, nil
	}
	a := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: c.cfg.addr}
	if err := s.AddProtocolAddress(cardNIC, a, stack.AddressProperties{}); err != nil {
		return nil, fmt.Errorf("card address %s: %s", c.cfg.addr, err)
	}
	return append(routes, routesFor(c.cfg.addr, c.cfg.gateway)...), nil
}

// start starts receiving, and announces the static address or asks a DHCP
// server for one.
func (c *card) start(s *stack.Stack) {
	if c.cfg.dhcp {
		c.dhcp = newDHCPClient(c, s)
	}
	go c.receive()
	if c.dhcp != nil {
		go c.dhcp.run()
		return
	}
	c.announce(c.cfg.addr.Address)
}

// announce sends a gratuitous ARP request for the card's address ip, so
// the network learns our MAC before the first packet comes for us: QEMU's
// user-mode network otherwise drops the first forwarded connection while
// it asks who has 10.0.2.15.
func (c *card) announce(addr tcpip.Address) {
	f := make([]byte, 60) // the shortest Ethernet frame, padded
	copy(f[0:6], header.EthernetBroadcastAddress)
	copy(f[6:12], c.mac)
	binary.BigEndian.PutUint16(f[12:], uint16(header.ARPProtocolNumber))
	arp := f[14:]
	binary.BigEndian.PutUint16(arp[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(arp[2:], 0x0800) // IPv4
	arp[4], arp[5] = 6, 4
	binary.BigEndian.PutUint16(arp[6:], 1) // request
	ip := addr.As4()
	copy(arp[8:14], c.mac)
	copy(arp[14:18], ip[:])
	copy(arp[24:28], ip[:]) // target: ourselves (the target MAC stays zero)
	if errno := nicSend(f); errno != 0 {
		fmt.Fprintf(os.Stderr, "unigo: netstack: announcing %s: %v\n", addr, errno)
	}
}

// receive hands every received frame to the stack. Reading the descriptor
// returns one frame, or waits in the netpoller until the card's interrupt
// makes it readable.
func (c *card) receive() {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.rx.Read(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "unigo: netstack: receiving: %v\n", err)
			return
		}
		if n < header.EthernetMinimumSize {
			continue
		}
		if c.dhcp != nil && c.dhcp.take(buf[:n]) {
			continue
		}
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(buf[:n])})
		c.InjectInbound(0, pkt) // the ethernet endpoint reads the type
		pkt.DecRef()
	}
}
