package harness

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/vmm"
)

// The subjects the benchmarks run an app as, by the key results.json
// gives them.
const (
	Floor     = "floor"     // the trivial PVH guest: what QEMU itself costs
	Native    = "native"    // the plain static `go build` as a host process
	Container = "container" // the same binary in a container (Docker or runc)
	Linux     = "linux"     // Debian's cloud kernel in QEMU with the app as /init
	Unigo     = "unigo"     // the unigo image of the app
	// UnigoExec is the unigo image that boots the app's binary unmodified
	// (`unigo build --exec`): the kernel of unmodified executables with the
	// program in its root, not linked with it.
	UnigoExec = "unigo-exec"
)

// Labels are the subjects' names in tables.
var Labels = map[string]string{
	Floor:     "QEMU floor",
	Native:    "native process",
	Container: "container",
	Linux:     "Linux microVM",
	Unigo:     "unigo",
	UnigoExec: "unigo --exec",
}

// Container runtimes.
const (
	RuntimeAuto   = "auto"   // Docker if the engine answers, else runc
	RuntimeDocker = "docker" // the Docker engine
	RuntimeRunc   = "runc"   // runc with a minimal OCI bundle
)

// The pieces every benchmark's Run starts with: config defaults, progress
// lines, the machine its VMs run on.

// OrDefault sets *p to def when it is not set: zero or negative for
// numbers and durations, empty for strings.
func OrDefault[T cmp.Ordered](p *T, def T) {
	var zero T
	if *p <= zero {
		*p = def
	}
}

// ErrNoOut is the error of a config without its required output directory.
var ErrNoOut = errors.New("no output directory")

// CheckSubjects sets *subjects to all of them when it is empty, else checks
// that each is one of all.
func CheckSubjects(subjects *[]string, all ...string) error {
	if len(*subjects) == 0 {
		*subjects = append([]string(nil), all...)
	}
	for _, s := range *subjects {
		found := false
		for _, a := range all {
			found = found || s == a
		}
		if !found {
			return fmt.Errorf("subject %q: want %s or %s", s, strings.Join(all[:len(all)-1], ", "), all[len(all)-1])
		}
	}
	return nil
}

// VMDefaults fills in and checks the VM settings every benchmark shares:
// machine type (microvm), accelerator (tcg) and guest memory (256 MiB).
func VMDefaults(machine, accel *string, memMiB *int) error {
	if *machine == "" {
		*machine = "microvm"
	}
	if *machine != "microvm" && *machine != "pc" {
		return fmt.Errorf("machine %q: want microvm or pc", *machine)
	}
	if *accel == "" {
		*accel = "tcg"
	}
	if *accel != "tcg" && *accel != "kvm" && *accel != "auto" {
		return fmt.Errorf("accelerator %q: want tcg, kvm or auto", *accel)
	}
	if *memMiB <= 0 {
		*memMiB = 256
	}
	return nil
}

// LinuxCacheDefault fills in where the Linux baseline's kernel is cached.
func LinuxCacheDefault(dir *string) error {
	if *dir == "" {
		d, err := linuxvm.DefaultCacheDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	return nil
}

// Progress returns a printf of one progress line a call to w; nil w
// prints nothing.
func Progress(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}

// Mkdirs makes the directories, with their parents.
func Mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// FreePort returns a loopback TCP port that is free now.
func FreePort() (int, error) { return hostnet.FreeLoopbackPort() }

// PublishedCard is the network card `unigo run -p 127.0.0.1:HOST:GUEST`
// gives a VM (hostnet parses the option and makes the card, the VMM turns
// it into its user network with a forward and the machine's virtio-net
// device), so that the Linux baseline and unigo get the same one.
func PublishedCard(hostPort, guestPort int) (*vmm.NetSpec, error) {
	f, err := hostnet.ParsePublish(fmt.Sprintf("127.0.0.1:%d:%d", hostPort, guestPort))
	if err != nil {
		return nil, err
	}
	return hostnet.Card([]vmm.Forward{f}, hostnet.Options{Mode: hostnet.ModeUser})
}

// TapCard is the card `unigo run --net tap:NAME --ip ADDR/PREFIX` gives a
// VM: the VMM's tap backend on the host's device NAME and the guest's
// static address (kernel tokens, which the Linux baseline's helper reads
// too).
func TapCard(name, addr string) (*vmm.NetSpec, error) {
	return hostnet.Card(nil, hostnet.Options{Mode: hostnet.ModeTap, Tap: name, IP: addr})
}
