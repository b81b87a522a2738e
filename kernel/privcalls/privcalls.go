// Package privcalls numbers the kernel's private system calls: the ABI
// between the kernel and its own goroutines that run in the app's Go
// runtime (the network stack needs the Go heap, so it cannot run on the
// kernel's trap path; it reaches the NIC through these calls). They are
// numbered from 1000, above every Linux x86-64 call, so no Linux program
// uses them by accident. docs/boot-contract.md documents them; this
// package is the one place that defines them, for the kernel and for its
// goroutines alike. No imports: any package may use it.
package privcalls

// The calls, made with the Linux convention (number in RAX, arguments in
// RDI, RSI, RDX; result or -errno in RAX).
const (
	// NICInfo(buf *[InfoSize]byte) writes the NIC's MAC address, MTU and
	// link state into buf (layout below) and returns 0; -ENODEV when the
	// VM has no NIC, -EFAULT for a bad buf.
	NICInfo = 1000
	// NICRecv(buf, len) copies one received Ethernet frame (no virtio
	// header) into buf, truncated to len, and returns the bytes copied. It
	// blocks while no frame is queued; a signal ends the wait with -EINTR.
	NICRecv = 1001
	// NICSend(buf, len) queues one Ethernet frame of len bytes (14 to
	// MaxFrame; -EINVAL or -EMSGSIZE otherwise) for transmission and
	// returns len. buf is copied: the caller may reuse it at once. It
	// blocks while every transmit buffer is in use (-EINTR as NICRecv).
	NICSend = 1002
	// NICOpen() returns the card's receive descriptor: non-blocking,
	// close-on-exec, readable (EPOLLIN) while a received frame is queued.
	// read(2) on it copies one frame (no virtio header, truncated to the
	// buffer) and returns its length, -EAGAIN when none is queued (the
	// card then interrupts on the next one, which makes the descriptor
	// readable). The stack waits for frames in Go's netpoller instead of
	// blocking a thread in NICRecv. -ENODEV without a NIC. Only in images
	// that link the network stack (like NetAttach).
	NICOpen = 1006
	// NetResolv(buf, len) replaces the contents of /etc/resolv.conf with
	// buf (at most ResolvMax bytes) and returns 0: the stack writes the
	// name servers a DHCP lease gave. -EEXIST, changing nothing, when the
	// file is not the kernel's to write (the image brought its own, or
	// the host named the servers: InfoDNSGiven); -EINVAL when too long.
	// Only in images that link the network stack.
	NetResolv = 1007
	// NetAddrs(buf, len) replaces the interfaces' addresses that netlink
	// route sockets report (RTM_GETADDR) with the records in buf: AddrSize
	// bytes each, at most MaxAddrs (-EINVAL beyond). The stack calls it
	// whenever its addresses change (configuration, a DHCP lease, SLAAC).
	// Only in images that link the network stack.
	NetAddrs = 1008
	// ExecStart(), in the kernel of unmodified executables, is the service
	// process's (the kernel's own runtime, which runs the network stack)
	// word that its packages are initialised: the program's socket calls
	// that started it (the first socket or socketpair) run again, now
	// served, and the caller blocks for good. Only the service may call it
	// (-ENOSYS otherwise); a signal ends the wait with -EINTR and the call
	// may be made again (it then only blocks).
	ExecStart = 1009
)

// NetAddrs' records.
const (
	AddrSize   = 20
	AddrNIC    = 0 // 1 byte: 1 the loopback interface (lo), 2 the card's (eth0)
	AddrFamily = 1 // 1 byte: 4 or 6
	AddrPrefix = 2 // 1 byte: the prefix length
	AddrFlags  = 3 // 1 byte: AddrPermanent
	AddrIP     = 4 // 16 bytes: the address (IPv4 in the first 4)
	MaxAddrs   = 16

	AddrPermanent = 1 // configured, not leased or autoconfigured
)

// ResolvMax bounds NetResolv's buffer.
const ResolvMax = 1024

// NICInfo's buffer: the card, and how the host asked for it to be set up
// (the net.* tokens of the kernel command line).
const (
	InfoSize    = 32
	InfoMAC     = 0  // 6 bytes
	InfoMTU     = 6  // uint16, little endian: the largest IP packet, without the Ethernet header
	InfoLink    = 8  // 1 byte: 1 when the link is up
	InfoMode    = 9  // 1 byte: ModeUserNet, ModeStatic or ModeDHCP
	InfoPrefix  = 10 // 1 byte: the prefix length of InfoAddr (ModeStatic)
	InfoFlags   = 11 // 1 byte: Info* flags
	InfoAddr    = 12 // 4 bytes: the IPv4 address (ModeStatic)
	InfoGateway = 16 // 4 bytes: the IPv4 default gateway, 0.0.0.0 for none (ModeStatic)
	// A second IPv4 address and its prefix length (0: none), on the link to
	// the host's side of a tap device, in any mode (net.link=).
	InfoLinkAddr   = 20 // 4 bytes
	InfoLinkPrefix = 24 // 1 byte
)

// The card's configuration modes (InfoMode).
const (
	ModeUserNet = 0 // QEMU user-mode network's fixed addresses: 10.0.2.15/24 through 10.0.2.2
	ModeStatic  = 1 // InfoAddr/InfoPrefix, through InfoGateway
	ModeDHCP    = 2 // ask a DHCP server for an address
)

// InfoFlags bits.
const (
	InfoDNSGiven = 1 << 0 // the host named the name servers: keep /etc/resolv.conf
)

// MaxFrame is the longest frame NICSend takes: an MTU of 1500 bytes plus
// the 14-byte Ethernet header (no VLAN tag, no frame check sequence).
const MaxFrame = 1514

// Linux errno values the private calls return (negated) beyond the usual
// EFAULT, EINVAL and EINTR.
const (
	EEXIST   = 17
	ENODEV   = 19
	EMSGSIZE = 90
)

// names, from NICInfo on.
var names = [...]string{"nic_info", "nic_recv", "nic_send", "net_attach", "net_ctl", "net_io", "nic_open", "net_resolv", "net_addrs"}

// First is the lowest private call number.
const First = NICInfo

// Name returns the name of private call nr, or "" if there is none.
func Name(nr uint64) string {
	if nr >= First && nr-First < uint64(len(names)) {
		return names[nr-First]
	}
	return ""
}

// Names lists the private calls, in number order.
func Names() []string { return names[:] }
