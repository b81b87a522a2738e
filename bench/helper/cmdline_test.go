package main

import "testing"

func TestNetIPToken(t *testing.T) {
	for _, c := range []struct {
		cmdline, ip, mask string
		ok                bool
	}{
		{"console=ttyS0 quiet net.ip=192.168.100.10/24 PORT=8080", "192.168.100.10", "ffffff00", true},
		{"net.ip=10.1.2.3/8", "10.1.2.3", "ff000000", true},
		{"console=ttyS0 quiet PORT=8080", "", "", false},
		{"net.ip=fd00::1/64", "", "", false},
		{"net.ip=banana", "", "", false},
	} {
		n, ok := netIPToken(c.cmdline)
		if ok != c.ok {
			t.Errorf("%q: ok %v, want %v", c.cmdline, ok, c.ok)
			continue
		}
		if ok && (n.IP.String() != c.ip || n.Mask.String() != c.mask) {
			t.Errorf("%q: %s mask %s, want %s mask %s", c.cmdline, n.IP, n.Mask, c.ip, c.mask)
		}
	}
}
