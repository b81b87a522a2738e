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
// ports but at addresses of their own on a bridge the benchmark makes:
// one tap device per VM (as `unigo run --net tap:NAME --ip ADDR` takes
// it), the containers on Docker's own bridge without -p. No user-mode
// network then runs in QEMU, whose timers wake an idle VM's QEMU twice a
// second for its published port. The bridge and the taps are removed
// after the run, also when it fails.

// Net modes.
const (
	NetUser = "user" // each instance publishes a loopback port (unigo run -p)
	NetTap  = "tap"  // each VM on its own tap device in the benchmark's bridge
)

const (
	tapBridge = "udensbr0"
	tapPrefix = "udens" // udens0, udens1...
)

// tapNetwork is the bridge's network: room for every count allowed.
var tapNetwork = netip.MustParsePrefix("10.203.0.0/16")

// tapHost is the host's address on the bridge.
var tapHost = netip.MustParseAddr("10.203.0.1")

func tapName(i int) string { return fmt.Sprintf("%s%d", tapPrefix, i) }

// tapAddr is instance i's address: 10.203.1.0 onwards, past the host's.
func tapAddr(i int) netip.Addr {
	a := tapNetwork.Addr().As4()
	n := 256 + i
	a[2], a[3] = byte(n>>8), byte(n)
	return netip.AddrFrom4(a)
}

// maxTaps bounds the count with --net tap: the /16 less its first 256.
const maxTaps = 65536 - 512

// ip runs ip(8).
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// makeTaps makes the bridge with the host's address and n tap devices in
// it, after removing what an interrupted run may have left.
func makeTaps(n int) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("--net tap makes a bridge and a tap device per VM: run the benchmark as root")
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
	if err := ip("link", "add", tapBridge, "type", "bridge"); err != nil {
		return fail(err)
	}
	if err := ip("addr", "add", fmt.Sprintf("%s/%d", tapHost, tapNetwork.Bits()), "dev", tapBridge); err != nil {
		return fail(err)
	}
	if err := ip("link", "set", tapBridge, "up"); err != nil {
		return fail(err)
	}
	for i := range n {
		if err := ip("tuntap", "add", "dev", tapName(i), "mode", "tap"); err != nil {
			return fail(err)
		}
		if err := ip("link", "set", tapName(i), "master", tapBridge, "up"); err != nil {
			return fail(err)
		}
	}
	return nil
}

// removeTaps deletes every tap device of the benchmark's and its bridge,
// eight at once.
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
		if strings.HasPrefix(name, tapPrefix) && name != tapBridge {
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
	if exec.Command("ip", "link", "show", tapBridge).Run() == nil {
		if err := ip("link", "del", tapBridge); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("removing the benchmark's tap devices: %s", strings.Join(errs, "; "))
	}
	return nil
}
