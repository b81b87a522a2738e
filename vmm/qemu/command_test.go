package qemu

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/floorguest"
)

// Command prepares the VM's process for a caller that starts it itself:
// the guest's channels on the given files, the same command line as
// CommandLine renders.
func TestCommand(t *testing.T) {
	needQEMU(t)
	spec := vmm.Spec{Image: floorImage(t, nil), Options: map[string]string{OptionAccel: "tcg"},
		Cmdline: vmm.Cmdline{Args: []string{"floor"}}}
	var outs [3]*os.File
	var reads [3]*os.File
	for i := range outs {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		reads[i], outs[i] = r, w
	}
	cmd, err := (&QEMU{}).Command(context.Background(), spec, vmm.Outputs{COM1: outs[0], COM2: outs[1], Control: outs[2]})
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&QEMU{}).CommandLine(spec)
	if err != nil || !slices.Equal(cmd.Args[1:], want[1:]) {
		t.Fatalf("Command runs %q, CommandLine says %q (%v)", cmd.Args, want, err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, w := range outs {
		w.Close()
	}
	got := make([]string, 3)
	for i, r := range reads {
		b, _ := io.ReadAll(r)
		got[i] = string(b)
	}
	cmd.Wait()
	if got[0] != floorguest.Stdout || got[2] != "exit 0\n" {
		t.Errorf("COM1 %q, control %q", got[0], got[2])
	}
	// A Linux kernel with its initramfs: no unigo image check, -initrd.
	cl, err := (&QEMU{}).CommandLine(vmm.Spec{Image: "vmlinux", Kind: vmm.KindLinux, Initrd: "initramfs.cpio", Cmdline: vmm.Cmdline{Tokens: []string{"console=ttyS0"}}})
	if s := strings.Join(cl, " "); err != nil || !strings.Contains(s, "-kernel vmlinux") || !strings.Contains(s, "-initrd initramfs.cpio") || !strings.Contains(s, "console=ttyS0") {
		t.Errorf("Linux command line %q, %v", s, err)
	}
	// Unknown options are refused, not ignored.
	if _, err := (&QEMU{}).CommandLine(vmm.Spec{Image: "x", Options: map[string]string{"smp": "4"}}); err == nil || !strings.Contains(err.Error(), `QEMU has no option "smp"`) {
		t.Errorf("an unknown option: %v", err)
	}
}
