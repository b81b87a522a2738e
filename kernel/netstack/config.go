package netstack

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"unigo.dev/unigo/kernel/privcalls"
)

// cardConfig is how the host asked for the card to be set up (the net.*
// tokens of the kernel command line, handed over by nic_info).
type cardConfig struct {
	dhcp     bool
	addr     tcpip.AddressWithPrefix // the static IPv4 address (not with dhcp)
	gateway  tcpip.Address           // the default route's next hop; empty: none
	dnsGiven bool                    // the host named the name servers: a lease's do not replace them
	link     tcpip.AddressWithPrefix // a second address, on the link to the host's side of a tap (net.link=); PrefixLen 0: none
}

// QEMU's user-mode network's addresses (vmm/net.go), the configuration
// when the host gives none: the guest is 10.0.2.15/24, the gateway (and
// the host) 10.0.2.2.
var (
	userNetAddr    = tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4([4]byte{10, 0, 2, 15}), PrefixLen: 24}
	userNetGateway = tcpip.AddrFrom4([4]byte{10, 0, 2, 2})
)

// parseConfig reads the configuration part of nic_info's block.
func parseConfig(info *[privcalls.InfoSize]byte) (cardConfig, error) {
	c := cardConfig{dnsGiven: info[privcalls.InfoFlags]&privcalls.InfoDNSGiven != 0}
	switch info[privcalls.InfoMode] {
	case privcalls.ModeUserNet:
		c.addr, c.gateway = userNetAddr, userNetGateway
	case privcalls.ModeDHCP:
		c.dhcp = true
	case privcalls.ModeStatic:
		prefix := int(info[privcalls.InfoPrefix])
		if prefix < 1 || prefix > 32 {
			return c, fmt.Errorf("the host gave the prefix length /%d", prefix)
		}
		c.addr = tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(to4(info[privcalls.InfoAddr:])), PrefixLen: prefix}
		if gw := to4(info[privcalls.InfoGateway:]); gw != [4]byte{} {
			c.gateway = tcpip.AddrFrom4(gw)
		}
	default:
		return c, fmt.Errorf("unknown configuration mode %d (an image older than its unigo?)", info[privcalls.InfoMode])
	}
	if p := int(info[privcalls.InfoLinkPrefix]); p >= 1 && p <= 32 {
		c.link = tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(to4(info[privcalls.InfoLinkAddr:])), PrefixLen: p}
	}
	return c, nil
}

func to4(b []byte) [4]byte { return [4]byte{b[0], b[1], b[2], b[3]} }

// routesFor are the routes an IPv4 address brings: its subnet on the card,
// and the default route through gateway when there is one.
func routesFor(addr tcpip.AddressWithPrefix, gateway tcpip.Address) []tcpip.Route {
	r := []tcpip.Route{{Destination: addr.Subnet(), NIC: cardNIC}}
	if gateway.Len() != 0 {
		r = append(r, tcpip.Route{Destination: header.IPv4EmptySubnet, Gateway: gateway, NIC: cardNIC})
	}
	return r
}
