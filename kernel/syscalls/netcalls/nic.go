package netcalls

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// The kernel's private calls (package privcalls, docs/boot-contract.md):
// the network stack's goroutines reach the NIC through them. A call that
// must wait blocks its thread with BlockRestart: the NIC's interrupt wakes
// it (virtionet.Interrupt) and it runs again from the start; a signal ends
// the wait with EINTR, as for pipes.

// DispatchNIC runs the card's private calls (nic_info, nic_recv,
// nic_send), which the table always has; ok is false for other numbers.
func DispatchNIC(t *threads.Thread, nr uint64, a *[6]uintptr) (r int64, ok bool) {
	switch nr {
	case privcalls.NICInfo:
		return nicInfo(a[0]), true
	case privcalls.NICRecv:
		return nicRecv(t, a[0], a[1]), true
	case privcalls.NICSend:
		return nicSend(t, a[0], a[1]), true
	}
	return 0, false
}

func nicInfo(buf uintptr) int64 {
	mac, mtu, up, ok := virtionet.Info()
	if !ok {
		return -privcalls.ENODEV
	}
	b, okb := abi.UserBytes(buf, privcalls.InfoSize, true)
	if !okb {
		return -abi.EFAULT
	}
	clear(b)
	copy(b[privcalls.InfoMAC:], mac[:])
	b[privcalls.InfoMTU], b[privcalls.InfoMTU+1] = byte(mtu), byte(mtu>>8)
	if up {
		b[privcalls.InfoLink] = 1
	}
	b[privcalls.InfoMode] = netConfig.mode
	b[privcalls.InfoPrefix] = netConfig.prefix
	b[privcalls.InfoFlags] = netConfig.flags
	copy(b[privcalls.InfoAddr:], netConfig.addr[:])
	copy(b[privcalls.InfoGateway:], netConfig.gateway[:])
	copy(b[privcalls.InfoLinkAddr:], netConfig.link[:])
	b[privcalls.InfoLinkPrefix] = netConfig.linkPrefix
	return 0
}

// netConfig is the card's configuration from the command line, which
// nic_info hands the network stack.
var netConfig struct {
	mode, prefix, flags byte
	addr, gateway       [4]byte
	link                [4]byte
	linkPrefix          byte
}

// SetNetConfig records the card's configuration (boot: the net.* tokens):
// mode is one of privcalls.Mode*, dnsGiven says the host named the name
// servers, so a DHCP lease must not replace them.
func SetNetConfig(n *boot.Net) {
	netConfig.mode, netConfig.addr, netConfig.prefix, netConfig.gateway = n.Mode, n.Addr, n.Prefix, n.Gateway
	netConfig.link, netConfig.linkPrefix = n.Link, n.LinkPrefix
	netConfig.flags = 0
	if n.NDNS > 0 {
		netConfig.flags |= privcalls.InfoDNSGiven
	}
}

func nicRecv(t *threads.Thread, buf, n uintptr) int64 {
	if !virtionet.Present() {
		return -privcalls.ENODEV
	}
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	if got, ok := virtionet.Recv(b); ok {
		return int64(got)
	}
	threads.BlockRestart(t, virtionet.RecvKey())
	return abi.Blocked
}

func nicSend(t *threads.Thread, buf, n uintptr) int64 {
	if !virtionet.Present() {
		return -privcalls.ENODEV
	}
	switch {
	case n < 14:
		return -abi.EINVAL
	case n > privcalls.MaxFrame:
		return -privcalls.EMSGSIZE
	}
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	if virtionet.Send(b) {
		return int64(n)
	}
	threads.BlockRestart(t, virtionet.SendKey())
	return abi.Blocked
}

// NICStats prints the card's counters at exit (debug.boottime), if there
// is a card.
func NICStats() {
	if !virtionet.Present() {
		return
	}
	s := virtionet.Counters()
	klog.Str("unigo: stats: nic: ")
	klog.Dec(int64(s.Received))
	klog.Str(" frames in, ")
	klog.Dec(int64(s.Sent))
	klog.Str(" out, ")
	klog.Dec(int64(s.Interrupts))
	klog.Str(" interrupts, ")
	klog.Dec(int64(s.RecvWaits))
	klog.Str(" waits for a frame, ")
	klog.Dec(int64(s.SendWaits))
	klog.Str(" for a transmit buffer\n")
}
