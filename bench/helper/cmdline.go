package main

import (
	"net"
	"os"
	"strings"
	"syscall"
)

// staticAddr returns the address and mask of the kernel command line's
// net.ip=ADDR/PREFIX token, if it has one. /proc is mounted for the read
// and unmounted after, so the app finds the root as it would without.
func staticAddr() (*net.IPNet, bool) {
	if err := os.MkdirAll("/proc", 0o555); err != nil {
		return nil, false
	}
	if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
		return nil, false
	}
	b, err := os.ReadFile("/proc/cmdline")
	syscall.Unmount("/proc", 0)
	if err != nil {
		return nil, false
	}
	return netIPToken(string(b))
}

// netIPToken finds net.ip=ADDR/PREFIX (IPv4) among a command line's tokens.
func netIPToken(cmdline string) (*net.IPNet, bool) {
	for _, t := range strings.Fields(cmdline) {
		v, ok := strings.CutPrefix(t, "net.ip=")
		if !ok {
			continue
		}
		ip, n, err := net.ParseCIDR(v)
		if err != nil || ip.To4() == nil {
			return nil, false
		}
		n.IP = ip.To4()
		return n, true
	}
	return nil, false
}
