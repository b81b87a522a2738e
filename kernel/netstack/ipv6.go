package netstack

import (
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// IPv6 on the card: a link-local address made from the MAC (RFC 4291
// appendix A), and addresses and routes from the routers' advertisements
// (SLAAC, RFC 4862; QEMU's user-mode network advertises fec0::/64 and is
// fec0::2). gVisor does the protocol; it tells this dispatcher what it
// learned, and the dispatcher keeps the route table in step, since gVisor
// leaves routes to its integrator.

// ipv6Protocol is IPv6 with router discovery and SLAAC on, duplicate
// address detection off (one VM on its own link: a guest that waited a
// second for it would boot that much later).
func ipv6Protocol(d *ndpRoutes) stack.NetworkProtocolFactory {
	ndp := ipv6.DefaultNDPConfigurations()
	ndp.HandleRAs = ipv6.HandlingRAsAlwaysEnabled
	ndp.AutoGenGlobalAddresses = true
	return ipv6.NewProtocolWithOptions(ipv6.Options{NDPConfigs: ndp, AutoGenLinkLocal: true, NDPDisp: d})
}

// linkLocalRoute reaches fe80::/64 through the card.
var linkLocalRoute = tcpip.Route{
	Destination: tcpip.AddressWithPrefix{Address: tcpip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80}), PrefixLen: 64}.Subnet(),
	NIC:         cardNIC,
}

// ndpRoutes turns NDP's discoveries into routes. gVisor calls it with its
// own locks held and asks it not to call the stack back, so each change
// runs on a goroutine of its own.
type ndpRoutes struct {
	stack *stack.Stack // set once the stack exists, before the card is up
}

func (d *ndpRoutes) change(f func(s *stack.Stack)) {
	if s := d.stack; s != nil {
		go f(s)
	}
}

func (d *ndpRoutes) OnOffLinkRouteUpdated(nic tcpip.NICID, dst tcpip.Subnet, router tcpip.Address, _ header.NDPRoutePreference) {
	d.change(func(s *stack.Stack) {
		s.RemoveRoutes(func(r tcpip.Route) bool { return r.Destination == dst && r.Gateway == router && r.NIC == nic })
		s.AddRoute(tcpip.Route{Destination: dst, Gateway: router, NIC: nic})
	})
}

func (d *ndpRoutes) OnOffLinkRouteInvalidated(nic tcpip.NICID, dst tcpip.Subnet, router tcpip.Address) {
	d.change(func(s *stack.Stack) {
		s.RemoveRoutes(func(r tcpip.Route) bool { return r.Destination == dst && r.Gateway == router && r.NIC == nic })
	})
}

func (d *ndpRoutes) OnOnLinkPrefixDiscovered(nic tcpip.NICID, prefix tcpip.Subnet) {
	d.change(func(s *stack.Stack) {
		s.RemoveRoutes(func(r tcpip.Route) bool { return r.Destination == prefix && r.NIC == nic })
		s.AddRoute(tcpip.Route{Destination: prefix, NIC: nic})
	})
}

func (d *ndpRoutes) OnOnLinkPrefixInvalidated(nic tcpip.NICID, prefix tcpip.Subnet) {
	d.change(func(s *stack.Stack) {
		s.RemoveRoutes(func(r tcpip.Route) bool { return r.Destination == prefix && r.Gateway.Len() == 0 && r.NIC == nic })
	})
}

// gVisor adds and removes the SLAAC addresses itself; the kernel hears of
// them (publishAddrs) for the app's netlink route sockets.
func (d *ndpRoutes) OnAutoGenAddress(tcpip.NICID, tcpip.AddressWithPrefix) stack.AddressDispatcher {
	return slaacAddr{d}
}

func (d *ndpRoutes) OnAutoGenAddressInvalidated(tcpip.NICID, tcpip.AddressWithPrefix) {
	d.change(publishAddrs)
}

// The other events need nothing from us: name servers come from
// resolv.conf.
func (*ndpRoutes) OnDuplicateAddressDetectionResult(tcpip.NICID, tcpip.Address, stack.DADResult) {}
func (*ndpRoutes) OnAutoGenAddressDeprecated(tcpip.NICID, tcpip.AddressWithPrefix)               {}
func (*ndpRoutes) OnRecursiveDNSServerOption(tcpip.NICID, []tcpip.Address, time.Duration)        {}
func (*ndpRoutes) OnDNSSearchListOption(tcpip.NICID, []string, time.Duration)                    {}
func (*ndpRoutes) OnDHCPv6Configuration(tcpip.NICID, ipv6.DHCPv6ConfigurationFromNDPRA)          {}
