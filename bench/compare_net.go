package bench

import (
	"fmt"
	"slices"
	"strings"
)

// netName says which network the VMs' cards are on, for people.
func netName(cfg *CompareConfig) string {
	if cfg.Tap != "" {
		return "the host's tap device " + cfg.Tap + " (the guest at " + cfg.GuestIP + ")"
	}
	return "QEMU user networking"
}

// sameNetwork checks, with --http, that the Linux microVM and unigo reach
// the network the same way: their QEMU command lines, each with the
// benchmark's card (vmCard), differ only in what they boot (-kernel, -initrd,
// -append): the same machine, accelerator, memory, netdev and NIC model.
// A difference would make the HTTP columns compare QEMU setups instead of
// guests, so the benchmark refuses to run.
func (e *compareEnv) sameNetwork() error {
	l, okL := e.servers[Linux]
	u, okU := e.servers[Unigo]
	if !okL || !okU {
		return nil
	}
	const hostPort = 18080 // any: only the command lines are compared
	card, _, err := e.card(hostPort, e.cfg.HTTPPort)
	if err != nil {
		return err
	}
	l.Net, u.Net = card, card
	la := qemuArgsWithoutBoot(e.m.args(l, e.cfg.MemMiB))
	ua := qemuArgsWithoutBoot(e.m.args(u, e.cfg.MemMiB))
	if !slices.Equal(la, ua) {
		return fmt.Errorf("the Linux and unigo QEMU command lines differ beyond what they boot, so their HTTP numbers would not compare the guests:\n  linux: %s\n  unigo: %s\nfix bench/contenders.go", strings.Join(la, " "), strings.Join(ua, " "))
	}
	if !slices.Contains(la, "-netdev") {
		return fmt.Errorf("the VMs' QEMU command line has no -netdev: %s; fix bench/compare_net.go", strings.Join(la, " "))
	}
	return nil
}
