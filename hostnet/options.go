package hostnet

import (
	"crypto/sha256"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"unigo.dev/unigo/vmm"
)

// Options is what `unigo run` was told about the network (--net, --ip,
// --gateway, --dns, --add-host); a detached instance keeps them in its
// state and its monitor makes the card from them at every boot.
type Options struct {
	Mode    string   `json:"mode,omitempty"`    // ModeNone, ModeUser, ModeDHCP or ModeTap; "": decided by -p
	Tap     string   `json:"tap,omitempty"`     // the tap device (ModeTap)
	IP      string   `json:"ip,omitempty"`      // ADDR/PREFIX: a static IPv4 address (ModeTap)
	Gateway string   `json:"gateway,omitempty"` // the default route with IP
	DNS     []string `json:"dns,omitempty"`     // name servers for the guest's /etc/resolv.conf
	Hosts   []string `json:"hosts,omitempty"`   // NAME:IP entries for the guest's /etc/hosts
	MAC     string   `json:"mac,omitempty"`     // the card's MAC address; "": TapMAC on a tap, vmm.DefaultMAC otherwise
	MTU     int      `json:"mtu,omitempty"`     // the network's MTU, for the guest; 0: 1500
}

// The network modes of --net.
const (
	ModeNone = "none" // no card
	ModeUser = "user" // QEMU's user-mode network; the guest is 10.0.2.15, set statically
	ModeDHCP = "dhcp" // QEMU's user-mode network; the guest asks its DHCP server
	ModeTap  = "tap"  // a tap device of the host; the guest asks a DHCP server there unless --ip
)

// DefaultTap is the tap device of --net tap without a name (README:
// "Networking on a tap device" creates it).
const DefaultTap = "unigo0"

// ParseNet reads --net: none, user, dhcp, tap or tap:NAME.
func ParseNet(s string) (mode, tap string, err error) {
	switch {
	case s == "" || s == ModeNone || s == ModeUser || s == ModeDHCP:
		return s, "", nil
	case s == ModeTap:
		return ModeTap, DefaultTap, nil
	case strings.HasPrefix(s, "tap:") && len(s) > len("tap:"):
		return ModeTap, s[len("tap:"):], nil
	}
	return "", "", fmt.Errorf("--net %q: give user (QEMU's user-mode network, 10.0.2.15), dhcp (the same, address by DHCP), tap:NAME (a tap device on a host bridge, needs root) or none", s)
}

// Card is the VM's network card for these options and published ports:
// none with --net none, or without -p and any network option; QEMU's
// user-mode network for user and dhcp (and -p alone); the tap device for
// tap. It reports options that do not fit together.
func Card(publish []vmm.Forward, o Options) (*vmm.NetSpec, error) {
	mode := o.Mode
	configured := o.IP != "" || o.Gateway != "" || len(o.DNS) > 0 || len(o.Hosts) > 0 || o.MAC != ""
	if mode == "" && (len(publish) > 0 || configured) {
		mode = ModeUser
	}
	switch mode {
	case "", ModeNone:
		if len(publish) > 0 {
			return nil, fmt.Errorf("--net none: published ports (-p) need a network")
		}
		if configured {
			return nil, fmt.Errorf("--net none: --ip, --gateway, --dns, --add-host and --mac-address need a network")
		}
		return nil, nil
	case ModeUser, ModeDHCP, ModeTap:
	default:
		return nil, fmt.Errorf("--net %q: give user, dhcp, tap:NAME or none", mode)
	}
	n := &vmm.NetSpec{Forwards: publish, MAC: o.MAC, MTU: o.MTU, Guest: vmm.GuestNet{Hosts: o.Hosts}}
	if o.MAC != "" {
		if hw, err := net.ParseMAC(o.MAC); err != nil || len(hw) != 6 || hw[0]&1 != 0 {
			return nil, fmt.Errorf("--mac-address %q: give six bytes whose first is even (not multicast), e.g. 52:54:00:12:34:57", o.MAC)
		}
	}
	if mode == ModeTap {
		n.Tap = o.Tap
		if n.Tap == "" {
			n.Tap = DefaultTap
		}
		if n.MAC == "" {
			n.MAC = TapMAC(n.Tap)
		}
		if len(publish) > 0 {
			return nil, fmt.Errorf("-p with --net tap:%s: ports are published by QEMU's user-mode network; on a tap device the guest has its own address on the bridge: connect to that address and drop -p", n.Tap)
		}
	}
	if o.IP != "" {
		if mode != ModeTap {
			return nil, fmt.Errorf("--ip %s: on QEMU's user-mode network the guest's address is 10.0.2.15; a chosen address needs --net tap:NAME", o.IP)
		}
		p, err := netip.ParsePrefix(o.IP)
		if err != nil || !p.Addr().Is4() || p.Bits() < 1 || p.Addr() == p.Masked().Addr() {
			return nil, fmt.Errorf("--ip %q: give the guest's IPv4 address with its prefix length, e.g. --ip 192.168.100.10/24", o.IP)
		}
		n.Guest.Addr = p
	}
	if o.Gateway != "" {
		if o.IP == "" {
			return nil, fmt.Errorf("--gateway %s: goes with --ip (with DHCP or on the user-mode network the gateway comes from the network)", o.Gateway)
		}
		g, err := netip.ParseAddr(o.Gateway)
		if err != nil || !g.Is4() || !n.Guest.Addr.Masked().Contains(g) {
			return nil, fmt.Errorf("--gateway %q: give an IPv4 address in %s, e.g. %s", o.Gateway, n.Guest.Addr.Masked(), n.Guest.Addr.Masked().Addr().Next())
		}
		n.Guest.Gateway = g
	}
	n.Guest.DHCP = mode == ModeDHCP || mode == ModeTap && o.IP == ""
	for _, d := range o.DNS {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return nil, fmt.Errorf("--dns %q: give a name server's IP address, e.g. --dns 192.168.100.1", d)
		}
		n.Guest.DNS = append(n.Guest.DNS, a)
	}
	if len(n.Guest.DNS) > vmm.MaxDNS {
		return nil, fmt.Errorf("--dns: %d name servers; the guest takes at most %d", len(n.Guest.DNS), vmm.MaxDNS)
	}
	for _, h := range o.Hosts {
		if _, _, err := vmm.ParseHost(h); err != nil {
			return nil, fmt.Errorf("--add-host: %w", err)
		}
	}
	if len(o.Hosts) > vmm.MaxHosts {
		return nil, fmt.Errorf("--add-host: %d entries; the guest takes %d", len(o.Hosts), vmm.MaxHosts)
	}
	return n, nil
}

// TapMAC is the card's MAC address on tap device name when run is given
// none: VMs on one bridge need MACs of their own (QEMU's default would be
// the same for all), and a VM on the same tap keeps its MAC, so a DHCP
// server gives it the same address again. QEMU's prefix 52:54:00, then
// three bytes of the name's SHA-256.
func TapMAC(name string) string {
	h := sha256.Sum256([]byte("unigo tap " + name))
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", h[0], h[1], h[2])
}
