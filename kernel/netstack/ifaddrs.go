package netstack

import (
	"sort"
	"syscall"
	"unsafe"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo.dev/unigo/kernel/privcalls"
)

// The interfaces' addresses, handed to the kernel (privcalls.NetAddrs),
// which answers the app's netlink route sockets from them (net.Interfaces,
// net.InterfaceAddrs): after the stack is made, on every DHCP lease or
// its end, and when SLAAC adds or drops an address.

// leased tells publishAddrs that the card's IPv4 address comes from DHCP:
// not permanent, as Linux marks an address a DHCP client added.
var leased bool

// publishAddrs gives the kernel every address of lo and the card.
func publishAddrs(s *stack.Stack) {
	type rec struct {
		nic tcpip.NICID
		b   [privcalls.AddrSize]byte
	}
	var recs []rec
	for nic, addrs := range s.AllAddresses() {
		if nic != loopbackNIC && nic != cardNIC {
			continue
		}
		for _, a := range addrs {
			if a.AddressWithPrefix.Address == header.IPv4Broadcast {
				continue // gVisor's own, to take broadcasts: not an address of the interface on Linux
			}
			var r rec
			r.nic = nic
			r.b[privcalls.AddrNIC] = byte(nic)
			r.b[privcalls.AddrPrefix] = byte(a.AddressWithPrefix.PrefixLen)
			ip := a.AddressWithPrefix.Address.AsSlice()
			copy(r.b[privcalls.AddrIP:], ip)
			v6 := len(ip) == 16
			r.b[privcalls.AddrFamily] = 4
			if v6 {
				r.b[privcalls.AddrFamily] = 6
			}
			switch {
			case nic == loopbackNIC, !v6 && !leased, v6 && ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
				r.b[privcalls.AddrFlags] = privcalls.AddrPermanent
			}
			recs = append(recs, r)
		}
	}
	// lo first, then the card; IPv4 before IPv6, as Linux lists them.
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].nic != recs[j].nic {
			return recs[i].nic < recs[j].nic
		}
		return recs[i].b[privcalls.AddrFamily] < recs[j].b[privcalls.AddrFamily]
	})
	if len(recs) > privcalls.MaxAddrs {
		recs = recs[:privcalls.MaxAddrs]
	}
	buf := make([]byte, 0, len(recs)*privcalls.AddrSize)
	for _, r := range recs {
		buf = append(buf, r.b[:]...)
	}
	syscall.RawSyscall(privcalls.NetAddrs, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0)
}

// slaacAddr republishes when an autoconfigured address changes state or
// goes. gVisor calls it with its locks held: the stack is read on a
// goroutine of its own.
type slaacAddr struct{ d *ndpRoutes }

func (a slaacAddr) OnChanged(stack.AddressLifetimes, stack.AddressAssignmentState) {
	a.d.change(publishAddrs)
}

func (a slaacAddr) OnRemoved(stack.AddressRemovalReason) { a.d.change(publishAddrs) }
