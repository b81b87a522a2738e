package ociruntime

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"unigo.dev/unigo/hostnet"
)

// containerTap is the tap device the VM's card is on, in the container's
// network namespace.
const containerTap = "unigo0"

// plumbNetwork gives the VM the container's network, as Kata and urunc do:
// in the container's namespace (this process's), a tap device for the
// card, with the interface's MAC, address and gateway, so that the guest
// is the container on its network (`docker run -p` and other containers
// reach it), and the interface's frames split between the guest and the
// namespace (podlink.go). nil when the namespace has no interface with an
// IPv4 address (docker run --network none).
func plumbNetwork(dns []string) (opts *hostnet.Options, link *podLink, err error) {
	ifc, addr, err := containerInterface()
	if err != nil || ifc == nil {
		return nil, nil, err
	}
	gw, err := defaultGateway(ifc.Name)
	if err != nil {
		return nil, nil, err
	}
	// A container of the pod before this one (restarted by kubelet) may
	// have left its tap and filters if it was killed.
	unplumb(ifc.Name)
	if err := run(
		[]string{"ip", "tuntap", "add", "dev", containerTap, "mode", "tap"},
		[]string{"ip", "link", "set", containerTap, "mtu", fmt.Sprint(ifc.MTU), "up"},
	); err != nil {
		return nil, nil, err
	}
	link, err = newPodLink(ifc.Name, containerTap)
	if err != nil {
		return nil, nil, err
	}
	if needsRelay(dns) {
		// Docker's embedded DNS (127.0.0.11 in the namespace): the guest
		// asks the link's host end, which this process answers
		// (dnsrelay.go).
		if err := relayDNS(dns); err != nil {
			return nil, nil, fmt.Errorf("the container's DNS relay: %w", err)
		}
		dns = []string{linkHost.Addr().String()}
	}
	o := &hostnet.Options{Mode: hostnet.ModeTap, Tap: containerTap, IP: addr.String(), MAC: ifc.HardwareAddr.String(), DNS: dns, MTU: ifc.MTU}
	if gw.IsValid() {
		o.Gateway = gw.String()
	}
	return o, link, nil
}

// unplumb removes the tap and the interface's filters, so the namespace
// has its interface to itself again.
func unplumb(ifc string) {
	exec.Command(sbin("tc"), "qdisc", "del", "dev", ifc, "ingress").Run()
	exec.Command(sbin("ip"), "link", "del", containerTap).Run()
}

// run runs iproute2 commands in order, each run of consecutive commands
// of one program as one process (`ip -batch -`, `tc -batch -`): every exec
// adds milliseconds to the container's start.
func run(cmds ...[]string) error {
	for len(cmds) > 0 {
		n := 1
		for n < len(cmds) && cmds[n][0] == cmds[0][0] {
			n++
		}
		group := cmds[:n]
		cmds = cmds[n:]
		var cmd *exec.Cmd
		if len(group) == 1 {
			cmd = exec.Command(sbin(group[0][0]), group[0][1:]...)
		} else {
			var lines strings.Builder
			for _, c := range group {
				lines.WriteString(strings.Join(c[1:], " ") + "\n")
			}
			cmd = exec.Command(sbin(group[0][0]), "-batch", "-")
			cmd.Stdin = strings.NewReader(lines.String())
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			what := make([]string, len(group))
			for i, c := range group {
				what[i] = strings.Join(c, " ")
			}
			return fmt.Errorf("the container's network: %s: %v: %s (iproute2's ip and tc are needed)", strings.Join(what, "; "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// sbin finds an administration command even when the engine starts the
// runtime with a PATH without the sbin directories.
func sbin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if _, err := os.Stat(dir + "/" + name); err == nil {
			return dir + "/" + name
		}
	}
	return name
}

// ownSysfs mounts a sysfs of the container's network namespace over /sys,
// in the container process's own mount namespace (made with it), so that
// /sys/class/net shows the container's interfaces, not the host's: what
// the tap device's checks read.
func ownSysfs() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("the container process's mounts: %w", err)
	}
	if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting the container's sysfs: %w", err)
	}
	return nil
}

// containerInterface is the namespace's first interface with an IPv4
// address, and that address with its prefix.
func containerInterface() (*net.Interface, netip.Prefix, error) {
	ifcs, err := net.Interfaces()
	if err != nil {
		return nil, netip.Prefix{}, err
	}
	for i := range ifcs {
		if ifcs[i].Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifcs[i].Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				ones, _ := ipn.Mask.Size()
				ip, _ := netip.AddrFromSlice(ipn.IP.To4())
				return &ifcs[i], netip.PrefixFrom(ip, ones), nil
			}
		}
	}
	return nil, netip.Prefix{}, nil
}

// defaultGateway reads the IPv4 default route through ifc from
// /proc/net/route; the zero Addr when there is none.
func defaultGateway(ifc string) (netip.Addr, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return netip.Addr{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 3 || fl[0] != ifc || fl[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fl[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var ip [4]byte
		binary.LittleEndian.PutUint32(ip[:], binary.BigEndian.Uint32(b))
		return netip.AddrFrom4(ip), nil
	}
	return netip.Addr{}, sc.Err()
}

// resolvConf is the file the engine mounts at /etc/resolv.conf, "" if none.
func resolvConf(spec *specs.Spec) string {
	for _, m := range spec.Mounts {
		if m.Destination == "/etc/resolv.conf" {
			return m.Source
		}
	}
	return ""
}

// nameServers are the name servers of resolv.conf file (at most three),
// for the guest's own.
func nameServers(file string) []string {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" && len(out) < 3 {
			if _, err := netip.ParseAddr(f[1]); err == nil {
				out = append(out, f[1])
			}
		}
	}
	return out
}
