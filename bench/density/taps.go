package density

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// With --net tap the instances are not reached through published loopback
// ports but at addresses of their own: one tap device per VM (as `unigo
// run --net tap:NAME --ip ADDR` takes it), each its own point-to-point
// link with a /30 of its own (the host's address and the VM's), as
// Firecracker's hosts give theirs; the containers on Docker's bridge
// without -p. No user-mode network then runs in QEMU, whose timers wake
// an idle VM's QEMU twice a second for its published port. Not one bridge
// for all VMs: every broadcast on it (the host's ARP for each VM it
// polls, each VM's own) would wake every other VM's QEMU and guest, which
// at a few hundred VMs saturates the host. The taps are removed after the
// run, also when it fails.

// Net modes.
const (
	NetUser = "user" // each instance publishes a loopback port (unigo run -p)
	NetTap  = "tap"  // each VM on its own tap device, a /30 link to the host
)

const tapPrefix = "udens" // udens0, udens1...

// tapNetwork holds every tap's /30.
var tapNetwork = netip.MustParsePrefix("10.203.0.0/16")

// tapBits is each link's prefix length.
const tapBits = 30

func tapName(i int) string { return fmt.Sprintf("%s%d", tapPrefix, i) }

// tapLink is the i-th /30's address plus n: 1 is the host's, 2 the VM's.
func tapLink(i, n int) netip.Addr {
	a := tapNetwork.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(4*i + n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// tapAddr is instance i's address.
func tapAddr(i int) netip.Addr { return tapLink(i, 2) }

// maxTaps bounds the count with --net tap: the /30s of the /16.
const maxTaps = 1 << (32 - 16 - 2)

// ip runs ip(8).
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// makeTaps makes n tap devices, each with the host's address of its /30,
// after removing what an interrupted run may have left.
func makeTaps(n int) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("--net tap makes a tap device per VM: run the benchmark as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("--net tap needs ip(8): install the iproute2 package")
	}
	if n > maxTaps {
		return fmt.Errorf("--net tap takes at most %d instances", maxTaps)
	}
	if err := removeTaps(); err != nil {
		return err
	}
	fail := func(err error) error {
		removeTaps()
		return err
	}
	for i := range n {
		if err := ip("tuntap", "add", "dev", tapName(i), "mode", "tap"); err != nil {
			return fail(err)
		}
		if err := ip("addr", "add", fmt.Sprintf("%s/%d", tapLink(i, 1), tapBits), "dev", tapName(i)); err != nil {
			return fail(err)
		}
		if err := ip("link", "set", tapName(i), "up"); err != nil {
			return fail(err)
		}
	}
	return nil
}

// removeTaps deletes every tap device of the benchmark's, eight at once.
func removeTaps() error {
	out, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		return fmt.Errorf("ip link show: %v", err)
	}
	var devs []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		if strings.HasPrefix(name, tapPrefix) {
			devs = append(devs, name)
		}
	}
	var mu sync.Mutex
	var errs []string
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, d := range devs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := ip("link", "del", d); err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("removing the benchmark's tap devices: %s", strings.Join(errs, "; "))
	}
	return nil
}
