package ociruntime

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"unigo.dev/unigo/vmm"
)

// The VM shares the container's network namespace with whatever else
// lives there — a pod's sidecars under runc, the containers of `docker
// run --network container:ID` — as the containers of a pod share one Linux
// network stack: one address, one MAC, one space of ports. Frames arriving
// on the container's interface go to the guest (the tap device) or to the
// namespace's own stack by what they are for:
//   - ARP: both;
//   - TCP and UDP to a port the app serves (the kernel tells of its
//     listeners and bound UDP sockets as they open and close: vmm.Listen),
//     or to the guest's ephemeral ports, guestEphemeral and up (the answers
//     to its connections): the guest;
//   - ICMP and IPv6: the guest;
//   - the rest — the namespace's connections, whose ephemeral ports end
//     below guestEphemeral, and its listeners: the namespace.
// The guest's frames leave through the interface, except those for
// linkHost: the namespace's end of a link between the two (a link-local
// /30 on the tap), where the app reaches the namespace's services, and
// the namespace reaches the app at linkGuest. Inside the namespace a
// proxy listens on each TCP port the app serves, so the other containers
// reach the app at localhost and at the pod's address, as they reach each
// other.

var (
	linkHost  = netip.MustParsePrefix("169.254.77.1/30")
	linkGuest = netip.MustParsePrefix("169.254.77.2/30")
)

// guestEphemeral is the first of the guest's ephemeral ports
// (kernel/netstack: ephemeralFirst); the namespace's end below it
// (nsPortRange).
const guestEphemeral = 49152

// nsPortRange is the namespace's ephemeral range (Linux's default starts
// at 32768 and ends at 60999).
const nsPortRange = "32768 49151"

// podLink splits the container's interface between the guest and the
// namespace.
type podLink struct {
	ifc, tap string

	mu       sync.Mutex
	served   map[servedKey]*servedPort
	nextPrio int
}

type servedKey struct {
	udp  bool
	port int
}

// servedPort is a port the app serves: its filter (by priority, 0: the
// ephemeral range's covers it) and its proxy in the namespace (TCP).
type servedPort struct {
	refs  int
	prio  int
	proxy net.Listener
}

// Filter priorities: the fixed filters first, the served ports' from
// firstPortPrio.
const firstPortPrio = 100

// newPodLink puts the tap on the link, sets the namespace's ephemeral
// ports below the guest's and installs the fixed filters.
func newPodLink(ifc, tap string) (*podLink, error) {
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_local_port_range", []byte(nsPortRange), 0o644); err != nil {
		return nil, fmt.Errorf("the container's network: the namespace's ephemeral ports: %w", err)
	}
	dev := func(d string, rest ...string) []string {
		return append([]string{"tc", "filter", "add", "dev", d, "parent", "ffff:"}, rest...)
	}
	ephemeral := fmt.Sprintf("0x%x", guestEphemeral)
	host := linkHost.Addr().As4()
	if err := run(
		[]string{"ip", "addr", "add", linkHost.String(), "dev", tap},
		[]string{"tc", "qdisc", "add", "dev", tap, "ingress"},
		[]string{"tc", "qdisc", "add", "dev", ifc, "ingress"},
		// From the network: ARP to both, the guest's ephemeral ports, ICMP
		// and IPv6 to the guest.
		dev(ifc, "prio", "1", "protocol", "arp", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "mirror", "dev", tap),
		toGuest(ifc, tap, 2, "ip", "match", "ip", "protocol", "6", "0xff", "match", "ip", "dport", ephemeral, ephemeral),
		toGuest(ifc, tap, 3, "ip", "match", "ip", "protocol", "17", "0xff", "match", "ip", "dport", ephemeral, ephemeral),
		toGuest(ifc, tap, 4, "ip", "match", "ip", "protocol", "1", "0xff"),
		toGuest(ifc, tap, 5, "ipv6", "match", "u32", "0", "0"),
		// From the guest: to the link's host end (and ARP for it) into
		// the namespace (a filter without an action passes the frame),
		// the rest out through the interface.
		dev(tap, "prio", "1", "protocol", "ip", "u32", "match", "ip", "dst", linkHost.Addr().String()+"/32", "flowid", ":1"),
		dev(tap, "prio", "2", "protocol", "arp", "u32", "match", "u32", fmt.Sprintf("0x%02x%02x%02x%02x", host[0], host[1], host[2], host[3]), "0xffffffff", "at", "24", "flowid", ":1"),
		dev(tap, "prio", "3", "protocol", "all", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifc),
	); err != nil {
		return nil, err
	}
	return &podLink{ifc: ifc, tap: tap, served: map[servedKey]*servedPort{}, nextPrio: firstPortPrio}, nil
}

// toGuest is the tc filter, at prio on ifc's ingress, that redirects the
// frames of protocol that match (u32 selectors) to the guest's tap.
func toGuest(ifc, tap string, prio int, protocol string, match ...string) []string {
	f := []string{"tc", "filter", "add", "dev", ifc, "parent", "ffff:", "prio", strconv.Itoa(prio), "protocol", protocol, "u32"}
	return append(append(f, match...), "action", "mirred", "egress", "redirect", "dev", tap)
}

// close gives the namespace its interface back: the VM has ended.
func (p *podLink) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sp := range p.served {
		if sp.proxy != nil {
			sp.proxy.Close()
		}
	}
	p.served = nil
	unplumb(p.ifc)
}

// listen follows the app's served ports (vmm.Spec.Listens): a port's
// filter and proxy come with its first listener and go with its last.
func (p *podLink) listen(l vmm.Listen) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.served == nil {
		return // closed
	}
	key := servedKey{l.UDP, l.Port}
	sp := p.served[key]
	if l.Open {
		if sp != nil {
			sp.refs++
			return
		}
		sp = &servedPort{refs: 1}
		if l.Port < guestEphemeral {
			sp.prio = p.nextPrio
			p.nextPrio++
			proto := "6"
			if l.UDP {
				proto = "17"
			}
			port := strconv.Itoa(l.Port)
			if err := run(toGuest(p.ifc, p.tap, sp.prio, "ip", "match", "ip", "protocol", proto, "0xff", "match", "ip", "dport", port, "0xffff")); err != nil {
				fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
			}
		}
		if !l.UDP {
			sp.proxy = proxyToGuest(l.Port)
		}
		p.served[key] = sp
		return
	}
	if sp == nil {
		return
	}
	if sp.refs--; sp.refs > 0 {
		return
	}
	delete(p.served, key)
	if sp.prio != 0 {
		run([]string{"tc", "filter", "del", "dev", p.ifc, "parent", "ffff:", "prio", strconv.Itoa(sp.prio)})
	}
	if sp.proxy != nil {
		sp.proxy.Close()
	}
}

// proxyToGuest listens on port in the namespace (its loopback and the
// pod's address: connections from outside do not reach it, the filters
// send them to the guest) and joins each connection to the app's, at
// linkGuest. nil when the port is taken: another container of the pod
// serves it, which Kubernetes would refuse too.
func proxyToGuest(port int) net.Listener {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: the app's port %d is not reachable from the pod's other containers: %v\n", port, err)
		return nil
	}
	to := net.JoinHostPort(linkGuest.Addr().String(), strconv.Itoa(port))
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					continue
				}
				return
			}
			go splice(c.(*net.TCPConn), to)
		}
	}()
	return ln
}

// splice copies both ways between c and a new connection to to, each
// direction's end passed on as a half close.
func splice(c *net.TCPConn, to string) {
	defer c.Close()
	g, err := net.DialTimeout("tcp", to, 5*time.Second)
	if err != nil {
		return
	}
	guest := g.(*net.TCPConn)
	defer guest.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(guest, c)
		guest.CloseWrite()
		close(done)
	}()
	io.Copy(c, guest)
	c.CloseWrite()
	<-done
}
