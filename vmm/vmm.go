// Package vmm is the seam between unigo and the virtual machine monitors
// that boot its images: the neutral types (Spec, VM, Exit), the boot
// contract's encoding (the kernel command line, the control channel), the
// annotation of crash reports, and a registry of VMMs by name. Each VMM
// lives in a package of its own (vmm/qemu) that registers itself; its own
// knobs (QEMU's machine type, accelerator, gdbstub) reach it as
// Spec.Options. A VM's devices and its exit protocol are fixed by
// docs/boot-contract.md.
package vmm

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// A VMM starts virtual machines from images.
type VMM interface {
	// Name is the name the VMM is registered under, such as "qemu".
	Name() string
	// Start boots spec.Image. The VM is stopped when ctx is done.
	Start(ctx context.Context, spec Spec) (VM, error)
}

// A Commander is a VMM that runs each VM as one process and can prepare
// that process without starting it, for a harness that starts and times
// processes itself (the benchmarks). The guest's output channels go to
// out's files; the host's channels into the VM (signals, stop) are absent:
// the caller ends the VM by killing the process.
type Commander interface {
	Command(ctx context.Context, spec Spec, out Outputs) (*exec.Cmd, error)
}

// Outputs are the files a Commander's VM writes the guest's channels to.
type Outputs struct {
	COM1, COM2 *os.File // the app's stdout and stderr (a Linux guest's ttyS0 and ttyS1)
	Control    *os.File // the control channel of docs/boot-contract.md
}

// A VM is a running virtual machine.
type VM interface {
	// Wait blocks until the VM has ended and its output has been written,
	// and says how it ended. The error is for failures of the VMM itself
	// (QEMU refused to start, was killed...), not of the guest.
	Wait() (Exit, error)
	// Stop asks the VM to end: the VMM is asked to quit (for QEMU, QMP
	// "quit": the VM is powered off), and killed if it has not after a grace
	// period. Wait then reports Stopped.
	Stop()
	// Signal delivers signal sig to the app, as kill(2) from another
	// process would, through the control input of docs/boot-contract.md
	// (`unigo stop` sends 15, SIGTERM). It returns once the command is on its
	// way; what the app does with it shows in how the VM ends.
	Signal(sig int) error
	// Pid is the process ID of the VMM process running the VM now.
	Pid() int
}

// A Checkpointer is a VM whose whole state (CPU, devices, RAM) can be
// written out, to be started from later (Spec.Restore) instead of booted.
type Checkpointer interface {
	// Checkpoint pauses the VM and writes its state to f, its disks
	// flushed; the VM stays paused: the caller then stops it, or has it
	// run on (Continue). If it fails, the VM runs on.
	Checkpoint(f *os.File) error
	// Continue runs a VM paused by Checkpoint again; the guest is told
	// that its clocks stood still.
	Continue() error
}

// DefaultMemory is the guest memory when a Spec does not say.
const DefaultMemory = 64 << 20

// Kind is what a Spec's image is.
type Kind int

const (
	// KindUnigo: a unigo image, checked before boot (image.Open), its crash
	// reports symbolized from its DWARF.
	KindUnigo Kind = iota
	// KindLinux: a Linux kernel (the benchmarks' baseline), booted with
	// Spec.Initrd; its command line is Cmdline.Tokens as they are.
	KindLinux
)

// Spec says what to boot and where its output goes.
type Spec struct {
	Image   string  // path of a unigo image (or, with KindLinux, of a Linux kernel)
	Kind    Kind    // KindUnigo unless it says otherwise
	Initrd  string  // an initramfs for a Linux kernel; "" for none
	Memory  int64   // guest memory in bytes; 0 means DefaultMemory
	Cmdline Cmdline // what the guest kernel reads from its command line
	Disks   []Disk  // virtio block devices: /dev/vda, /dev/vdb, ... in the guest
	Shares  []Share // host directories the guest mounts
	// Net, when set, gives the VM a network card (virtio-net on QEMU's
	// user-mode network); nil means no network at all.
	Net *NetSpec

	// Confine, when set, is a command that confines the VMM's process: the
	// VMM starts as Confine followed by its own program and arguments, in
	// new PID and mount namespaces, and the command sets the process up
	// and executes the VMM in its place (ociruntime/jail.go: a root of its
	// own, holding the VMM's files and every path the spec names).
	Confine []string

	// Listens, when set, is told of each port the app starts or stops
	// serving on its card (ReadControl), in order, from one goroutine.
	Listens func(Listen)

	Stdin  io.Reader // the app's stdin; nil: it reads end-of-file at once
	Stdout io.Writer // the app's stdout (COM1); nil discards it
	// Stderr receives the app's stderr and kernel messages (COM2); code
	// addresses in kernel crash reports are annotated with their source
	// line. nil discards it.
	Stderr io.Writer

	// Options are the VMM's own knobs, by name; each VMM documents the ones
	// it takes and refuses the others (vmm/qemu: machine, accel, gdb).
	Options map[string]string

	// Restore, when set, is a checkpoint (Checkpointer) of a VM of this
	// same spec: the VM starts from that state instead of booting. The
	// guest is told it was restored, with the wall clock, once it runs.
	Restore string

	// Verbose, when set, receives what the VMM decides and runs: the
	// accelerator and why, the full command line, anything the VMM itself
	// prints.
	Verbose io.Writer
}

// Reason says how a VM ended.
type Reason int

const (
	// Exited: the app called exit_group(Status).
	Exited Reason = iota
	// Signaled: the app died of signal Status.
	Signaled
	// Crashed: the guest kernel crashed; Detail is its one-line reason and
	// the full report went to Stderr.
	Crashed
	// Reset: the VM reset or powered off without saying why, which is what
	// a triple fault looks like with -no-reboot.
	Reset
	// Stopped: the host stopped the VM (Stop, or the context ended).
	Stopped
	// VMFailed: the hypervisor could not run the guest any further (a KVM
	// internal error: QEMU pauses such a VM forever, so it is stopped);
	// Detail says where the guest was.
	VMFailed
)

// Exit codes of `unigo run` that are not the app's own (docs/boot-contract.md).
const (
	CodeCrashed = 122 // the guest kernel crashed or the VM reset
	CodeFailed  = 125 // unigo itself failed
	CodeStopped = 130 // stopped from the host (Ctrl-C)
)

// Exit is how a VM ended.
type Exit struct {
	Reason Reason
	Status int    // the exit status (Exited) or signal number (Signaled)
	Detail string // the crash reason (Crashed, VMFailed)
}

// Code is the exit code `unigo run` exits with, per docs/boot-contract.md.
func (e Exit) Code() int {
	switch e.Reason {
	case Exited:
		return e.Status
	case Signaled:
		return 128 + e.Status
	case Stopped:
		return CodeStopped
	default:
		return CodeCrashed
	}
}

func (e Exit) String() string {
	switch e.Reason {
	case Exited:
		return fmt.Sprintf("the app exited with status %d", e.Status)
	case Signaled:
		return fmt.Sprintf("the app died of signal %d", e.Status)
	case Crashed:
		return fmt.Sprintf("the unigo kernel crashed: %s", e.Detail)
	case Reset:
		return "the VM reset or stopped without an exit status (triple fault?)"
	case Stopped:
		return "the VM was stopped"
	case VMFailed:
		return fmt.Sprintf("the hypervisor could not run the guest: %s", e.Detail)
	}
	return fmt.Sprintf("unknown exit reason %d", int(e.Reason))
}
