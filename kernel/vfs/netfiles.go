package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

// The files of /etc that the network card's configuration writes: the
// name servers (resolv.conf) and extra host names (hosts). /etc is part
// of the read-only image root, so only the kernel writes them: at boot,
// and resolv.conf again when the network stack has a DHCP lease.

// AddResolvConf writes /etc/resolv.conf, unless the image's root has its
// own (which wins). Called at boot when the VM has a card.
func AddResolvConf(data []byte) {
	etc, e := memfs.Lookup(state.root, []byte("etc"))
	if e != 0 {
		return
	}
	if _, e := memfs.Lookup(etc, []byte("resolv.conf")); e == 0 {
		return
	}
	ino, e := memfs.Create(etc, []byte("resolv.conf"), memfs.TypeRegular|0o644, now())
	if e != 0 {
		return
	}
	memfs.WriteAt(ino, data, 0, now())
	state.resolv = ino
}

// ReplaceResolvConf gives the resolv.conf that AddResolvConf wrote new
// contents (privcalls.NetResolv: the name servers of a DHCP lease). EEXIST
// when the kernel did not write it: the image's own is left alone.
func ReplaceResolvConf(data []byte) int {
	if state.resolv == 0 {
		return EEXIST
	}
	if e := memfs.Truncate(state.resolv, 0, now()); e != 0 {
		return e
	}
	_, e := memfs.WriteAt(state.resolv, data, 0, now())
	return e
}

// AppendHosts adds lines to /etc/hosts (the kernel's, or the image's own).
func AppendHosts(lines []byte) {
	etc, e := memfs.Lookup(state.root, []byte("etc"))
	if e != 0 {
		return
	}
	ino, e := memfs.Lookup(etc, []byte("hosts"))
	if e != 0 {
		return
	}
	a, e := memfs.Stat(ino)
	if e != 0 {
		return
	}
	memfs.WriteAt(ino, lines, a.Size, now())
}
