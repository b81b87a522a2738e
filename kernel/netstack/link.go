package netstack

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// The stack's interfaces: the loopback one always, and the VM's network
// card when it has one.
const (
	loopbackNIC tcpip.NICID = 1
	cardNIC     tcpip.NICID = 2
)

// ephemeralFirst is the first port of the ephemeral range.
const ephemeralFirst = 49152

// newStack makes the stack: IPv4 (with ARP), IPv6, TCP and UDP, the
// loopback interface with 127.0.0.1/8 and ::1, and the card's interface
// (card.go) when the VM has a network card.
func newStack() (*stack.Stack, *card, error) {
	ndp := &ndpRoutes{}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6Protocol(ndp), arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
		HandleLocal:        true,
	})
	ndp.stack = s
	if err := s.CreateNIC(loopbackNIC, loopback.New()); err != nil {
		return nil, nil, fmt.Errorf("loopback interface: %s", err)
	}
	v4 := tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4([4]byte{127, 0, 0, 1}), PrefixLen: 8}
	v6 := tcpip.AddressWithPrefix{Address: tcpip.AddrFrom16([16]byte{15: 1}), PrefixLen: 128}
	for _, a := range []tcpip.ProtocolAddress{
		{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: v4},
		{Protocol: ipv6.ProtocolNumber, AddressWithPrefix: v6},
	} {
		if err := s.AddProtocolAddress(loopbackNIC, a, stack.AddressProperties{}); err != nil {
			return nil, nil, fmt.Errorf("loopback address %s: %s", a.AddressWithPrefix, err)
		}
	}
	routes := []tcpip.Route{
		{Destination: v4.Subnet(), NIC: loopbackNIC},
		{Destination: v6.Subnet(), NIC: loopbackNIC},
	}
	c := newCard()
	if c != nil {
		if err := s.CreateNIC(cardNIC, c.link); err != nil {
			return nil, nil, fmt.Errorf("network card: %s", err)
		}
		r, err := c.configure(s)
		if err != nil {
			return nil, nil, err
		}
		routes = append(routes, r...)
	}
	s.SetRouteTable(routes)
	tuneTCP(s)
	// Ephemeral ports from IANA's dynamic range, 49152-65535, not
	// gVisor's 16000 and up: the host tells the guest's replies apart by
	// them where the guest shares its address with a namespace whose own
	// range ends below (the OCI runtime's pod network, ociruntime/podlink.go).
	if err := s.SetPortRange(ephemeralFirst, 65535); err != nil {
		return nil, nil, fmt.Errorf("ephemeral ports: %s", err)
	}
	if c != nil {
		leased = c.cfg.dhcp
		c.start(s)
	}
	publishAddrs(s)
	return s, c, nil
}

// tuneTCP sets the stack's TCP options: SACK, as Linux has it on, and
// buffer limits that suit a VM of tens of MiB (gVisor's defaults let one
// connection buffer several MiB of the Go heap each way).
func tuneTCP(s *stack.Stack) {
	sack := tcpip.TCPSACKEnabled(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack)
	rcv := tcpip.TCPReceiveBufferSizeRangeOption{Min: 4 << 10, Default: 128 << 10, Max: 1 << 20}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &rcv)
	snd := tcpip.TCPSendBufferSizeRangeOption{Min: 4 << 10, Default: 128 << 10, Max: 1 << 20}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &snd)
}
