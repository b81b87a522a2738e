package qemu

import (
	"unigo.dev/unigo/vmm"

	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/vmm/floorguest"
)

func needQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		t.Fatalf("%s is not installed: install the qemu-system-x86 package", Binary)
	}
}

// floorImage writes the floor guest, with edit applied to its bytes.
func floorImage(t *testing.T, edit func([]byte) []byte) string {
	t.Helper()
	img, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		img = edit(img)
	}
	p := filepath.Join(t.TempDir(), "floor.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// replaceOnce replaces old by new (same length) exactly once in b.
func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) || bytes.Count(b, []byte(old)) != 1 {
		t.Fatalf("cannot patch %q in the floor guest", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

type bootResult struct {
	exit           vmm.Exit
	stdout, stderr string
	verbose        string
}

func boot(t *testing.T, ctx context.Context, spec vmm.Spec) bootResult {
	t.Helper()
	var stdout, stderr, verbose bytes.Buffer
	spec.Stdout, spec.Stderr, spec.Verbose = &stdout, &stderr, &verbose
	vm, err := (&QEMU{StopGrace: time.Second}).Start(ctx, spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	exit, err := vm.Wait()
	if err != nil {
		t.Fatalf("Wait: %v\n%s", err, verbose.String())
	}
	return bootResult{exit, stdout.String(), stderr.String(), verbose.String()}
}

func TestBootFloorGuest(t *testing.T) {
	needQEMU(t)
	img := floorImage(t, nil)
	accels := []string{"tcg"}
	if probeKVM() == nil {
		accels = append(accels, "kvm")
	}
	for _, machine := range []string{MachineMicroVM, MachinePC} {
		for _, accel := range accels {
			t.Run(machine+"/"+accel, func(t *testing.T) {
				t.Parallel()
				r := boot(t, context.Background(), vmm.Spec{
					Image: img, Options: map[string]string{OptionMachine: machine, OptionAccel: accel},
					Cmdline: vmm.Cmdline{Args: []string{"floor", "a b"}, Env: []string{"K=V"}},
				})
				if r.stdout != floorguest.Stdout || r.stderr != "" || r.exit != (vmm.Exit{Reason: vmm.Exited}) {
					t.Errorf("stdout %q, stderr %q, exit %+v\n%s", r.stdout, r.stderr, r.exit, r.verbose)
				}
				if strings.Contains(r.verbose, "control channel:") {
					t.Errorf("firmware or guest noise on the control channel:\n%s", r.verbose)
				}
				if !strings.Contains(r.verbose, "accelerator: "+accel) || !strings.Contains(r.verbose, "-append 'arg=floor arg=a%20b env=K=V") {
					t.Errorf("verbose output lacks the accelerator or the command line:\n%s", r.verbose)
				}
			})
		}
	}
}

func TestBootWithoutExitStatus(t *testing.T) {
	needQEMU(t)
	// The guest powers off without a control line: what a triple fault looks
	// like from the host.
	img := floorImage(t, func(b []byte) []byte { return replaceOnce(t, b, "exit 0\n", "hello!\n") })
	r := boot(t, context.Background(), vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "tcg"}})
	if r.exit.Reason != vmm.Reset || r.exit.Code() != 122 {
		t.Errorf("exit %+v", r.exit)
	}
	if !strings.Contains(r.verbose, "control channel: hello!") {
		t.Errorf("control channel noise not reported:\n%s", r.verbose)
	}
}

func TestBootCrash(t *testing.T) {
	needQEMU(t)
	img := floorImage(t, func(b []byte) []byte { return replaceOnce(t, b, "exit 0\n", "\ncrash\n") })
	r := boot(t, context.Background(), vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "tcg"}})
	if r.exit.Reason != vmm.Crashed || r.exit.Code() != 122 {
		t.Errorf("exit %+v", r.exit)
	}
}

func TestStop(t *testing.T) {
	needQEMU(t)
	// Write the power-off to an unused port instead: the guest halts forever.
	img := floorImage(t, func(b []byte) []byte {
		return replaceOnce(t, b, "\x66\xba\xf4\x00", "\x66\xba\xf8\x00")
	})
	img = floorImage(t, func([]byte) []byte {
		b, _ := os.ReadFile(img)
		return replaceOnce(t, b, "exit 0\n", "hello!\n")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	r := boot(t, ctx, vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "tcg"}})
	if r.exit.Reason != vmm.Stopped || r.exit.Code() != 130 {
		t.Errorf("exit %+v", r.exit)
	}
	if r.stdout != floorguest.Stdout {
		t.Errorf("stdout %q", r.stdout)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("stopping took %v", d)
	}
}

func TestMissingQEMU(t *testing.T) {
	img := floorImage(t, nil)
	t.Setenv("PATH", t.TempDir())
	_, err := (&QEMU{}).Start(context.Background(), vmm.Spec{Image: img})
	if err == nil || !strings.Contains(err.Error(), "qemu-system-x86_64 not found in PATH") || !strings.Contains(err.Error(), "apt-get install qemu-system-x86") {
		t.Errorf("err = %v", err)
	}
}

func TestStartRejectsBadInput(t *testing.T) {
	img := floorImage(t, nil)
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	for _, tt := range []struct {
		spec vmm.Spec
		want string
	}{
		{vmm.Spec{Image: notImage}, "is not a unigo image (not an ELF file): build one with 'unigo build'"},
		{vmm.Spec{Image: img, Options: map[string]string{OptionMachine: "q35"}}, `unknown machine "q35": use microvm or pc`},
		{vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "hvf"}}, `unknown accelerator "hvf"`},
		{vmm.Spec{Image: img, Cmdline: vmm.Cmdline{Env: []string{"NOVALUE"}}}, "is not KEY=VALUE"},
	} {
		_, err := (&QEMU{}).Start(context.Background(), tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func TestKVMInternalError(t *testing.T) {
	needQEMU(t)
	if probeKVM() != nil {
		t.Skip("no usable KVM")
	}
	// Jump into the local APIC's MMIO page: KVM cannot fetch instructions
	// from a device, reports an internal error, and QEMU would then wait
	// forever with the VM paused.
	img := floorImage(t, func(b []byte) []byte {
		return replaceOnce(t, b, "\xfc\x66\xba\xf8\x03\xbe\x00", "\xb8\x00\x00\xe0\xfe\xff\xe0")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := boot(t, ctx, vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "kvm"}})
	if r.exit.Reason != vmm.VMFailed || r.exit.Code() != 122 || !strings.Contains(r.exit.Detail, "KVM internal error") || !strings.Contains(r.exit.Detail, "IP=0x") {
		t.Errorf("exit %+v\n%s", r.exit, r.verbose)
	}
}

func TestGDBSocketArgs(t *testing.T) {
	args := strings.Join(qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: MachineMicroVM, gdb: "/tmp/x/gdb.sock"}, Accel{Name: "tcg", CPU: "max"}), " ")
	if !strings.Contains(args, "-gdb unix:/tmp/x/gdb.sock,server=on,wait=off") {
		t.Errorf("no gdbstub on the socket: %s", args)
	}
	if args := strings.Join(qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: MachineMicroVM}, Accel{Name: "tcg", CPU: "max"}), " "); strings.Contains(args, "-gdb") {
		t.Errorf("a gdbstub nobody asked for: %s", args)
	}
}

// Every VM's QEMU runs under its seccomp sandbox, with fork and exec,
// privilege changes and resource control denied (the floor guest boots
// with it: TestBootFloorGuest).
func TestSandboxArgs(t *testing.T) {
	for _, m := range []string{MachineMicroVM, MachinePC} {
		args := strings.Join(qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: m}, Accel{Name: "tcg", CPU: "max"}), " ")
		if !strings.Contains(args, "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny") {
			t.Errorf("%s: QEMU not sandboxed: %s", m, args)
		}
	}
}
