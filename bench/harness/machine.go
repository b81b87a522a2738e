package harness

import (
	"context"
	"fmt"
	"os/exec"
	"reflect"
	"strconv"
	"strings"

	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
	"unigo.dev/unigo/volume"
)

// Machine is what every VM of a benchmark shares: the VMM the launch layer
// picks for unigo (QEMU), the machine type, the accelerator with its CPU
// model, one CPU, and the devices of docs/boot-contract.md (COM1, COM2,
// the control channel, isa-debug-exit). The subjects differ only in what
// they boot, their memory, and the disk and network card a benchmark gives
// both alike. The Linux baseline uses only COM1 (ttyS0); the other devices
// are present and idle for it, as they are for the floor guest.
type Machine struct {
	QEMU  string     // the QEMU program found, for the report's host line
	Type  string     // qemu.MachineMicroVM or qemu.MachinePC
	Accel qemu.Accel // chosen once, so that every boot of the run has the same
	Root  string     // the unigo root the launch layer resolves unigo's images and volumes under
	// TCGCacheMiB bounds every VM's TCG code cache, as `unigo run
	// --tcg-cache` does (launch.Config.TCGCacheMiB); 0: QEMU's default.
	TCGCacheMiB int
}

// NoQEMU says why no VM can run on a host without QEMU.
var NoQEMU = fmt.Sprintf("QEMU (%s) is not installed: install the qemu-system-x86 package", qemu.Binary)

// FindQEMU returns the QEMU program.
func FindQEMU() (string, error) {
	p, err := exec.LookPath(qemu.Binary)
	if err != nil {
		return "", fmt.Errorf("%s: %w", NoQEMU, err)
	}
	return p, nil
}

// NewMachine finds QEMU, chooses the accelerator (accel: tcg, kvm or auto)
// and checks that the VMM takes the machine type. root is the unigo root
// of the benchmark's unigo VMs: a directory of its own under its output.
func NewMachine(typ, accel, root string) (Machine, error) {
	path, err := FindQEMU()
	if err != nil {
		return Machine{}, err
	}
	a, err := qemu.ChooseAccel(accel)
	if err != nil {
		return Machine{}, err
	}
	m := Machine{QEMU: path, Type: typ, Accel: a, Root: root}
	v, err := vmm.Lookup(vmm.DefaultVMM)
	if err == nil {
		_, err = v.(commandLiner).CommandLine(m.raw(vmm.Spec{Image: "x"}, Boot{MemMiB: 64}))
	}
	if err != nil {
		return Machine{}, err
	}
	return m, nil
}

// AnyVM reports whether a benchmark's subjects include a VM (any but
// Native and Container).
func AnyVM(subjects []string) bool {
	for _, s := range subjects {
		if s != Native && s != Container {
			return true
		}
	}
	return false
}

// VM is what a VM subject boots.
type VM struct {
	// Unigo is a unigo image's run configuration (Image, Argv0, Env): it
	// boots through the launch layer as `unigo run` boots it, with the
	// machine's memory, type and accelerator.
	Unigo *launch.Config
	// Spec is a guest that is not unigo's (the Linux baseline, the floor
	// guest), booted as it is: Image, Kind, Initrd, Cmdline. Unused with
	// Unigo.
	Spec vmm.Spec
	// MountAt is where unigo mounts a boot's disk, as `unigo run -v
	// DISK:MountAt` does; the other guests get the disk raw.
	MountAt string
	Match   func(string) bool // the console line that says the app ran
}

// Boot is what one boot of a VM adds to it: its memory, and the network
// card and disk a benchmark gives every VM alike.
type Boot struct {
	MemMiB int
	Net    *vmm.NetSpec // nil: no network
	Disk   string       // a disk image, /dev/vda in the guest; "": none
}

// commandLiner is a VMM that renders a spec's command line for people
// (vmm/qemu does).
type commandLiner interface {
	CommandLine(vmm.Spec) ([]string, error)
}

// options are the VMM's knobs this machine sets, as the launch layer sets
// them for unigo (launch.Config Machine and Accel).
func (m Machine) options() map[string]string {
	o := map[string]string{qemu.OptionMachine: m.Type, qemu.OptionAccel: m.Accel.Name}
	if m.TCGCacheMiB > 0 {
		o[qemu.OptionTCGCache] = strconv.Itoa(m.TCGCacheMiB)
	}
	return o
}

// raw is the spec of one boot of a guest that is not unigo's.
func (m Machine) raw(s vmm.Spec, b Boot) vmm.Spec {
	s.Memory, s.Net, s.Options = int64(b.MemMiB)<<20, b.Net, m.options()
	if b.Disk != "" {
		s.Disks = []vmm.Disk{{Path: b.Disk}}
	}
	return s
}

// prepare returns the spec of one boot of vm, the VMM that boots it, and
// what to release once the VM has ended. A unigo image goes through
// launch.Prepare; dry (for reports and comparisons) leaves its disk out of
// the configuration and attaches it to the spec as the volume would be,
// without a lease, so that the disk need not exist.
func (m Machine) prepare(ctx context.Context, vm VM, b Boot, dry bool) (vmm.Spec, vmm.VMM, func(), error) {
	if vm.Unigo == nil {
		// The VMM the launch layer picks for unigo (Config.VMM empty).
		v, err := vmm.Lookup(vmm.DefaultVMM)
		return m.raw(vm.Spec, b), v, func() {}, err
	}
	cfg := *vm.Unigo
	cfg.Memory, cfg.Machine, cfg.Accel, cfg.TCGCacheMiB = int64(b.MemMiB)<<20, m.Type, m.Accel.Name, m.TCGCacheMiB
	disk := volume.Mount{Source: b.Disk, Disk: b.Disk, Target: vm.MountAt}
	if b.Disk != "" && !dry {
		cfg.Volumes = append(cfg.Volumes[:len(cfg.Volumes):len(cfg.Volumes)], disk)
	}
	l, err := launch.Prepare(ctx, launch.Env{Root: m.Root}, cfg)
	if err != nil {
		return vmm.Spec{}, nil, nil, err
	}
	spec := l.Spec
	spec.Net = b.Net // the benchmark's card, made once for every VM alike
	if b.Disk != "" && dry {
		spec.Disks = append(spec.Disks, vmm.Disk{Path: disk.Disk, MountAt: disk.Target})
	}
	return spec, l.VMM, l.Release, nil
}

// Spec is the spec one boot of vm would have, for comparisons.
func (m Machine) Spec(ctx context.Context, vm VM, b Boot) (vmm.Spec, error) {
	spec, _, release, err := m.prepare(ctx, vm, b, true)
	if err == nil {
		release()
	}
	return spec, err
}

// CommandLine renders the command of one boot of vm for people
// (results.json, notes); b.Disk may be a placeholder.
func (m Machine) CommandLine(ctx context.Context, vm VM, b Boot) []string {
	spec, v, release, err := m.prepare(ctx, vm, b, true)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	release()
	cl, ok := v.(commandLiner)
	if !ok {
		return []string{"(the VMM " + v.Name() + " does not show its command line)"}
	}
	args, err := cl.CommandLine(spec)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	return args
}

// Start boots vm with b: the VMM prepares its process (vmm.Commander) with
// COM1 and COM2 watched for the app's line and the control channel kept,
// and the harness starts and times it. What the boot holds (a volume's
// lease) is released once the VM has ended (Watched.Stop).
func (m Machine) Start(ctx context.Context, vm VM, b Boot) (*Watched, error) {
	spec, v, release, err := m.prepare(ctx, vm, b, false)
	if err != nil {
		return nil, err
	}
	c, ok := v.(vmm.Commander)
	if !ok {
		release()
		return nil, fmt.Errorf("the VMM %s does not hand over its process, which the benchmark must start and time itself", v.Name())
	}
	w := NewWatched(nil, vm.Match)
	out := vmm.Outputs{COM1: w.Console(), COM2: w.Console(), Control: w.ControlChannel()}
	cmd, err := c.Command(ctx, spec, out)
	if err != nil {
		w.Abandon()
		release()
		return nil, err
	}
	w.SetCommand(cmd)
	w.OnStop(nil, release)
	if err := w.Start(); err != nil {
		release()
		return nil, err
	}
	pid := w.Pid()
	w.Procs = func() ([]int, string, error) { return []int{pid}, "the QEMU process", nil }
	return w, nil
}

// bootFields are the fields of vmm.Spec that say what a VM boots.
var bootFields = map[string]bool{"Image": true, "Kind": true, "Initrd": true, "Cmdline": true}

// SameVM checks that two VMs' specs differ only in what they boot (Image,
// Kind, Initrd, Cmdline, and where a disk is mounted): the same memory,
// disks, network card and VMM options. Two subjects compared side by side
// must not differ beyond their guests.
func SameVM(a, b vmm.Spec) error {
	a.Disks, b.Disks = unmounted(a.Disks), unmounted(b.Disks)
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var diffs []string
	for i := range va.NumField() {
		name := va.Type().Field(i).Name
		if bootFields[name] {
			continue
		}
		if x, y := va.Field(i).Interface(), vb.Field(i).Interface(); !reflect.DeepEqual(x, y) {
			diffs = append(diffs, fmt.Sprintf("%s %s vs %s", name, shown(x), shown(y)))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("differ beyond what they boot: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// unmounted are disks without their mount points.
func unmounted(disks []vmm.Disk) []vmm.Disk {
	var out []vmm.Disk
	for _, d := range disks {
		d.MountAt = ""
		out = append(out, d)
	}
	return out
}

// shown prints a spec's field, what a pointer points to.
func shown(v any) string {
	if r := reflect.ValueOf(v); r.Kind() == reflect.Pointer && !r.IsNil() {
		v = r.Elem().Interface()
	}
	return fmt.Sprintf("%+v", v)
}
