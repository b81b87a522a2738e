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
	"unigo.dev/unigo/launch"
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
	debug           string // the image's debug file (its DWARF), when the store keeps it apart
	socket          string // QEMU's gdbstub, in dir
	interval        time.Duration
	cancel          context.CancelFunc
	done            chan struct{}
	stacks          []guestprof.Stack
	err             error
}

// startCPUProfile gives the launch's VM (a QEMU VM) a gdbstub socket in a
// fresh directory.
func startCPUProfile(l *launch.Launch, out string, hz int) (*cpuProfiler, error) {
	debug, err := debugFile(l.Image)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "unigo-prof-")
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, "gdb.sock")
	l.Spec.Options[qemu.OptionGDB] = socket
	return &cpuProfiler{out: out, image: l.Spec.Image, debug: debug, dir: dir, socket: socket, interval: time.Second / time.Duration(hz)}, nil
}

// debugFile is the debug file of an image of the store ("" for an image
// file, which carries its DWARF, or an image pulled without it).
func debugFile(img *launch.Image) (string, error) {
	if img.Stored == nil {
		return "", nil
	}
	s, err := openStore()
	if err != nil {
		return "", err
	}
	return s.DebugPath(img.Stored)
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
	inlined, err := guestprof.WriteProfile(&b, p.image, p.debug, p.stacks, p.interval)
	if err != nil {
		return err
	}
	if !inlined {
		fmt.Fprintf(os.Stderr, "unigo: --cpuprofile: the image has no debug information (an image pulled without it: 'unigo pull --debug REF' fetches it): the profile's frames come from the Go line table, without inlined calls\n")
	}
	if err := atomicfile.Write(p.out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "unigo: wrote %s (%d samples): go tool pprof %s\n", p.out, len(p.stacks), p.out)
	return nil
}

func (p *cpuProfiler) cleanup() { os.RemoveAll(p.dir) }
