package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// As in testdata/disks.
const (
	diskPatchAt  = 12345
	diskPatchLen = 300000
	diskTailLen  = 100
)

func diskPattern(seed, off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		x := uint32(off+i)*2654435761 ^ uint32(seed)*40503
		b[i] = byte(x>>24) ^ byte(x>>8)
	}
	return b
}

type testDisk struct {
	size, seed int
	readOnly   bool
}

// The guest reads what the host wrote to raw disk files and writes its own
// patterns back; after the VM ends, the host finds them in the files. There
// is no CLI flag for disks yet, so the VM is started through vmm.
func TestVirtioBlock(t *testing.T) {
	img := app(t, "disks")
	for _, c := range []struct {
		name  string
		disks []testDisk
	}{
		{"one", []testDisk{{1 << 20, 1, false}}},
		{"three", []testDisk{{1 << 20, 2, false}, {512 << 10, 3, false}, {256 << 10, 4, true}}},
	} {
		for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
			t.Run(c.name+"/"+machine, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				spec := vmm.Spec{Image: img, Options: map[string]string{qemu.OptionMachine: machine}, Cmdline: vmm.Cmdline{Args: []string{"disks"}}}
				for i, d := range c.disks {
					p := filepath.Join(dir, fmt.Sprintf("d%d.img", i))
					if err := os.WriteFile(p, diskPattern(d.seed, 0, d.size), 0o644); err != nil {
						t.Fatal(err)
					}
					mode := "rw"
					if d.readOnly {
						mode = "ro"
					}
					spec.Disks = append(spec.Disks, vmm.Disk{Path: p, ReadOnly: d.readOnly})
					spec.Cmdline.Args = append(spec.Cmdline.Args, fmt.Sprintf("vd%c:%d:%d:%s", 'a'+i, d.size, d.seed, mode))
				}
				exit, stdout, stderr := bootVM(t, spec)
				if exit.Code() != 0 || strings.Count(stdout, "ok vd") != len(c.disks) {
					t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
				}
				for i, d := range c.disks {
					want := diskPattern(d.seed, 0, d.size)
					if !d.readOnly {
						copy(want[diskPatchAt:], diskPattern(d.seed+100, diskPatchAt, diskPatchLen))
						copy(want[d.size-diskTailLen:], diskPattern(d.seed+100, d.size-diskTailLen, diskTailLen))
					}
					got, err := os.ReadFile(spec.Disks[i].Path)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != d.size {
						t.Fatalf("disk %d: the file has %d bytes, want %d", i, len(got), d.size)
					}
					if at := firstDiff(got, want); at >= 0 {
						t.Errorf("disk %d: the file differs from what the guest wrote at byte %d", i, at)
					}
				}
			})
		}
	}
}

// startVM starts spec on the default VMM, found by name as the launch layer
// finds it. These tests give the guest what a run configuration does not
// offer (raw disks, a bare card), so they go to the VMM seam directly.
func startVM(ctx context.Context, spec vmm.Spec) (vmm.VM, error) {
	v, err := vmm.Lookup(vmm.DefaultVMM)
	if err != nil {
		return nil, err
	}
	return v.Start(ctx, spec)
}

// bootVM boots spec through the vmm package and waits for it to end.
func bootVM(t *testing.T, spec vmm.Spec) (vmm.Exit, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	spec.Stdout, spec.Stderr = &stdout, &stderr
	vm, err := startVM(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	exit, err := vm.Wait()
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	return exit, stdout.String(), stderr.String()
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
