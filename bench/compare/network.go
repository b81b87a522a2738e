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

// sameNetwork checks, with --http, that the VMs that serve (the Linux
// microVM, unigo, unigo --exec) reach the network the same way: their VMs,
// each with the benchmark's card (vmCard), differ only in what they boot
// (harness.SameVM): the same machine, accelerator, memory and network
// card. A difference would make the HTTP columns compare VM setups instead
// of guests, so the benchmark refuses to run.
func (e *env) sameNetwork(ctx context.Context) error {
	var keys []string
	for _, k := range []string{harness.Linux, harness.Unigo, harness.UnigoExec} {
		if _, ok := e.servers[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) < 2 {
		return nil
	}
	const hostPort = 18080 // any: the port is not opened, only the VMs' specs are compared
	card, _, err := e.card(hostPort, e.cfg.HTTPPort)
	if err != nil {
		return err
	}
	b := harness.Boot{MemMiB: e.cfg.MemMiB, Net: card}
	first := e.servers[keys[0]]
	fs, err := e.m.Spec(ctx, first, b)
	if err != nil {
		return err
	}
	if fs.Net == nil {
		return errors.New("the VMs have no network card; fix bench/compare/network.go")
	}
	for _, k := range keys[1:] {
		other := e.servers[k]
		spec, err := e.m.Spec(ctx, other, b)
		if err != nil {
			return err
		}
		if err := harness.SameVM(fs, spec); err != nil {
			return fmt.Errorf("the %s and %s VMs %v, so their HTTP numbers would not compare the guests:\n  %s: %s\n  %s: %s\nfix bench/compare/subjects.go",
				keys[0], k, err, keys[0], strings.Join(e.m.CommandLine(ctx, first, b), " "), k, strings.Join(e.m.CommandLine(ctx, other, b), " "))
		}
	}
	return nil
}
