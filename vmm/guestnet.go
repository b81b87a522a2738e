package vmm

import (
	"fmt"
	"net/netip"
	"strings"
)

// checkTap rejects a tap device name QEMU would misread, and forwards on a
// tap (they are the user-mode network's).
func checkTap(n *NetSpec) error {
	if n.Tap == "" {
		return nil
	}
	if len(n.Tap) > 15 || strings.ContainsAny(n.Tap, "/, \t\n:=") {
		return fmt.Errorf("network: tap device name %q: at most 15 characters, no '/', ',', ':', '=' or spaces", n.Tap)
	}
	if len(n.Forwards) > 0 {
		return fmt.Errorf("network: port forwards (-p) belong to QEMU's user-mode network; on tap device %s the guest has its own address: connect to it directly", n.Tap)
	}
	return nil
}

// check rejects a configuration the guest cannot take.
func (g GuestNet) check() error {
	if g.DHCP && g.Addr.IsValid() {
		return fmt.Errorf("network: a static address (%s) and DHCP at once: give one", g.Addr)
	}
	if g.Addr.IsValid() && (!g.Addr.Addr().Is4() || g.Addr.Bits() < 1) {
		return fmt.Errorf("network: address %s: give an IPv4 address with its prefix length, e.g. 192.168.100.10/24", g.Addr)
	}
	if g.Gateway.IsValid() {
		if !g.Addr.IsValid() {
			return fmt.Errorf("network: a gateway (%s) needs a static address", g.Gateway)
		}
		if !g.Gateway.Is4() || !g.Addr.Masked().Contains(g.Gateway) {
			return fmt.Errorf("network: gateway %s is not an IPv4 address of %s's network (%s)", g.Gateway, g.Addr.Addr(), g.Addr.Masked())
		}
	}
	if g.Link.IsValid() && (!g.Link.Addr().Is4() || g.Link.Bits() < 1) {
		return fmt.Errorf("network: link address %s: give an IPv4 address with its prefix length", g.Link)
	}
	if len(g.DNS) > MaxDNS {
		return fmt.Errorf("network: %d name servers: the guest takes at most %d", len(g.DNS), MaxDNS)
	}
	if len(g.Hosts) > MaxHosts {
		return fmt.Errorf("network: %d host entries: the guest takes at most %d", len(g.Hosts), MaxHosts)
	}
	for _, h := range g.Hosts {
		if _, _, err := ParseHost(h); err != nil {
			return fmt.Errorf("network: %w", err)
		}
	}
	return nil
}

// ParseHost reads a NAME:IP host entry (Docker's --add-host; the name ends
// at the first colon, so an IPv6 address keeps its own).
func ParseHost(s string) (string, netip.Addr, error) {
	name, ip, ok := strings.Cut(s, ":")
	bad := func(why string) (string, netip.Addr, error) {
		return "", netip.Addr{}, fmt.Errorf("host entry %q: %s (write NAME:IP, e.g. db:192.168.100.5)", s, why)
	}
	if !ok || name == "" {
		return bad("no name")
	}
	if strings.ContainsAny(name, " \t\n#") {
		return bad("the name has white space or '#'")
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return bad(fmt.Sprintf("%q is not an IP address", ip))
	}
	return name, a, nil
}

// tokens are the kernel command-line tokens for the configuration.
func (g GuestNet) tokens() []string {
	var t []string
	if g.DHCP {
		t = append(t, "net.dhcp")
	}
	if g.Addr.IsValid() {
		t = append(t, "net.ip="+g.Addr.String())
	}
	if g.Gateway.IsValid() {
		t = append(t, "net.gw="+g.Gateway.String())
	}
	if g.Link.IsValid() {
		t = append(t, "net.link="+g.Link.String())
	}
	for _, d := range g.DNS {
		t = append(t, "net.dns="+encodeValue(d.String()))
	}
	for _, h := range g.Hosts {
		t = append(t, "net.host="+encodeValue(h))
	}
	return t
}
