package bench

import (
	"context"

	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// bootSpec is what one subject hands QEMU: the kernel, an optional
// initramfs and command line, and the console line that says the app ran.
type bootSpec struct {
	Kernel  string
	Initrd  string
	Cmdline vmm.Cmdline
	Line    string            // the app's first output line, watched for on the consoles
	Match   func(string) bool // overrides Line: the console line to wait for
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
// vmm/qemu's own command line (what `unigo run` runs), so the subjects
// differ only in what they boot: the same QEMU binary, machine type,
// accelerator, CPU model, CPU count and devices (docs/boot-contract.md:
// COM1, COM2, the isa-debugcon control channel, isa-debug-exit). The
// Linux baseline adds an initramfs and uses only COM1 (ttyS0); the other
// devices are present and idle for it, as they are for the floor guest.
type machine struct {
	QEMU  string // qemu-system-x86_64 binary
	Type  string // qemu.MachineMicroVM or qemu.MachinePC
	Accel qemu.Accel
}

// vmSpec is spec as the VMM takes it.
func (m machine) vmSpec(spec bootSpec, memMiB int) vmm.Spec {
	s := vmm.Spec{
		Image:   spec.Kernel,
		Initrd:  spec.Initrd,
		Memory:  int64(memMiB) << 20,
		Cmdline: spec.Cmdline,
		Disks:   spec.Disks,
		Net:     spec.Net,
		Options: map[string]string{qemu.OptionMachine: m.Type, qemu.OptionAccel: m.Accel.Name},
	}
	if spec.Initrd != "" {
		s.Kind = vmm.KindLinux // the Linux baseline is the subject with an initramfs
	}
	return s
}

func (m machine) vmm() *qemu.QEMU { return &qemu.QEMU{Binary: m.QEMU} }

// check verifies that the VMM takes this machine's options.
func (m machine) check() error {
	_, err := m.vmm().CommandLine(m.vmSpec(bootSpec{Kernel: "x"}, 64))
	return err
}

// commandLine renders the full command for people (results.json, notes).
func (m machine) commandLine(spec bootSpec, memMiB int) []string {
	cl, err := m.vmm().CommandLine(m.vmSpec(spec, memMiB))
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	return cl
}

// args is the command line without the program name.
func (m machine) args(spec bootSpec, memMiB int) []string { return m.commandLine(spec, memMiB)[1:] }

// start launches QEMU on spec, with COM1 and COM2 watched for the app's
// line and the control channel kept.
func (m machine) start(ctx context.Context, spec bootSpec, memMiB int) (*watched, error) {
	w := newWatched(nil, spec.matcher())
	out := vmm.Outputs{COM1: w.console(), COM2: w.console(), Control: w.controlChannel()}
	cmd, err := m.vmm().Command(ctx, m.vmSpec(spec, memMiB), out)
	if err != nil {
		w.closeWriteEnds()
		return nil, err
	}
	w.setCommand(cmd)
	if err := w.start(); err != nil {
		return nil, err
	}
	return w, nil
}
