package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"unigo.dev/unigo/guestprof"
	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// checkCPUProfileFlags refuses a --cpuprofile that cannot be honoured,
// before anything is built or booted.
func checkCPUProfileFlags() error {
	switch {
	case runFlags.cpuProfile == "":
		return nil
	case runFlags.detach:
		return fmt.Errorf("--cpuprofile profiles an attached run: drop -d")
	case runFlags.cpuProfileHz < 1 || runFlags.cpuProfileHz > 1000:
		return fmt.Errorf("--cpuprofile-hz %d: give 1 to 1000 samples per second", runFlags.cpuProfileHz)
	}
	return nil
}

// cpuProfiler is unigo run --cpuprofile: it samples the VM through QEMU's
// gdbstub while it runs and writes the pprof profile when it ends.
type cpuProfiler struct {
	out, image, dir string
	socket          string // QEMU's gdbstub, in dir
	interval        time.Duration
	cancel          context.CancelFunc
	done            chan struct{}
	stacks          []guestprof.Stack
	err             error
}

// startCPUProfile gives spec (a QEMU VM's) a gdbstub socket in a fresh
// directory.
func startCPUProfile(spec *vmm.Spec, out string, hz int) (*cpuProfiler, error) {
	dir, err := os.MkdirTemp("", "unigo-prof-")
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, "gdb.sock")
	spec.Options[qemu.OptionGDB] = socket
	return &cpuProfiler{out: out, image: spec.Image, dir: dir, socket: socket, interval: time.Second / time.Duration(hz)}, nil
}

// start samples until finish.
func (p *cpuProfiler) start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		p.stacks, p.err = guestprof.SampleSocket(ctx, p.socket, p.interval)
	}()
}

// finish stops sampling (the VM has ended) and writes the profile
// atomically, so that a failure leaves no half profile behind.
func (p *cpuProfiler) finish() error {
	p.cancel()
	<-p.done
	if p.err != nil {
		return p.err
	}
	if len(p.stacks) == 0 {
		return fmt.Errorf("no samples: the VM ended before the first (--cpuprofile-hz samples per second)")
	}
	var b bytes.Buffer
	if err := guestprof.WriteProfile(&b, p.image, p.stacks, p.interval); err != nil {
		return err
	}
	if err := atomicfile.Write(p.out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "unigo: wrote %s (%d samples): go tool pprof %s\n", p.out, len(p.stacks), p.out)
	return nil
}

func (p *cpuProfiler) cleanup() { os.RemoveAll(p.dir) }
