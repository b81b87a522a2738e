package qemu

import (
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/vmm"
)

func TestShareArgs(t *testing.T) {
	shares := []vmm.Share{{Path: "/h/data", MountAt: "/data"}, {Path: "/h/a,b", MountAt: "/conf", ReadOnly: true}}
	for _, tt := range []struct {
		machine string
		want    []string
	}{
		{MachineMicroVM, []string{
			"-fsdev", "local,id=fs0,path=/h/data,security_model=none,multidevs=remap",
			"-device", "virtio-9p-device,fsdev=fs0,mount_tag=share0",
			"-fsdev", "local,id=fs1,path=/h/a,,b,security_model=none,multidevs=remap,readonly=on",
			"-device", "virtio-9p-device,fsdev=fs1,mount_tag=share1",
		}},
		{MachinePC, []string{
			"-fsdev", "local,id=fs0,path=/h/data,security_model=none,multidevs=remap",
			"-device", "virtio-9p-pci,fsdev=fs0,mount_tag=share0",
			"-fsdev", "local,id=fs1,path=/h/a,,b,security_model=none,multidevs=remap,readonly=on",
			"-device", "virtio-9p-pci,fsdev=fs1,mount_tag=share1",
		}},
	} {
		if got := shareArgs(tt.machine, shares); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n%q\nwant\n%q", tt.machine, got, tt.want)
		}
	}
	// Shares alone need virtio-mmio's modern interface too.
	args := strings.Join(qemuArgs(vmm.Spec{Image: "app.img", Shares: shares[:1]}, options{machine: MachineMicroVM}, Accel{Name: "tcg", CPU: "max"}), " ")
	if !strings.Contains(args, "virtio-mmio.force-legacy=false") || !strings.Contains(args, "share=share0:/data") {
		t.Errorf("microvm with a share: %s", args)
	}
}
