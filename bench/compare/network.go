package compare

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"unigo.dev/unigo/bench/harness"
)

// netName says which network the VMs' cards are on, for people.
func netName(cfg *Config) string {
	if cfg.Tap != "" {
		return "the host's tap device " + cfg.Tap + " (the guest at " + cfg.GuestIP + ")"
	}
	return "QEMU user networking"
}

// sameNetwork checks, with --http, that the Linux microVM and unigo reach
// the network the same way: their VMs, each with the benchmark's card
// (vmCard), differ only in what they boot (harness.SameVM): the same
// machine, accelerator, memory and network card. A difference would make
// the HTTP columns compare VM setups instead of guests, so the benchmark
// refuses to run.
func (e *env) sameNetwork(ctx context.Context) error {
	l, okL := e.servers[harness.Linux]
	u, okU := e.servers[harness.Unigo]
	if !okL || !okU {
		return nil
	}
	const hostPort = 18080 // any: the port is not opened, only the VMs' specs are compared
	card, _, err := e.card(hostPort, e.cfg.HTTPPort)
	if err != nil {
		return err
	}
	b := harness.Boot{MemMiB: e.cfg.MemMiB, Net: card}
	ls, err := e.m.Spec(ctx, l, b)
	if err != nil {
		return err
	}
	us, err := e.m.Spec(ctx, u, b)
	if err != nil {
		return err
	}
	if err := harness.SameVM(ls, us); err != nil {
		return fmt.Errorf("the Linux and unigo VMs %v, so their HTTP numbers would not compare the guests:\n  linux: %s\n  unigo: %s\nfix bench/compare/subjects.go",
			err, strings.Join(e.m.CommandLine(ctx, l, b), " "), strings.Join(e.m.CommandLine(ctx, u, b), " "))
	}
	if ls.Net == nil {
		return errors.New("the VMs have no network card; fix bench/compare/network.go")
	}
	return nil
}
