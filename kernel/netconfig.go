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
	syscalls.SetNetConfig(n)
	vfs.AddResolvConf(etcText[:boot.ResolvConf(etcText[:], cl, n)])
	if k := boot.Hosts(etcText[:], cl, n); k > 0 {
		vfs.AppendHosts(etcText[:k])
	}
}
