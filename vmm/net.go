package vmm

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// NetSpec gives the VM a network card: a virtio-net device on QEMU's
// user-mode network (slirp), which needs no privileges on the host, or on
// a tap device of the host. On the user-mode network the guest is
// 10.0.2.15 behind a NAT whose gateway is 10.0.2.2 (DNS 10.0.2.3); it can
// reach out, and the host reaches in only through Forwards. On a tap
// device (usually on a bridge) the guest has an address of that network,
// from Guest or from a DHCP server there.
type NetSpec struct {
	MAC      string    // the card's address, "52:54:00:..." form; "" means DefaultMAC
	Forwards []Forward // host ports forwarded to the guest (user-mode network only)
	Tap      string    // the host's tap device to put the card on; "": the user-mode network
	MTU      int       // the network's MTU, told to the guest by the card; 0: Ethernet's 1500
	Guest    GuestNet  // how the guest sets the card up
}

// GuestNet is how the guest configures its card, passed on the kernel
// command line (net.* tokens, docs/boot-contract.md). The zero value is
// the user-mode network's fixed addresses.
type GuestNet struct {
	DHCP    bool         // ask a DHCP server (QEMU's user-mode network has one)
	Addr    netip.Prefix // a static IPv4 address and prefix
	Gateway netip.Addr   // the default route with Addr (IPv4); zero: none
	DNS     []netip.Addr // name servers for /etc/resolv.conf (at most 3); none: the network's
	Hosts   []string     // NAME:IP lines for /etc/hosts (Docker's --add-host)
	// Link is a second IPv4 address of the card, with its subnet on the
	// card: the link to the host's side of a tap device, where the OCI
	// runtime's namespace reaches the app (ociruntime/podlink.go).
	Link netip.Prefix
}

// Limits the guest kernel has (kernel/boot).
const (
	MaxDNS   = 3
	MaxHosts = 32
)

// Forward makes a host port lead to a port of the guest.
type Forward struct {
	Proto     string // "tcp" (when empty) or "udp"
	HostIP    string // the host IPv4 address to listen on ("" means all); QEMU 7's hostfwd takes no IPv6
	HostPort  int
	GuestPort int
}

// DefaultMAC is the card's address when the spec gives none: fixed, so a
// guest's address never changes between boots (QEMU's own default, a
// locally administered address in QEMU's OUI).
const DefaultMAC = "52:54:00:12:34:56"

// checkNet rejects what QEMU would refuse with a less helpful message, or
// accept and misread.
func checkNet(n *NetSpec) error {
	if n == nil {
		return nil
	}
	if n.MAC != "" {
		hw, err := net.ParseMAC(n.MAC)
		if err != nil || len(hw) != 6 {
			return fmt.Errorf("network: MAC address %q: give six bytes as 52:54:00:12:34:56", n.MAC)
		}
		if hw[0]&1 != 0 {
			return fmt.Errorf("network: MAC address %s is a multicast address: the first byte must be even", n.MAC)
		}
	}
	if n.MTU != 0 && (n.MTU < 68 || n.MTU > 1500) {
		return fmt.Errorf("network: MTU %d: give 68 to 1500 (the guest's frames are Ethernet's at most)", n.MTU)
	}
	if err := checkTap(n); err != nil {
		return err
	}
	if err := n.Guest.check(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range n.Forwards {
		if p := f.Protocol(); p != "tcp" && p != "udp" {
			return fmt.Errorf("network: port forward %s: protocol %q is neither tcp nor udp", f, f.Proto)
		}
		if f.HostIP != "" {
			if ip := net.ParseIP(f.HostIP); ip == nil || ip.To4() == nil {
				return fmt.Errorf("network: port forward %s: host address %q is not an IPv4 address", f, f.HostIP)
			}
		}
		if f.HostPort < 1 || f.HostPort > 65535 || f.GuestPort < 1 || f.GuestPort > 65535 {
			return fmt.Errorf("network: port forward %s: ports must be 1 to 65535", f)
		}
		key := f.Protocol() + "/" + strconv.Itoa(f.HostPort)
		if seen[key] {
			return fmt.Errorf("network: host port %d/%s is forwarded twice", f.HostPort, f.Protocol())
		}
		seen[key] = true
	}
	return nil
}

// Protocol is the forward's protocol, "tcp" when the spec leaves it empty.
func (f Forward) Protocol() string {
	if f.Proto == "" {
		return "tcp"
	}
	return strings.ToLower(f.Proto)
}

// String is the forward for messages, as hostnet.Publish writes it:
// [HOSTIP:]HOSTPORT->GUESTPORT/PROTO.
func (f Forward) String() string {
	host := strconv.Itoa(f.HostPort)
	if f.HostIP != "" {
		host = net.JoinHostPort(f.HostIP, host)
	}
	return fmt.Sprintf("%s->%d/%s", host, f.GuestPort, f.Protocol())
}
