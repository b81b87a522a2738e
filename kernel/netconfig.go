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
	w := etcWriter{}
	switch {
	case n.NDNS > 0:
		for i := 0; i < n.NDNS; i++ {
			w.line("nameserver ", cl[n.DNS[i].Start:n.DNS[i].End], "", nil)
		}
	case n.Mode == boot.NetDefault:
		w.line("nameserver 10.0.2.3", nil, "", nil) // QEMU user-mode network's DNS
	case n.Mode == boot.NetDHCP:
		w.line("# the DHCP lease's name servers replace this line", nil, "", nil)
	default:
		w.line("# no name server: give one with unigo run --dns ADDR", nil, "", nil)
	}
	vfs.AddResolvConf(w.bytes())
	w = etcWriter{}
	for i := 0; i < n.NHosts; i++ {
		w.host(cl[n.Hosts[i].Start:n.Hosts[i].End])
	}
	if w.n > 0 {
		vfs.AppendHosts(w.bytes())
	}
}

// etcWriter fills etcText with whole lines (copies, never append: the
// kernel may not call the allocator, even on a path that would not grow).
type etcWriter struct{ n int }

func (w *etcWriter) bytes() []byte { return etcText[:w.n] }

// line writes a, b, c, d and a newline, or nothing when they do not fit.
func (w *etcWriter) line(a string, b []byte, c string, d []byte) {
	if w.n+len(a)+len(b)+len(c)+len(d)+1 > len(etcText) {
		return
	}
	w.n += copy(etcText[w.n:], a)
	w.n += copy(etcText[w.n:], b)
	w.n += copy(etcText[w.n:], c)
	w.n += copy(etcText[w.n:], d)
	etcText[w.n] = '\n'
	w.n++
}

// host turns NAME:IP (Docker's --add-host) into the hosts line
// "IP<tab>NAME". The name ends at the first colon: an IPv6 address keeps
// its own.
func (w *etcWriter) host(entry []byte) {
	for i, c := range entry {
		if c == ':' {
			if i > 0 && i < len(entry)-1 {
				w.line("", entry[i+1:], "\t", entry[:i])
			}
			return
		}
	}
}
