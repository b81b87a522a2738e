package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"unigo.dev/unigo/vmm"
)

// bootSpec is what one subject hands QEMU: the kernel, an optional
// initramfs and command line, and the console line that says the app ran.
type bootSpec struct {
	Kernel  string
	Initrd  string
	Cmdline vmm.Cmdline
	Line    string            // the app's first output line, watched for on the consoles
	Match   func(string) bool // overrides Line: the console line to wait for
	Extra   []string          // more QEMU arguments
	Disks   []vmm.Disk        // virtio block devices, as vmm attaches them (`unigo run -v`)
	Net     *vmm.NetSpec      // the network card, as vmm attaches it (`unigo run -p`)
}

func (s bootSpec) matcher() func(string) bool {
	if s.Match != nil {
		return s.Match
	}
	return lineMatcher(s.Line)
}

// machine is the part of the QEMU command line every subject shares. It is
// vmm.QEMU's own command line (what `unigo run` runs), so the subjects
// differ only in what they boot: the same QEMU binary, machine type,
// accelerator, CPU model, CPU count and devices (docs/boot-contract.md:
// COM1, COM2, the isa-debugcon control channel, isa-debug-exit). The
// Linux baseline adds -initrd and uses only COM1 (ttyS0); the other devices
// are present and idle for it, as they are for the floor guest.
type machine struct {
	QEMU  string // qemu-system-x86_64 binary
	Type  string // vmm.MachineMicroVM or vmm.MachinePC
	Accel vmm.Accel
}

// QEMU's output channels, as vmm.QEMU.Args expects them: inherited file
// descriptors 3, 4 and 5 (exec.Cmd.ExtraFiles).
var channelFDs = []string{"/dev/fd/3", "/dev/fd/4", "/dev/fd/5"} // COM1, COM2, control

// args returns QEMU's arguments to boot spec with memMiB of memory.
func (m machine) args(spec bootSpec, memMiB int) []string {
	q := &vmm.QEMU{Binary: m.QEMU}
	a := q.Args(vmm.Spec{
		Image:   spec.Kernel,
		Memory:  int64(memMiB) << 20,
		Machine: m.Type,
		Cmdline: spec.Cmdline,
		Disks:   spec.Disks,
		Net:     spec.Net,
	}, m.Accel)
	if spec.Initrd != "" {
		a = append(a, "-initrd", spec.Initrd)
	}
	return append(a, spec.Extra...)
}

// check verifies that vmm's command line still takes the guest's output
// channels on the file descriptors this package passes.
func (m machine) check() error {
	var fds []string
	for _, a := range m.args(bootSpec{Kernel: "x"}, 64) {
		if i := strings.Index(a, "path=/dev/fd/"); i >= 0 {
			fds = append(fds, strings.SplitN(a[i+len("path="):], ",", 2)[0])
		}
	}
	if !slices.Equal(fds, channelFDs) {
		return fmt.Errorf("vmm.QEMU.Args takes the guest's output on %v, the benchmark passes %v: update bench/qemu.go", fds, channelFDs)
	}
	return nil
}

// commandLine renders the full command for people (results.json, notes).
func (m machine) commandLine(spec bootSpec, memMiB int) []string {
	return append([]string{m.QEMU}, m.args(spec, memMiB)...)
}

// start launches QEMU on spec, with COM1 and COM2 watched for the app's
// line and the control channel kept.
func (m machine) start(ctx context.Context, spec bootSpec, memMiB int) (*watched, error) {
	w := newWatched(exec.CommandContext(ctx, m.QEMU, m.args(spec, memMiB)...), spec.matcher())
	w.cmd.ExtraFiles = []*os.File{w.console(), w.console(), w.controlChannel()} // channelFDs
	if err := w.start(); err != nil {
		return nil, err
	}
	return w, nil
}
