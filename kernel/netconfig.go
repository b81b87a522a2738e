package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/kernel/vfs"
)

// etcText is where the boot builds the network files' contents: a global
// array, so the boot stack stays small and nothing is allocated.
var etcText [4096]byte

// setUpNetwork applies the card's configuration from the command line
// (net.* tokens, docs/boot-contract.md): the settings nic_info gives the
// network stack, /etc/resolv.conf and the extra lines of /etc/hosts.
func setUpNetwork(cl []byte, n *boot.Net) {
	syscalls.SetNetConfig(n.Mode, n.Addr, n.Prefix, n.Gateway, n.NDNS > 0)
	b := etcText[:0]
	switch {
	case n.NDNS > 0:
		for i := 0; i < n.NDNS; i++ {
			b = appendLine(b, "nameserver ", cl[n.DNS[i].Start:n.DNS[i].End])
		}
	case n.Mode == boot.NetDefault:
		b = appendLine(b, "nameserver ", []byte("10.0.2.3")) // QEMU user-mode network's DNS
	case n.Mode == boot.NetDHCP:
		b = appendLine(b, "# the DHCP lease's name servers replace this line", nil)
	default:
		b = appendLine(b, "# no name server: give one with unigo run --dns ADDR", nil)
	}
	vfs.AddResolvConf(b)
	b = etcText[:0]
	for i := 0; i < n.NHosts; i++ {
		b = appendHost(b, cl[n.Hosts[i].Start:n.Hosts[i].End])
	}
	if len(b) > 0 {
		vfs.AppendHosts(b)
	}
}

// appendLine appends prefix, value and a newline, as far as etcText goes.
func appendLine(b []byte, prefix string, value []byte) []byte {
	if len(b)+len(prefix)+len(value)+1 > cap(b) {
		return b
	}
	b = append(b, prefix...)
	b = append(b, value...)
	return append(b, '\n')
}

// appendHost turns NAME:IP (Docker's --add-host) into the hosts line
// "IP<tab>NAME". The name ends at the first colon: an IPv6 address keeps
// its own.
func appendHost(b []byte, entry []byte) []byte {
	for i, c := range entry {
		if c == ':' {
			if i == 0 || i == len(entry)-1 || len(b)+len(entry)+1 > cap(b) {
				return b
			}
			b = append(b, entry[i+1:]...)
			b = append(b, '\t')
			b = append(b, entry[:i]...)
			return append(b, '\n')
		}
	}
	return b
}
